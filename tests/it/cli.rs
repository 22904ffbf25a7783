//! The `qiao` binary: commands, messages and exit codes (0 ok, 1 content errors, 2 usage).

use crate::support::Site;

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn build_writes_the_site_and_prints_one_summary_line() {
    let site = Site::new();
    site.pair("2024", "a", "2024-01-01", "wvteda", "KE");
    let out = site.run(&["build"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(stdout.starts_with("Built "), "{stdout}");
    assert!(site.exists("/zh/news/a/index.html"));
}

#[test]
fn content_errors_exit_with_1_and_usage_errors_with_2() {
    let site = Site::new();
    site.article("2024", "bad", "en", "title: T", "x");
    let out = site.run(&["build"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("content/news/2024/bad.en.md:1: field `date`: missing"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("was left unchanged"));
    assert_eq!(site.run(&["check"]).status.code(), Some(1));
    assert_eq!(
        site.run(&["build", "--no-such-flag"]).status.code(),
        Some(2)
    );
    assert_eq!(site.run(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(site.run(&["new", "Not A Slug"]).status.code(), Some(2));
    assert_eq!(
        site.run(&["new", "ok", "--date", "2024-02-30"])
            .status
            .code(),
        Some(2)
    );
    let out = site.run(&["build", "--base-url", "ftp://x"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--base-url: expected an http:// or https:// URL"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn every_command_has_help() {
    let site = Site::new();
    for args in [
        &["--help"][..],
        &["build", "--help"],
        &["check", "--help"],
        &["new", "--help"],
        &["serve", "--help"],
        &["search", "--help"],
    ] {
        let out = site.run(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Usage:"),
            "{args:?}"
        );
    }
}

#[test]
fn new_writes_both_halves_as_drafts_that_build() {
    let site = Site::new();
    let out = site.run(&["new", "kenya-visit", "--date", "2025-03-04"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for lang in ["zh", "en"] {
        let text = std::fs::read_to_string(
            site.root()
                .join(format!("content/news/2025/kenya-visit.{lang}.md")),
        )
        .unwrap();
        assert!(text.starts_with("---\ntitle: "), "{text}");
        assert!(
            text.contains("date: 2025-03-04\n") && text.contains("draft: true"),
            "{text}"
        );
    }
    // The output, the picture cache and the build's own files are kept out of git.
    let ignore = std::fs::read_to_string(site.root().join(".gitignore")).unwrap();
    for line in ["/public/", "/.qiao-cache/", "/.public.qiao-lock"] {
        assert!(ignore.lines().any(|l| l == line), "{line} in:\n{ignore}");
    }
    std::fs::write(site.root().join(".gitignore"), "notes/\n/.qiao-cache/\n").unwrap();
    site.run(&["new", "second-visit"]);
    let ignore = std::fs::read_to_string(site.root().join(".gitignore")).unwrap();
    assert!(
        ignore.starts_with("notes/\n/.qiao-cache/\n/public/\n"),
        "{ignore}"
    );
    assert_eq!(ignore.matches(".qiao-cache").count(), 1);
    assert_eq!(site.run(&["new", "kenya-visit"]).status.code(), Some(1));
    let out = site.run(&["build", "--drafts"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(site.exists("/zh/news/kenya-visit/index.html"));
    assert!(site.exists("/en/news/kenya-visit/index.html"));
}

#[test]
fn check_writes_nothing() {
    let site = Site::new();
    site.pair("2024", "a", "2024-01-01", "", "KE");
    let out = site.run(&["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!site.out().exists());
}

#[test]
fn builds_a_folder_without_templates_or_static() {
    let site = Site::new();
    site.pair("2024", "a", "2024-01-01", "", "KE");
    assert!(!site.root().join("templates").exists() && !site.root().join("static").exists());
    assert_eq!(site.run(&["build"]).status.code(), Some(0));
    assert!(site.exists("/style.css"));
}

#[test]
fn a_site_template_overrides_the_default_and_its_errors_are_reported() {
    let site = Site::new();
    site.pair("2024", "a", "2024-01-01", "", "KE");
    site.write("templates/years.html", "{% extends \"base.html\" %}{% block content %}<p id=\"custom\">{{ heading }}</p>{% endblock content %}");
    assert_eq!(site.run(&["build"]).status.code(), Some(0));
    assert_eq!(site.page("/en/years/").texts("#custom"), ["Years"]);
    site.write("templates/years.html", "{% if %}");
    let out = site.run(&["build"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("years.html"), "{}", stderr(&out));
}
