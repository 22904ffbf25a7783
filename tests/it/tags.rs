//! Tag pages: every tag of a language with its count, and each tag's articles, with its
//! feed, sitemap entries and readable slugs; hreflang only where the tag is the same word.

use std::collections::BTreeSet;

use crate::support::Site;
use qiao::taxonomy::tag_slug;

fn site() -> Site {
    let site = Site::new();
    let article = |slug: &str, lang: &str, date: &str, tags: &str| {
        site.article(
            "2024",
            slug,
            lang,
            &format!("title: \"{slug} {lang}\"\ndate: {date}\ncountries: [KE]\ntags: [{tags}]"),
            "Body.",
        );
    };
    article("a", "zh", "2024-01-01", "鲁班工坊, 师资培训");
    article(
        "a",
        "en",
        "2024-01-01",
        "Luban Workshop, teacher training, AI",
    );
    article("b", "zh", "2024-02-01", "鲁班工坊");
    article("b", "en", "2024-02-01", "luban workshop");
    article("c", "en", "2024-03-01", "Teacher-Training, AI");
    article("d", "zh", "2024-04-01", "AI");
    site
}

fn listed(site: &Site, path: &str) -> BTreeSet<String> {
    site.page(path).listed().into_iter().collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn slugs_are_readable_ascii() {
    assert_eq!(tag_slug("鲁班工坊").as_deref(), Some("lu-ban-gong-fang"));
    assert_eq!(
        tag_slug("Teacher training").as_deref(),
        Some("teacher-training")
    );
    assert_eq!(
        tag_slug("  Côte d'Ivoire ").as_deref(),
        Some("cote-d-ivoire")
    );
    assert_eq!(
        tag_slug("中国—东盟 2024").as_deref(),
        Some("zhong-guo-dong-meng-2024")
    );
    assert_eq!(tag_slug("!!!"), None);
}

#[test]
fn tag_pages_list_exactly_their_articles_in_each_language() {
    let site = site();
    let report = site.build_ok();
    // `Luban Workshop` and `luban workshop` differ only in case: one tag, no warning;
    // `teacher training` and `Teacher-Training` differ in more: one tag, and a warning.
    let warnings = report.warnings.to_string();
    assert!(
        warnings.contains("`Teacher-Training`, `teacher training` are one tag")
            && warnings.contains("/en/tags/teacher-training/"),
        "{warnings}"
    );
    assert!(!warnings.contains("Luban"), "{warnings}");

    assert_eq!(
        listed(&site, "/zh/tags/lu-ban-gong-fang/"),
        set(&["/zh/news/a/", "/zh/news/b/"])
    );
    assert_eq!(
        listed(&site, "/en/tags/luban-workshop/"),
        set(&["/en/news/a/", "/en/news/b/"])
    );
    assert_eq!(
        listed(&site, "/en/tags/teacher-training/"),
        set(&["/en/news/a/", "/en/news/c/"])
    );
    assert_eq!(listed(&site, "/zh/tags/ai/"), set(&["/zh/news/d/"]));
    assert_eq!(
        listed(&site, "/en/tags/ai/"),
        set(&["/en/news/a/", "/en/news/c/"])
    );

    // The index: every tag with its count, most used first.
    let index = site.page("/en/tags/");
    let names = index.texts(".terms .term-name");
    assert_eq!(names[..2], ["AI", "Luban Workshop"][..], "{names:?}");
    assert_eq!(names.len(), 3);
    assert_eq!(index.texts(".terms .term-count")[0], "2 articles");
    assert_eq!(
        site.page("/zh/tags/").texts(".terms .term-name"),
        ["鲁班工坊", "AI", "师资培训"]
    );

    // Tags on an article lead to their pages.
    let article = site.page("/zh/news/a/");
    assert_eq!(
        article.attrs("a.tag", "href"),
        ["/zh/tags/lu-ban-gong-fang/", "/zh/tags/shi-zi-pei-xun/"]
    );

    // hreflang pairs tag pages only where the same word is a tag in both languages.
    let ai = site.page("/zh/tags/ai/");
    assert_eq!(
        ai.attr("link[rel=alternate][hreflang=en]", "href")
            .as_deref(),
        Some("https://news.example.org/en/tags/ai/")
    );
    let luban = site.page("/zh/tags/lu-ban-gong-fang/");
    assert!(
        luban
            .attr("link[rel=alternate][hreflang=en]", "href")
            .is_none()
    );
}

#[test]
fn tag_pages_have_feeds_sitemap_entries_and_no_broken_links() {
    let site = site();
    site.build_ok();
    let feed =
        std::fs::read_to_string(site.out().join("zh/tags/lu-ban-gong-fang/atom.xml")).unwrap();
    let doc = roxmltree::Document::parse(&feed).unwrap();
    let entries = doc
        .descendants()
        .filter(|n| n.has_tag_name("entry"))
        .count();
    assert_eq!(entries, 2);
    let page = site.page("/zh/tags/lu-ban-gong-fang/");
    assert!(
        page.attrs("link[type='application/atom+xml']", "href")
            .iter()
            .any(|h| h == "/zh/tags/lu-ban-gong-fang/atom.xml")
    );
    let sitemap = std::fs::read_to_string(site.out().join("sitemap.xml")).unwrap();
    for loc in [
        "/zh/tags/",
        "/en/tags/",
        "/zh/tags/lu-ban-gong-fang/",
        "/en/tags/teacher-training/",
    ] {
        assert!(
            sitemap.contains(&format!("<loc>https://news.example.org{loc}</loc>")),
            "{loc} not in the sitemap"
        );
    }
    site.check_output_ok();
}

#[test]
fn many_tagged_articles_paginate() {
    let site = Site::new();
    for i in 0..23 {
        site.article(
            "2024",
            &format!("n-{i:02}"),
            "en",
            &format!("title: N{i}\ndate: 2024-01-{:02}\ntags: [Skills]", i + 1),
            "Body.",
        );
    }
    site.build_ok();
    assert_eq!(site.page("/en/tags/skills/").listed().len(), 20);
    assert_eq!(site.page("/en/tags/skills/page/2/").listed().len(), 3);
}
