//! The search stage: a tantivy index of every published article, written under
//! `public/search/` with the WebAssembly searcher, and opened again by `qiao search`.
//!
//! Index files get a content hash in their names so hosts may cache them forever; the
//! manifest (never cached) lists each file's tantivy name, URL and length, so the browser
//! opens the index without a single HEAD request. It also carries each file's checksum,
//! which `qiao search` verifies before it trusts a byte: a damaged index is an error that
//! names the file, never a panic or silently wrong results.

use std::io;
use std::ops::Range;
use std::path::Path;

use serde::{Deserialize, Serialize};

use qiao_search::directory::{Fetch, FileEntry, RangeDirectory};
use qiao_search::writer::{self, IndexDoc};
use qiao_search::{Engine, tantivy};

use crate::assets::{checksum, fingerprint};
use crate::lang::{Lang, PerLang};
use crate::lzma;
use crate::site::Site;
use crate::urls::Link;

/// The folder of the output that holds the index, the searcher and the manifest.
pub const SEARCH_DIR: &str = "search";
pub const MANIFEST: &str = "manifest.json";

/// The searcher, compiled from `crates/qiao-search-wasm` by build.rs, in the `.lzma`
/// format that the search worker unpacks (see build.rs).
pub static WASM: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/qiao_search.wasm.lzma"));

#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    /// The searcher's file name, inside `search/`: a `.wasm` module in the `.lzma` format.
    pub wasm: String,
    /// Index files in the order the searcher numbers them; `meta.json` first.
    pub files: Vec<ManifestFile>,
    /// The hot cache: the index blocks every search reads (term dictionaries and norms
    /// whole), in one file the browser fetches whole, in the `.lzma` format (see
    /// src/lzma.rs) and cached for good, instead of as dozens of range reads, which are
    /// fetched again on every visit. Absent in manifests written before it was; its
    /// `name` is empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hot: Option<ManifestFile>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ManifestFile {
    /// tantivy's name for the file.
    pub name: String,
    /// The published file name, inside `search/`.
    pub url: String,
    pub len: usize,
    /// XXH3-64 of the contents, 16 hexadecimal digits; absent in manifests written
    /// before checksums were.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub xxh3: Option<String>,
}

/// The manifest of the whole index (`None`), or of one language's part of it, which is
/// what that language's search page opens: a reader searching Chinese never fetches the
/// norms, columns and term dictionary of the English articles.
pub fn manifest_name(lang: Option<Lang>) -> String {
    match lang {
        None => MANIFEST.to_owned(),
        Some(lang) => format!("manifest.{}.json", lang.code()),
    }
}

/// Whether the file at `path` (in `search/`, `/`-separated, or a bare name) is a
/// manifest: never fingerprinted, rewritten in place after the files it names.
pub fn is_manifest(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    std::iter::once(None)
        .chain(Lang::ALL.map(Some))
        .any(|lang| name == manifest_name(lang))
}

/// What one manifest names: the whole index (no language) or one language's part.
struct Scope {
    lang: Option<Lang>,
    /// The numbers of its files among those published, `meta.json` first.
    files: Vec<usize>,
}

/// Every file of `search/`: `(path inside the output, contents)`.
pub fn files(site: &Site) -> Result<Vec<(String, Vec<u8>)>, String> {
    let failed = |e: tantivy::TantivyError| format!("writing the search index failed: {e}");
    let dates = PerLang::by(|lang| {
        (site.articles(lang).iter())
            .map(|a| a.date.to_string())
            .collect::<Vec<_>>()
    });
    let links = PerLang::by(|lang| {
        (site.articles(lang).iter())
            .map(|a| site.urls.link(&a.path()))
            .collect::<Vec<Link>>()
    });
    let parts = Lang::ALL.map(|lang| {
        let articles = site.articles(lang).iter();
        articles
            .zip(dates.get(lang).iter().zip(links.get(lang)))
            .map(move |(a, (date, url))| IndexDoc {
                slug: a.slug.as_str(),
                lang: lang.code(),
                title: &a.title,
                summary: a.summary.written(),
                // Derived here rather than kept beside the HTML: at 10,000 articles the
                // copy would cost about 100 MB of peak memory.
                body: plain_text(&a.html),
                date,
                alliances: a.alliances.iter().map(|k| k.as_str()).collect(),
                countries: a.countries.iter().map(|c| c.as_str()).collect(),
                url: url.as_str(),
            })
    });
    let written = writer::write(parts).map_err(failed)?;

    // Every file to publish, each once: the index files, then each part's `meta.json`.
    let mut published = written.files;
    let mut scopes = vec![Scope {
        lang: None,
        files: (0..published.len()).collect(),
    }];
    for (lang, part) in Lang::ALL.into_iter().zip(written.parts) {
        let meta = published.len();
        published.push(writer::IndexFile {
            name: "meta.json".into(),
            bytes: part.meta,
        });
        scopes.push(Scope {
            lang: Some(lang),
            files: std::iter::once(meta).chain(part.files).collect(),
        });
    }
    let hot = hot_caches(&mut published, &scopes).map_err(failed)?;

    let entries: Vec<ManifestFile> = (published.iter())
        .map(|file| ManifestFile {
            name: file.name.clone(),
            url: fingerprint(&file.name, &file.bytes),
            len: file.bytes.len(),
            xxh3: Some(checksum(&file.bytes)),
        })
        .collect();
    let wasm = fingerprint("qiao-search.wasm.lzma", WASM);
    let mut out = Vec::with_capacity(published.len() + 3 * scopes.len() + 1);
    for (scope, hot_bytes) in scopes.iter().zip(hot) {
        let hot_bytes = lzma::compress(&hot_bytes);
        let hot_url = fingerprint("hot.bin.lzma", &hot_bytes);
        let manifest = Manifest {
            wasm: wasm.clone(),
            files: scope.files.iter().map(|&n| entries[n].clone()).collect(),
            hot: Some(ManifestFile {
                name: String::new(),
                url: hot_url.clone(),
                len: hot_bytes.len(),
                xxh3: Some(checksum(&hot_bytes)),
            }),
        };
        let json = serde_json::to_vec_pretty(&manifest).map_err(|e| e.to_string())?;
        out.push((format!("{SEARCH_DIR}/{hot_url}"), hot_bytes));
        out.push((format!("{SEARCH_DIR}/{}", manifest_name(scope.lang)), json));
    }
    for (file, entry) in published.into_iter().zip(&entries) {
        out.push((format!("{SEARCH_DIR}/{}", entry.url), file.bytes));
    }
    out.push((format!("{SEARCH_DIR}/{wasm}"), WASM.to_vec()));
    // A site in one language has a part equal to the whole: the same `meta.json` and hot
    // cache, under the same content-hashed names, written once.
    let mut seen = std::collections::HashSet::new();
    out.retain(|(path, _)| seen.insert(path.clone()));
    Ok(out)
}

/// For each scope, the index blocks that opening it and any search read whatever the
/// words: a search for a word no site has, asking for counts only, touches each field's
/// term dictionary, norms and facet postings but no postings of real words and no stored
/// documents. Recorded through the browser's own block cache, so the blocks line up.
/// The term dictionaries and field norms (a byte per article and field) are taken whole:
/// tantivy opens a dictionary whole, and every query scores with the norms, each hit in a
/// different block.
///
/// The files' bytes are lent to the readers and given back rather than copied: at
/// 100,000 pairs a copy would add the whole index, about 470 MB, to the build's peak
/// memory.
fn hot_caches(index: &mut [writer::IndexFile], scopes: &[Scope]) -> tantivy::Result<Vec<Vec<u8>>> {
    use std::sync::Arc;
    struct Lent(Vec<Arc<Vec<u8>>>);
    impl Fetch for Lent {
        fn fetch(&self, file: usize, range: Range<usize>) -> io::Result<Vec<u8>> {
            Ok(self.0[file][range].to_vec())
        }
    }
    let lent: Vec<Arc<Vec<u8>>> = (index.iter_mut())
        .map(|f| Arc::new(std::mem::take(&mut f.bytes)))
        .collect();
    let recorded = (scopes.iter())
        .map(|scope| {
            let files = (scope.files.iter())
                .map(|&n| FileEntry {
                    name: index[n].name.clone(),
                    len: lent[n].len(),
                })
                .collect();
            let source = Lent(scope.files.iter().map(|&n| Arc::clone(&lent[n])).collect());
            let langs = scope.lang.map_or(Lang::ALL.to_vec(), |lang| vec![lang]);
            record_hot_cache(files, source, &langs)
        })
        .collect();
    for (file, bytes) in index.iter_mut().zip(lent) {
        // The readers are gone with `record_hot_cache`, so each file has one owner again.
        file.bytes = Arc::try_unwrap(bytes).unwrap_or_else(|shared| shared.to_vec());
    }
    recorded
}

fn record_hot_cache(
    files: Vec<FileEntry>,
    source: impl Fetch + 'static,
    langs: &[Lang],
) -> tantivy::Result<Vec<u8>> {
    let whole: Vec<(String, usize)> = (files.iter())
        .filter(|f| f.name.ends_with(".fieldnorm") || f.name.ends_with(".term"))
        .map(|f| (f.name.clone(), f.len))
        .collect();
    let directory = RangeDirectory::new(files, source);
    let engine = tantivy::Index::open(directory.clone()).and_then(Engine::open)?;
    for lang in langs {
        engine.search(&qiao_search::Request {
            query: "qiaohotcache".into(),
            lang: Some(lang.code().into()),
            limit: Some(0),
            ..qiao_search::Request::default()
        })?;
    }
    engine.read_facet_postings()?;
    for (name, len) in whole {
        tantivy::Directory::get_file_handle(&directory, Path::new(&name))?.read_bytes(0..len)?;
    }
    Ok(directory.hot_cache())
}

/// The text of an article's HTML for the index: tags dropped (block ends become line
/// breaks, so words do not run together) and the entities the renderer writes decoded.
pub fn plain_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        let Some(gt) = rest[lt..].find('>') else {
            rest = "";
            break;
        };
        let tag = &rest[lt + 1..lt + gt];
        let name = tag
            .trim_start_matches('/')
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or("");
        if matches!(
            name,
            "p" | "br"
                | "li"
                | "tr"
                | "td"
                | "th"
                | "h1"
                | "h2"
                | "h3"
                | "h4"
                | "h5"
                | "h6"
                | "div"
                | "blockquote"
                | "pre"
                | "section"
        ) {
            out.push('\n');
        }
        rest = &rest[lt + gt + 1..];
    }
    out.push_str(rest);
    crate::markdown::rewrite::decode_entities(&out)
}

/// Serves the index files from memory: `open` has read and verified them whole, so a
/// file changed on disk afterwards cannot slip in unchecked bytes.
struct Verified(Vec<Vec<u8>>);

impl Fetch for Verified {
    fn fetch(&self, file: usize, range: Range<usize>) -> io::Result<Vec<u8>> {
        self.0
            .get(file)
            .and_then(|bytes| bytes.get(range))
            .map(<[u8]>::to_vec)
            .ok_or_else(|| io::Error::new(io::ErrorKind::UnexpectedEof, "read past the end"))
    }
}

/// The message for any damage to the index in `dir`, naming what is damaged.
pub fn damaged(dir: &Path, what: &str, why: impl std::fmt::Display) -> String {
    format!(
        "the search index at {} is damaged ({what}: {why}): rebuild the site",
        dir.display()
    )
}

/// Opens the index of a built site (`OUT/search/`), as the browser would, after checking
/// every file against the manifest's length and checksum: with a language, that
/// language's part, as its search page does; without, the whole index.
pub fn open(out: &Path, lang: Option<Lang>) -> Result<(Engine, RangeDirectory), String> {
    let dir = out.join(SEARCH_DIR);
    let name = manifest_name(lang);
    let bytes = std::fs::read(dir.join(&name)).map_err(|e| {
        format!(
            "no search index in {} ({e}); run `qiao build` first",
            dir.display()
        )
    })?;
    let manifest: Manifest = serde_json::from_slice(&bytes).map_err(|e| damaged(&dir, &name, e))?;
    let read = |f: &ManifestFile| -> Result<Vec<u8>, String> {
        let bytes = std::fs::read(dir.join(&f.url)).map_err(|e| damaged(&dir, &f.url, e))?;
        if bytes.len() != f.len {
            let why = format!("{} bytes, the manifest says {}", bytes.len(), f.len);
            return Err(damaged(&dir, &f.url, why));
        }
        if let Some(expected) = &f.xxh3
            && *expected != checksum(&bytes)
        {
            return Err(damaged(&dir, &f.url, "its checksum does not match"));
        }
        Ok(bytes)
    };
    let contents = manifest
        .files
        .iter()
        .map(read)
        .collect::<Result<Vec<_>, _>>()?;
    let files = manifest
        .files
        .iter()
        .map(|f| FileEntry {
            name: f.name.clone(),
            len: f.len,
        })
        .collect();
    let directory = RangeDirectory::new(files, Verified(contents));
    // Warmed from the hot cache as the browser's searcher is, so the CLI (and the tests
    // that compare it with the browser) search through the same blocks.
    if let Some(hot) = &manifest.hot {
        crate::lzma::decompress(&read(hot)?)
            .and_then(|bytes| directory.warm(&bytes))
            .map_err(|e| damaged(&dir, &hot.url, e))?;
    }
    let engine = guarded(&dir, || {
        tantivy::Index::open(directory.clone()).and_then(Engine::open)
    })?;
    Ok((engine, directory))
}

/// Answers `request` from the built site in `out` as its search page would: a request in
/// one language from that language's part of the index, any other from the whole.
pub fn query(out: &Path, request: &qiao_search::Request) -> Result<qiao_search::Response, String> {
    let lang = request.lang.as_deref().and_then(Lang::from_code);
    let (engine, _) = open(out, lang)?;
    run(&engine, &out.join(SEARCH_DIR), request)
}

/// Runs a query; any failure is reported as damage (see [`guarded`]).
pub fn run(
    engine: &Engine,
    dir: &Path,
    request: &qiao_search::Request,
) -> Result<qiao_search::Response, String> {
    guarded(dir, || engine.search(request))
}

/// Runs `f` on the index in `dir`. Its failures can only come from the index files (the
/// query language has no errors), so they are reported as damage. tantivy trusts its
/// files and may panic on damage no checksum saw (a manifest from before checksums); the
/// panic is caught here as a last line of defence, so the CLI still exits with a message.
fn guarded<T>(dir: &Path, f: impl FnOnce() -> tantivy::Result<T>) -> Result<T, String> {
    let previous = std::panic::take_hook();
    // The message is ours to print; the default hook would add a backtrace hint.
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    std::panic::set_hook(previous);
    match result {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(damaged(dir, "index", e)),
        Err(panic) => {
            let why = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("the searcher failed");
            Err(damaged(dir, "index", why))
        }
    }
}
