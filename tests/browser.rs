//! End to end: a built site served on 127.0.0.1, searched in headless Chromium through the
//! WebAssembly searcher. Fails, never skips, when Chromium is missing.

#[path = "common/browser.rs"]
mod browser;
mod common;
#[path = "common/server.rs"]
mod server;

use std::collections::BTreeSet;

use browser::Browser;
use common::search_site;
use server::Server;

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn results(b: &Browser, expected: &BTreeSet<String>) -> BTreeSet<String> {
    let script = format!(
        "const links = Array.from(document.querySelectorAll('#search-results a')).map(a => a.getAttribute('href')).sort();
         return JSON.stringify(links) === JSON.stringify({}) ? links : null;",
        serde_json::to_string(&expected.iter().collect::<Vec<_>>()).unwrap()
    );
    b.wait_for(&format!("results {expected:?}"), &script);
    b.links_in("search-results").into_iter().collect()
}

#[test]
fn searching_in_chromium_finds_filters_and_updates() {
    let site = search_site();
    let server = Server::start(site.root());
    let b = Browser::start();

    b.goto(&format!(
        "{}/zh/search/?q=%E9%B2%81%E7%8F%AD%E5%B7%A5%E5%9D%8A",
        server.base
    ));
    let zh = set(&["/zh/news/luban-kenya/", "/zh/news/luban-thailand/"]);
    assert_eq!(results(&b, &zh), zh);
    let marks = b.eval("return Array.from(document.querySelectorAll('#search-results mark')).map(m => m.textContent)");
    assert!(
        marks.as_array().unwrap().iter().any(|m| m == "鲁班工坊"),
        "{marks}"
    );
    assert_eq!(
        b.eval("return document.getElementById('search-input').value"),
        "鲁班工坊"
    );

    b.goto(&format!("{}/en/search/?q=Luban+Workshop", server.base));
    let en = set(&[
        "/en/news/luban-kenya/",
        "/en/news/luban-lock/",
        "/en/news/luban-thailand/",
    ]);
    assert_eq!(results(&b, &en), en);

    // Clicking a facet narrows the hits and puts the filter in the URL.
    b.click("#search-facets button[data-facet='country'][data-value='TH']");
    let thailand = set(&["/en/news/luban-thailand/"]);
    assert_eq!(results(&b, &thailand), thailand);
    let url = b
        .eval("return location.search")
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        url.contains("country=TH") && url.contains("q=Luban"),
        "{url}"
    );
    // The back button restores the unfiltered results.
    b.eval("history.back(); return true");
    assert_eq!(results(&b, &en), en);

    // Typing a new query updates the results and the URL.
    b.type_into("#search-input", "forum");
    let forum = set(&["/en/news/norway-forum/"]);
    assert_eq!(results(&b, &forum), forum);
    b.wait_for(
        "the query in the URL",
        "return location.search.includes('q=forum')",
    );
}

#[test]
fn a_missing_index_shows_a_message() {
    let site = search_site();
    let server = Server::start(site.root());
    std::fs::remove_file(server.out_dir().join("search/manifest.json")).unwrap();
    let b = Browser::start();
    b.goto(&format!("{}/en/search/?q=Luban", server.base));
    let message = b.wait_for("an error message", "const e = document.querySelector('#search-results .search-error'); return e && e.textContent");
    assert!(
        message.as_str().unwrap().contains("could not be loaded"),
        "{message}"
    );
}

#[test]
fn a_truncated_index_file_shows_a_message() {
    let site = search_site();
    let server = Server::start(site.root());
    let dir = server.out_dir().join("search");
    let term = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "term"))
        .unwrap();
    let bytes = std::fs::read(&term).unwrap();
    std::fs::write(&term, &bytes[..bytes.len() / 3]).unwrap();
    let b = Browser::start();
    b.goto(&format!("{}/zh/search/?q=%E9%B2%81%E7%8F%AD", server.base));
    let message = b.wait_for("an error message", "const e = document.querySelector('#search-results .search-error'); return e && e.textContent");
    assert!(
        message.as_str().unwrap().contains("无法加载搜索索引"),
        "{message}"
    );
}
