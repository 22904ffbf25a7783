//! Bytes a reader's browser fetches to search a built site, measured through the very
//! block cache the WebAssembly searcher uses, warmed from the hot cache as in the browser:
//! the manifest, the hot cache, and the index reads of each query, uncompressed (the
//! Chromium benchmark, scripts/search_bench.py, counts what goes over the wire). Each
//! language is measured as its search page opens it: its own part of the index, from
//! scratch. For the benchmark:
//! `cargo run --release --example search_bytes -- OUT "鲁班工坊" "Luban Workshop"`.

use std::time::Instant;

use qiao::lang::Lang;
use qiao_search::Request;

fn main() {
    let mut args = std::env::args().skip(1);
    let out = std::path::PathBuf::from(args.next().expect("usage: search_bytes OUT QUERY..."));
    let queries: Vec<String> = args.collect();
    for lang in [Lang::Zh, Lang::En] {
        let queries: Vec<&String> = (queries.iter())
            .filter(|q| q.chars().any(qiao_search::analysis::is_cjk) == (lang == Lang::Zh))
            .collect();
        if !queries.is_empty() {
            measure(&out, lang, &queries);
        }
    }
}

/// The bytes of opening `lang`'s part of the index, and of each query after it.
fn measure(out: &std::path::Path, lang: Lang, queries: &[&String]) {
    let manifest_path = out
        .join(qiao::search::SEARCH_DIR)
        .join(qiao::search::manifest_name(Some(lang)));
    let manifest = std::fs::metadata(&manifest_path).map_or(0, |m| m.len());
    let (engine, directory) = qiao::search::open(out, Some(lang)).unwrap_or_else(|e| panic!("{e}"));
    let opened = directory.stats();
    let hot = std::fs::read(&manifest_path)
        .ok()
        .and_then(|m| serde_json::from_slice::<qiao::search::Manifest>(&m).ok())
        .and_then(|m| m.hot)
        .map_or(0, |h| h.len);
    println!("{}:", lang.code());
    println!("manifest_bytes {manifest}");
    println!("hot_cache_bytes {hot}");
    println!(
        "open_index_bytes {} requests {}",
        opened.bytes, opened.requests
    );
    let mut before = opened;
    for (i, q) in queries.iter().enumerate() {
        let started = Instant::now();
        let r = engine
            .search(&Request {
                query: (*q).clone(),
                lang: Some(lang.code().into()),
                limit: Some(10),
                ..Request::default()
            })
            .unwrap();
        let took = started.elapsed();
        let now = directory.stats();
        println!(
            "query{} {:?} hits {} bytes {} requests {} native_ms {:.2}",
            i + 1,
            q,
            r.total,
            now.bytes - before.bytes,
            now.requests - before.requests,
            took.as_secs_f64() * 1000.0
        );
        before = now;
    }
}
