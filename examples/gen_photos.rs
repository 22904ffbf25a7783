//! Generates a site of article pairs that each carry a camera-sized lead photo, for the
//! picture benchmark: `cargo run --release --example gen_photos -- --photos 200 --out DIR`.
//!
//! The photos are 3000 × 2000 JPEGs of gradients and noise, which compress like photos
//! (about 1–2 MB each), with an EXIF block as a camera writes it. The same arguments always
//! write the same files.

use std::io::Cursor;
use std::path::PathBuf;

use image::{DynamicImage, ImageFormat, Rgb, RgbImage};

const SITE_TOML: &str = r#"base_url = "https://news.example.org"
[languages.zh]
title = "职业教育国际合作资讯"
[languages.en]
title = "Vocational Education International Cooperation News"
[alliances.wvteda]
zh = "世界职业技术教育发展联盟"
en = "World Vocational and Technical Education Development Alliance"
"#;

fn photo(n: u32, width: u32, height: u32) -> Vec<u8> {
    let mut seed = 2_166_136_261u32 ^ n;
    let img = RgbImage::from_fn(width, height, |x, y| {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        let noise = (seed >> 26) as u8;
        Rgb([
            ((x + n * 37) % 256) as u8 ^ noise,
            ((y * 255) / height) as u8 ^ (noise >> 1),
            (((x / 7 + y / 5 + n) * 3) % 256) as u8,
        ])
    });
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(img)
        .write_to(&mut out, ImageFormat::Jpeg)
        .expect("encoding a generated photo");
    let jpeg = out.into_inner();
    // A camera's EXIF header (orientation only), so derivatives have metadata to drop.
    let exif = b"Exif\0\0II*\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0\x01\0\0\0\0\0\0\0";
    let mut with_exif = jpeg[..2].to_vec();
    with_exif.extend([0xFF, 0xE1]);
    with_exif.extend(((exif.len() + 2) as u16).to_be_bytes());
    with_exif.extend(exif);
    with_exif.extend(&jpeg[2..]);
    with_exif
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let photos: u32 = value("--photos")
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let out = PathBuf::from(value("--out").unwrap_or_else(|| "target/photo-site".into()));
    let news = out.join("content/news/2024");
    std::fs::create_dir_all(&news).expect("creating the site folder");
    std::fs::write(out.join("site.toml"), SITE_TOML).expect("writing site.toml");
    for n in 0..photos {
        let file = news.join(format!("photo-{n:03}.jpg"));
        if !file.exists() {
            std::fs::write(&file, photo(n, 3000, 2000)).expect("writing a photo");
        }
        for (lang, title, alt) in [
            ("zh", "鲁班工坊揭牌", "揭牌仪式现场"),
            ("en", "Luban Workshop opens", "The opening ceremony"),
        ] {
            let text = format!(
                "---\ntitle: \"{title} {n}\"\ndate: 2024-{:02}-{:02}\nalliances: [wvteda]\ncountries: [KE]\nimage:\n  src: photo-{n:03}.jpg\n  alt: \"{alt}\"\n  credit: Xinhua\n---\n\n{}\n",
                1 + n % 12,
                1 + n % 28,
                "The workshop trains technicians in partnership with local colleges. ".repeat(20)
            );
            std::fs::write(news.join(format!("item-{n:03}.{lang}.md")), text)
                .expect("writing an article");
        }
    }
    println!("{photos} photos in {}", out.display());
}
