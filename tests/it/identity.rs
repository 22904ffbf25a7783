//! Byte identity: the bundled portal and a rich fixture site build to exactly the files
//! listed in `tests/golden/*.txt` (path, size and XXH3 hash of every output file). A
//! restructuring must not change one output byte; a change that is meant to alter the
//! output regenerates the lists and shows the difference in review:
//!
//! ```sh
//! QIAO_BLESS=1 cargo test --test it identity
//! ```

use std::io::Cursor;
use std::path::Path;

use crate::support::Site;
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use qiao::BuildOptions;

/// One line per output file, sorted by path: `<xxh3 hex>  <size>  <path>`.
///
/// The searcher is the exception. Its bytes depend on where the repository is checked
/// out: it is its own workspace, so cargo hashes the absolute paths of the crates outside
/// it (the shared search crate, the patched tantivy) into its symbol names, which orders
/// its functions. Its line says only that it is there, and its fingerprint is replaced by
/// `SEARCHER` in the files that name it (the manifest, the output's marker); what it does
/// is pinned by the native = WebAssembly search tests instead.
fn listing(out: &Path) -> String {
    let tree = crate::support::tree(out);
    let searcher = tree.keys().find_map(|path| {
        let name = path.strip_prefix(out).unwrap_or(path).to_str()?;
        let fingerprint = name
            .strip_prefix("search/qiao-search.wasm.")?
            .strip_suffix(".lzma")?;
        Some((path.clone(), fingerprint.to_owned()))
    });
    tree.iter()
        .map(|(path, bytes)| {
            let rel = path.strip_prefix(out).unwrap_or(path);
            let rel = rel.to_string_lossy().replace('\\', "/");
            let Some((searcher, fingerprint)) = &searcher else {
                return line(bytes, &rel);
            };
            if path == searcher {
                return format!(
                    "{:>32}  {:>8}  {}\n",
                    "searcher",
                    "-",
                    rel.replace(fingerprint.as_str(), "SEARCHER")
                );
            }
            let text = String::from_utf8_lossy(bytes);
            if text.contains(fingerprint.as_str()) {
                line(
                    text.replace(fingerprint.as_str(), "SEARCHER").as_bytes(),
                    &rel,
                )
            } else {
                line(bytes, &rel)
            }
        })
        .collect()
}

fn line(bytes: &[u8], rel: &str) -> String {
    format!(
        "{:032x}  {:>8}  {rel}\n",
        xxhash_rust::xxh3::xxh3_128(bytes),
        bytes.len(),
    )
}

/// Compares `actual` with the golden file `name`, or rewrites it under `QIAO_BLESS=1`.
fn check(name: &str, actual: &str) {
    let golden = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("QIAO_BLESS").is_some() {
        std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
        std::fs::write(&golden, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&golden)
        .unwrap_or_else(|e| panic!("{}: {e} (QIAO_BLESS=1 writes it)", golden.display()));
    if expected != actual {
        let (old, new): (Vec<_>, Vec<_>) = (expected.lines().collect(), actual.lines().collect());
        let gone: Vec<_> = old.iter().filter(|l| !new.contains(l)).collect();
        let came: Vec<_> = new.iter().filter(|l| !old.contains(l)).collect();
        panic!(
            "{name}: the output changed.\nexpected, not built:\n{gone:#?}\nbuilt, not expected:\n{came:#?}"
        );
    }
}

#[test]
fn the_bundled_portal_builds_byte_identically() {
    let out = tempfile::tempdir().unwrap();
    let mut opts = BuildOptions::new(env!("CARGO_MANIFEST_DIR"));
    opts.out = Some(out.path().join("public"));
    qiao::build(&opts).expect("the bundled portal builds");
    check("portal.txt", &listing(&out.path().join("public")));
}

/// A small photo with a gradient, so every derivative has real content.
fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let img = RgbImage::from_fn(width, height, |x, y| {
        Rgb([(x * 255 / width) as u8, (y * 255 / height) as u8, 90])
    });
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(img)
        .write_to(&mut out, ImageFormat::Jpeg)
        .unwrap();
    out.into_inner()
}

/// Every page kind and most features: alliances, countries (one named in `site.toml`),
/// tags, years, summaries, sources, a lead photo and an inline one, an attachment, links
/// between articles, a table, a draft (left out), static files and a template override.
fn rich_site() -> Site {
    let site = Site::new();
    site.write(
        "site.toml",
        &format!(
            "{}\n[countries.TW]\nzh = \"中国台湾\"\nen = \"Taiwan, China\"\n[extra]\nmotto = \"bridge\"\n",
            crate::support::SITE_TOML
        ),
    );
    site.write_bytes("content/news/2024/ceremony.jpg", &jpeg(1800, 1200));
    site.write_bytes("content/news/2024/inline.png", &{
        let mut out = Cursor::new(Vec::new());
        DynamicImage::ImageRgb8(RgbImage::from_pixel(64, 48, Rgb([10, 120, 200])))
            .write_to(&mut out, ImageFormat::Png)
            .unwrap();
        out.into_inner()
    });
    site.write_bytes(
        "content/news/2024/programme.pdf",
        b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
    );
    site.write("static/brochure.txt", "A plain static file.\n");
    for (lang, title, body) in [
        (
            "zh",
            "鲁班工坊在肯尼亚揭牌",
            "肯尼亚鲁班工坊正式揭牌。\n\n![课堂](inline.png)\n\n| 年份 | 学员 |\n|---|---|\n| 2023 | 120 |\n\n见[泰国](../2023/thailand.zh.md)与[日程](programme.pdf)。",
        ),
        (
            "en",
            "Luban Workshop opens in Kenya",
            "The workshop trains technicians.\n\n![A classroom](inline.png)\n\n| Year | Trainees |\n|---|---|\n| 2023 | 120 |\n\nSee [Thailand](../2023/thailand.en.md) and the [programme](programme.pdf) & more.",
        ),
    ] {
        site.article(
            "2024",
            "kenya",
            lang,
            &format!(
                "title: \"{title}\"\ndate: 2024-05-01\nsummary: \"{title} — summary\"\nalliances: [wvteda, sco]\ncountries: [KE, CN, TW]\ntags: [\"Luban\", \"skills\"]\nsource:\n  name: \"Xinhua\"\nimage:\n  src: ceremony.jpg\n  alt: \"{title}\"\n  caption: \"Caption {lang}\"\n  credit: Xinhua"
            ),
            body,
        );
    }
    site.pair("2023", "thailand", "2023-09-10", "wvteda", "TH, CN")
        .pair("2023", "kazakhstan", "2023-06-15", "sco", "KZ, RU")
        .pair("2022", "norway", "2022-11-21", "", "NO");
    for lang in ["zh", "en"] {
        site.article(
            "2025",
            "unfinished",
            lang,
            "title: Draft\ndate: 2025-01-01\ndraft: true",
            "Not yet.",
        );
    }
    site.write(
        "templates/404.html",
        "<!doctype html><html lang=\"en\"><head><title>Lost</title></head><body><p>Lost: {{ languages[0].site_title }} {{ assets[\"style.css\"] }}</p></body></html>\n",
    );
    site
}

#[test]
fn a_rich_fixture_site_builds_byte_identically() {
    let site = rich_site();
    site.build_ok();
    check("rich.txt", &listing(&site.out()));
}
