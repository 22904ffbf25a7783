//! End to end: a built site served on 127.0.0.1, searched in headless Chromium through the
//! WebAssembly searcher. Fails, never skips, when Chromium is missing.

use std::collections::BTreeSet;

use crate::support::browser::Browser;
use crate::support::search_site;
use crate::support::server::Server;

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
    std::fs::remove_file(server.out_dir().join("search/manifest.en.json")).unwrap();
    let b = Browser::start();
    b.goto(&format!("{}/en/search/?q=Luban", server.base));
    let message = search_error(&b);
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
    // The postings, which the searcher reads by ranges (term dictionaries and norms
    // come in the hot cache).
    let postings = index_file(&dir, "zh", |name| name.ends_with(".idx"));
    let bytes = std::fs::read(&postings).unwrap();
    std::fs::write(&postings, &bytes[..16]).unwrap();
    let b = Browser::start();
    b.goto(&format!("{}/zh/search/?q=%E9%B2%81%E7%8F%AD", server.base));
    let message = search_error(&b);
    assert!(
        message.as_str().unwrap().contains("搜索索引已损坏"),
        "{message}"
    );
}

#[test]
fn flipped_bytes_in_the_hot_cache_show_the_damaged_message() {
    let site = crate::support::typing_site();
    let server = Server::start(site.root());
    let dir = server.out_dir().join("search");
    // It holds the term dictionaries: damage must stop the search, not misdirect it.
    let hot = index_file(&dir, "en", |name| name.starts_with("hot."));
    let mut bytes = std::fs::read(&hot).unwrap();
    let mid = bytes.len() / 2;
    for b in &mut bytes[mid - 8..mid + 8] {
        *b ^= 0xFF;
    }
    std::fs::write(&hot, &bytes).unwrap();
    let b = Browser::start();
    b.goto(&format!("{}/en/search/?q=Djibuti", server.base));
    let message = search_error(&b);
    assert!(
        message.as_str().unwrap().contains("is damaged"),
        "{message}"
    );
}

#[test]
fn a_truncated_hot_cache_shows_the_damaged_message() {
    let site = search_site();
    let server = Server::start(site.root());
    let dir = server.out_dir().join("search");
    let hot = index_file(&dir, "en", |name| name.starts_with("hot."));
    let bytes = std::fs::read(&hot).unwrap();
    std::fs::write(&hot, &bytes[..bytes.len() / 2]).unwrap();
    let b = Browser::start();
    b.goto(&format!("{}/en/search/?q=Luban", server.base));
    let message = search_error(&b);
    assert!(
        message.as_str().unwrap().contains("is damaged"),
        "{message}"
    );
}

#[test]
fn a_truncated_searcher_shows_the_damaged_message() {
    let site = search_site();
    let server = Server::start(site.root());
    let dir = server.out_dir().join("search");
    let manifest = std::fs::read(dir.join("manifest.zh.json")).unwrap();
    let manifest: serde_json::Value = serde_json::from_slice(&manifest).unwrap();
    let wasm = dir.join(manifest["wasm"].as_str().unwrap());
    let bytes = std::fs::read(&wasm).unwrap();
    std::fs::write(&wasm, &bytes[..bytes.len() / 2]).unwrap();
    let b = Browser::start();
    b.goto(&format!("{}/zh/search/?q=%E9%B2%81%E7%8F%AD", server.base));
    let message = search_error(&b);
    assert!(
        message.as_str().unwrap().contains("搜索索引已损坏"),
        "{message}"
    );
}

/// The file whose name `is` picks among those the search page in `lang` reads: the files
/// and the hot cache its manifest (`manifest.{lang}.json`) names.
fn index_file(dir: &std::path::Path, lang: &str, is: impl Fn(&str) -> bool) -> std::path::PathBuf {
    let manifest = std::fs::read(dir.join(format!("manifest.{lang}.json"))).unwrap();
    let manifest: serde_json::Value = serde_json::from_slice(&manifest).unwrap();
    let files = manifest["files"].as_array().unwrap().iter();
    std::iter::once(&manifest["hot"])
        .chain(files)
        .filter_map(|f| f["url"].as_str())
        .find(|name| is(name))
        .map(|name| dir.join(name))
        .unwrap_or_else(|| panic!("no such file in {}", dir.display()))
}

/// Waits for the search page's error message and returns its text.
fn search_error(b: &Browser) -> serde_json::Value {
    b.wait_for(
        "an error message",
        "const e = document.querySelector('#search-results .search-error'); return e && e.textContent",
    )
}

/// Waits until the first hit links to `href`.
fn first_hit(b: &Browser, href: &str) {
    b.wait_for(
        &format!("the first hit {href}"),
        &format!(
            "const a = document.querySelector('#search-results a'); return a && a.getAttribute('href') === {}",
            serde_json::to_string(href).unwrap()
        ),
    );
}

#[test]
fn readers_typing_traditional_misspelt_and_single_characters_find_articles() {
    let site = crate::support::typing_site();
    let server = Server::start(site.root());
    let b = Browser::start();
    // One page per language, queries typed into it: each page load holds a live-reload
    // connection of `qiao serve`, and Chromium allows six per host.
    let zh_luban = set(&[
        "/zh/news/djibouti/",
        "/zh/news/egypt/",
        "/zh/news/hong-kong/",
        "/zh/news/kazakhstan/",
        "/zh/news/kenya-digital/",
    ]);
    b.goto(&format!("{}/zh/search/?q=魯班工坊", server.base));
    assert_eq!(results(&b, &zh_luban), zh_luban);
    for query in ["鲁", "魯"] {
        // A query with no hits between two with the same hits.
        b.type_into("#search-input", "x");
        b.wait_for(
            "no hits",
            "return document.querySelectorAll('#search-results a').length === 0",
        );
        b.type_into("#search-input", query);
        assert_eq!(results(&b, &zh_luban), zh_luban, "{query}");
    }
    b.type_into("#search-input", "肯尼亞");
    let kenya = set(&["/zh/news/kenya-digital/"]);
    assert_eq!(results(&b, &kenya), kenya);
    let marks = b.eval("return Array.from(document.querySelectorAll('#search-results mark')).map(m => m.textContent)");
    assert!(
        marks.as_array().unwrap().iter().any(|m| m == "肯尼亚"),
        "{marks}"
    );
    b.type_into("#search-input", "中欧职业教育合作");
    let europe = set(&["/zh/news/europe-exact/", "/zh/news/europe-words/"]);
    assert_eq!(results(&b, &europe), europe);
    first_hit(&b, "/zh/news/europe-exact/");

    b.goto(&format!("{}/en/search/?q=Djibuti", server.base));
    first_hit(&b, "/en/news/djibouti/");
    for (query, first) in [
        ("Nicaragau", "/en/news/nicaragua/"),
        ("Luban Workshp Egypt", "/en/news/egypt/"),
        ("Qingdao Concensus", "/en/news/qingdao/"),
        ("Kazakstan", "/en/news/kazakhstan/"),
    ] {
        b.type_into("#search-input", query);
        first_hit(&b, first);
    }
    let note = b.wait_for(
        "the correction",
        "const e = document.querySelector('.search-corrected'); return e && e.textContent",
    );
    assert_eq!(note, "Showing results for Kazakhstan.");

    b.type_into(
        "#search-input",
        &format!("luban {}", "workshop ".repeat(40)),
    );
    b.wait_for(
        "the truncation note",
        "return document.querySelector('.search-truncated') !== null",
    );
}
