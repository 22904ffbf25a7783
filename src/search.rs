//! The search stage: a tantivy index of every published article, written under
//! `public/search/` with the WebAssembly searcher, and opened again by `qiao search`.
//!
//! Index files get a content hash in their names so hosts may cache them forever; the
//! manifest (never cached) lists each file's tantivy name, URL and length, so the browser
//! opens the index without a single HEAD request.

use std::io::{self, Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use qiao_search::directory::{Fetch, FileEntry, RangeDirectory};
use qiao_search::writer::{self, IndexDoc};
use qiao_search::{Engine, tantivy};

use crate::lang::Lang;
use crate::site::Site;

/// The folder of the output that holds the index, the searcher and the manifest.
pub const SEARCH_DIR: &str = "search";
pub const MANIFEST: &str = "manifest.json";

/// The searcher, compiled from `crates/qiao-search-wasm` by build.rs.
pub static WASM: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/qiao_search.wasm"));

#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    /// The searcher's file name, inside `search/`.
    pub wasm: String,
    /// Index files in the order the searcher numbers them; `meta.json` first.
    pub files: Vec<ManifestFile>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ManifestFile {
    /// tantivy's name for the file.
    pub name: String,
    /// The published file name, inside `search/`.
    pub url: String,
    pub len: usize,
}

/// Every file of `search/`: `(path inside the output, contents)`.
pub fn files(site: &Site) -> Result<Vec<(String, Vec<u8>)>, String> {
    let docs = Lang::ALL
        .into_iter()
        .flat_map(|lang| site.articles(lang).iter().map(move |a| (lang, a)));
    let dates: Vec<String> = Lang::ALL
        .into_iter()
        .flat_map(|lang| site.articles(lang).iter().map(|a| a.date.to_string()))
        .collect();
    let links: Vec<String> = Lang::ALL
        .into_iter()
        .flat_map(|lang| {
            site.articles(lang)
                .iter()
                .map(|a| site.urls.link(&a.path()))
        })
        .collect();
    let index_docs = docs
        .zip(dates.iter().zip(&links))
        .map(|((lang, a), (date, url))| IndexDoc {
            slug: a.slug.as_str(),
            lang: lang.code(),
            title: &a.title,
            summary: &a.summary,
            // Derived here rather than kept beside the HTML: at 10,000 articles the copy
            // would cost about 100 MB of peak memory.
            body: plain_text(&a.html),
            date,
            alliances: a.alliances.iter().map(|k| k.as_str()).collect(),
            countries: a.countries.iter().map(|c| c.as_str()).collect(),
            url,
        });
    let index =
        writer::write(index_docs).map_err(|e| format!("writing the search index failed: {e}"))?;

    let mut out = Vec::with_capacity(index.len() + 2);
    let mut entries = Vec::with_capacity(index.len());
    for file in index {
        let url = fingerprint(&file.name, &file.bytes);
        entries.push(ManifestFile {
            name: file.name,
            url: url.clone(),
            len: file.bytes.len(),
        });
        out.push((format!("{SEARCH_DIR}/{url}"), file.bytes));
    }
    let wasm = fingerprint("qiao-search.wasm", WASM);
    out.push((format!("{SEARCH_DIR}/{wasm}"), WASM.to_vec()));
    let manifest = Manifest {
        wasm,
        files: entries,
    };
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| e.to_string())?;
    out.push((format!("{SEARCH_DIR}/{MANIFEST}"), json));
    Ok(out)
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

/// `name.ext` → `name.<16 hex digits of the content hash>.ext`.
pub fn fingerprint(name: &str, bytes: &[u8]) -> String {
    let hash = xxhash_rust::xxh3::xxh3_64(bytes);
    match name.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}.{hash:016x}.{ext}"),
        None => format!("{name}.{hash:016x}"),
    }
}

/// Reads index files from a built output folder, through the same block cache the
/// browser uses.
struct LocalFetch {
    paths: Vec<PathBuf>,
}

impl Fetch for LocalFetch {
    fn fetch(&self, file: usize, range: Range<usize>) -> io::Result<Vec<u8>> {
        let mut f = std::fs::File::open(&self.paths[file])?;
        f.seek(SeekFrom::Start(range.start as u64))?;
        let mut buf = vec![0; range.len()];
        f.read_exact(&mut buf)?;
        Ok(buf)
    }
}

/// Opens the index of a built site (`OUT/search/`), as the browser would.
pub fn open(out: &Path) -> Result<(Engine, RangeDirectory), String> {
    let dir = out.join(SEARCH_DIR);
    let text = std::fs::read_to_string(dir.join(MANIFEST)).map_err(|e| {
        format!(
            "no search index in {} ({e}); run `qiao build` first",
            dir.display()
        )
    })?;
    let manifest: Manifest = serde_json::from_str(&text)
        .map_err(|e| format!("{}: {e}", dir.join(MANIFEST).display()))?;
    let files = manifest
        .files
        .iter()
        .map(|f| FileEntry {
            name: f.name.clone(),
            len: f.len,
        })
        .collect();
    let fetch = LocalFetch {
        paths: manifest.files.iter().map(|f| dir.join(&f.url)).collect(),
    };
    let directory = RangeDirectory::new(files, fetch);
    let engine = tantivy::Index::open(directory.clone())
        .and_then(Engine::open)
        .map_err(|e| format!("cannot open the search index in {}: {e}", dir.display()))?;
    Ok((engine, directory))
}
