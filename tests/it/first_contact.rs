//! What a new user's web team checks first: every page valid for the W3C Nu HTML Checker,
//! a site icon and a meta description on every page kind, sized images, social cards with
//! a picture, and a search page that does not shift as results arrive.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{Page, Site, html_pages, png};

const ORIGIN: &str = "https://news.example.org";

/// A site without a description in `site.toml`, with photos in one article and none in
/// another, and enough articles for a second page.
fn site() -> Site {
    let site = Site::new();
    let toml = std::fs::read_to_string(site.root().join("site.toml")).unwrap();
    site.write(
        "site.toml",
        &format!("default_image = \"/share.png\"\n{toml}"),
    );
    site.write_bytes("static/share.png", &png(120, 60));
    site.write_bytes("content/news/2024/photo.png", &png(64, 48));
    site.write_bytes("content/news/2024/second.png", &png(30, 90));
    for lang in ["zh", "en"] {
        site.article(
            "2024",
            "with-photo",
            lang,
            "title: Photo\ndate: 2024-03-01\nalliances: [wvteda]\ncountries: [KE]",
            "Opening.\n\n![the ceremony](photo.png)\n\nMore.\n\n![the delegation](second.png)\n\n<img src=\"photo.png\" width=\"10\" alt=\"sized by hand\">",
        );
    }
    for i in 0..21 {
        site.pair("2023", &format!("plain-{i:02}"), "2023-05-01", "sco", "KZ");
    }
    site.build_ok();
    site
}

#[test]
fn every_page_kind_has_an_icon_and_a_meta_description() {
    let site = site();
    let pages = html_pages(&site.out());
    for kind in [
        "index.html",
        "404.html",
        "zh/index.html",
        "en/page/2/index.html",
        "zh/search/index.html",
        "en/alliances/index.html",
        "en/alliances/sco/index.html",
        "zh/countries/index.html",
        "zh/years/2023/index.html",
        "en/news/with-photo/index.html",
    ] {
        assert!(pages.contains_key(kind), "no page {kind}");
    }
    for (rel, page) in &pages {
        let icons = page.attrs("link[rel=icon]", "href");
        assert!(
            icons.iter().any(|h| h == "/favicon.svg"),
            "{rel}: icons {icons:?}"
        );
        assert!(icons.iter().any(|h| h == "/favicon.png"), "{rel}");
        let description = page.attr("meta[name=description]", "content");
        assert!(
            description.as_deref().is_some_and(|d| !d.trim().is_empty()),
            "{rel}: description {description:?}"
        );
    }
    for icon in ["favicon.svg", "favicon.png", "apple-touch-icon.png"] {
        assert!(site.out().join(icon).is_file(), "{icon}");
    }
    // Pages without text of their own still describe themselves in their language.
    let zh_search = pages["zh/search/index.html"]
        .attr("meta[name=description]", "content")
        .unwrap();
    assert!(
        zh_search.contains("搜索资讯") && zh_search.contains("职业教育国际合作资讯"),
        "{zh_search}"
    );

    // A site.toml icon replaces the built-in ones.
    let toml = std::fs::read_to_string(site.root().join("site.toml")).unwrap();
    site.write("site.toml", &format!("icon = \"/logo.png\"\n{toml}"));
    site.write_bytes("static/logo.png", &png(16, 16));
    site.build_ok();
    let home = site.page("/en/");
    assert_eq!(
        home.attrs("link[rel=icon]", "href"),
        vec!["/logo.png".to_owned()]
    );
    assert_eq!(
        home.attr("link[rel=icon]", "type").as_deref(),
        Some("image/png")
    );
}

#[test]
fn body_images_carry_their_size_and_load_lazily_below_the_first() {
    let site = site();
    let page = site.page("/en/news/with-photo/");
    let imgs = page.select("article img, main img");
    // alt, width, height, loading
    let attrs: Vec<[Option<&str>; 4]> = imgs
        .iter()
        .map(|i| ["alt", "width", "height", "loading"].map(|a| i.value().attr(a)))
        .collect();
    assert_eq!(
        attrs,
        vec![
            [Some("the ceremony"), Some("64"), Some("48"), None],
            [Some("the delegation"), Some("30"), Some("90"), Some("lazy")],
            [Some("sized by hand"), Some("10"), None, Some("lazy")],
        ]
    );
}

#[test]
fn articles_have_a_card_picture_with_or_without_their_own() {
    let site = site();
    let meta = |page: &Page, key: &str| {
        page.select(&format!("meta[property='{key}'], meta[name='{key}']"))
            .first()
            .and_then(|m| m.value().attr("content"))
            .map(str::to_owned)
    };
    let json_ld = |page: &Page| -> serde_json::Value {
        let s = page.select("script[type='application/ld+json']");
        serde_json::from_str(&s[0].text().collect::<String>()).unwrap()
    };
    let own = site.page("/en/news/with-photo/");
    // The article's first picture, as its 1200 px (here: full-size) social derivative.
    let photo = format!("{ORIGIN}/media/news/2024/photo.64.social.jpg");
    assert_eq!(meta(&own, "og:image"), Some(photo.clone()));
    assert_eq!(meta(&own, "twitter:image"), Some(photo.clone()));
    assert_eq!(
        meta(&own, "twitter:card").as_deref(),
        Some("summary_large_image")
    );
    assert_eq!(json_ld(&own)[0]["image"][0], photo);

    let plain = site.page("/zh/news/plain-03/");
    let share = format!("{ORIGIN}/share.png");
    assert_eq!(meta(&plain, "og:image"), Some(share.clone()));
    assert_eq!(meta(&plain, "twitter:image"), Some(share.clone()));
    assert_eq!(meta(&plain, "twitter:card").as_deref(), Some("summary"));
    let article = &json_ld(&plain)[0];
    assert_eq!(article["image"][0], share);
    // Author and publisher both carry a URL: here the portal's, as there is no source.
    assert!(
        article["author"]["url"]
            .as_str()
            .is_some_and(|u| u.starts_with(ORIGIN)),
        "{article}"
    );
    assert!(
        article["publisher"]["url"]
            .as_str()
            .is_some_and(|u| u.starts_with(ORIGIN)),
        "{article}"
    );
}

/// The Nu HTML Checker (`vnu.jar` from the npm package `vnu-jar`; `.ci/run` installs it
/// under `target/tools`, or `QIAO_VNU_JAR` names it). A missing checker fails the test.
fn vnu_jar() -> PathBuf {
    if let Some(p) = std::env::var_os("QIAO_VNU_JAR") {
        return PathBuf::from(p);
    }
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/tools/node_modules/vnu-jar/build/dist/vnu.jar");
    assert!(
        p.is_file(),
        "the Nu HTML Checker is missing: npm install --prefix target/tools vnu-jar (and Java; .ci/run does both)"
    );
    p
}

fn assert_valid_html(dir: &Path, what: &str) {
    let out = Command::new("java")
        .arg("-jar")
        .arg(vnu_jar())
        .args(["--errors-only", "--skip-non-html", "--format", "text"])
        .arg(dir)
        .output()
        .expect("java is not installed (apt-get install default-jre-headless; .ci/run does)");
    let report =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{what}: the Nu HTML Checker reports errors:\n{report}"
    );
}

#[test]
fn every_page_passes_the_nu_html_checker() {
    let site = site();
    assert_valid_html(&site.out(), "fixture site");
    let search = crate::support::search_site();
    assert_valid_html(&search.out(), "search fixture");
    let portal = tempfile::tempdir().unwrap();
    let out = portal.path().join("public");
    qiao::pipeline::build(&qiao::BuildOptions {
        out: Some(out.clone()),
        ..qiao::BuildOptions::new(env!("CARGO_MANIFEST_DIR"))
    })
    .unwrap_or_else(|e| panic!("{e:?}"));
    assert_valid_html(&out, "bundled portal");
}

#[test]
fn the_search_page_does_not_shift_as_results_arrive() {
    let site = crate::support::search_site();
    let server = crate::support::server::Server::start(site.root());
    for (width, height) in [(390, 844), (1280, 900)] {
        let b = crate::support::browser::Browser::start();
        b.set_window(width, height);
        // The observer is registered before the page loads, so it sees every shift.
        b.goto(&format!("{}/en/search/?q=Luban+Workshop", server.base));
        b.wait_for(
            "results",
            "return document.querySelectorAll('#search-results a').length > 0 && document.querySelectorAll('#search-facets button').length > 0 || null",
        );
        let cls = b.eval(
            "return await new Promise(done => {
               let total = 0;
               new PerformanceObserver(list => {
                 for (const e of list.getEntries()) if (!e.hadRecentInput) total += e.value;
               }).observe({ type: 'layout-shift', buffered: true });
               setTimeout(() => done(total), 300);
             });",
        );
        let cls = cls.as_f64().unwrap();
        eprintln!("{width}×{height}: cumulative layout shift {cls}");
        assert!(cls < 0.1, "{width}×{height}: cumulative layout shift {cls}");
    }
}
