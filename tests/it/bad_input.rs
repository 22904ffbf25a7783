//! Bad input gets a clear error naming the file, line and field, never a panic, and a
//! failed build leaves the previous output exactly as it was.

use crate::support::Site;

fn valid_site() -> Site {
    let site = Site::new();
    site.pair("2024", "good", "2024-01-01", "wvteda", "KE");
    site
}

#[test]
fn front_matter_errors_name_file_line_and_field() {
    let site = valid_site();
    site.article("2024", "no-title", "zh", "date: 2024-01-01", "x");
    site.article("2024", "bad-date", "en", "title: T\ndate: 2024-13-01", "x");
    site.article(
        "2024",
        "bad-terms",
        "en",
        "title: T\ndate: 2024-01-01\nalliances: [nope]\ncountries: [ke, XX]",
        "x",
    );
    site.article(
        "2024",
        "bad-draft",
        "en",
        "title: T\ndate: 2024-01-01\ndraft: maybe",
        "x",
    );
    site.article(
        "2024",
        "bad-yaml",
        "en",
        "title: [unclosed\ndate: 2024-01-01",
        "x",
    );
    site.write("content/news/2024/no-front.en.md", "Just text\n");
    site.write(
        "content/news/2024/unclosed.en.md",
        "---\ntitle: T\n\nBody\n",
    );
    let errors = site.build_errors();
    let expect = [
        "content/news/2024/no-title.zh.md:1: field `title`: missing",
        "content/news/2024/bad-date.en.md:3: field `date`: expected a date as YYYY-MM-DD (such as 2024-11-21), found `2024-13-01`",
        "content/news/2024/bad-terms.en.md:4: field `alliances`: `nope` is not an alliance key (declared in site.toml: sco, wvteda)",
        "content/news/2024/bad-terms.en.md:5: field `countries`: `ke`: country codes are upper case: write `KE`",
        "content/news/2024/bad-terms.en.md:5: field `countries`: `XX`: not an assigned ISO 3166-1 alpha-2 code",
        "content/news/2024/bad-draft.en.md:4: field `draft`: expected `true` or `false`",
        "content/news/2024/bad-yaml.en.md:",
        "content/news/2024/no-front.en.md:1: expected front matter",
        "content/news/2024/unclosed.en.md:1: the front matter is not closed",
    ];
    for e in expect {
        assert!(errors.contains(e), "missing {e:?} in:\n{errors}");
    }
    assert!(
        errors.contains("invalid YAML in the front matter"),
        "{errors}"
    );
}

#[test]
fn norway_is_a_country_not_false() {
    let site = Site::new();
    site.pair("2024", "oslo", "2024-01-01", "", "NO");
    site.build_ok();
    assert_eq!(site.page("/en/countries/no/").listed(), ["/en/news/oslo/"]);
    assert_eq!(site.page("/en/countries/no/").texts("h1"), ["Norway"]);
}

#[test]
fn file_naming_rules() {
    let site = valid_site();
    site.write(
        "content/news/2023/good.en.md",
        "---\ntitle: Dup\ndate: 2024-01-01\n---\n",
    );
    site.write(
        "content/news/2024/french.fr.md",
        "---\ntitle: F\ndate: 2024-01-01\n---\n",
    );
    site.write("content/news/2024/README.md", "notes");
    site.write(
        "content/news/2024/Bad_Slug.en.md",
        "---\ntitle: B\ndate: 2024-01-01\n---\n",
    );
    let errors = site.build_errors();
    assert!(
        errors.contains("content/news/2024/good.en.md: the slug `good` is also used by `content/news/2023/good.en.md`"),
        "{errors}"
    );
    assert!(
        errors.contains("content/news/2024/french.fr.md: unknown language suffix `.fr.md`"),
        "{errors}"
    );
    assert!(
        errors.contains(
            "content/news/2024/README.md: an article file is named `<slug>.zh.md` or `<slug>.en.md`"
        ),
        "{errors}"
    );
    assert!(
        errors.contains("content/news/2024/Bad_Slug.en.md: the slug `Bad_Slug` must be lower-case"),
        "{errors}"
    );
}

#[test]
fn halves_must_agree_on_date_terms_and_draft() {
    let site = Site::new();
    site.article(
        "2024",
        "x",
        "zh",
        "title: 甲\ndate: 2024-01-01\nalliances: [wvteda, sco]\ncountries: [KE]",
        "正文",
    );
    site.article(
        "2024",
        "x",
        "en",
        "title: A\ndate: 2024-01-02\nalliances: [sco, wvteda]\ncountries: [KE, CN]\ndraft: true",
        "Body",
    );
    site.article(
        "2024",
        "y",
        "zh",
        "title: 乙\ndate: 2024-05-10\nalliances: [wvteda]\ncountries: [KE]",
        "正文",
    );
    site.article(
        "2024",
        "y",
        "en",
        "title: B\ndate: 2024-05-10\nalliances: [sco]\ncountries: [KE]",
        "Body",
    );
    let errors = site.build_errors();
    // Every message names both files and both values.
    for expect in [
        "content/news/2024/x.zh.md:3: field `date`: 2024-01-01 in the zh half, 2024-01-02 in the en half (`content/news/2024/x.en.md`)",
        "content/news/2024/x.zh.md:5: field `countries`: `CN` only in the en half (`content/news/2024/x.en.md`)",
        "field `draft`: false in the zh half, true in the en half (`content/news/2024/x.en.md`)",
        "content/news/2024/y.zh.md:4: field `alliances`: `wvteda` only in the zh half; `sco` only in the en half (`content/news/2024/y.en.md`)",
    ] {
        assert!(errors.contains(expect), "missing {expect:?} in:\n{errors}");
    }
    // x's alliances are the same set in another order: no complaint.
    assert!(!errors.contains("x.zh.md:4: field `alliances`"), "{errors}");
}

#[test]
fn impossible_dates_say_why() {
    let site = valid_site();
    for (slug, date) in [
        ("feb", "2024-02-30"),
        ("leap", "2023-02-29"),
        ("apr", "2024-04-31"),
        ("month", "2024-13-01"),
    ] {
        site.article("2024", slug, "en", &format!("title: T\ndate: {date}"), "x");
    }
    let errors = site.build_errors();
    for expect in [
        "found `2024-02-30`: February 2024 has no 30th (it has 29 days)",
        "found `2023-02-29`: February 2023 has no 29th (it has 28 days)",
        "found `2024-04-31`: April 2024 has no 31st (it has 30 days)",
        "found `2024-13-01`: there is no month 13",
    ] {
        assert!(errors.contains(expect), "missing {expect:?} in:\n{errors}");
    }
}

#[test]
fn active_attachments_are_refused_and_plain_svg_is_published() {
    let site = valid_site();
    site.write(
        "content/news/2024/evil.svg",
        r#"<svg xmlns="http://www.w3.org/2000/svg"><script>fetch('/zh/')</script></svg>"#,
    );
    site.write("content/news/2024/page.html", "<script>alert(1)</script>");
    site.write("content/news/2024/tool.js", "alert(1)");
    site.write(
        "content/news/2024/chart.svg",
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4"><rect width="4" height="2"/></svg>"#,
    );
    site.article(
        "2024",
        "att",
        "en",
        "title: Attachments\ndate: 2024-01-01",
        "![x](evil.svg)\n\n[page](page.html)\n\n[tool](tool.js)",
    );
    site.article(
        "2024",
        "ok",
        "en",
        "title: Chart\ndate: 2024-01-01",
        "![chart](chart.svg)",
    );
    let errors = site.build_errors();
    for expect in [
        "content/news/2024/att.en.md:6: `evil.svg` (content/news/2024/evil.svg): this SVG has a <script> element",
        "`page.html` (content/news/2024/page.html): `.html` files are not published as attachments",
        "`tool.js` (content/news/2024/tool.js): `.js` files are not published as attachments",
    ] {
        assert!(errors.contains(expect), "missing {expect:?} in:\n{errors}");
    }
    assert!(!errors.contains("chart.svg"), "{errors}");
    std::fs::remove_file(site.root().join("content/news/2024/att.en.md")).unwrap();
    site.build_ok();
    assert!(site.exists("/media/news/2024/chart.svg"));
    assert!(!site.exists("/media/news/2024/evil.svg"));
}

#[test]
fn static_files_must_not_replace_generated_ones_or_leave_the_site() {
    let site = valid_site();
    std::fs::create_dir_all(site.root().join("static")).unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("/etc/passwd", site.root().join("static/passwd")).unwrap();
        let errors = site.build_errors();
        assert!(
            errors.contains(
                "static/passwd: a symbolic link to `/etc/passwd`, outside the site folder"
            ),
            "{errors}"
        );
        std::fs::remove_file(site.root().join("static/passwd")).unwrap();
    }
    site.write("static/robots.txt", "User-agent: *\nDisallow: /\n");
    site.write("static/sitemap.xml", "<urlset/>");
    let errors = site.build_errors();
    for expect in [
        "static/robots.txt: would replace a file qiao generates: the build already generates `/robots.txt`",
        "static/sitemap.xml: would replace a file qiao generates",
    ] {
        assert!(errors.contains(expect), "missing {expect:?} in:\n{errors}");
    }
    // A static file may replace one of qiao's own static files.
    std::fs::remove_file(site.root().join("static/robots.txt")).unwrap();
    std::fs::remove_file(site.root().join("static/sitemap.xml")).unwrap();
    site.write("static/style.css", "body{color:red}");
    site.build_ok();
    assert_eq!(
        std::fs::read_to_string(site.out().join("style.css")).unwrap(),
        "body{color:red}"
    );
}

#[test]
fn characters_xml_forbids_are_dropped_from_feeds() {
    let site = Site::new();
    site.article(
        "2024",
        "odd",
        "en",
        "title: \"Odd \\uFFFE title \\uFFFF \\u0001 end\"\ndate: 2024-01-01",
        "Body with \u{FFFE} and \u{FFFF} inside.",
    );
    site.build_ok();
    let feed = std::fs::read_to_string(site.out().join("en/atom.xml")).unwrap();
    assert!(feed.contains("Odd  title   end"), "{feed}");
    roxmltree::Document::parse(&feed).expect("the feed is well-formed XML");
    let sitemap = std::fs::read_to_string(site.out().join("sitemap.xml")).unwrap();
    roxmltree::Document::parse(&sitemap).expect("the sitemap is well-formed XML");
    site.check_output_ok();
    // check --output parses every XML file: a damaged feed is reported.
    std::fs::write(
        site.out().join("en/atom.xml"),
        "<feed><title>x\u{1}</title></feed>",
    )
    .unwrap();
    let out = site.run(&["check", "--output"]);
    assert_eq!(out.status.code(), Some(1));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("en/atom.xml") && text.contains("not well-formed XML"),
        "{text}"
    );
}

#[test]
fn references_must_stay_inside_content_and_exist() {
    let site = valid_site();
    site.article(
        "2024",
        "refs",
        "en",
        "title: Refs\ndate: 2024-01-01",
        "Line one.\n\n![passwd](../../../etc/passwd)\n\n[missing](img/none.png)\n\n[gone](../2020/gone.zh.md)",
    );
    let errors = site.build_errors();
    assert!(
        errors.contains(
            "content/news/2024/refs.en.md:8: `../../../etc/passwd` points outside `content/`"
        ),
        "{errors}"
    );
    assert!(errors.contains("content/news/2024/refs.en.md:10: `img/none.png` references `content/news/2024/img/none.png`, which does not exist"), "{errors}");
    assert!(
        errors.contains("content/news/2024/refs.en.md:12: `../2020/gone.zh.md` links to"),
        "{errors}"
    );
}

#[cfg(unix)]
#[test]
fn symlinks_that_loop_or_leave_content_are_errors() {
    let site = valid_site();
    std::os::unix::fs::symlink("..", site.root().join("content/news/2024/loop")).unwrap();
    std::os::unix::fs::symlink(
        "/etc/hostname",
        site.root().join("content/news/2024/host.txt"),
    )
    .unwrap();
    site.article(
        "2024",
        "link",
        "en",
        "title: L\ndate: 2024-01-01",
        "[host](host.txt)",
    );
    let errors = site.build_errors();
    assert!(
        errors.contains("content/news/2024/loop: symbolic link loop"),
        "{errors}"
    );
    assert!(
        errors.contains("`host.txt` leads outside `content/` through a symbolic link"),
        "{errors}"
    );
}

#[test]
fn unreadable_files_get_clear_errors() {
    let site = valid_site();
    site.write_bytes(
        "content/news/2024/latin1.en.md",
        b"---\ntitle: caf\xe9\ndate: 2024-01-01\n---\n",
    );
    site.write("content/news/2024/empty.zh.md", "");
    let errors = site.build_errors();
    assert!(
        errors.contains(
            "content/news/2024/latin1.en.md:2: not valid UTF-8 (invalid byte at offset 14)"
        ),
        "{errors}"
    );
    assert!(
        errors.contains("content/news/2024/empty.zh.md:1: the file is empty"),
        "{errors}"
    );
}

#[test]
fn bom_and_crlf_are_accepted() {
    let site = Site::new();
    site.write_bytes(
        "content/news/2024/win.en.md",
        b"\xef\xbb\xbf---\r\ntitle: Windows\r\ndate: 2024-02-03\r\n---\r\n\r\nBody line.\r\n",
    );
    site.build_ok();
    let page = site.page("/en/news/win/");
    assert_eq!(page.texts("h1"), ["Windows"]);
    assert_eq!(page.texts(".prose p"), ["Body line."]);
}

#[test]
fn broken_or_empty_site_toml() {
    let site = valid_site();
    site.write("site.toml", "");
    let errors = site.build_errors();
    assert!(
        errors.contains("site.toml: field `base_url`: missing"),
        "{errors}"
    );
    assert!(errors.contains("field `languages.zh`: missing"), "{errors}");
    site.write(
        "site.toml",
        "base_url = \"https://x.org\"\n[languages.zh\ntitle = 1\n",
    );
    assert!(
        site.build_errors().contains("site.toml:2: "),
        "{}",
        site.build_errors()
    );
    site.write(
        "site.toml",
        &crate::support::SITE_TOML.replace("[alliances.sco]", "[alliances.sco]\ncolour = \"red\""),
    );
    let errors = site.build_errors();
    assert!(errors.contains("unknown field `colour`"), "{errors}");
}

#[test]
fn all_errors_of_a_build_are_reported_together() {
    let site = valid_site();
    for i in 0..5 {
        site.article("2024", &format!("broken-{i}"), "en", "title: T", "x");
    }
    let errors = site.build_errors();
    assert_eq!(
        errors.matches("field `date`: missing").count(),
        5,
        "{errors}"
    );
}

#[test]
fn a_failed_build_leaves_the_previous_output_untouched() {
    let site = valid_site();
    site.build_ok();
    let before = site.snapshot();
    assert!(before.len() > 10);
    site.article(
        "2024",
        "good",
        "en",
        "title: Changed\ndate: 2024-01-01\nalliances: [wvteda]\ncountries: [KE]",
        "Changed body.",
    );
    site.article("2024", "broken", "en", "title: T\ndate: yesterday", "x");
    site.build_errors();
    assert_eq!(site.snapshot(), before);
    let leftovers: Vec<_> = std::fs::read_dir(site.root())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .filter(|n| n.to_string_lossy().contains("staging"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn huge_and_deep_inputs_build() {
    let site = Site::new();
    let big =
        "鲁班工坊在肯尼亚开展职业技能培训。Luban Workshop training in Kenya.\n\n".repeat(60_000);
    assert!(big.len() > 5_000_000);
    site.article("2024", "big", "zh", "title: 大\ndate: 2024-01-01", &big);
    let tags: Vec<String> = (0..10_000).map(|i| format!("t{i}")).collect();
    site.article(
        "2024",
        "tags",
        "en",
        &format!("title: Tags\ndate: 2024-01-02\ntags: [{}]", tags.join(", ")),
        "x",
    );
    let deep: String = (0..5_000)
        .map(|i| format!("{}- level {i}\n", "  ".repeat(i)))
        .collect();
    site.article("2024", "deep", "en", "title: Deep\ndate: 2024-01-03", &deep);
    let nested_quotes = ">".repeat(5_000) + " deep quote";
    site.article(
        "2024",
        "quotes",
        "en",
        "title: Quotes\ndate: 2024-01-04",
        &nested_quotes,
    );
    site.build_ok();
    assert_eq!(site.page("/en/news/tags/").select(".tag").len(), 10_000);
    assert!(site.page("/zh/news/big/").text.len() > 5_000_000);
    assert!(site.page("/en/news/deep/").text.contains("level 4999"));
    assert!(site.page("/en/news/quotes/").text.contains("deep quote"));
}

#[test]
fn no_content_folder_is_an_error() {
    let site = Site::new();
    std::fs::remove_dir_all(site.root().join("content")).unwrap();
    assert!(site.build_errors().contains("no `content/` folder"));
}

#[test]
fn an_output_folder_containing_the_site_is_refused() {
    let site = valid_site();
    let opts = qiao::BuildOptions {
        out: Some(site.root().to_path_buf()),
        ..qiao::BuildOptions::new(site.root())
    };
    match qiao::pipeline::build(&opts) {
        Err(qiao::BuildError::Usage(msg)) => {
            assert!(msg.contains("contains the site itself"), "{msg}")
        }
        other => panic!("{other:?}"),
    }
    assert!(site.root().join("content/news/2024/good.en.md").exists());
}
