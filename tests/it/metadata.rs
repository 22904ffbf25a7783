//! Publishing metadata: canonical and hreflang links, the sitemap, Atom feeds, social
//! cards and JSON-LD, all parsed and cross-checked against the pages that exist.

use std::collections::{BTreeMap, BTreeSet};

use crate::support::Site;

const ORIGIN: &str = "https://news.example.org";

fn site() -> Site {
    let site = Site::new();
    site.pair("2024", "luban-kenya", "2024-03-01", "wvteda", "KE, CN")
        .pair("2023", "sco-forum", "2023-06-15", "sco, wvteda", "KZ, CN");
    site.article(
        "2025",
        "only-en",
        "en",
        "title: English only\ndate: 2025-01-01\ncountries: [FR]",
        "Only English.",
    );
    site.write_bytes("content/news/2024/photo.jpg", &crate::support::jpeg(64, 48));
    site.article(
        "2024",
        "escape-me",
        "en",
        "title: \"Tom & Jerry <b>sign</b> a \\\"deal\\\" </script>\"\ndate: 2024-06-01\nalliances: [wvteda]\ncountries: [KE]\nsource: {name: Xinhua, url: \"https://example.org/x\"}",
        "Body with ![a photo](photo.jpg) & <em>markup</em>.",
    );
    site.article(
        "2024",
        "escape-me",
        "zh",
        "title: 转义\ndate: 2024-06-01\nalliances: [wvteda]\ncountries: [KE]",
        "正文。",
    );
    site.build_ok();
    site
}

/// Every HTML page of the output, by site path.
fn html_pages(site: &Site) -> BTreeMap<String, crate::support::Page> {
    crate::support::html_pages(&site.out())
        .into_iter()
        .map(|(rel, page)| {
            let path = match rel.strip_suffix("index.html") {
                Some(dir) => format!("/{dir}"),
                None => format!("/{rel}"),
            };
            (path, page)
        })
        .collect()
}

fn site_path(url: &str) -> String {
    url.strip_prefix(ORIGIN)
        .unwrap_or_else(|| panic!("not absolute on the site: {url}"))
        .to_owned()
}

#[test]
fn canonical_and_hreflang_are_absolute_reciprocal_and_never_dangle() {
    let site = site();
    let pages = html_pages(&site);
    assert!(pages.len() > 30);
    let mut alternates: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (path, page) in &pages {
        if path == "/404.html" {
            continue;
        }
        assert_eq!(
            page.attr("link[rel=canonical]", "href"),
            Some(format!("{ORIGIN}{path}")),
            "{path}"
        );
        let mut set = BTreeMap::new();
        for link in page.select("link[rel=alternate][hreflang]") {
            let hreflang = link.value().attr("hreflang").unwrap().to_owned();
            let target = site_path(link.value().attr("href").unwrap());
            assert!(
                pages.contains_key(&target),
                "{path} has a dangling alternate {target}"
            );
            set.insert(hreflang, target);
        }
        alternates.insert(path.clone(), set);
    }
    for (path, set) in &alternates {
        if path == "/" {
            assert!(
                set.is_empty(),
                "the language chooser is no language version"
            );
            continue;
        }
        let lang = if path.starts_with("/zh/") {
            "zh-Hans"
        } else {
            "en"
        };
        assert_eq!(set.get(lang), Some(path), "{path} lists itself");
        for (hreflang, target) in set {
            if hreflang != "x-default" {
                assert_eq!(&alternates[target], set, "{path} and {target} disagree");
            }
        }
        // x-default is the default language's (zh) version, when there is one.
        let x = set.get("x-default");
        match set.get("zh-Hans") {
            Some(zh) => assert_eq!(x, Some(zh), "{path}"),
            None => assert_eq!(x, None, "{path}"),
        }
    }
    assert_eq!(
        alternates["/en/news/only-en/"].keys().collect::<Vec<_>>(),
        ["en"]
    );
}

#[test]
fn the_sitemap_lists_every_page_with_its_language_versions() {
    let site = site();
    let pages = html_pages(&site);
    let text = std::fs::read_to_string(site.out().join("sitemap.xml")).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "urlset");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.sitemaps.org/schemas/sitemap/0.9")
    );
    let xhtml = "http://www.w3.org/1999/xhtml";
    let mut listed = BTreeSet::new();
    for url in root.children().filter(|n| n.is_element()) {
        assert_eq!(url.tag_name().name(), "url");
        let loc = url
            .children()
            .find(|n| n.has_tag_name("loc"))
            .unwrap()
            .text()
            .unwrap();
        let path = site_path(loc);
        let page = &pages[&path];
        let in_sitemap: BTreeMap<String, String> = url
            .children()
            .filter(|n| n.has_tag_name((xhtml, "link")))
            .map(|l| {
                assert_eq!(l.attribute("rel"), Some("alternate"));
                (
                    l.attribute("hreflang").unwrap().to_owned(),
                    l.attribute("href").unwrap().to_owned(),
                )
            })
            .collect();
        let in_head: BTreeMap<String, String> = page
            .select("link[rel=alternate][hreflang]")
            .iter()
            .map(|l| {
                (
                    l.value().attr("hreflang").unwrap().to_owned(),
                    l.value().attr("href").unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(in_sitemap, in_head, "{path}");
        assert!(listed.insert(path));
    }
    let expected: BTreeSet<String> = pages
        .keys()
        .filter(|p| *p != "/404.html")
        .cloned()
        .collect();
    assert_eq!(listed, expected);
    let robots = std::fs::read_to_string(site.out().join("robots.txt")).unwrap();
    assert!(
        robots.contains(&format!("Sitemap: {ORIGIN}/sitemap.xml")),
        "{robots}"
    );
}

#[test]
fn a_sitemap_index_splits_past_fifty_thousand_urls() {
    let site = site();
    let loaded = qiao::pipeline::load(site.root(), false, None).unwrap();
    let pages: Vec<qiao::render::Page> = (0..50_001)
        .map(|i| qiao::render::Page {
            path: qiao::urls::SitePath::new(format!("/en/page/{i}/")),
            kind: qiao::render::PageKind::Years(qiao::lang::Lang::En),
        })
        .collect();
    let files = qiao::feeds::sitemaps(&loaded.site, &pages, |_| false);
    assert_eq!(
        files.iter().map(|f| f.0.as_str()).collect::<Vec<_>>(),
        ["sitemap.xml", "sitemap-1.xml", "sitemap-2.xml"]
    );
    let index = roxmltree::Document::parse(&files[0].1).unwrap();
    assert_eq!(index.root_element().tag_name().name(), "sitemapindex");
    let locs: Vec<&str> = index
        .descendants()
        .filter(|n| n.has_tag_name("loc"))
        .filter_map(|n| n.text())
        .collect();
    assert_eq!(
        locs,
        [
            format!("{ORIGIN}/sitemap-1.xml"),
            format!("{ORIGIN}/sitemap-2.xml")
        ]
    );
    let count = |xml: &str| {
        roxmltree::Document::parse(xml)
            .unwrap()
            .descendants()
            .filter(|n| n.has_tag_name("url"))
            .count()
    };
    assert_eq!(count(&files[1].1), 50_000);
    assert_eq!(count(&files[2].1), 1);
}

fn atom(site: &Site, path: &str) -> (String, Vec<(String, String)>) {
    let text = std::fs::read_to_string(site.out().join(path.trim_start_matches('/'))).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let ns = "http://www.w3.org/2005/Atom";
    let feed = doc.root_element();
    assert!(feed.has_tag_name((ns, "feed")), "{path}");
    let child = |n: roxmltree::Node, name: &str| {
        n.children()
            .find(|c| c.has_tag_name((ns, name)))
            .map(|c| c.text().unwrap_or("").to_owned())
    };
    for required in ["id", "title", "updated"] {
        assert!(child(feed, required).is_some(), "{path} lacks {required}");
    }
    let time_ok = |t: &str| chrono::DateTime::parse_from_rfc3339(t).is_ok();
    assert!(time_ok(&child(feed, "updated").unwrap()), "{path}");
    let entries = feed
        .children()
        .filter(|c| c.has_tag_name((ns, "entry")))
        .map(|e| {
            for t in ["updated", "published"] {
                assert!(time_ok(&child(e, t).unwrap()), "{path} entry {t}");
            }
            (child(e, "id").unwrap(), child(e, "title").unwrap())
        })
        .collect();
    (text, entries)
}

#[test]
fn feeds_are_valid_atom_with_the_right_entries() {
    let site = site();
    let (_, zh) = atom(&site, "/zh/atom.xml");
    let ids: Vec<&str> = zh.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(
        ids,
        [
            format!("{ORIGIN}/zh/news/escape-me/"),
            format!("{ORIGIN}/zh/news/luban-kenya/"),
            format!("{ORIGIN}/zh/news/sco-forum/"),
        ]
    );
    let (text, en) = atom(&site, "/en/atom.xml");
    assert_eq!(en[0].0, format!("{ORIGIN}/en/news/only-en/"));
    assert_eq!(en[1].1, "Tom & Jerry <b>sign</b> a \"deal\" </script>");
    // Entry content links are absolute, so they work in a feed reader.
    assert!(
        text.contains(&format!(
            "src=&quot;{ORIGIN}/media/news/2024/photo.64.jpg&quot;"
        )),
        "{text}"
    );

    let (_, sco) = atom(&site, "/en/alliances/sco/atom.xml");
    assert_eq!(
        sco.iter().map(|e| e.0.as_str()).collect::<Vec<_>>(),
        [format!("{ORIGIN}/en/news/sco-forum/")]
    );
    let (_, ke) = atom(&site, "/zh/countries/ke/atom.xml");
    assert_eq!(ke.len(), 2);
    let (_, fr) = atom(&site, "/en/countries/fr/atom.xml");
    assert_eq!(fr.len(), 1);
    assert!(!site.exists("/zh/countries/fr/atom.xml"));

    let page = site.page("/en/alliances/sco/");
    let feeds = page.attrs("link[rel=alternate][type='application/atom+xml']", "href");
    assert_eq!(feeds, ["/en/atom.xml", "/en/alliances/sco/atom.xml"]);
    assert_eq!(
        site.page("/zh/news/luban-kenya/")
            .attrs("link[type='application/atom+xml']", "href"),
        ["/zh/atom.xml"]
    );
}

#[test]
fn feeds_keep_twenty_newest_entries() {
    let site = Site::new();
    for i in 0..25 {
        site.pair(
            "2024",
            &format!("n-{i:02}"),
            &format!("2024-01-{:02}", i + 1),
            "",
            "KE",
        );
    }
    site.build_ok();
    let (_, entries) = atom(&site, "/en/atom.xml");
    assert_eq!(entries.len(), 20);
    assert_eq!(entries[0].0, format!("{ORIGIN}/en/news/n-24/"));
    assert_eq!(entries[19].0, format!("{ORIGIN}/en/news/n-05/"));
}

#[test]
fn articles_carry_social_cards_and_json_ld() {
    let site = site();
    let page = site.page("/en/news/escape-me/");
    let meta = |key: &str| {
        page.select(&format!("meta[property='{key}'], meta[name='{key}']"))
            .first()
            .and_then(|m| m.value().attr("content"))
            .map(str::to_owned)
    };
    assert_eq!(meta("og:type").as_deref(), Some("article"));
    assert_eq!(
        meta("og:title").as_deref(),
        Some("Tom & Jerry <b>sign</b> a \"deal\" </script>")
    );
    assert_eq!(meta("og:url"), Some(format!("{ORIGIN}/en/news/escape-me/")));
    assert_eq!(
        meta("og:image"),
        Some(format!("{ORIGIN}/media/news/2024/photo.64.social.jpg"))
    );
    assert_eq!(meta("og:locale").as_deref(), Some("en_US"));
    assert_eq!(meta("og:locale:alternate").as_deref(), Some("zh_CN"));
    assert_eq!(
        meta("article:published_time").as_deref(),
        Some("2024-06-01T00:00:00+08:00")
    );
    assert_eq!(meta("twitter:card").as_deref(), Some("summary_large_image"));
    assert!(meta("og:description").is_some());
    assert!(
        site.page("/en/news/only-en/")
            .select("meta[property='og:locale:alternate'], meta[property='og:image']")
            .is_empty()
    );

    let scripts = page.select("script[type='application/ld+json']");
    assert_eq!(scripts.len(), 1);
    let json: serde_json::Value =
        serde_json::from_str(&scripts[0].text().collect::<String>()).unwrap();
    let article = &json[0];
    assert_eq!(article["@type"], "NewsArticle");
    assert_eq!(
        article["headline"],
        "Tom & Jerry <b>sign</b> a \"deal\" </script>"
    );
    assert_eq!(article["datePublished"], "2024-06-01T00:00:00+08:00");
    assert_eq!(article["inLanguage"], "en");
    assert_eq!(
        article["image"][0],
        format!("{ORIGIN}/media/news/2024/photo.64.social.jpg")
    );
    assert_eq!(article["publisher"]["@type"], "Organization");
    assert_eq!(
        article["publisher"]["name"],
        "Vocational Education International Cooperation News"
    );
    assert_eq!(
        article["mainEntityOfPage"]["@id"],
        format!("{ORIGIN}/en/news/escape-me/")
    );
    let crumbs = &json[1];
    assert_eq!(crumbs["@type"], "BreadcrumbList");
    let items = crumbs["itemListElement"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[2]["position"], 3);
    assert_eq!(items[1]["item"], format!("{ORIGIN}/en/years/2024/"));
}

#[test]
fn accessibility_basics_are_in_place() {
    let site = site();
    for path in ["/zh/", "/en/news/luban-kenya/", "/zh/countries/"] {
        let page = site.page(path);
        assert_eq!(
            page.attr(".skip-link", "href").as_deref(),
            Some("#main"),
            "{path}"
        );
        assert_eq!(page.select("main#main").len(), 1);
        assert_eq!(page.select("header.site-header").len(), 1);
        assert!(!page.select("nav[aria-label]").is_empty());
        assert_eq!(page.select("footer").len(), 1);
        let switch = page.select(".lang-switch a")[0];
        assert!(switch.value().attr("lang").is_some() && switch.value().attr("hreflang").is_some());
    }
    let page = site.page("/en/news/escape-me/");
    assert_eq!(page.attr(".prose img", "alt").as_deref(), Some("a photo"));
    let css = std::fs::read_to_string(site.out().join("style.css")).unwrap();
    assert!(css.contains(":focus-visible"));
}
