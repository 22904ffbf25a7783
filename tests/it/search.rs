//! Search: exact hit sets through the library and the CLI, bad queries, and proof that the
//! native and the WebAssembly searcher return the same results.

use std::collections::BTreeSet;

use crate::support::{Site, node, search_site};
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

/// Each language's search page opens its own part of the index: a manifest naming only
/// that language's segment, whose searcher finds only that language's articles even when
/// asked for none, with the same hits (and facets) the whole index gives for the language.
#[test]
fn each_language_opens_its_own_part_of_the_index() {
    let site = search_site();
    let search = site.out().join("search");
    let manifest = |name: &str| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(search.join(name)).unwrap()).unwrap()
    };
    // The segment files, without `meta.json`, which each manifest has its own of.
    let segment_files = |m: &serde_json::Value| -> BTreeSet<String> {
        (m["files"].as_array().unwrap().iter())
            .filter(|f| f["name"] != "meta.json")
            .map(|f| f["url"].as_str().unwrap().to_owned())
            .collect()
    };
    let all = segment_files(&manifest("manifest.json"));
    let zh = segment_files(&manifest("manifest.zh.json"));
    let en = segment_files(&manifest("manifest.en.json"));
    assert!(!zh.is_empty() && zh.is_disjoint(&en), "{zh:?} {en:?}");
    assert_eq!(all, zh.union(&en).cloned().collect::<BTreeSet<_>>());

    let (whole, _) = qiao::search::open(&site.out(), None).unwrap();
    for lang in ["zh", "en"] {
        let code = qiao::lang::Lang::from_code(lang);
        let (part, _) = qiao::search::open(&site.out(), code).unwrap();
        let r = part.search(&request("luban OR 鲁班", None)).unwrap();
        assert!(
            r.total > 0 && r.hits.iter().all(|h| h.lang == lang),
            "{r:?}"
        );
        let from_whole = whole.search(&request("luban OR 鲁班", Some(lang))).unwrap();
        assert_eq!(slugs(&r), slugs(&from_whole));
        assert_eq!(r.facets, from_whole.facets);
    }
}

#[test]
fn exact_hit_sets_through_the_library() {
    let site = search_site();
    let (engine, _) = qiao::search::open(&site.out(), None).unwrap();
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
    let (engine, _) = qiao::search::open(&site.out(), None).unwrap();
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
    // The same words, published: a search that found nothing would not tell drafts apart.
    site.article(
        "news",
        "public",
        "en",
        "title: Luban draft\ndate: 2024-01-01",
        "Luban workshop draft.",
    );
    site.build_ok();
    let (engine, _) = qiao::search::open(&site.out(), None).unwrap();
    let found = slugs(&engine.search(&request("draft", None)).unwrap());
    assert!(found.contains("en:public"), "{found:?}");
    assert!(!found.contains("en:secret"), "{found:?}");
}

/// Runs `requests` through the native searcher and through the WebAssembly one in node,
/// asserts that they answer alike, and returns the answers.
fn assert_wasm_agrees(site: &Site, requests: &[Request]) -> Vec<Response> {
    let native: Vec<Response> = (requests.iter())
        .map(|r| qiao::search::query(&site.out(), r).unwrap())
        .collect();

    let file = site.root().join("requests.json");
    std::fs::write(&file, serde_json::to_string(&requests).unwrap()).unwrap();
    let harness = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/wasm/harness.mjs");
    let out = node([
        harness.as_os_str(),
        site.out().as_os_str(),
        file.as_os_str(),
    ]);
    let wasm: Vec<Response> = serde_json::from_slice(&out).unwrap();
    assert_eq!(wasm.len(), native.len());
    for ((request, n), w) in requests.iter().zip(&native).zip(&wasm) {
        assert_eq!(n, w, "{:?}", request.query);
    }
    native
}

#[test]
fn native_and_webassembly_searchers_agree_on_how_readers_type() {
    let site = crate::support::typing_site();
    let long = "鲁班工坊 ".repeat(100);
    let mut queries: Vec<&str> = TRADITIONAL.iter().flat_map(|(t, s)| [*t, *s]).collect();
    queries.extend(MISSPELT.iter().map(|(q, _, _)| *q));
    queries.extend([
        "鲁",
        "魯",
        "中欧职业教育合作",
        "luban OR",
        "OR luban",
        "luban AND",
        &long,
    ]);
    let requests: Vec<Request> = queries.iter().map(|q| request(q, None)).collect();
    let native = assert_wasm_agrees(&site, &requests);
    assert!(
        native.iter().all(|r| r.total > 0),
        "every query finds something"
    );
    assert!(native.iter().any(|r| r.corrected.is_some()) && native.last().unwrap().truncated);
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
    let native = assert_wasm_agrees(&site, &requests);
    assert_eq!(
        (native[0].total, native[1].total),
        (2, 3),
        "the queries do find something"
    );
}

/// `lang:slug` of the hits, best first.
fn ranked(response: &Response) -> Vec<String> {
    response
        .hits
        .iter()
        .map(|h| format!("{}:{}", h.lang, h.slug))
        .collect()
}

/// Traditional queries and the Simplified text they must find.
const TRADITIONAL: [(&str, &str); 6] = [
    ("魯班工坊", "鲁班工坊"),
    ("肯尼亞", "肯尼亚"),
    ("數字工坊", "数字工坊"),
    ("技能大賽", "技能大赛"),
    ("產教融合", "产教融合"),
    ("哈薩克斯坦魯班工坊", "哈萨克斯坦鲁班工坊"),
];

/// Misspelt queries, the article each must find first, and the corrected query.
const MISSPELT: [(&str, &str, &str); 5] = [
    ("Djibuti", "en:djibouti", "Djibouti"),
    ("Nicaragau", "en:nicaragua", "Nicaragua"),
    ("Luban Workshp Egypt", "en:egypt", "Luban Workshop Egypt"),
    ("Qingdao Concensus", "en:qingdao", "Qingdao Consensus"),
    ("Kazakstan", "en:kazakhstan", "Kazakhstan"),
];

#[test]
fn traditional_queries_find_simplified_articles() {
    let site = crate::support::typing_site();
    let (engine, _) = qiao::search::open(&site.out(), None).unwrap();
    for (traditional, simplified) in TRADITIONAL {
        let t = engine.search(&request(traditional, Some("zh"))).unwrap();
        let s = engine.search(&request(simplified, Some("zh"))).unwrap();
        assert!(t.total > 0, "{traditional} finds nothing");
        assert_eq!(slugs(&t), slugs(&s), "{traditional} and {simplified}");
    }
    let r = engine.search(&request("肯尼亞", Some("zh"))).unwrap();
    assert_eq!(slugs(&r), set(&["zh:kenya-digital"]));
    assert!(
        r.hits[0].snippet.contains("<mark>肯尼亚</mark>"),
        "highlights the article's own characters: {}",
        r.hits[0].snippet
    );
    let r = engine.search(&request("哈薩克斯坦魯班工坊", None)).unwrap();
    assert_eq!(ranked(&r)[0], "zh:kazakhstan");
    // And the reverse: a Simplified query finds the article written in Traditional, and
    // its snippet marks the Traditional characters.
    let r = engine.search(&request("鲁班工坊", Some("zh"))).unwrap();
    let hk = r
        .hits
        .iter()
        .find(|h| h.slug == "hong-kong")
        .expect("hong-kong");
    assert!(
        hk.snippet.contains("<mark>魯班工坊</mark>"),
        "{}",
        hk.snippet
    );
    assert_eq!(
        slugs(&r),
        set(&[
            "zh:kenya-digital",
            "zh:kazakhstan",
            "zh:djibouti",
            "zh:egypt",
            "zh:hong-kong"
        ])
    );
}

#[test]
fn misspelt_place_names_find_their_article_first() {
    let site = crate::support::typing_site();
    let (engine, _) = qiao::search::open(&site.out(), None).unwrap();
    for (query, first, corrected) in MISSPELT {
        let r = engine.search(&request(query, None)).unwrap();
        assert_eq!(
            ranked(&r).first().map(String::as_str),
            Some(first),
            "{query}"
        );
        assert_eq!(r.corrected.as_deref(), Some(corrected), "{query}");
    }
    // Spelt right, nothing is corrected; a short word is never fuzzy; nor is Chinese.
    let r = engine.search(&request("Djibouti", None)).unwrap();
    assert_eq!((ranked(&r)[0].as_str(), r.corrected), ("en:djibouti", None));
    assert_eq!(engine.search(&request("Egyp", None)).unwrap().total, 0);
    assert_eq!(
        engine.search(&request("\"Djibuti\"", None)).unwrap().total,
        0
    );
    assert_eq!(engine.search(&request("吉布堤", None)).unwrap().total, 0);
    // The snippet marks the word that was found.
    let r = engine.search(&request("Djibuti", Some("en"))).unwrap();
    assert!(
        r.hits[0].snippet.contains("<mark>Djibouti</mark>"),
        "{}",
        r.hits[0].snippet
    );
}

#[test]
fn a_single_character_finds_the_words_it_starts() {
    let site = crate::support::typing_site();
    let (engine, _) = qiao::search::open(&site.out(), None).unwrap();
    let r = engine.search(&request("鲁", Some("zh"))).unwrap();
    let with_luban = set(&[
        "zh:kenya-digital",
        "zh:kazakhstan",
        "zh:djibouti",
        "zh:egypt",
        "zh:hong-kong",
    ]);
    assert_eq!(slugs(&r), with_luban);
    assert_eq!(
        slugs(&engine.search(&request("魯", Some("zh"))).unwrap()),
        with_luban
    );
    // Articles that use it in the title and the body rank above one with it in the body.
    let r = engine.search(&request("尼", Some("zh"))).unwrap();
    assert_eq!(
        slugs(&r),
        set(&["zh:kenya-digital", "zh:nicaragua"]),
        "尼亚 and 尼加"
    );
}

#[test]
fn a_long_chinese_query_finds_the_phrase_first_then_its_words() {
    let site = crate::support::typing_site();
    let (engine, _) = qiao::search::open(&site.out(), None).unwrap();
    let r = engine
        .search(&request("中欧职业教育合作", Some("zh")))
        .unwrap();
    assert_eq!(ranked(&r), ["zh:europe-exact", "zh:europe-words"]);
    assert!(r.hits[0].score > r.hits[1].score);
    // The quoted phrase is exact.
    let r = engine
        .search(&request("\"中欧职业教育合作\"", Some("zh")))
        .unwrap();
    assert_eq!(ranked(&r), ["zh:europe-exact"]);
}

#[test]
fn query_syntax_forgives_dangling_operators_and_says_when_it_cuts() {
    let site = crate::support::typing_site();
    let (engine, _) = qiao::search::open(&site.out(), None).unwrap();
    let luban = engine.search(&request("luban", None)).unwrap();
    assert!(luban.total >= 3);
    for q in ["luban OR", "OR luban", "luban AND", "AND luban OR"] {
        assert_eq!(engine.search(&request(q, None)).unwrap(), luban, "{q}");
    }
    assert!(!luban.truncated);
    let long = format!("luban {}", "workshop ".repeat(40));
    let r = engine.search(&request(&long, None)).unwrap();
    assert!(r.truncated && r.total > 0);
    // A limit of 0 counts without listing.
    let mut none = request("luban", None);
    none.limit = Some(0);
    let r = engine.search(&none).unwrap();
    assert_eq!((r.hits.len(), r.total), (0, luban.total));
}

#[test]
fn the_cli_shows_corrections_rejects_bad_filters_and_strips_control_characters() {
    let site = crate::support::typing_site();
    let out = site.run(&["search", "Djibuti", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["corrected"], "Djibouti");
    assert_eq!(json["truncated"], false);
    assert_eq!(json["hits"][0]["slug"], "djibouti");
    let out = site.run(&["search", "Djibuti"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("showing results for \"Djibouti\""), "{text}");

    let long = "鲁班工坊 ".repeat(100);
    let out = site.run(&["search", &long, "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["truncated"], true);
    let out = site.run(&["search", &long]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("the query was cut"));

    for args in [
        ["--year", "abc"],
        ["--year", "20245"],
        ["--country", "Kenya"],
        ["--alliance", "Not A Key"],
        ["--limit", "0"],
        ["--limit", "-1"],
    ] {
        let out = site.run(&["search", "luban", args[0], args[1]]);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("expected"), "{args:?}: {err}");
    }

    let out = site.run(&["search", "escape sequences", "--lang", "en"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Control characters"), "{text}");
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}'),
        "{text:?}"
    );
    let out = site.run(&["search", "escape sequences", "--lang", "en", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        json["hits"][0]["snippet"]
            .as_str()
            .unwrap()
            .contains('\u{1b}'),
        "JSON keeps the text, escaped"
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains('\u{1b}'));
}

/// A way to damage a file, by name.
type Damage = (&'static str, fn(&mut Vec<u8>));

/// Every kind of index file, damaged three ways: `qiao search` says which file and that the
/// site needs rebuilding, with exit code 1, never a panic.
#[test]
fn every_damaged_index_file_is_a_clean_error() {
    let site = crate::support::typing_site();
    let search = site.out().join("search");
    let pristine = crate::support::tree(&search);
    // A search without a language opens the whole index: damage to what it reads.
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(search.join("manifest.json")).unwrap()).unwrap();
    let listed = |name: &str| {
        name == "manifest.json"
            || name.ends_with(".wasm")
            || manifest["hot"]["url"] == name
            || manifest["files"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["url"] == name)
    };
    let kinds = [
        ".term",
        ".idx",
        ".pos",
        ".fast",
        ".store",
        ".fieldnorm",
        "meta.",
        "manifest.json",
    ];
    let damages: [Damage; 3] = [
        ("truncated", |b| b.truncate(b.len() / 2)),
        ("flipped", |b| {
            let mid = b.len() / 2;
            let end = (mid + 16).min(b.len());
            for x in &mut b[mid.saturating_sub(16 - (end - mid))..end] {
                *x ^= 0xFF;
            }
        }),
        ("random", |b| {
            let mut state = 0x2545_f491_4f6c_dd1du64;
            for x in b.iter_mut() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                *x = state as u8;
            }
        }),
    ];
    for kind in kinds {
        let (name, bytes) = pristine
            .iter()
            .find(|(p, _)| {
                let p = p.to_string_lossy();
                p.contains(kind) && !p.ends_with(".wasm") && listed(&p)
            })
            .unwrap_or_else(|| panic!("no {kind} file"));
        let path = search.join(name);
        let name = name.to_string_lossy();
        for (how, damage) in damages {
            let mut damaged = bytes.clone();
            damage(&mut damaged);
            std::fs::write(&path, &damaged).unwrap();
            let out = site.run(&["search", "鲁班工坊 OR luban"]);
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{name} {how}: {err}");
            assert!(
                err.contains("is damaged")
                    && err.contains(&*name)
                    && err.contains("rebuild the site"),
                "{name} {how}: {err}"
            );
        }
        std::fs::write(&path, bytes).unwrap();
    }
    assert!(site.run(&["search", "luban"]).status.success(), "restored");

    // Without checksums (a manifest from before them), damage tantivy trips over is still
    // an error, not a panic.
    let manifest = search.join("manifest.json");
    let mut json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifest).unwrap()).unwrap();
    for file in json["files"].as_array_mut().unwrap() {
        file.as_object_mut().unwrap().remove("xxh3");
    }
    std::fs::write(&manifest, serde_json::to_vec(&json).unwrap()).unwrap();
    for kind in [".term", ".fast", ".pos", ".idx", ".store"] {
        let (name, bytes) = pristine
            .iter()
            .find(|(p, _)| p.to_string_lossy().contains(kind))
            .unwrap();
        for (how, damage) in damages.iter().skip(1) {
            let mut damaged = bytes.clone();
            damage(&mut damaged);
            std::fs::write(search.join(name), &damaged).unwrap();
            for q in ["鲁班工坊 OR luban", "鲁", "Djibuti", "中欧职业教育合作"] {
                let out = site.run(&["search", q]);
                assert_ne!(
                    out.status.code(),
                    Some(101),
                    "{name:?} {how} {q}: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        }
        std::fs::write(search.join(name), bytes).unwrap();
    }
}

/// A summary cut from the body's first paragraph is searched once, as part of the body,
/// and a written summary as a summary; a hit whose match is past the stored excerpt shows
/// the summary it has, else the opening of its body.
#[test]
fn a_summary_taken_from_the_body_is_indexed_once() {
    let site = Site::new();
    let filler =
        "Students and teachers met again to plan the next term of the programme. ".repeat(12);
    site.article(
        "2024",
        "lead",
        "en",
        "title: \"Lead\"\ndate: 2024-05-01",
        &format!("Zebra crossings for the campus.\n\n{filler}\n\nAn okapi came last."),
    );
    site.article(
        "2024",
        "written",
        "en",
        "title: \"Written\"\ndate: 2024-05-02\nsummary: \"A visit about the okapi.\"",
        "Nothing more to say about it here.",
    );
    site.build_ok();
    let (engine, _) = qiao::search::open(&site.out(), None).unwrap();
    let found = |q: &str| slugs(&engine.search(&request(q, None)).unwrap());
    assert_eq!(found("zebra"), set(&["en:lead"]));
    assert_eq!(found("body:zebra"), set(&["en:lead"]));
    assert_eq!(found("summary:zebra"), set(&[]));
    assert_eq!(found("summary:okapi"), set(&["en:written"]));

    let okapi = engine.search(&request("okapi", None)).unwrap();
    let snippet = |slug: &str| {
        (okapi.hits.iter())
            .find(|h| h.slug == slug)
            .map(|h| h.snippet.clone())
            .unwrap()
    };
    assert!(
        snippet("written").starts_with("A visit about the <mark>okapi</mark>"),
        "{}",
        snippet("written")
    );
    let lead = snippet("lead");
    assert!(
        lead.starts_with("Zebra crossings for the campus.") && lead.ends_with('…'),
        "{lead}"
    );
    assert!(!lead.contains("okapi") && lead.len() < 300, "{lead}");
}
