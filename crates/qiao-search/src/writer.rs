//! Writing the index at build time (natively; writing needs threads the browser lacks).
//! The output is deterministic: one segment per part (language), numbered rather than
//! named by a random UUID, so an unchanged site produces byte-identical index files.

use std::path::{Path, PathBuf};

use tantivy::index::SegmentId;
use tantivy::indexer::NoMergePolicy;
use tantivy::schema::TantivyDocument;
use tantivy::store::Compressor;
use tantivy::{Directory, Index, IndexSettings};

use crate::analysis::{self, TOKENIZER};
use crate::schema::{self, Fields};

/// Memory for the single indexing thread: enough to keep typical portals in one segment
/// before the final merge.
const WRITER_MEMORY: usize = 120_000_000;
/// Doc store block size: one block is fetched per shown hit, so a block should hold one
/// document. A stored document (title, excerpt, date, terms, link) is 600–700 bytes before
/// compression, so a 512-byte block closes after each; at 1 KB two shared a block, and a
/// hit cost half again what it shows. The price is a checkpoint per document in the skip
/// index (in the hot cache: about 6 KB of a first query at 10,000 pairs).
const DOCSTORE_BLOCK: usize = 512;
/// The stored opening of the body that snippets are cut from: under two snippet windows
/// (240 bytes each), about a lead paragraph in Chinese, so that most matches in the lead get
/// a marked snippet. Each hit fetches it: at 720 bytes a typed query cost 1 KB more over ten
/// hits. Matches further on fall back to the summary's snippet (see engine::Snippets).
pub const EXCERPT_BYTES: usize = 420;

/// One article half, as the index sees it.
pub struct IndexDoc<'a> {
    pub slug: &'a str,
    pub lang: &'a str,
    pub title: &'a str,
    /// The summary the editor wrote. None when it was cut from the body's first
    /// paragraph: that is in the body already, and indexed again it scored the lead
    /// twice and cost a reader a third more posting lists per query.
    pub summary: Option<&'a str>,
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

/// The first [`EXCERPT_BYTES`] of `body`.
fn excerpt(body: &str) -> &str {
    crate::opening(body, EXCERPT_BYTES)
}

/// The finished index: every file, and for each part the index of that part alone.
pub struct Written {
    /// Every file: `meta.json` (all parts' segments) first, then the segments' files.
    pub files: Vec<IndexFile>,
    /// Per part, in the order given.
    pub parts: Vec<Part>,
}

/// One part's own index: its segment, under a `meta.json` that lists no other.
pub struct Part {
    /// The contents of that `meta.json`.
    pub meta: Vec<u8>,
    /// The numbers in [`Written::files`] of the segment's files.
    pub files: Vec<usize>,
}

/// Indexes each part of `parts` (each a language's articles) into a segment of its own,
/// in the order given. A part can then be opened alone, through [`Part::meta`]: a reader
/// searching one language fetches that language's norms, columns and term dictionary,
/// about half of what the whole index would cost.
pub fn write<'a, D>(parts: impl IntoIterator<Item = D>) -> tantivy::Result<Written>
where
    D: IntoIterator<Item = IndexDoc<'a>>,
{
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
    // Segments are merged here, part by part: a merge policy could join two languages.
    writer.set_merge_policy(Box::new(NoMergePolicy));
    // Per part, the id of its one segment (none for a part without documents).
    let mut part_segments: Vec<Option<SegmentId>> = Vec::new();
    for docs in parts {
        for d in docs {
            writer.add_document(document(f, d))?;
        }
        writer.commit()?;
        let new: Vec<SegmentId> = (index.searchable_segment_ids()?.into_iter())
            .filter(|id| !part_segments.contains(&Some(*id)))
            .collect();
        let segment = match new.len() {
            0 | 1 => new.first().copied(),
            _ => writer.merge(&new).wait()?.map(|meta| meta.id()),
        };
        part_segments.push(segment);
    }
    writer.wait_merging_threads()?;

    let meta: serde_json::Value =
        serde_json::from_slice(&index.directory().atomic_read(Path::new("meta.json"))?)
            .map_err(|e| tantivy::TantivyError::InternalError(e.to_string()))?;
    let segment_metas = meta["segments"].as_array().cloned().unwrap_or_default();
    let segment_files = index.load_metas()?.list_segment_files();
    let mut files = Vec::new();
    let mut renamed = Vec::new();
    let mut parts = Vec::new();
    for (n, segment) in part_segments.iter().enumerate() {
        let mut part = Part {
            meta: Vec::new(),
            files: Vec::new(),
        };
        let mut own_metas = Vec::new();
        if let Some(id) = segment {
            // Files are named by the part's number rather than a random id, so that an
            // unchanged site gives byte-identical files. File names use the simple form
            // of the id, meta.json the hyphenated one.
            let (old, new) = (id.uuid_string(), format!("{:032x}", n + 1));
            let mut segment_meta = (segment_metas.iter())
                .find(|m| m["segment_id"] == hyphenated(&old).as_str())
                .cloned()
                .ok_or_else(|| {
                    tantivy::TantivyError::InternalError(format!("segment {old} not in meta.json"))
                })?;
            segment_meta["segment_id"] = hyphenated(&new).into();
            own_metas.push(segment_meta);
            let mut paths: Vec<&PathBuf> = (segment_files.iter())
                .filter(|p| p.to_string_lossy().starts_with(&old))
                .collect();
            paths.sort();
            for path in paths {
                if !index.directory().exists(path)? {
                    continue;
                }
                let bytes = index.directory().atomic_read(path)?;
                // The copy now holds it: keeping both would double the index's share of
                // the build's peak memory (about 470 MB at 100,000 pairs).
                (index.directory().delete(path))
                    .map_err(|e| tantivy::TantivyError::SystemError(e.to_string()))?;
                let name = path.to_string_lossy().replace(&old, &new);
                part.files.push(files.len() + 1);
                files.push(IndexFile { name, bytes });
            }
        }
        part.meta = meta_json(&meta, &own_metas)?;
        renamed.extend(own_metas);
        parts.push(part);
    }
    files.insert(
        0,
        IndexFile {
            name: "meta.json".into(),
            bytes: meta_json(&meta, &renamed)?,
        },
    );
    Ok(Written { files, parts })
}

/// tantivy's `meta.json` for the index, listing only `segments`.
fn meta_json(meta: &serde_json::Value, segments: &[serde_json::Value]) -> tantivy::Result<Vec<u8>> {
    let mut meta = meta.clone();
    meta["segments"] = segments.to_vec().into();
    serde_json::to_vec_pretty(&meta)
        .map_err(|e| tantivy::TantivyError::InternalError(e.to_string()))
}

/// The index's document for one article half.
fn document(f: Fields, d: IndexDoc) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_text(f.slug, d.slug);
    doc.add_text(f.lang, d.lang);
    doc.add_text(f.title, d.title);
    if let Some(summary) = d.summary {
        doc.add_text(f.summary, summary);
    }
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
    doc
}
