//! Builds fixture sites and checks the published pages, parsed as HTML.

use crate::support::Site;

fn three_pairs() -> Site {
    let site = Site::new();
    site.pair("2024", "luban-kenya", "2024-03-01", "wvteda", "KE, CN")
        .pair("2024", "norway-visit", "2024-11-21", "", "NO")
        .pair(
            "2023",
            "sco-forum",
            "2023-06-15",
            "sco, wvteda",
            "KZ, RU, CN",
        );
    site
}

#[test]
fn every_pair_has_both_pages_linked_to_each_other() {
    let site = three_pairs();
    site.build_ok();
    for slug in ["luban-kenya", "norway-visit", "sco-forum"] {
        let zh = site.page(&format!("/zh/news/{slug}/"));
        let en = site.page(&format!("/en/news/{slug}/"));
        assert_eq!(zh.attr("html", "lang").as_deref(), Some("zh-Hans"));
        assert_eq!(en.attr("html", "lang").as_deref(), Some("en"));
        assert_eq!(
            zh.attr(".lang-switch a", "href"),
            Some(format!("/en/news/{slug}/"))
        );
        assert_eq!(
            en.attr(".lang-switch a", "href"),
            Some(format!("/zh/news/{slug}/"))
        );
        assert_eq!(zh.attr(".lang-switch a", "lang").as_deref(), Some("en"));
        let alternates = zh.attrs("link[rel=alternate][hreflang]", "hreflang");
        assert_eq!(alternates, ["zh-Hans", "en", "x-default"]);
        assert_eq!(zh.texts("h1"), [format!("中文标题{slug}")]);
    }
}

#[test]
fn article_pages_show_dates_terms_and_neighbours_in_their_language() {
    let site = three_pairs();
    site.build_ok();
    let zh = site.page("/zh/news/norway-visit/");
    assert_eq!(zh.texts(".meta time"), ["2024年11月21日"]);
    assert_eq!(zh.texts(".article-header .chips-countries a"), ["挪威"]);
    assert_eq!(
        zh.attrs(".article-header .chips-countries a", "href"),
        ["/zh/countries/no/"]
    );
    let en = site.page("/en/news/luban-kenya/");
    assert_eq!(en.texts(".meta time"), ["1 March 2024"]);
    assert_eq!(
        en.texts(".article-header .chips-alliances a"),
        ["World Vocational and Technical Education Development Alliance"]
    );
    assert_eq!(
        en.texts(".article-header .chips-countries a"),
        ["Kenya", "China"]
    );
    // Newest first: norway (2024-11) → luban (2024-03) → sco (2023).
    assert_eq!(
        en.attr(".prev-next .prev", "href").as_deref(),
        Some("/en/news/sco-forum/")
    );
    assert_eq!(
        en.attr(".prev-next .next", "href").as_deref(),
        Some("/en/news/norway-visit/")
    );
    // Related articles share an alliance or a country.
    assert_eq!(
        en.attrs(".related .card-title a", "href"),
        ["/en/news/sco-forum/"]
    );
}

#[test]
fn term_pages_list_exactly_their_articles() {
    let site = three_pairs();
    site.build_ok();
    let wvteda = site.page("/zh/alliances/wvteda/");
    assert_eq!(
        wvteda.listed(),
        ["/zh/news/luban-kenya/", "/zh/news/sco-forum/"]
    );
    assert_eq!(
        site.page("/en/alliances/sco/").listed(),
        ["/en/news/sco-forum/"]
    );
    assert_eq!(
        site.page("/en/countries/cn/").listed(),
        ["/en/news/luban-kenya/", "/en/news/sco-forum/"]
    );
    assert_eq!(
        site.page("/zh/countries/no/").listed(),
        ["/zh/news/norway-visit/"]
    );
    assert_eq!(
        site.page("/en/years/2024/").listed(),
        ["/en/news/norway-visit/", "/en/news/luban-kenya/"]
    );
    assert_eq!(
        site.page("/zh/years/2023/").listed(),
        ["/zh/news/sco-forum/"]
    );
    assert!(!site.exists("/zh/countries/fr/index.html"));
    assert!(!site.exists("/zh/years/2022/index.html"));

    let alliances = site.page("/en/alliances/");
    assert_eq!(
        alliances.texts(".terms .term-name"),
        [
            "China-SCO Vocational Education Development Alliance",
            "World Vocational and Technical Education Development Alliance",
        ]
    );
    assert_eq!(
        alliances.texts(".terms .term-count"),
        ["1 article", "2 articles"]
    );
    assert_eq!(
        alliances.texts(".terms .term-other"),
        ["中国—上合组织职教发展联盟", "世界职业技术教育发展联盟"]
    );

    let countries = site.page("/zh/countries/");
    assert_eq!(countries.texts(".region h2"), ["亚洲", "非洲", "欧洲"]);
    let names = countries.texts(".terms .term-name");
    assert_eq!(names, ["中国", "哈萨克斯坦", "肯尼亚", "俄罗斯", "挪威"]);
    assert_eq!(
        site.page("/en/years/").texts(".terms .term-name"),
        ["2024", "2023"]
    );
    assert_eq!(
        site.page("/zh/years/").texts(".terms .term-name"),
        ["2024年", "2023年"]
    );
}

#[test]
fn lists_are_paginated_twenty_a_page() {
    let site = Site::new();
    for i in 0..45 {
        let date = format!("2024-{:02}-{:02}", 1 + i / 28, 1 + i % 28);
        site.pair("2024", &format!("item-{i:02}"), &date, "wvteda", "KE");
    }
    site.build_ok();
    for base in [
        "/zh/",
        "/en/alliances/wvteda/",
        "/zh/countries/ke/",
        "/en/years/2024/",
    ] {
        let first = site.page(base);
        assert_eq!(first.listed().len(), 20, "{base}");
        assert_eq!(first.listed()[0], format!("/{}/news/item-44/", &base[1..3]));
        assert_eq!(
            site.page(&format!("{base}page/2/")).listed().len(),
            20,
            "{base}"
        );
        let last = site.page(&format!("{base}page/3/"));
        assert_eq!(last.listed().len(), 5, "{base}");
        assert_eq!(
            last.attr(".pagination a[rel=prev]", "href"),
            Some(format!("{base}page/2/"))
        );
        assert!(last.attr(".pagination a[rel=next]", "href").is_none());
        assert!(!site.exists(&format!("{base}page/4/index.html")));
    }
}

#[test]
fn long_lists_link_the_first_last_and_nearby_pages() {
    let site = Site::new();
    // 230 articles: 12 pages of 20.
    for i in 0..230 {
        let date = format!(
            "20{:02}-{:02}-{:02}",
            10 + i / 100,
            1 + i / 28 % 12,
            1 + i % 28
        );
        site.pair("news", &format!("item-{i:03}"), &date, "wvteda", "KE");
    }
    site.build_ok();
    let page = site.page("/en/page/6/");
    assert_eq!(
        page.texts(".pagination li").join(" "),
        "← Previous page 1 … 4 5 6 7 8 … 12 Next page →"
    );
    assert_eq!(page.texts(".pagination [aria-current=page]"), ["6"]);
    assert_eq!(
        page.attrs(".pagination li a:not([rel])", "href"),
        [
            "/en/",
            "/en/page/4/",
            "/en/page/5/",
            "/en/page/7/",
            "/en/page/8/",
            "/en/page/12/"
        ]
    );
}

#[test]
fn one_language_articles_switch_to_the_other_home_page() {
    let site = three_pairs();
    site.article(
        "2025",
        "only-zh",
        "zh",
        "title: 仅中文\ndate: 2025-01-02\ncountries: [FR]",
        "正文。",
    );
    site.build_ok();
    let zh = site.page("/zh/news/only-zh/");
    assert_eq!(zh.attr(".lang-switch a", "href").as_deref(), Some("/en/"));
    assert_eq!(
        zh.attrs("link[rel=alternate][hreflang]", "hreflang"),
        ["zh-Hans", "x-default"]
    );
    assert!(zh.texts(".notice")[0].contains("暂无英文版"));
    assert!(!site.exists("/en/news/only-zh/index.html"));
    // France has a Chinese article only: its English page does not exist, so the switch
    // from the Chinese country page goes home.
    assert_eq!(
        site.page("/zh/countries/fr/")
            .attr(".lang-switch a", "href")
            .as_deref(),
        Some("/en/")
    );
    assert!(!site.exists("/en/countries/fr/index.html"));

    let out = site.run(&["check"]);
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("content/news/2025/only-zh.zh.md: published in one language only"),
        "{stdout}"
    );
}

#[test]
fn user_text_is_escaped_and_raw_html_sanitised() {
    let site = Site::new();
    let front = "title: \"<script>alert('t')</script> & \\\"quotes\\\"\"\ndate: 2024-01-01\nsummary: \"<b>bold</b> summary\"\ntags: [\"<i>tag</i>\"]\nsource: {name: \"<em>Outlet</em>\", url: \"https://example.org/?a=1&b=2\"}";
    let body = "Para <span onclick=\"steal()\">x</span> <script>alert(1)</script>\n\n\
                <a href=\"javascript:alert(1)\">js</a> [md](javascript:alert(2)) \
                <img src=\"https://example.org/a.png\" onerror=\"alert(3)\">\n\n\
                <iframe src=\"https://evil.example\"></iframe>\n\n<style>body{}</style>";
    site.article("2024", "xss", "en", front, body);
    site.build_ok();
    let page = site.page("/en/news/xss/");
    assert_eq!(
        page.texts("h1"),
        ["<script>alert('t')</script> & \"quotes\""]
    );
    // The only script is the JSON-LD data block, where the title stays inside a JSON string.
    let scripts = page.select("script");
    assert_eq!(scripts.len(), 1, "{}", page.text);
    assert_eq!(scripts[0].value().attr("type"), Some("application/ld+json"));
    let json: serde_json::Value =
        serde_json::from_str(&scripts[0].text().collect::<String>()).unwrap();
    assert_eq!(
        json[0]["headline"],
        "<script>alert('t')</script> & \"quotes\""
    );
    assert!(page.select("iframe, style, .prose b").is_empty());
    for el in page
        .html
        .root_element()
        .descendants()
        .filter_map(scraper::ElementRef::wrap)
    {
        for (name, value) in el.value().attrs() {
            assert!(!name.starts_with("on"), "{name} on <{}>", el.value().name());
            assert!(
                !value.to_ascii_lowercase().contains("javascript:"),
                "{name}={value}"
            );
        }
    }
    assert_eq!(page.texts(".source a"), ["<em>Outlet</em>"]);
    assert_eq!(
        page.attr(".source a", "href").as_deref(),
        Some("https://example.org/?a=1&b=2")
    );
    assert_eq!(page.texts(".tag"), ["<i>tag</i>"]);
    assert_eq!(
        page.attr("meta[name=description]", "content").as_deref(),
        Some("<b>bold</b> summary")
    );
}

#[test]
fn relative_links_and_files_resolve() {
    let site = three_pairs();
    site.write_bytes(
        "content/news/2024/img/合作 photo.png",
        &crate::support::png(8, 6),
    );
    site.write_bytes("content/news/shared/report.pdf", b"%PDF fake");
    site.article(
        "2024",
        "with-links",
        "zh",
        "title: 链接\ndate: 2024-05-05",
        "见[另一篇](../2023/sco-forum.en.md#section)与[同一目录](luban-kenya.zh.md)。\n\n![合作照片](img/合作%20photo.png)\n\n[报告](../shared/report.pdf) <img src=\"./img/合作 photo.png\" alt=\"raw\">",
    );
    site.article(
        "2024",
        "with-links",
        "en",
        "title: Links\ndate: 2024-05-05",
        "See [other](../2023/sco-forum.zh.md).",
    );
    site.build_ok();
    let zh = site.page("/zh/news/with-links/");
    let hrefs = zh.attrs(".prose a", "href");
    assert_eq!(hrefs[0], "/zh/news/sco-forum/#section");
    assert_eq!(hrefs[1], "/zh/news/luban-kenya/");
    assert_eq!(hrefs[2], "/media/news/shared/report.pdf");
    let srcs = zh.attrs(".prose img", "src");
    assert_eq!(
        srcs,
        ["/media/news/2024/img/%E5%90%88%E4%BD%9C%20photo.8.png"; 2]
    );
    assert!(
        site.out()
            .join("media/news/2024/img/合作 photo.8.png")
            .is_file()
    );
    assert!(site.out().join("media/news/shared/report.pdf").is_file());
    assert_eq!(zh.attr(".prose img", "alt").as_deref(), Some("合作照片"));
    // The English page links to the English half of the same article.
    assert_eq!(
        site.page("/en/news/with-links/").attrs(".prose a", "href"),
        ["/en/news/sco-forum/"]
    );
}

#[test]
fn markdown_extensions_and_chinese_heading_ids() {
    let site = Site::new();
    site.article(
        "2024",
        "md",
        "zh",
        "title: 扩展\ndate: 2024-01-01",
        "## 合作内容\n\n| 国家 | 数量 |\n|:--|--:|\n| 肯尼亚 | 2 |\n\n~~删除~~ 脚注[^1]\n\n[跳转](#合作内容)\n\n[^1]: 注释内容。",
    );
    site.build_ok();
    let page = site.page("/zh/news/md/");
    assert_eq!(page.attr(".prose h2", "id").as_deref(), Some("合作内容"));
    assert_eq!(page.select(".table-scroll > table").len(), 1);
    assert_eq!(
        page.attr(".prose td", "style").as_deref(),
        Some("text-align: left")
    );
    assert_eq!(page.texts(".prose del"), ["删除"]);
    assert_eq!(page.texts(".footnotes li p"), ["注释内容。"]);
    assert_eq!(
        page.attr(".footnote-ref a", "href").as_deref(),
        Some("#fn-1")
    );
    // Browsers percent-decode a fragment before matching it against ids.
    assert_eq!(
        qiao::urls::percent_decode(&page.attrs(".prose p a", "href")[1]),
        "#合作内容"
    );
}

#[test]
fn chinese_pages_carry_no_english_interface_text() {
    let site = Site::new();
    for (i, date) in ["2024-01-01", "2024-02-02"].iter().enumerate() {
        site.article("2024", &format!("zh-{i}"), "zh", &format!("title: 中文{i}\ndate: {date}\nalliances: [wvteda]\ncountries: [KE]\ntags: [合作]\nsource: {{name: 新华社}}"), "正文内容。");
    }
    site.build_ok();
    let mut checked = 0;
    for entry in walkdir::WalkDir::new(site.out().join("zh"))
        .into_iter()
        .flatten()
    {
        if entry.file_name() != "index.html" {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(site.out())
            .unwrap()
            .parent()
            .unwrap();
        let page = site.page(&format!("/{}/", rel.display()));
        let body = page.select("body")[0];
        let mut text = String::new();
        for node in body.descendants() {
            if let Some(t) = node.value().as_text() {
                // Text marked as English (the language switcher) is meant to be English;
                // script data is no text, and the parser keeps <noscript> as raw markup.
                let in_english = node
                    .ancestors()
                    .filter_map(scraper::ElementRef::wrap)
                    .any(|e| {
                        e.value().attr("lang") == Some("en")
                            || matches!(e.value().name(), "script" | "noscript")
                    });
                if !in_english {
                    text.push_str(t);
                }
            }
        }
        assert!(
            !text.chars().any(|c| c.is_ascii_alphabetic()),
            "{}: {text}",
            rel.display()
        );
        checked += 1;
    }
    assert!(checked >= 8, "only {checked} pages");
}

#[test]
fn root_chooser_and_404_exist_and_link_both_homes() {
    let site = three_pairs();
    site.build_ok();
    let root = site.page("/index.html");
    assert_eq!(root.attrs("a[data-lang]", "href"), ["/zh/", "/en/"]);
    assert!(root.text.contains("navigator.languages"));
    let nf = site.page("/404.html");
    assert_eq!(nf.attrs("main a", "href"), ["/zh/", "/en/"]);
    assert_eq!(nf.attrs("section", "lang"), ["zh-Hans", "en"]);
    assert!(site.out().join("style.css").is_file());
}

#[test]
fn drafts_are_published_only_on_request() {
    let site = three_pairs();
    site.article(
        "2024",
        "draft",
        "zh",
        "title: 草稿\ndate: 2024-12-01\ndraft: true",
        "草稿。",
    );
    site.article(
        "2024",
        "draft",
        "en",
        "title: Draft\ndate: 2024-12-01\ndraft: true",
        "Draft.",
    );
    site.build_ok();
    assert!(!site.exists("/zh/news/draft/"));
    qiao::pipeline::build(&qiao::BuildOptions {
        drafts: true,
        ..qiao::BuildOptions::new(site.root())
    })
    .unwrap();
    assert!(site.exists("/zh/news/draft/index.html"));
}

#[test]
fn a_base_url_with_a_path_prefixes_every_link() {
    let site = three_pairs();
    let opts = qiao::BuildOptions {
        base_url: Some("https://www.example.edu.cn/intl/news/".into()),
        ..qiao::BuildOptions::new(site.root())
    };
    qiao::pipeline::build(&opts).unwrap();
    let page = site.page("/en/news/luban-kenya/");
    assert_eq!(
        page.attr("link[rel=canonical]", "href").as_deref(),
        Some("https://www.example.edu.cn/intl/news/en/news/luban-kenya/")
    );
    let css = page.attr("link[rel=stylesheet]", "href").unwrap();
    // The stylesheet's name carries its content hash, so hosts may cache it forever.
    assert!(
        css.starts_with("/intl/news/style.")
            && css.ends_with(".css")
            && css.len() == "/intl/news/style.0123456789abcdef.css".len(),
        "{css}"
    );
    for href in page.attrs("a[href]", "href") {
        assert!(
            href.starts_with("/intl/news/") || href.starts_with('#'),
            "{href}"
        );
    }
}

#[test]
fn the_bundled_portal_builds_without_warnings() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let loaded = qiao::pipeline::load(root, false, None).unwrap_or_else(|d| panic!("{d}"));
    assert!(loaded.warnings.is_empty(), "{}", loaded.warnings);
    assert!(loaded.single_language.is_empty());
    let zh = loaded.site.articles(qiao::lang::Lang::Zh).len();
    assert_eq!(zh, loaded.site.articles(qiao::lang::Lang::En).len());
    assert!(zh >= 9, "{zh} articles");
}

fn build_into(site: &Site, out: &std::path::Path) {
    let opts = qiao::BuildOptions {
        out: Some(out.to_path_buf()),
        ..qiao::BuildOptions::new(site.root())
    };
    qiao::pipeline::build(&opts).unwrap_or_else(|e| panic!("{e:?}"));
}

#[test]
fn one_thread_and_many_build_the_same_bytes() {
    let site = Site::new();
    for i in 0..60 {
        site.pair(
            &format!("{}", 2015 + i % 9),
            &format!("a-{i:02}"),
            &format!("20{:02}-0{}-1{}", 15 + i % 9, 1 + i % 9, i % 10),
            if i % 3 == 0 { "wvteda" } else { "sco" },
            ["KE", "NO, CN", "TH"][i % 3],
        );
    }
    let one = site.root().join("out-1");
    let many = site.root().join("out-many");
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| build_into(&site, &one));
    rayon::ThreadPoolBuilder::new()
        .num_threads(4)
        .build()
        .unwrap()
        .install(|| build_into(&site, &many));
    let files = crate::support::tree(&one).len();
    assert!(files > 150, "{files} files");
    crate::support::assert_same_tree(&one, &many, "1 thread vs 4");
}

#[test]
fn a_rebuild_into_the_same_folder_equals_a_clean_build() {
    let site = three_pairs();
    site.write_bytes("content/news/2024/img.png", &crate::support::png(8, 6));
    site.article(
        "2024",
        "pic",
        "en",
        "title: Pic\ndate: 2024-02-02",
        "![x](img.png)",
    );
    site.build_ok();
    // Change a title, remove an article and its image, add another.
    site.pair("2024", "luban-kenya", "2024-03-01", "wvteda", "KE, CN");
    site.article(
        "2024",
        "luban-kenya",
        "en",
        "title: Renamed\ndate: 2024-03-01\nalliances: [wvteda]\ncountries: [KE, CN]",
        "New body.",
    );
    std::fs::remove_file(site.root().join("content/news/2024/pic.en.md")).unwrap();
    site.pair("2025", "fresh", "2025-01-01", "sco", "FR");
    site.build_ok();
    let clean = site.root().join("clean");
    build_into(&site, &clean);
    crate::support::assert_same_tree(&site.out(), &clean, "rebuild vs clean build");
    assert!(!site.exists("/en/news/pic/index.html"));
    // The picture's derivatives went with its article.
    assert!(!site.exists("/media/news/2024/img.8.png"));
    assert!(!site.exists("/media/news/2024/img.8.webp"));
    assert!(
        !site.exists("/zh/countries/no/atom.xml") || site.exists("/zh/countries/no/index.html")
    );
    // The edits themselves reached the pages.
    assert_eq!(site.page("/en/news/luban-kenya/").texts("h1"), ["Renamed"]);
    assert_eq!(site.page("/en/countries/fr/").listed(), ["/en/news/fresh/"]);
}

/// Builds with the cache `qiao serve` keeps, then compares with a clean build.
fn assert_cached_rebuild_equals_clean(site: &Site, cache: &mut qiao::pipeline::Cache, what: &str) {
    let opts = qiao::BuildOptions::new(site.root());
    qiao::pipeline::build_with(&opts, Some(cache)).unwrap_or_else(|e| panic!("{what}: {e:?}"));
    let clean = site.root().join("clean");
    let _ = std::fs::remove_dir_all(&clean);
    build_into(site, &clean);
    crate::support::assert_same_tree(&site.out(), &clean, what);
}

#[test]
fn cached_rebuilds_equal_clean_builds() {
    let site = Site::new();
    for i in 0..30 {
        site.pair(
            "2024",
            &format!("n-{i:02}"),
            &format!("2024-0{}-1{}", 1 + i % 9, i % 10),
            if i % 2 == 0 { "wvteda" } else { "" },
            ["KE", "NO", "TH, CN"][i % 3],
        );
    }
    let mut cache = qiao::pipeline::Cache::default();
    assert_cached_rebuild_equals_clean(&site, &mut cache, "first build");

    site.article(
        "2024",
        "n-05",
        "zh",
        "title: 中文标题n-05\ndate: 2024-06-15\nalliances: []\ncountries: [TH, CN]",
        "只改了正文。",
    );
    assert_cached_rebuild_equals_clean(&site, &mut cache, "body edit");

    site.article(
        "2024",
        "n-05",
        "zh",
        "title: 新标题\ndate: 2024-06-15\nalliances: []\ncountries: [TH, CN]",
        "只改了正文。",
    );
    assert_cached_rebuild_equals_clean(&site, &mut cache, "title edit");

    site.pair("2024", "n-05", "2023-01-01", "sco", "FR");
    assert_cached_rebuild_equals_clean(&site, &mut cache, "date and terms edit");

    site.pair("2025", "added", "2025-02-02", "wvteda", "KE");
    assert_cached_rebuild_equals_clean(&site, &mut cache, "article added");

    std::fs::remove_file(site.root().join("content/news/2024/n-07.en.md")).unwrap();
    assert_cached_rebuild_equals_clean(&site, &mut cache, "half removed");

    site.write(
        "templates/years.html",
        "{% extends \"base.html\" %}{% block content %}<p>{{ heading }}</p>{% endblock content %}",
    );
    assert_cached_rebuild_equals_clean(&site, &mut cache, "template changed");

    site.write(
        "site.toml",
        &crate::support::SITE_TOML.replace("职业教育国际合作资讯", "新的站名"),
    );
    assert_cached_rebuild_equals_clean(&site, &mut cache, "config changed");

    assert_cached_rebuild_equals_clean(&site, &mut cache, "nothing changed");
}

#[test]
fn a_site_without_articles_builds_browses_and_searches() {
    let site = Site::new();
    site.build_ok();
    let home = site.page("/zh/");
    assert!(home.listed().is_empty());
    assert_eq!(home.texts(".list-main .empty"), ["暂无资讯。"]);
    // Declared alliances still have their (empty) pages; no country or year has one.
    assert_eq!(
        site.page("/en/alliances/").texts(".terms .term-count"),
        ["0 articles", "0 articles"]
    );
    assert!(site.exists("/en/alliances/sco/index.html"));
    assert_eq!(
        site.page("/en/countries/").texts(".empty"),
        ["No articles yet."]
    );
    assert!(site.page("/zh/years/").select(".terms li").is_empty());
    // The tag index exists in both languages, empty, and no tag has a page.
    assert_eq!(site.page("/en/tags/").texts(".empty"), ["No articles yet."]);
    assert!(site.page("/zh/tags/").select(".terms li").is_empty());
    let feed = std::fs::read_to_string(site.out().join("en/atom.xml")).unwrap();
    assert!(!feed.contains("<entry>"), "{feed}");
    let (engine, _) = qiao::search::open(&site.out(), None).unwrap();
    let r = engine
        .search(&qiao_search::Request {
            query: "鲁班工坊 workshop".into(),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(r.total, 0);
}
