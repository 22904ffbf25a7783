//! Pictures: every local raster image an article uses becomes responsive derivatives —
//! WebP at 480, 960 and 1600 px wide (never upscaled), the original format at the largest
//! width as a fallback, and a 1200 px JPEG for social cards — with EXIF orientation
//! applied and every metadata block (GPS included) gone, since each is encoded anew from
//! pixels. The originals are not published.
//!
//! Decoding is the slow part, so derivatives are cached in `.qiao-cache/images/` under a
//! hash of the source bytes and of the settings: an unchanged photo is never decoded
//! again. Animated GIFs are published as they are (resizing would drop the animation).

use std::collections::HashMap;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader};
use serde::{Deserialize, Serialize};

use crate::urls::{Link, SitePath, Urls};

/// Widths of the WebP derivatives, for `srcset`.
pub const WIDTHS: [u32; 3] = [480, 960, 1600];
/// The width of the social-card picture (what Open Graph consumers ask for).
pub const SOCIAL_WIDTH: u32 = 1200;
const WEBP_QUALITY: f32 = 78.0;
const JPEG_QUALITY: u8 = 82;
/// Bigger files and pictures are refused with a message instead of exhausting memory: a
/// 20,000 × 20,000 px image decodes to 1.6 GB.
const MAX_BYTES: u64 = 100 * 1024 * 1024;
const MAX_PIXELS: u64 = 100_000_000;
/// Bumped whenever the derivatives would come out differently, so old cache entries
/// are not reused.
const SETTINGS: &str = "qiao-images-1 480,960,1600 social1200 webp78 jpeg82";

/// The cache folder, in the site root.
pub const CACHE_DIR: &str = ".qiao-cache";

/// One encoded derivative.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Variant {
    pub width: u32,
    pub height: u32,
    /// The file name inside the cache entry and, prefixed with the original's stem, in
    /// the output.
    pub name: String,
    pub mime: String,
}

/// A processed picture: its display size and its derivatives.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Picture {
    /// After EXIF orientation.
    pub width: u32,
    pub height: u32,
    /// Narrowest first; empty for an animated GIF, which is published as it is.
    pub webp: Vec<Variant>,
    /// The original format at the largest width; `None` when the original is published.
    pub fallback: Option<Variant>,
    pub social: Option<Variant>,
    /// The cache entry holding the variants' files.
    #[serde(skip)]
    pub dir: PathBuf,
    /// Not processed yet (`qiao serve` makes derivatives in the background): the original
    /// stands in until the next build.
    #[serde(skip)]
    pub deferred: bool,
}

impl Picture {
    /// A picture published as it is, with no derivatives.
    fn original(size: imagesize::ImageSize) -> Picture {
        Picture {
            width: size.width as u32,
            height: size.height as u32,
            webp: Vec::new(),
            fallback: None,
            social: None,
            dir: PathBuf::new(),
            deferred: false,
        }
    }

    /// Every derivative, for publishing.
    pub fn variants(&self) -> impl Iterator<Item = &Variant> {
        self.webp.iter().chain(&self.fallback).chain(&self.social)
    }

    /// Whether the original file must be published (no derivative replaces it).
    pub fn keeps_original(&self) -> bool {
        self.fallback.is_none()
    }
}

/// The output path of a derivative of the content file `rel` (`news/2024/photo.jpg` →
/// `media/news/2024/photo.960.webp`).
pub fn output_path(rel: &Path, variant: &Variant) -> PathBuf {
    let stem = rel
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let file = format!("{stem}.{}", variant.name);
    Path::new("media")
        .join(rel.parent().unwrap_or(Path::new("")))
        .join(file)
}

/// The site path of a derivative of the content file `rel`, percent-encoded like every
/// media link (file names may hold spaces and Chinese).
pub fn site_path(rel: &Path, variant: &Variant) -> SitePath {
    let file = output_path(rel, variant);
    let inside = file.strip_prefix("media").unwrap_or(&file);
    crate::urls::media(&inside.to_string_lossy().replace('\\', "/"))
}

/// What `<img>`/`<source>` need: the fallback's link and the WebP `srcset`.
pub struct Links {
    pub src: Link,
    /// Every WebP derivative's link and width, as the attribute lists them.
    pub srcset: String,
}

/// Pictures fill the text column on a phone and at most its width on a wide screen.
pub const SIZES: &str = "(min-width: 50rem) 46rem, calc(100vw - 2rem)";

pub fn links(rel: &Path, picture: &Picture, urls: &Urls) -> Links {
    let srcset = picture
        .webp
        .iter()
        .map(|v| format!("{} {}w", urls.link(&site_path(rel, v)), v.width))
        .collect::<Vec<_>>()
        .join(", ");
    // Without derivatives (yet), the original is what there is to show.
    let src = match &picture.fallback {
        Some(v) => urls.link(&site_path(rel, v)),
        None => urls.link(&crate::urls::media(
            &rel.to_string_lossy().replace('\\', "/"),
        )),
    };
    Links { src, srcset }
}

/// Whether qiao makes derivatives of files with this name.
pub fn is_raster(path: &Path) -> bool {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    matches!(ext.as_str(), "jpg" | "jpeg" | "png" | "gif" | "webp")
}

type Slot = Arc<OnceLock<Result<Arc<Picture>, String>>>;

/// Processes pictures once per build (the two halves of an article share their photos)
/// and once ever per content (the cache).
pub struct Processor {
    cache: PathBuf,
    /// Leave pictures that are not in the cache for later, publishing the originals
    /// meanwhile: `qiao serve` shows an edit at once and processes new photos after.
    defer: bool,
    /// The pictures left for later.
    pending: Mutex<Vec<PathBuf>>,
    done: Mutex<HashMap<PathBuf, Slot>>,
    /// Cache entries being made, by the hash of the picture's bytes.
    making: Mutex<HashMap<u128, Slot>>,
    /// Pictures decoded in this build: cache misses. Tests read it to prove a second
    /// build decodes nothing.
    pub decoded: AtomicUsize,
}

impl Processor {
    pub fn new(site_root: &Path, defer: bool) -> Processor {
        Processor {
            cache: site_root.join(CACHE_DIR).join("images"),
            defer,
            pending: Mutex::new(Vec::new()),
            done: Mutex::new(HashMap::new()),
            making: Mutex::new(HashMap::new()),
            decoded: AtomicUsize::new(0),
        }
    }

    /// The pictures left for later by a deferring processor.
    pub fn pending(&self) -> Vec<PathBuf> {
        self.pending.lock().map(|p| p.clone()).unwrap_or_default()
    }

    /// The derivatives of the picture at `path`, made now or taken from the cache.
    pub fn picture(&self, path: &Path) -> Result<Arc<Picture>, String> {
        slot(&self.done, path.to_path_buf())?
            .get_or_init(|| self.make(path))
            .clone()
    }

    fn make(&self, path: &Path) -> Result<Arc<Picture>, String> {
        let size = std::fs::metadata(path)
            .map_err(|e| format!("cannot read: {e}"))?
            .len();
        if size > MAX_BYTES {
            return Err(format!(
                "the file is {} MB; qiao processes pictures up to {} MB: export a smaller one",
                size / (1024 * 1024),
                MAX_BYTES / (1024 * 1024)
            ));
        }
        let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
        let key = xxhash_rust::xxh3::xxh3_128(&[SETTINGS.as_bytes(), &bytes].concat());
        let dir = self.cache.join(format!("{key:032x}"));
        if let Some(picture) = cached(&dir) {
            return Ok(Arc::new(picture));
        }
        if self.defer {
            let size = imagesize::blob_size(&bytes)
                .map_err(|e| format!("a damaged or unsupported picture: {e}"))?;
            if let Ok(mut pending) = self.pending.lock() {
                pending.push(path.to_path_buf());
            }
            return Ok(Arc::new(Picture {
                deferred: true,
                ..Picture::original(size)
            }));
        }
        // One photo saved under two names is one entry, decoded and written once.
        slot(&self.making, key)?
            .get_or_init(|| self.derive_into(&bytes, key, dir).map(Arc::new))
            .clone()
    }

    /// Decodes a picture, encodes its derivatives and writes them as the cache entry
    /// `dir` (named by `key`, the hash of its bytes).
    fn derive_into(&self, bytes: &[u8], key: u128, dir: PathBuf) -> Result<Picture, String> {
        self.decoded.fetch_add(1, Ordering::Relaxed);
        let (picture, files) = derive(bytes)?;
        // Written beside and renamed in, so a killed build never leaves half an entry. The
        // folder's name is this write's own: another processor (`qiao serve` runs one
        // beside a build's) or another qiao may be making the same entry.
        static WRITES: AtomicUsize = AtomicUsize::new(0);
        let tmp = self.cache.join(format!(
            ".{key:032x}.{}.{}.tmp",
            std::process::id(),
            WRITES.fetch_add(1, Ordering::Relaxed)
        ));
        let write = || -> std::io::Result<()> {
            let _ = std::fs::remove_dir_all(&tmp);
            std::fs::create_dir_all(&tmp)?;
            for (name, data) in &files {
                std::fs::write(tmp.join(name), data)?;
            }
            let json = serde_json::to_string(&picture).map_err(std::io::Error::other)?;
            std::fs::write(tmp.join("picture.json"), json)?;
            // A whole entry is never replaced: the other writer's caller may be reading it,
            // and it holds the same files. Only a damaged one makes way.
            let whole = || cached(&dir).is_some();
            if dir.exists() && !whole() {
                let _ = std::fs::remove_dir_all(&dir);
            }
            match std::fs::rename(&tmp, &dir) {
                Err(_) if whole() => std::fs::remove_dir_all(&tmp),
                done => done,
            }
        };
        write().map_err(|e| {
            format!(
                "cannot write the picture cache {}: {e}",
                self.cache.display()
            )
        })?;
        Ok(Picture { dir, ..picture })
    }
}

/// The picture of the cache entry `dir`, if the entry is whole: its `picture.json` and
/// every file that lists.
fn cached(dir: &Path) -> Option<Picture> {
    let text = std::fs::read_to_string(dir.join("picture.json")).ok()?;
    let mut picture = serde_json::from_str::<Picture>(&text).ok()?;
    if !picture.variants().all(|v| dir.join(&v.name).is_file()) {
        return None;
    }
    picture.dir = dir.to_path_buf();
    Some(picture)
}

/// The slot of `key` in `slots`, made empty if it is new.
fn slot<K: std::hash::Hash + Eq>(slots: &Mutex<HashMap<K, Slot>>, key: K) -> Result<Slot, String> {
    let mut slots = slots.lock().map_err(|_| "a picture thread failed")?;
    Ok(slots.entry(key).or_default().clone())
}

/// Encoded derivatives by file name, for the cache entry.
type Files = Vec<(String, Vec<u8>)>;

/// Decodes and encodes every derivative: the picture's description and the files.
fn derive(bytes: &[u8]) -> Result<(Picture, Files), String> {
    let format = image::guess_format(bytes).map_err(|_| {
        "not a picture qiao can read (JPEG, PNG, GIF or WebP), whatever its name says".to_owned()
    })?;
    if format == ImageFormat::Gif && is_animated_gif(bytes) {
        let size = imagesize::blob_size(bytes).map_err(|e| format!("a damaged GIF: {e}"))?;
        let picture = Picture::original(size);
        return Ok((picture, Vec::new()));
    }
    let img = decode(bytes, format)?;
    let mut files = Vec::new();
    let (webp, largest) = webp_variants(&img, &mut files)?;
    // The fallback keeps the original's kind: JPEG stays JPEG; PNG (screenshots, charts,
    // anything with transparency) stays PNG.
    let (ext, mime, data) = if img.color().has_alpha() || format == ImageFormat::Png {
        ("png", "image/png", encode(&largest, ImageFormat::Png)?)
    } else {
        ("jpg", "image/jpeg", encode_jpeg(&largest)?)
    };
    let name = format!("{}.{ext}", largest.width());
    let fallback = stored(&mut files, &largest, name, mime, data);
    let social_img = scaled(&img, img.width().min(SOCIAL_WIDTH));
    let data = encode_jpeg(&social_img)?;
    let name = format!("{}.social.jpg", social_img.width());
    let social = stored(&mut files, &social_img, name, "image/jpeg", data);
    let picture = Picture {
        width: img.width(),
        height: img.height(),
        webp,
        fallback: Some(fallback),
        social: Some(social),
        dir: PathBuf::new(),
        deferred: false,
    };
    Ok((picture, files))
}

/// A WebP derivative at each of [`WIDTHS`] narrower than the original, and one at the
/// original's width up to the largest of them; with that largest derivative.
fn webp_variants(
    img: &DynamicImage,
    files: &mut Files,
) -> Result<(Vec<Variant>, DynamicImage), String> {
    let width = img.width();
    let mut widths: Vec<u32> = WIDTHS.iter().copied().filter(|&x| x < width).collect();
    widths.push(width.min(WIDTHS[WIDTHS.len() - 1]));
    widths.dedup();
    let mut webp = Vec::new();
    let mut largest = None;
    for &target in &widths {
        let small = scaled(img, target);
        let data = encode_webp(&small)?;
        let name = format!("{target}.webp");
        webp.push(stored(files, &small, name, "image/webp", data));
        largest = Some(small);
    }
    Ok((webp, largest.unwrap_or_else(|| img.clone())))
}

/// `img` at `target` pixels wide (never wider than it is), its aspect ratio kept.
fn scaled(img: &DynamicImage, target: u32) -> DynamicImage {
    let (width, height) = (img.width(), img.height());
    if target >= width {
        img.clone()
    } else {
        let h = ((u64::from(height) * u64::from(target) + u64::from(width) / 2) / u64::from(width))
            .max(1) as u32;
        img.resize_exact(target, h, image::imageops::FilterType::CatmullRom)
    }
}

/// Adds an encoded derivative of `img` to the cache entry's `files`, and describes it.
fn stored(
    files: &mut Files,
    img: &DynamicImage,
    name: String,
    mime: &str,
    data: Vec<u8>,
) -> Variant {
    files.push((name.clone(), data));
    Variant {
        width: img.width(),
        height: img.height(),
        name,
        mime: mime.into(),
    }
}

fn encode_webp(img: &DynamicImage) -> Result<Vec<u8>, String> {
    let encoded = if img.color().has_alpha() {
        let rgba = img.to_rgba8();
        webp::Encoder::from_rgba(&rgba, rgba.width(), rgba.height()).encode(WEBP_QUALITY)
    } else {
        let rgb = img.to_rgb8();
        webp::Encoder::from_rgb(&rgb, rgb.width(), rgb.height()).encode(WEBP_QUALITY)
    };
    Ok(encoded.to_vec())
}

fn encode_jpeg(img: &DynamicImage) -> Result<Vec<u8>, String> {
    let rgb = DynamicImage::ImageRgb8(img.to_rgb8());
    let mut out = Cursor::new(Vec::new());
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY);
    rgb.write_with_encoder(encoder)
        .map_err(|e| format!("cannot encode JPEG: {e}"))?;
    Ok(out.into_inner())
}

fn encode(img: &DynamicImage, format: ImageFormat) -> Result<Vec<u8>, String> {
    // 8 bits a channel is what browsers show; 16-bit PNGs would only be larger.
    let img = if img.color().has_alpha() {
        DynamicImage::ImageRgba8(img.to_rgba8())
    } else {
        DynamicImage::ImageRgb8(img.to_rgb8())
    };
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format)
        .map_err(|e| format!("cannot encode: {e}"))?;
    Ok(out.into_inner())
}

fn too_big(width: u64, height: u64) -> String {
    format!(
        "the picture is {width} × {height} pixels; qiao processes pictures up to {} megapixels: export a smaller one",
        MAX_PIXELS / 1_000_000
    )
}

/// Decodes within the limits, turned upright by its EXIF orientation.
fn decode(bytes: &[u8], format: ImageFormat) -> Result<DynamicImage, String> {
    // The header tells the size before anything is decoded: a huge picture is refused
    // at once, whatever else is wrong with it.
    if let Ok(size) = imagesize::blob_size(bytes)
        && (size.width as u64) * (size.height as u64) > MAX_PIXELS
    {
        return Err(too_big(size.width as u64, size.height as u64));
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(MAX_PIXELS * 8);
    reader.limits(limits);
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| format!("a damaged or unsupported picture: {e}"))?;
    let (w, h) = decoder.dimensions();
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(too_big(w.into(), h.into()));
    }
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder)
        .map_err(|e| format!("a damaged or unsupported picture: {e}"))?;
    img.apply_orientation(orientation);
    Ok(img)
}

/// More than one image descriptor: an animation.
fn is_animated_gif(bytes: &[u8]) -> bool {
    use image::AnimationDecoder;
    image::codecs::gif::GifDecoder::new(Cursor::new(bytes))
        .map(|d| d.into_frames().take(2).count() > 1)
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small JPEG, the same bytes every call.
    fn jpeg() -> Vec<u8> {
        let mut out = Vec::new();
        DynamicImage::new_rgb8(900, 600)
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Jpeg)
            .expect("encode");
        out
    }

    #[test]
    fn one_photo_under_many_names_is_made_on_many_threads_at_once() {
        // One photo saved under eight names has one cache entry, which eight threads ask
        // for at the same moment on a fresh cache: it is decoded and written once.
        let site = tempfile::tempdir().expect("tempdir");
        let cache = site.path().join(CACHE_DIR).join("images");
        let photo = jpeg();
        let paths: Vec<PathBuf> = (0..8)
            .map(|n| {
                let path = site.path().join(format!("photo-{n}.jpg"));
                std::fs::write(&path, &photo).expect("write");
                path
            })
            .collect();
        for round in 0..4 {
            // A fresh cache each round.
            let _ = std::fs::remove_dir_all(&cache);
            std::fs::create_dir_all(&cache).expect("cache");
            let processor = Processor::new(site.path(), false);
            let start = std::sync::Barrier::new(paths.len());
            let results: Vec<Result<Arc<Picture>, String>> = std::thread::scope(|s| {
                let workers: Vec<_> = (paths.iter())
                    .map(|path| {
                        let (processor, start) = (&processor, &start);
                        s.spawn(move || {
                            start.wait();
                            processor.picture(path)
                        })
                    })
                    .collect();
                workers
                    .into_iter()
                    .map(|w| w.join().expect("thread"))
                    .collect()
            });
            assert_eq!(
                processor.decoded.load(Ordering::Relaxed),
                1,
                "round {round}"
            );
            for result in results {
                let picture = result.unwrap_or_else(|e| panic!("round {round}: {e}"));
                assert!(
                    picture
                        .variants()
                        .all(|v| picture.dir.join(&v.name).is_file())
                );
            }
        }
    }

    #[test]
    fn two_processors_making_one_entry_at_once_both_see_it_whole() {
        // `qiao serve` and a build (or two qiao processes) may make the same cache entry
        // at the same moment. Whichever finishes second must not take away the entry the
        // first one's caller is already reading.
        let site = tempfile::tempdir().expect("tempdir");
        let cache = site.path().join(CACHE_DIR).join("images");
        let path = site.path().join("photo.jpg");
        std::fs::write(&path, jpeg()).expect("write");
        for round in 0..12 {
            let _ = std::fs::remove_dir_all(&cache);
            std::fs::create_dir_all(&cache).expect("cache");
            let processors = [0, 1].map(|_| Processor::new(site.path(), false));
            let start = std::sync::Barrier::new(processors.len());
            std::thread::scope(|s| {
                for processor in &processors {
                    let (path, start) = (&path, &start);
                    s.spawn(move || {
                        start.wait();
                        let picture = processor.picture(path).unwrap_or_else(|e| panic!("{e}"));
                        // Read it as a build would, for as long as the other may still write.
                        for _ in 0..200 {
                            for v in picture.variants() {
                                let file = picture.dir.join(&v.name);
                                assert!(file.is_file(), "round {round}: {} gone", file.display());
                            }
                        }
                    });
                }
            });
            let leftovers: Vec<_> = (std::fs::read_dir(&cache).expect("cache"))
                .map(|e| e.expect("entry").file_name())
                .filter(|n| n.to_string_lossy().ends_with(".tmp"))
                .collect();
            assert!(leftovers.is_empty(), "round {round}: {leftovers:?}");
        }
    }

    #[test]
    fn a_damaged_entry_is_made_again() {
        let site = tempfile::tempdir().expect("tempdir");
        let path = site.path().join("photo.jpg");
        std::fs::write(&path, jpeg()).expect("write");
        let first = Processor::new(site.path(), false)
            .picture(&path)
            .expect("first");
        let lost = first.variants().next().expect("a variant").name.clone();
        std::fs::remove_file(first.dir.join(&lost)).expect("remove");
        let processor = Processor::new(site.path(), false);
        let again = processor.picture(&path).expect("again");
        assert_eq!(processor.decoded.load(Ordering::Relaxed), 1);
        assert!(again.variants().all(|v| again.dir.join(&v.name).is_file()));
    }
}
