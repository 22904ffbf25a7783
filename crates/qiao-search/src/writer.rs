//! Writing the index at build time (natively; writing needs threads the browser lacks).
//! The output is deterministic: one segment, numbered rather than named by a random UUID,
//! so an unchanged site produces byte-identical index files.

use std::path::Path;

use tantivy::schema::TantivyDocument;
use tantivy::store::Compressor;
use tantivy::{Directory, Index, IndexSettings};

use crate::analysis::{self, TOKENIZER};
use crate::schema::{self, Fields};

/// Memory for the single indexing thread: enough to keep typical portals in one segment
/// before the final merge.
const WRITER_MEMORY: usize = 120_000_000;
/// Doc store block size: one block is fetched per shown hit, so smaller blocks mean fewer
/// bytes for a results page, at a small cost in compression.
/// With bodies cut to an excerpt a document is about 500 bytes compressed, so a 1 KB block
/// holds one to three: a hit costs about what it shows. Its price is a larger skip index
/// (in the hot cache) and worse compression of the file as a whole, which nobody fetches.
const DOCSTORE_BLOCK: usize = 1024;
/// The stored opening of the body that snippets are cut from: a few snippet windows
/// (240 bytes each), so that most matches in the first paragraphs get a marked snippet
/// while a hit costs a fraction of its whole text. Matches further on fall back to the
/// summary's snippet.
pub const EXCERPT_BYTES: usize = 720;

/// One article half, as the index sees it.
pub struct IndexDoc<'a> {
    pub slug: &'a str,
    pub lang: &'a str,
    pub title: &'a str,
    pub summary: &'a str,
    /// Plain text of the body.
    pub body: String,
    /// `YYYY-MM-DD`.
    pub date: &'a str,
    pub alliances: Vec<&'a str>,
    pub countries: Vec<&'a str>,
    /// The article's link, as the search page should use it.
    pub url: &'a str,
}

/// A file of the finished index: tantivy's name for it and its contents.
pub struct IndexFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// `8-4-4-4-12` grouping of a 32-digit hexadecimal id.
fn hyphenated(simple: &str) -> String {
    let mut out = String::with_capacity(36);
    for (i, c) in simple.chars().enumerate() {
        if matches!(i, 8 | 12 | 16 | 20) {
            out.push('-');
        }
        out.push(c);
    }
    out
}

/// The first [`EXCERPT_BYTES`] of `body`, cut at a character boundary.
fn excerpt(body: &str) -> &str {
    let mut end = EXCERPT_BYTES.min(body.len());
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    &body[..end]
}

/// Indexes `docs` in the order given and returns the index files, `meta.json` first.
pub fn write<'a>(docs: impl IntoIterator<Item = IndexDoc<'a>>) -> tantivy::Result<Vec<IndexFile>> {
    let settings = IndexSettings {
        docstore_compression: Compressor::Lz4,
        docstore_blocksize: DOCSTORE_BLOCK,
        ..IndexSettings::default()
    };
    let index = Index::builder()
        .schema(schema::schema())
        .settings(settings)
        .create_in_ram()?;
    index.tokenizers().register(TOKENIZER, analysis::analyzer());
    let f = Fields::of(&index.schema())?;
    let mut writer = index.writer_with_num_threads::<TantivyDocument>(1, WRITER_MEMORY)?;
    for d in docs {
        let mut doc = TantivyDocument::default();
        doc.add_text(f.slug, d.slug);
        doc.add_text(f.lang, d.lang);
        doc.add_text(f.title, d.title);
        doc.add_text(f.summary, d.summary);
        doc.add_text(f.body, &d.body);
        doc.add_text(f.excerpt, excerpt(&d.body));
        doc.add_text(f.date, d.date);
        doc.add_text(f.year, d.date.get(..4).unwrap_or(d.date));
        for a in d.alliances {
            doc.add_text(f.alliances, a);
        }
        for c in d.countries {
            doc.add_text(f.countries, c);
        }
        doc.add_text(f.url, d.url);
        writer.add_document(doc)?;
    }
    writer.commit()?;
    let segments = index.searchable_segment_ids()?;
    if segments.len() > 1 {
        writer.merge(&segments).wait()?;
    }
    writer.wait_merging_threads()?;

    let meta = index.load_metas()?;
    let segment_files = meta.list_segment_files();
    let mut meta_json =
        String::from_utf8_lossy(&index.directory().atomic_read(Path::new("meta.json"))?)
            .into_owned();
    let mut files = Vec::new();
    for (n, segment) in meta.segments.iter().enumerate() {
        // File names use the simple form of the id, meta.json the hyphenated one.
        let old = segment.id().uuid_string();
        let new = format!("{:032x}", n + 1);
        meta_json = meta_json.replace(&hyphenated(&old), &hyphenated(&new));
        let mut paths: Vec<_> = segment_files
            .iter()
            .filter(|p| p.to_string_lossy().starts_with(&old))
            .cloned()
            .collect();
        paths.sort();
        for path in paths {
            if !index.directory().exists(&path)? {
                continue;
            }
            let bytes = index.directory().atomic_read(&path)?;
            // The copy now holds it: keeping both would double the index's share of the
            // build's peak memory (about 470 MB at 100,000 pairs).
            (index.directory().delete(&path))
                .map_err(|e| tantivy::TantivyError::SystemError(e.to_string()))?;
            let name = path.to_string_lossy().replace(&old, &new);
            files.push(IndexFile { name, bytes });
        }
    }
    files.insert(
        0,
        IndexFile {
            name: "meta.json".into(),
            bytes: meta_json.into_bytes(),
        },
    );
    Ok(files)
}
