//! Search: exact hit sets through the library and the CLI, bad queries, and proof that the
//! native and the WebAssembly searcher return the same results.

mod common;

use std::collections::BTreeSet;

use common::{Site, search_site};
use qiao_search::{Request, Response};

fn request(query: &str, lang: Option<&str>) -> Request {
    Request {
        query: query.into(),
        lang: lang.map(Into::into),
        limit: Some(50),
        ..Request::default()
    }
}

fn slugs(response: &Response) -> BTreeSet<String> {
    response
        .hits
        .iter()
        .map(|h| format!("{}:{}", h.lang, h.slug))
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn exact_hit_sets_through_the_library() {
    let site = search_site();
    let (engine, _) = qiao::search::open(&site.out()).unwrap();
    let search = |r: Request| engine.search(&r).unwrap();

    // A Chinese phrase: 鲁班锁 shares the bigram 鲁班 but not 鲁班工坊.
    let r = search(request("鲁班工坊", Some("zh")));
    assert_eq!(slugs(&r), set(&["zh:luban-kenya", "zh:luban-thailand"]));
    assert_eq!(r.total, 2);
    assert!(
        r.hits[0].snippet.contains("<mark>鲁班工坊</mark>"),
        "{}",
        r.hits[0].snippet
    );

    // An English stem variant: `workshops` finds `workshop`, and the reverse.
    let r = search(request("workshops", Some("en")));
    assert_eq!(
        slugs(&r),
        set(&["en:luban-kenya", "en:luban-thailand", "en:luban-lock"])
    );
    assert_eq!(slugs(&search(request("Workshop", Some("en")))), slugs(&r));

    // A filter narrows, and facet counts describe the matching set.
    let mut filtered = request("luban", Some("en"));
    filtered.country = Some("KE".into());
    assert_eq!(slugs(&search(filtered)), set(&["en:luban-kenya"]));
    let all = search(request("luban", Some("en")));
    assert_eq!(all.facets.countries.get("CN"), Some(&3));
    assert_eq!(all.facets.countries.get("TH"), Some(&1));
    assert_eq!(all.facets.years.get("2023"), Some(&1));
    assert_eq!(all.facets.alliances.get("wvteda"), Some(&3));
    let mut by_year = request("luban", None);
    by_year.year = Some("2024".into());
    // Chinese halves say 鲁班, not "luban": only the English half matches.
    assert_eq!(slugs(&search(by_year)), set(&["en:luban-kenya"]));

    // A quoted phrase, and AND / OR.
    assert_eq!(
        slugs(&search(request("\"Luban lock\"", Some("en")))),
        set(&["en:luban-lock"])
    );
    assert_eq!(
        slugs(&search(request("kenya OR norway", Some("en")))),
        set(&["en:luban-kenya", "en:norway-forum"])
    );
    assert_eq!(
        slugs(&search(request("luban AND kenya", Some("en")))),
        set(&["en:luban-kenya"])
    );
    // Both languages when none is asked for.
    assert_eq!(
        slugs(&search(request("职业教育", None))),
        set(&["zh:norway-forum"])
    );
    // Titles rank above bodies.
    assert_eq!(
        search(request("Thailand", Some("en"))).hits[0].slug,
        "luban-thailand"
    );
}

#[test]
fn bad_queries_never_fail() {
    let site = search_site();
    let (engine, _) = qiao::search::open(&site.out()).unwrap();
    let long = "鲁班工坊 ".repeat(2_000);
    for q in [
        long.as_str(),
        "，。！？……",
        "!!!",
        "\"unbalanced",
        "AND AND",
        "OR",
        "((((",
        ")",
        "-",
        "title:",
        "*",
        "",
    ] {
        let r = engine
            .search(&request(q, None))
            .unwrap_or_else(|e| panic!("{q:.40}: {e}"));
        assert!(r.total <= 8, "{q:.40}");
    }
    assert_eq!(engine.search(&request("，。！", None)).unwrap().total, 0);
    assert!(engine.search(&request(&long, Some("zh"))).unwrap().total >= 1);
}

#[test]
fn the_cli_prints_the_json_contract() {
    let site = search_site();
    let out = site.run(&["search", "鲁班工坊", "--lang", "zh", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["total"], 2);
    for hit in json["hits"].as_array().unwrap() {
        for key in ["slug", "lang", "title", "url", "date", "snippet", "score"] {
            assert!(!hit[key].is_null(), "{key} missing in {hit}");
        }
        assert_eq!(hit["lang"], "zh");
        assert!(hit["url"].as_str().unwrap().starts_with("/zh/news/"));
    }
    for facet in ["alliances", "countries", "years"] {
        assert!(json["facets"][facet].is_object(), "{facet}");
    }
    let out = site.run(&[
        "search",
        "鲁班工坊 OR luban",
        "--country",
        "th",
        "--json",
        "--limit",
        "1",
    ]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["total"], 2, "both halves of the Thailand article");
    assert_eq!(json["hits"].as_array().unwrap().len(), 1);
    let out = site.run(&[
        "search",
        "\"Luban lock\"",
        "--alliance",
        "wvteda",
        "--year",
        "2022",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("/en/news/luban-lock/"), "{text}");
    assert!(text.starts_with("1 result(s)"), "{text}");
    let missing = Site::new();
    let out = missing.run(&["search", "x"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("run `qiao build` first"));
}

#[test]
fn only_published_articles_are_indexed() {
    let site = search_site();
    site.article(
        "news",
        "secret",
        "en",
        "title: Luban draft\ndate: 2024-01-01\ndraft: true",
        "Luban workshop draft.",
    );
    site.build_ok();
    let (engine, _) = qiao::search::open(&site.out()).unwrap();
    assert!(!slugs(&engine.search(&request("draft", None)).unwrap()).contains("en:secret"));
}

#[test]
fn native_and_webassembly_searchers_agree() {
    let site = search_site();
    let requests: Vec<Request> = [
        ("鲁班工坊", Some("zh"), None),
        ("Luban Workshop", Some("en"), None),
        ("workshops", None, None),
        ("\"Luban lock\"", Some("en"), None),
        ("kenya OR norway", None, None),
        ("职业教育", Some("zh"), Some("NO")),
        ("luban", None, Some("CN")),
        ("\"unbalanced AND AND", None, None),
        ("，。", None, None),
    ]
    .into_iter()
    .map(|(q, lang, country)| Request {
        query: q.into(),
        lang: lang.map(Into::into),
        country: country.map(Into::into),
        limit: Some(20),
        ..Request::default()
    })
    .collect();
    let (engine, _) = qiao::search::open(&site.out()).unwrap();
    let native: Vec<Response> = requests.iter().map(|r| engine.search(r).unwrap()).collect();

    let file = site.root().join("requests.json");
    std::fs::write(&file, serde_json::to_string(&requests).unwrap()).unwrap();
    let harness = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/wasm/harness.mjs");
    let out = std::process::Command::new("node")
        .arg(harness)
        .arg(site.out())
        .arg(&file)
        .output()
        .expect("node runs the WebAssembly searcher (apt-get install nodejs)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let wasm: Vec<Response> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(wasm.len(), native.len());
    for ((request, n), w) in requests.iter().zip(&native).zip(&wasm) {
        assert_eq!(n, w, "{:?}", request.query);
    }
    assert_eq!(
        (native[0].total, native[1].total),
        (2, 3),
        "the queries do find something"
    );
}
