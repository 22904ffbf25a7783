//! The model the templates are rendered from: every published article in each language,
//! its body converted to safe HTML with links and files resolved.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Component, Path, PathBuf};

use chrono::NaiveDate;
use rayon::prelude::*;

use crate::assets::Assets;
use crate::config::{AllianceKey, SiteConfig};
use crate::content::{CONTENT_DIR, Corpus, Document, Slug, Source};
use crate::country::CountryCode;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::lang::Lang;
use crate::markdown::{self, rewrite::Resolved};
use crate::urls::{self, Urls};

/// One published page of an article, in one language.
#[derive(Debug, Clone)]
pub struct Article {
    pub lang: Lang,
    pub slug: Slug,
    pub file: PathBuf,
    pub title: String,
    pub date: NaiveDate,
    pub summary: String,
    pub alliances: Vec<AllianceKey>,
    pub countries: Vec<CountryCode>,
    pub tags: Vec<String>,
    pub source: Option<Source>,
    pub html: String,
    /// The body as plain text, for the search index.
    pub text: String,
    pub image: Option<String>,
    /// Whether the other language's half exists.
    pub translated: bool,
}

impl Article {
    pub fn path(&self) -> String {
        urls::article(self.lang, &self.slug)
    }
}

pub struct Site {
    pub config: SiteConfig,
    pub urls: Urls,
    /// Per language, newest first (date, then slug).
    zh: Vec<Article>,
    en: Vec<Article>,
    /// Files referenced by articles, relative to `content/`, published under `/media/`.
    pub media: BTreeSet<PathBuf>,
    /// Absolute path of `content/`.
    pub content_dir: PathBuf,
    pub assets: Assets,
    /// Links to the static files by their path in `static/`, content-hashed where that
    /// applies: what templates see as `assets`.
    pub asset_links: BTreeMap<String, String>,
}

impl Site {
    pub fn articles(&self, lang: Lang) -> &[Article] {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

/// Where each article file is, so a link to `../2024/x.zh.md` finds its article.
struct ArticleIndex {
    by_file: HashMap<PathBuf, (Slug, [bool; 2])>,
}

impl ArticleIndex {
    fn new(corpus: &Corpus) -> ArticleIndex {
        let mut by_file = HashMap::new();
        for pair in &corpus.pairs {
            let present = [pair.zh.is_some(), pair.en.is_some()];
            for doc in pair.halves() {
                let name = format!("{}.{}.md", doc.slug, doc.lang);
                by_file.insert(doc.dir.join(name), (pair.slug.clone(), present));
            }
        }
        ArticleIndex { by_file }
    }
}

/// Converts every body, resolving references; problems are reported per file and line.
pub fn assemble(
    root: &Path,
    config: SiteConfig,
    corpus: Corpus,
    assets: Assets,
    urls: Urls,
) -> (Site, Diagnostics) {
    let content_dir = root.join(CONTENT_DIR);
    let canonical_content = content_dir
        .canonicalize()
        .unwrap_or_else(|_| content_dir.clone());
    let index = ArticleIndex::new(&corpus);
    let resolver = Resolver {
        content_dir: &content_dir,
        canonical_content: &canonical_content,
        index: &index,
        urls: &urls,
    };

    // Each Markdown body is dropped as soon as it is converted, so the sources and their
    // HTML are never all in memory at once.
    let docs: Vec<(Document, bool)> = corpus
        .pairs
        .into_iter()
        .flat_map(|p| {
            let translated = p.zh.is_some() && p.en.is_some();
            p.zh.into_iter().chain(p.en).map(move |d| (d, translated))
        })
        .collect();
    let converted: Vec<(Article, BTreeSet<PathBuf>, Vec<Diagnostic>)> = docs
        .into_par_iter()
        .map(|(doc, translated)| convert(&doc, translated, &resolver))
        .collect();

    let mut diags = Diagnostics::default();
    let mut media = BTreeSet::new();
    let (mut zh, mut en) = (Vec::new(), Vec::new());
    for (article, files, problems) in converted {
        diags.extend(problems);
        media.extend(files);
        match article.lang {
            Lang::Zh => zh.push(article),
            Lang::En => en.push(article),
        }
    }
    for list in [&mut zh, &mut en] {
        list.sort_by(|a, b| (b.date, &a.slug).cmp(&(a.date, &b.slug)));
    }
    let asset_links = assets
        .paths()
        .into_iter()
        .map(|(rel, path)| (rel, urls.link(&path)))
        .collect();
    (
        Site {
            config,
            urls,
            zh,
            en,
            media,
            content_dir,
            assets,
            asset_links,
        },
        diags,
    )
}

fn convert(
    doc: &Document,
    translated: bool,
    resolver: &Resolver,
) -> (Article, BTreeSet<PathBuf>, Vec<Diagnostic>) {
    let converted = markdown::to_html(&doc.body);
    let files = std::cell::RefCell::new(BTreeSet::new());
    let resolve = |reference: &str| resolver.resolve(doc, reference, &files);
    let rewritten =
        markdown::rewrite::rewrite(&converted.html, resolver.urls.base_path(), &resolve);
    let problems = rewritten
        .broken
        .iter()
        .map(|(reference, message)| {
            let line = if reference.is_empty() {
                doc.body_line
            } else {
                doc.line_of(reference)
            };
            Diagnostic::error(&doc.file, message.clone()).at_line(line)
        })
        .collect();
    let front = &doc.front;
    let summary = match &front.summary {
        Some(s) => s.clone(),
        None => markdown::cut_summary(&converted.first_paragraph, doc.lang),
    };
    let article = Article {
        lang: doc.lang,
        slug: doc.slug.clone(),
        file: doc.file.clone(),
        title: front.title.clone(),
        date: front.date,
        summary,
        alliances: front.alliances.clone(),
        countries: front.countries.clone(),
        tags: front.tags.clone(),
        source: front.source.clone(),
        html: rewritten.html,
        text: converted.text,
        image: rewritten.first_image,
        translated,
    };
    (article, files.into_inner(), problems)
}

struct Resolver<'a> {
    content_dir: &'a Path,
    canonical_content: &'a Path,
    index: &'a ArticleIndex,
    urls: &'a Urls,
}

impl Resolver<'_> {
    /// Resolves a relative reference written in `doc`: another article's `.md` file becomes
    /// that article's URL in the page's language; any other file is published under `/media/`.
    fn resolve(
        &self,
        doc: &Document,
        reference: &str,
        files: &std::cell::RefCell<BTreeSet<PathBuf>>,
    ) -> Resolved {
        let (path_part, suffix) = match reference.find(['?', '#']) {
            Some(i) => reference.split_at(i),
            None => (reference, ""),
        };
        let decoded = urls::percent_decode(path_part);
        let Some(target) = normalize(&doc.dir.join(&decoded)) else {
            return Resolved::Broken(format!(
                "`{reference}` points outside `content/`; only files inside it are published"
            ));
        };
        if decoded.ends_with(".md") {
            return match self.index.by_file.get(&target) {
                Some((slug, present)) => {
                    let lang = if present[lang_index(doc.lang)] {
                        doc.lang
                    } else {
                        doc.lang.other()
                    };
                    Resolved::Url(format!(
                        "{}{}",
                        self.urls.link(&urls::article(lang, slug)),
                        suffix
                    ))
                }
                None => Resolved::Broken(format!(
                    "`{reference}` links to `{}`, which is not a published article of this site",
                    Path::new(CONTENT_DIR).join(&target).display()
                )),
            };
        }
        let absolute = self.content_dir.join(&target);
        match absolute.canonicalize() {
            Ok(real) if !real.starts_with(self.canonical_content) => Resolved::Broken(format!(
                "`{reference}` leads outside `content/` through a symbolic link"
            )),
            Ok(real) if real.is_file() => {
                let site_path = urls::media(&target.to_string_lossy().replace('\\', "/"));
                files.borrow_mut().insert(target);
                Resolved::Url(format!("{}{}", self.urls.link(&site_path), suffix))
            }
            Ok(_) => Resolved::Broken(format!("`{reference}` is a folder, not a file")),
            Err(_) => Resolved::Broken(format!(
                "`{reference}` references `{}`, which does not exist",
                Path::new(CONTENT_DIR).join(&target).display()
            )),
        }
    }
}

fn lang_index(lang: Lang) -> usize {
    match lang {
        Lang::Zh => 0,
        Lang::En => 1,
    }
}

/// Resolves `.` and `..` without touching the file system; `None` if it climbs above the
/// start, which is how `../../../etc/passwd` is caught.
fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::Normal(c) => out.push(c),
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}
