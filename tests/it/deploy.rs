//! Deploying under a sub-path, and the whole-site link check.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::browser::{Browser, free_port};
use crate::support::{Site, search_site};

const BASE: &str = "https://www.example.edu.cn/intl/news";

/// A plain static server (Python's) for a folder, so the site is reachable only under the
/// sub-path it was built for. It ignores Range requests, which the search worker must
/// survive too.
struct StaticServer {
    child: Child,
    base: String,
}

impl StaticServer {
    fn start(root: &std::path::Path) -> StaticServer {
        let port = free_port();
        let child = Command::new("python3")
            .args([
                "-m",
                "http.server",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--directory",
            ])
            .arg(root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 serves the folder");
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "the static server did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        StaticServer { child, base }
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn check_output(site: &Site, out: &std::path::Path, base: &str) -> (bool, String) {
    let output = site.run(&[
        "check",
        "--output",
        out.to_str().unwrap(),
        "--base-url",
        base,
    ]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[test]
fn the_link_check_catches_broken_links_and_fragments() {
    let site = Site::new();
    site.pair("2024", "target", "2024-01-01", "", "KE");
    site.article("2024", "linker", "en", "title: Linker\ndate: 2024-01-02", "[ok](target.en.md) [gone](/en/news/no-such-page/) [bad fragment](target.en.md#no-such-heading) [site](https://example.org/)");
    site.build_ok();
    let (ok, text) = check_output(&site, &site.out(), "https://news.example.org");
    assert!(!ok, "{text}");
    assert!(text.contains("broken: en/news/linker/index.html: `/en/news/no-such-page/`: no file at `/en/news/no-such-page/`"), "{text}");
    assert!(text.contains("`/en/news/target/#no-such-heading`: `en/news/target/index.html` has no element with id `no-such-heading`"), "{text}");
    assert!(text.contains("2 broken, 1 external"), "{text}");
    let listed = site.run(&["check", "--output", "--external"]);
    assert!(String::from_utf8_lossy(&listed.stdout).contains("external: https://example.org/"));

    // A link leaving the base path is caught too.
    let (ok, text) = check_output(&site, &site.out(), "https://news.example.org/portal");
    assert!(!ok);
    assert!(
        text.contains("leaves the site's base path `/portal/`"),
        "{text}"
    );
}

#[test]
fn a_clean_site_passes_the_link_check() {
    let site = search_site();
    let (ok, text) = check_output(&site, &site.out(), "https://news.example.org");
    assert!(ok, "{text}");
    assert!(text.contains(" 0 broken"), "{text}");
}

#[test]
fn a_site_under_a_sub_path_works_end_to_end() {
    let site = search_site();
    let webroot = site.root().join("webroot");
    let out = webroot.join("intl/news");
    let build = site.run(&["build", "--base-url", BASE, "-o", out.to_str().unwrap()]);
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );

    // Every link, asset, feed and sitemap URL resolves under the sub-path.
    let (ok, text) = check_output(&site, &out, BASE);
    assert!(ok, "{text}");
    let home = std::fs::read_to_string(out.join("en/index.html")).unwrap();
    for needle in [
        "href=\"/intl/news/en/news/",
        "href=\"/intl/news/style.",
        "href=\"https://www.example.edu.cn/intl/news/en/\"",
        "action=\"/intl/news/en/search/\"",
    ] {
        assert!(home.contains(needle), "{needle}");
    }
    let manifest = std::fs::read_to_string(out.join("search/manifest.json")).unwrap();
    assert!(manifest.contains(".wasm"));
    let sitemap = std::fs::read_to_string(out.join("sitemap.xml")).unwrap();
    assert!(sitemap.contains("<loc>https://www.example.edu.cn/intl/news/zh/</loc>"));

    // Served so that only /intl/news/ exists, the site and its search work in Chromium.
    let server = StaticServer::start(&webroot);
    let b = Browser::start();
    b.goto(&format!("{}/intl/news/", server.base));
    let landed = b.wait_for(
        "the language chooser to send us on",
        "return /\\/intl\\/news\\/(zh|en)\\/$/.test(location.pathname) ? location.pathname : null",
    );
    assert!(landed.as_str().unwrap().starts_with("/intl/news/"));
    b.goto(&format!(
        "{}/intl/news/en/search/?q=Luban+Workshop",
        server.base
    ));
    let found = b.wait_for(
        "search results under the sub-path",
        "const l = Array.from(document.querySelectorAll('#search-results a')).map(a => a.getAttribute('href')).sort(); return l.length === 3 ? l : null",
    );
    assert_eq!(
        found,
        serde_json::json!([
            "/intl/news/en/news/luban-kenya/",
            "/intl/news/en/news/luban-lock/",
            "/intl/news/en/news/luban-thailand/"
        ])
    );
    // Following a hit lands on the article, styled.
    b.click("#search-results a[href='/intl/news/en/news/luban-kenya/']");
    let title = b.wait_for("the article", "return location.pathname.endsWith('/luban-kenya/') && document.querySelector('h1') ? document.querySelector('h1').textContent : null");
    assert_eq!(title, "Luban Workshop opens in Kenya");
    let styled =
        b.eval("return getComputedStyle(document.querySelector('.site-header')).borderBottomStyle");
    assert_eq!(styled, "solid", "the stylesheet loaded under the sub-path");
}
