//! Bad input gets a clear error naming the file, line and field, never a panic, and a
//! failed build leaves the previous output exactly as it was.

mod common;

use common::Site;

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
    let errors = site.build_errors();
    for field in ["date", "countries", "draft"] {
        assert!(
            errors.contains(&format!(
                "field `{field}`: differs from `content/news/2024/x.en.md`"
            )),
            "{field} in:\n{errors}"
        );
    }
    assert!(
        errors.contains("content/news/2024/x.zh.md:3: field `date`"),
        "{errors}"
    );
    // Alliances are the same set in another order: no complaint.
    assert!(!errors.contains("`alliances`"), "{errors}");
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
        &common::SITE_TOML.replace("[alliances.sco]", "[alliances.sco]\ncolour = \"red\""),
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
