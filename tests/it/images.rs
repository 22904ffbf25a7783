//! Pictures: responsive derivatives of every local photo, the lead photo on the article,
//! cards and social cards, a cache that makes a second build decode nothing, and a clear
//! error for every kind of bad picture. The photos are made by the test.

use std::io::Cursor;
use std::path::Path;

use crate::support::Site;
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};

/// A photo-like JPEG (gradients and noise, so it compresses like a photo).
fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let mut seed = 7u32;
    let img = RgbImage::from_fn(width, height, |x, y| {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        let noise = (seed >> 24) as u8 / 8;
        Rgb([
            ((x * 255) / width) as u8 ^ noise,
            ((y * 255) / height) as u8,
            (((x + y) * 127) / (width + height)) as u8 + noise,
        ])
    });
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(img)
        .write_to(&mut out, ImageFormat::Jpeg)
        .unwrap();
    out.into_inner()
}

/// Inserts an EXIF block after the JPEG's start marker: an orientation (6 = turned a
/// quarter clockwise) and a GPS position, as a phone writes them.
fn with_exif(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    let mut tiff = b"II*\0\x08\0\0\0".to_vec();
    // IFD0: Orientation, GPSInfo pointer.
    tiff.extend(2u16.to_le_bytes());
    tiff.extend([0x12, 0x01, 3, 0]);
    tiff.extend(1u32.to_le_bytes());
    tiff.extend(u32::from(orientation).to_le_bytes());
    tiff.extend([0x25, 0x88, 4, 0]);
    tiff.extend(1u32.to_le_bytes());
    let gps_ifd = 8 + 2 + 2 * 12 + 4;
    tiff.extend((gps_ifd as u32).to_le_bytes());
    tiff.extend(0u32.to_le_bytes());
    // GPS IFD: GPSLatitudeRef "N", and a marker string to look for in the output.
    tiff.extend(1u16.to_le_bytes());
    tiff.extend([0x01, 0x00, 2, 0]);
    tiff.extend(2u32.to_le_bytes());
    tiff.extend(*b"N\0\0\0");
    tiff.extend(0u32.to_le_bytes());
    tiff.extend(b"SECRET-GPS-39.9042N-116.4074E");
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend(tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend([0xFF, 0xE1]);
    out.extend(((app1.len() + 2) as u16).to_be_bytes());
    out.extend(app1);
    out.extend(&jpeg[2..]);
    out
}

fn photo_site() -> Site {
    let site = Site::new();
    site.write_bytes(
        "content/news/2024/ceremony.jpg",
        &with_exif(&jpeg(3000, 2000), 1),
    );
    site.write_bytes(
        "content/news/2024/portrait.jpg",
        &with_exif(&jpeg(300, 200), 6),
    );
    for (lang, alt, caption) in [
        ("zh", "签约仪式现场", "鲁班工坊揭牌仪式"),
        (
            "en",
            "The signing ceremony",
            "The opening of the Luban Workshop",
        ),
    ] {
        site.article(
            "2024",
            "opening",
            lang,
            &format!(
                "title: T {lang}\ndate: 2024-03-01\ncountries: [KE]\nimage:\n  src: ceremony.jpg\n  alt: \"{alt}\"\n  caption: \"{caption}\"\n  credit: Xinhua"
            ),
            "First paragraph.\n\n![a portrait](portrait.jpg)",
        );
    }
    site.pair("2024", "plain", "2024-02-01", "wvteda", "KE");
    site
}

fn decode(path: &Path) -> DynamicImage {
    image::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn photos_become_responsive_derivatives_without_metadata() {
    let site = photo_site();
    let report = site.build_ok();
    assert_eq!(report.pictures_decoded, 2);
    let media = site.out().join("media/news/2024");
    let source_len = std::fs::metadata(site.root().join("content/news/2024/ceremony.jpg"))
        .unwrap()
        .len();
    for (name, width, height) in [
        ("ceremony.480.webp", 480, 320),
        ("ceremony.960.webp", 960, 640),
        ("ceremony.1600.webp", 1600, 1067),
        ("ceremony.1600.jpg", 1600, 1067),
        ("ceremony.1200.social.jpg", 1200, 800),
        // Turned upright by its EXIF orientation, and never upscaled.
        ("portrait.200.webp", 200, 300),
        ("portrait.200.jpg", 200, 300),
    ] {
        let path = media.join(name);
        let img = decode(&path);
        assert_eq!((img.width(), img.height()), (width, height), "{name}");
        let bytes = std::fs::read(&path).unwrap();
        assert!(
            (bytes.len() as u64) < source_len,
            "{name} is larger than its source"
        );
        assert!(
            !bytes.windows(4).any(|w| w == b"Exif")
                && !bytes.windows(10).any(|w| w == b"SECRET-GPS"),
            "{name} still carries metadata"
        );
    }
    // The originals, GPS and all, are not published.
    assert!(!media.join("ceremony.jpg").exists());
    assert!(!media.join("portrait.jpg").exists());

    // The article: the lead photo, eager and first; body pictures lazy, with WebP sources.
    let page = site.page("/en/news/opening/");
    let lead = page.select(".lead-photo img");
    let lead = lead[0].value();
    assert_eq!(lead.attr("src"), Some("/media/news/2024/ceremony.1600.jpg"));
    assert_eq!(
        (lead.attr("width"), lead.attr("height")),
        (Some("3000"), Some("2000"))
    );
    assert_eq!(lead.attr("fetchpriority"), Some("high"));
    assert_eq!(lead.attr("loading"), None);
    assert_eq!(lead.attr("alt"), Some("The signing ceremony"));
    let sources = page.attrs(".lead-photo source[type='image/webp']", "srcset");
    assert_eq!(
        sources,
        [
            "/media/news/2024/ceremony.480.webp 480w, /media/news/2024/ceremony.960.webp 960w, /media/news/2024/ceremony.1600.webp 1600w"
        ]
    );
    assert!(page.attr(".lead-photo source", "sizes").is_some());
    assert_eq!(
        page.texts(".lead-photo figcaption"),
        ["The opening of the Luban Workshop Photo: Xinhua"]
    );
    let body = page.select(".prose picture img");
    let body = body[0].value();
    assert_eq!(body.attr("src"), Some("/media/news/2024/portrait.200.jpg"));
    assert_eq!(
        (body.attr("width"), body.attr("height")),
        (Some("200"), Some("300"))
    );
    assert_eq!(body.attr("decoding"), Some("async"));
    assert_eq!(
        page.attr(".prose picture source", "srcset").as_deref(),
        Some("/media/news/2024/portrait.200.webp 200w")
    );

    // Cards and social cards use the lead photo; an article without one has a plain card.
    let og = page.attr("meta[property='og:image']", "content");
    assert_eq!(
        og.as_deref(),
        Some("https://news.example.org/media/news/2024/ceremony.1200.social.jpg")
    );
    assert_eq!(
        page.attr("meta[name='twitter:card']", "content").as_deref(),
        Some("summary_large_image")
    );
    let home = site.page("/zh/");
    let thumbs = home.attrs(".card-image img", "src");
    assert_eq!(thumbs, ["/media/news/2024/ceremony.1600.jpg"]);
    let feed = std::fs::read_to_string(site.out().join("en/atom.xml")).unwrap();
    assert!(feed.contains(
        "<link rel=\"enclosure\" type=\"image/jpeg\" href=\"https://news.example.org/media/news/2024/ceremony.1200.social.jpg\""
    ));
    site.check_output_ok();
}

#[test]
fn a_second_build_decodes_nothing() {
    let site = photo_site();
    assert_eq!(site.build_ok().pictures_decoded, 2);
    let before = site.snapshot();
    assert_eq!(
        site.build_ok().pictures_decoded,
        0,
        "the cache was not used"
    );
    assert_eq!(site.snapshot(), before);
    // A changed photo is decoded again; the other is not.
    site.write_bytes("content/news/2024/portrait.jpg", &jpeg(250, 200));
    assert_eq!(site.build_ok().pictures_decoded, 1);
    assert!(site.root().join(".qiao-cache/images").is_dir());
}

#[test]
fn bad_pictures_get_clear_errors() {
    let site = Site::new();
    let good = jpeg(64, 48);
    site.write_bytes("content/news/2024/truncated.jpg", &good[..good.len() / 3]);
    site.write_bytes("content/news/2024/text.jpg", b"this is not a picture\n");
    // A PNG header claiming 20,000 x 20,000 pixels: refused from the header, at once.
    let mut huge = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(RgbImage::new(1, 1))
        .write_to(&mut huge, ImageFormat::Png)
        .unwrap();
    let mut huge = huge.into_inner();
    huge[16..20].copy_from_slice(&20_000u32.to_be_bytes());
    huge[20..24].copy_from_slice(&20_000u32.to_be_bytes());
    site.write_bytes("content/news/2024/huge.png", &huge);
    for (slug, file) in [("a", "truncated.jpg"), ("b", "text.jpg"), ("c", "huge.png")] {
        site.article(
            "2024",
            slug,
            "en",
            &format!("title: {slug}\ndate: 2024-01-01"),
            &format!("![x]({file})"),
        );
    }
    site.article(
        "2024",
        "no-alt",
        "en",
        "title: N\ndate: 2024-01-01\nimage:\n  src: missing.jpg",
        "x",
    );
    site.article(
        "2024",
        "missing",
        "en",
        "title: M\ndate: 2024-01-01\nimage:\n  src: missing.jpg\n  alt: A photo",
        "x",
    );
    let started = std::time::Instant::now();
    let errors = site.build_errors();
    assert!(
        started.elapsed().as_secs() < 20,
        "bad pictures took {:?}",
        started.elapsed()
    );
    for expect in [
        "content/news/2024/a.en.md:6: `truncated.jpg` (content/news/2024/truncated.jpg): a damaged or unsupported picture",
        "content/news/2024/b.en.md:6: `text.jpg` (content/news/2024/text.jpg): not a picture qiao can read",
        "`huge.png` (content/news/2024/huge.png): the picture is 20000 × 20000 pixels",
        "content/news/2024/no-alt.en.md:4: field `image`: expected `alt`",
        "content/news/2024/missing.en.md:4: field `image`: `missing.jpg` references `content/news/2024/missing.jpg`, which does not exist",
    ] {
        assert!(errors.contains(expect), "missing {expect:?} in:\n{errors}");
    }
}

#[test]
fn unusual_pictures_publish_correctly() {
    let site = Site::new();
    // Grey JPEGs come from scanners; 16-bit PNGs with alpha from design tools.
    let grey = {
        let mut out = Cursor::new(Vec::new());
        let luma = image::GrayImage::from_fn(40, 30, |x, _| image::Luma([(x * 6) as u8]));
        DynamicImage::ImageLuma8(luma)
            .write_to(&mut out, ImageFormat::Jpeg)
            .unwrap();
        out.into_inner()
    };
    let png16 = {
        let img = image::ImageBuffer::<image::Rgba<u16>, _>::from_fn(50, 40, |x, y| {
            image::Rgba([x as u16 * 1000, y as u16 * 1200, 30_000, 40_000])
        });
        let mut out = Cursor::new(Vec::new());
        DynamicImage::ImageRgba16(img)
            .write_to(&mut out, ImageFormat::Png)
            .unwrap();
        out.into_inner()
    };
    // An animated GIF of two frames is published as it is, animation kept.
    let gif = {
        let mut out = Vec::new();
        {
            let mut enc = image::codecs::gif::GifEncoder::new(&mut out);
            for shade in [10u8, 200] {
                let frame = image::RgbaImage::from_pixel(20, 10, image::Rgba([shade, 0, 0, 255]));
                enc.encode_frame(image::Frame::new(frame)).unwrap();
            }
        }
        out
    };
    site.write_bytes("content/news/2024/print.jpg", &grey);
    site.write_bytes("content/news/2024/design.png", &png16);
    site.write_bytes("content/news/2024/moving.gif", &gif);
    site.article(
        "2024",
        "odd",
        "en",
        "title: Odd\ndate: 2024-01-01",
        "![p](print.jpg)\n\n![d](design.png)\n\n![m](moving.gif)",
    );
    site.build_ok();
    let media = site.out().join("media/news/2024");
    assert_eq!(decode(&media.join("print.40.jpg")).width(), 40);
    let design = decode(&media.join("design.50.png"));
    assert!(design.color().has_alpha());
    assert!(media.join("design.50.webp").is_file());
    assert_eq!(std::fs::read(media.join("moving.gif")).unwrap(), gif);
    let page = site.page("/en/news/odd/");
    let gif_img = page.select("img[src='/media/news/2024/moving.gif']");
    assert_eq!(gif_img[0].value().attr("width"), Some("20"));
}

#[test]
fn a_one_language_article_with_a_lead_photo() {
    let site = Site::new();
    site.write_bytes("content/news/2024/visit.jpg", &jpeg(800, 600));
    site.article(
        "2024",
        "visit",
        "en",
        "title: Visit\ndate: 2024-04-01\nimage:\n  src: visit.jpg\n  alt: The delegation",
        "Body.",
    );
    site.build_ok();
    let page = site.page("/en/news/visit/");
    assert_eq!(
        page.attr(".lead-photo img", "src").as_deref(),
        Some("/media/news/2024/visit.800.jpg")
    );
    assert!(!site.exists("/zh/news/visit/"));
    assert_eq!(
        site.page("/en/").attrs(".card-image img", "src"),
        ["/media/news/2024/visit.800.jpg"]
    );
}
