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
    // The postings, which the searcher reads by ranges (term dictionaries and norms
    // come in the hot cache).
    let message = message_after_damage(
        search_site(),
        "zh",
        "%E9%B2%81%E7%8F%AD",
        |name| name.ends_with(".idx"),
        |bytes| bytes.truncate(16),
    );
    assert!(message.contains("搜索索引已损坏"), "{message}");
}

#[test]
fn flipped_bytes_in_the_hot_cache_show_the_damaged_message() {
    // It holds the term dictionaries: damage must stop the search, not misdirect it.
    let message = message_after_damage(
        crate::support::typing_site(),
        "en",
        "Djibuti",
        |name| name.starts_with("hot."),
        |bytes| {
            let mid = bytes.len() / 2;
            for b in &mut bytes[mid - 8..mid + 8] {
                *b ^= 0xFF;
            }
        },
    );
    assert!(message.contains("is damaged"), "{message}");
}

#[test]
fn a_truncated_hot_cache_shows_the_damaged_message() {
    let message = message_after_damage(
        search_site(),
        "en",
        "Luban",
        |name| name.starts_with("hot."),
        |bytes| bytes.truncate(bytes.len() / 2),
    );
    assert!(message.contains("is damaged"), "{message}");
}

#[test]
fn a_truncated_searcher_shows_the_damaged_message() {
    let message = message_after_damage(
        search_site(),
        "zh",
        "%E9%B2%81%E7%8F%AD",
        |name| name.starts_with("qiao-search."),
        |bytes| bytes.truncate(bytes.len() / 2),
    );
    assert!(message.contains("搜索索引已损坏"), "{message}");
}

/// Serves `site` with `damage` done to the search file `pick` chooses among those the
/// `lang` search page reads, searches for `query` (URL-encoded) there, and returns the
/// error message the page shows.
fn message_after_damage(
    site: crate::support::Site,
    lang: &str,
    query: &str,
    pick: impl Fn(&str) -> bool,
    damage: impl FnOnce(&mut Vec<u8>),
) -> String {
    let server = Server::start(site.root());
    let file = index_file(&server.out_dir().join("search"), lang, pick);
    let mut bytes = std::fs::read(&file).unwrap();
    damage(&mut bytes);
    std::fs::write(&file, &bytes).unwrap();
    let b = Browser::start();
    b.goto(&format!("{}/{lang}/search/?q={query}", server.base));
    search_error(&b).as_str().unwrap().to_owned()
}

/// The file whose name `is` picks among those the search page in `lang` reads: the files,
/// the hot cache and the searcher its manifest (`manifest.{lang}.json`) names.
fn index_file(dir: &std::path::Path, lang: &str, is: impl Fn(&str) -> bool) -> std::path::PathBuf {
    let manifest = std::fs::read(dir.join(format!("manifest.{lang}.json"))).unwrap();
    let manifest: serde_json::Value = serde_json::from_slice(&manifest).unwrap();
    let files = manifest["files"].as_array().unwrap().iter();
    let searcher = manifest["wasm"].as_str();
    std::iter::once(&manifest["hot"])
        .chain(files)
        .filter_map(|f| f["url"].as_str())
        .chain(searcher)
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
