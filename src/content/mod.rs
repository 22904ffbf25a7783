//! Loading `content/`: finding article files, parsing their front matter, and pairing the
//! Chinese and English halves of each article.
//!
//! Nothing here renders anything; the output is a validated [`Corpus`] whose bodies are
//! still Markdown, plus every problem found on the way.

mod frontmatter;
mod scaffold;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use walkdir::WalkDir;

pub use frontmatter::{FrontMatter, LeadImage, Source};
pub use scaffold::new_article;

use crate::config::SiteConfig;
use crate::diagnostics::{Diagnostic, Diagnostics, line_of_offset};
use crate::lang::Lang;
use crate::segment::{self, UrlSegment};
use crate::site_dirs;

/// The file stem shared by both halves of an article: lower-case ASCII letters, digits and
/// `-`, unique across the whole site because it is the article's URL.
pub type Slug = UrlSegment<segment::ArticleSlug>;

/// One half of an article as written: validated front matter and a Markdown body.
#[derive(Debug, Clone)]
pub struct Document {
    pub lang: Lang,
    pub slug: Slug,
    /// Relative to the site root, for messages: `content/news/2024/x.zh.md`.
    pub file: PathBuf,
    /// The folder holding the file, relative to `content/`; references resolve from here.
    pub dir: PathBuf,
    pub front: FrontMatter,
    /// Shared, so the parse cache of `qiao serve` hands out documents without copying them.
    pub body: std::sync::Arc<str>,
    /// The line of the file on which `body` starts, so body errors can name file lines.
    pub body_line: usize,
    /// Hash of the file's bytes: an unchanged file need not be converted again.
    pub hash: u64,
}

impl Document {
    /// The file line on which `needle` first appears in the body, or the body's first line.
    pub fn line_of(&self, needle: &str) -> usize {
        match self.body.find(needle) {
            Some(at) => self.body_line + line_of_offset(&self.body, at) - 1,
            None => self.body_line,
        }
    }
}

/// The two halves of one article; at least one is present.
#[derive(Debug, Clone)]
pub struct ArticlePair {
    pub slug: Slug,
    pub zh: Option<Document>,
    pub en: Option<Document>,
}

impl ArticlePair {
    pub fn halves(&self) -> impl Iterator<Item = &Document> {
        self.zh.iter().chain(self.en.iter())
    }

    /// Any half: date, alliances, countries and draft agree between the two.
    pub fn first(&self) -> &Document {
        self.halves()
            .next()
            .expect("a pair holds at least one half")
    }
}

/// Every article of the site, each pair once, newest first.
#[derive(Debug, Default)]
pub struct Corpus {
    pub pairs: Vec<ArticlePair>,
}

impl Corpus {
    /// Pairs published in one language only, for `qiao check`.
    pub fn single_language(&self) -> impl Iterator<Item = &Document> {
        self.pairs
            .iter()
            .filter(|p| p.zh.is_none() || p.en.is_none())
            .map(ArticlePair::first)
    }
}

/// Parsed files kept between the builds of `qiao serve`: a file whose size and modification
/// time have not changed is not read again.
#[derive(Default)]
pub struct ParseCache {
    /// Parsing checks alliance keys against site.toml: another config starts afresh.
    config: u64,
    files: HashMap<PathBuf, (FileStamp, Result<Document, Diagnostics>)>,
}

type FileStamp = (u64, Option<std::time::SystemTime>);

fn stamp(path: &Path) -> Option<FileStamp> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.len(), m.modified().ok()))
}

/// One article file parsed, or taken from the cache (`fresh` false).
struct Parsed {
    stamp: Option<FileStamp>,
    result: Result<Document, Diagnostics>,
    fresh: bool,
}

impl ParseCache {
    fn config_is(&mut self, config: u64) {
        if self.config != config {
            self.config = config;
            self.files.clear();
        }
    }

    /// Keeps what this build parsed and drops the files that are gone.
    fn remember(&mut self, files: &[PathBuf], parsed: &[Parsed]) {
        let present: HashSet<&PathBuf> = files.iter().collect();
        self.files.retain(|path, _| present.contains(path));
        for (path, p) in files.iter().zip(parsed) {
            if let (true, Some(now)) = (p.fresh, p.stamp) {
                self.files.insert(path.clone(), (now, p.result.clone()));
            }
        }
    }
}

/// Reads every article under `ROOT/content/`, reusing and updating `cache` when one is
/// given. Drafts are dropped unless `drafts` is set. Articles with errors are left out of
/// the corpus; the errors say why.
pub fn load(
    root: &Path,
    config: &SiteConfig,
    drafts: bool,
    mut cache: Option<&mut ParseCache>,
) -> (Corpus, Diagnostics) {
    let content_dir = root.join(site_dirs::CONTENT);
    let mut diags = Diagnostics::default();
    if !content_dir.is_dir() {
        diags.push(Diagnostic::error(
            site_dirs::CONTENT,
            "no `content/` folder: articles go in content/news/<folders>/<slug>.zh.md and <slug>.en.md",
        ));
        return (Corpus::default(), diags);
    }
    let files = article_files(root, &content_dir, &mut diags);
    if let Some(c) = cache.as_deref_mut() {
        c.config_is(config.fingerprint());
    }
    let known = cache.as_deref();
    let parsed: Vec<Parsed> = files
        .par_iter()
        .map(|path| {
            let now = known.and_then(|_| stamp(path));
            match (known.and_then(|c| c.files.get(path)), now) {
                (Some((then, result)), Some(now)) if *then == now => Parsed {
                    stamp: Some(now),
                    result: result.clone(),
                    fresh: false,
                },
                _ => Parsed {
                    stamp: now,
                    result: read_document(root, &content_dir, path, config),
                    fresh: true,
                },
            }
        })
        .collect();
    if let Some(c) = cache {
        c.remember(&files, &parsed);
    }
    let mut docs = Vec::new();
    for p in parsed {
        match p.result {
            Ok(doc) => docs.push(doc),
            Err(d) => diags.extend(d),
        }
    }
    // Warnings travel inside the documents' front matter; lift them out.
    for doc in &mut docs {
        diags.extend(std::mem::take(&mut doc.front.warnings));
    }
    let mut pairs: Vec<ArticlePair> = pair_up(docs, &mut diags)
        .into_iter()
        .filter(|p| drafts || !p.first().front.draft)
        .collect();
    pairs.sort_by(|a, b| (b.first().front.date, &a.slug).cmp(&(a.first().front.date, &b.slug)));
    (Corpus { pairs }, diags)
}

/// Every `.md` file under `content_dir`, in name order, skipping dot-folders and dot-files;
/// a folder that cannot be read, or a link back to a folder that contains it, is an error.
fn article_files(root: &Path, content_dir: &Path, diags: &mut Diagnostics) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let walker = WalkDir::new(content_dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker {
        match entry {
            Ok(e) if e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "md") => {
                files.push(e.into_path());
            }
            Ok(_) => {}
            Err(e) => {
                let path = e
                    .path()
                    .map(|p| rel(root, p))
                    .unwrap_or_else(|| site_dirs::CONTENT.into());
                let message = if e.loop_ancestor().is_some() {
                    "symbolic link loop: this link points back to a folder that contains it"
                        .to_owned()
                } else {
                    format!(
                        "cannot read: {}",
                        e.io_error()
                            .map_or_else(|| e.to_string(), ToString::to_string)
                    )
                };
                diags.push(Diagnostic::error(path, message));
            }
        }
    }
    files
}

fn rel(root: &Path, path: &Path) -> PathBuf {
    crate::diagnostics::relative_to(root, path)
}

/// Reads one article file, as [`load`] reads each: for the preview, which shows an edited
/// article before the rest of the site is read again.
pub fn read_article(
    root: &Path,
    config: &SiteConfig,
    path: &Path,
) -> Result<Document, Diagnostics> {
    read_document(root, &root.join(site_dirs::CONTENT), path, config)
}

fn read_document(
    root: &Path,
    content_dir: &Path,
    path: &Path,
    config: &SiteConfig,
) -> Result<Document, Diagnostics> {
    let file = rel(root, path);
    let err = |msg: String| Diagnostics::one(Diagnostic::error(&file, msg));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = name.strip_suffix(".md").unwrap_or(&name);
    let Some((slug, code)) = stem.rsplit_once('.') else {
        return Err(err(format!(
            "an article file is named `<slug>.zh.md` or `<slug>.en.md`; `{name}` has no language suffix"
        )));
    };
    let Some(lang) = Lang::from_code(code) else {
        return Err(err(format!(
            "unknown language suffix `.{code}.md`: articles are `<slug>.zh.md` (Chinese) or `<slug>.en.md` (English)"
        )));
    };
    let Some(slug) = Slug::parse(slug) else {
        return Err(err(format!(
            "the slug `{slug}` must be lower-case ASCII letters, digits and `-` (it becomes the article's URL)"
        )));
    };
    let bytes = std::fs::read(path).map_err(|e| err(format!("cannot read: {e}")))?;
    let hash = xxhash_rust::xxh3::xxh3_64(&bytes);
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let line = e.as_bytes()[..valid]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            return Err(Diagnostics::one(
                Diagnostic::error(
                    &file,
                    format!(
                        "not valid UTF-8 (invalid byte at offset {valid}); save the file as UTF-8"
                    ),
                )
                .at_line(line),
            ));
        }
    };
    let dir = path
        .parent()
        .and_then(|p| p.strip_prefix(content_dir).ok())
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let (front, body, body_line) = frontmatter::parse(&file, &text, config)?;
    Ok(Document {
        lang,
        slug,
        file,
        dir,
        front,
        body: body.into(),
        body_line,
        hash,
    })
}

/// Joins halves that share a folder and slug, and checks the rules between them.
fn pair_up(docs: Vec<Document>, diags: &mut Diagnostics) -> Vec<ArticlePair> {
    let mut by_slug: HashMap<Slug, ArticlePair> = HashMap::new();
    let mut bad: Vec<Slug> = Vec::new();
    for doc in docs {
        let pair = by_slug
            .entry(doc.slug.clone())
            .or_insert_with(|| ArticlePair {
                slug: doc.slug.clone(),
                zh: None,
                en: None,
            });
        let existing = pair.halves().next();
        if let Some(other) = existing.filter(|o| o.dir != doc.dir) {
            diags.push(Diagnostic::error(
                &doc.file,
                format!(
                    "the slug `{}` is also used by `{}`: a slug names one article across the whole site",
                    doc.slug,
                    other.file.display()
                ),
            ));
            bad.push(doc.slug.clone());
            continue;
        }
        match doc.lang {
            Lang::Zh => pair.zh = Some(doc),
            Lang::En => pair.en = Some(doc),
        }
    }
    let mut pairs: Vec<ArticlePair> = by_slug
        .into_values()
        .filter(|p| !bad.contains(&p.slug))
        .collect();
    pairs.sort_by(|a, b| a.slug.cmp(&b.slug));
    pairs.retain(|p| {
        let (Some(zh), Some(en)) = (&p.zh, &p.en) else {
            return true;
        };
        let problems = frontmatter::disagreements(&zh.front, &en.front);
        for (field, values) in &problems {
            diags.push(
                Diagnostic::error(
                    &zh.file,
                    format!(
                        "{values} (`{}`); `{field}` must be the same in both halves of an article",
                        en.file.display()
                    ),
                )
                .field(*field)
                .at_line_opt(zh.front.line_of(field)),
            );
        }
        problems.is_empty()
    });
    pairs
}
