//! The model the templates are rendered from: every published article in each language,
//! its body converted to safe HTML with links and files resolved.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;

use crate::assets::Assets;
use crate::config::{AllianceKey, SiteConfig};
use crate::content::{Corpus, Document, Slug, Source};
use crate::country::CountryCode;
use crate::diagnostics::Diagnostics;
use crate::images::{Picture, Processor};
use crate::lang::{Lang, PerLang};
use crate::site_dirs;
use crate::urls::{self, Link, SitePath, Urls};

mod convert;
mod resolve;

use convert::Conversion;
pub use convert::ConvertCache;
use resolve::Resolver;

/// An article's summary, as pages, cards and feeds show it, and where it came from, which
/// only the search index cares about.
#[derive(Debug, Clone)]
pub enum Summary {
    /// The front matter's `summary:`.
    Written(String),
    /// Cut from the body's first paragraph (no `summary:`): the search index has this text
    /// in the body already.
    Lead(String),
}

impl Summary {
    pub fn text(&self) -> &str {
        match self {
            Summary::Written(s) | Summary::Lead(s) => s,
        }
    }

    /// The summary the editor wrote, if any.
    pub fn written(&self) -> Option<&str> {
        match self {
            Summary::Written(s) => Some(s),
            Summary::Lead(_) => None,
        }
    }
}

/// One published page of an article, in one language.
#[derive(Debug, Clone)]
pub struct Article {
    pub lang: Lang,
    pub slug: Slug,
    pub file: PathBuf,
    pub title: String,
    pub date: NaiveDate,
    pub summary: Summary,
    pub alliances: Vec<AllianceKey>,
    pub countries: Vec<CountryCode>,
    pub tags: Vec<String>,
    pub source: Option<Source>,
    pub html: String,
    /// The picture for cards and structured data: the lead photo's social derivative,
    /// else the first picture of the body.
    pub image: Option<String>,
    /// The lead photo (`image:` in the front matter).
    pub lead: Option<Lead>,
    /// Whether the other language's half exists.
    pub translated: bool,
    /// Hashes of what a card of this article shows (title, date, summary, terms, image),
    /// of everything its own page shows, and of what the search index holds of it: pages
    /// that show these can be skipped in a rebuild when the hashes have not changed.
    pub card_hash: u64,
    pub page_hash: u64,
    pub index_hash: u64,
    /// Hash of what the browsing structure depends on: slug, date, alliances, countries.
    pub terms_hash: u64,
}

/// An article's lead photo: the picture and this half's words for it.
#[derive(Debug, Clone)]
pub struct Lead {
    /// Relative to `content/`.
    pub rel: PathBuf,
    pub picture: Arc<Picture>,
    pub alt: String,
    pub caption: Option<String>,
    pub credit: Option<String>,
}

/// Files an article references, by how they are published.
#[derive(Debug, Clone, Default)]
pub struct References {
    /// Published as they are under `/media/`, relative to `content/`.
    pub media: BTreeSet<PathBuf>,
    /// Published as derivatives only, by their path relative to `content/`.
    pub pictures: BTreeMap<PathBuf, Arc<Picture>>,
    /// A picture stands in for its derivatives until they are made: the article must be
    /// converted again then.
    pub deferred: bool,
}

impl References {
    fn extend(&mut self, other: References) {
        self.media.extend(other.media);
        self.pictures.extend(other.pictures);
        self.deferred |= other.deferred;
    }

    /// Every referenced file and cached derivative is still on disk.
    fn present(&self, content_dir: &Path) -> bool {
        self.media.iter().all(|m| content_dir.join(m).is_file())
            && self
                .pictures
                .values()
                .all(|p| p.variants().all(|v| p.dir.join(&v.name).is_file()))
    }
}

impl Article {
    pub fn path(&self) -> SitePath {
        urls::article(self.lang, &self.slug)
    }

    fn compute_hashes(&mut self) {
        let mut h = Fingerprint::default();
        h.str(self.lang.code())
            .str(self.slug.as_str())
            .str(&self.date.to_string());
        for k in &self.alliances {
            h.str(k.as_str());
        }
        for c in &self.countries {
            h.str(c.as_str());
        }
        // Tags are browsing terms too: they have pages of their own.
        for t in &self.tags {
            h.str(t);
        }
        self.terms_hash = h.finish();
        let mut h = Fingerprint::default();
        h.u64(self.terms_hash)
            .str(&self.title)
            .str(self.summary.text())
            .str(self.image.as_deref().unwrap_or(""));
        if let Some(lead) = &self.lead {
            h.str(&lead.rel.to_string_lossy())
                .str(&lead.alt)
                .str(lead.caption.as_deref().unwrap_or(""))
                .str(lead.credit.as_deref().unwrap_or(""))
                .u64(u64::from(lead.picture.width) << 32 | u64::from(lead.picture.height));
        }
        self.card_hash = h.finish();
        let mut h = Fingerprint::default();
        h.u64(self.card_hash)
            .str(&self.html)
            .u64(self.translated as u64);
        if let Some(s) = &self.source {
            h.str(&s.name).str(s.url.as_deref().unwrap_or(""));
        }
        self.page_hash = h.finish();
        self.index_hash = Fingerprint::default()
            .u64(self.card_hash)
            .str(&self.html)
            .u64(self.summary.written().is_none() as u64)
            .finish();
    }
}

/// An order-sensitive hash of a sequence of values, for telling whether inputs changed.
#[derive(Default)]
pub struct Fingerprint(xxhash_rust::xxh3::Xxh3);

impl Fingerprint {
    pub fn str(&mut self, s: &str) -> &mut Self {
        self.0.update(&(s.len() as u64).to_le_bytes());
        self.0.update(s.as_bytes());
        self
    }

    pub fn u64(&mut self, v: u64) -> &mut Self {
        self.0.update(&v.to_le_bytes());
        self
    }

    pub fn finish(&self) -> u64 {
        self.0.digest()
    }
}

pub struct Site {
    pub config: SiteConfig,
    pub urls: Urls,
    /// Per language, newest first (date, then slug).
    articles: PerLang<Vec<Arc<Article>>>,
    /// Files referenced by articles, relative to `content/`, published under `/media/`.
    pub media: BTreeSet<PathBuf>,
    /// Pictures referenced by articles, published as their derivatives.
    pub pictures: BTreeMap<PathBuf, Arc<Picture>>,
    /// Pictures decoded by this build (not found in the cache).
    pub pictures_decoded: usize,
    /// Pictures left for later by a deferring build.
    pub pending_pictures: Vec<PathBuf>,
    /// Absolute path of `content/`.
    pub content_dir: PathBuf,
    pub assets: Assets,
    /// Links to the static files by their path in `static/`, content-hashed where that
    /// applies: what templates see as `assets`.
    pub asset_links: BTreeMap<String, Link>,
    /// Where each article file is: kept so that one edited file can be converted again
    /// against this model ([`Site::with_edit`]).
    files: ArticleIndex,
}

impl Site {
    /// A hash of one per-article hash over every article of both languages, in site
    /// order: tells a cached build whether what depends on that aspect changed.
    pub fn fingerprint(&self, of: impl Fn(&Article) -> u64) -> u64 {
        let mut h = Fingerprint::default();
        for lang in Lang::ALL {
            for a in self.articles(lang) {
                h.u64(of(a));
            }
        }
        h.finish()
    }

    pub fn articles(&self, lang: Lang) -> &[Arc<Article>] {
        self.articles.get(lang)
    }

    /// This model with one article file's new version converted in, for the preview to
    /// show an edited page before the rest of the rebuild. `None` unless the edit changes
    /// the article's own pages only, as far as the model can tell: the file was published
    /// in the last build, its slug, date and terms are the same (so every list keeps its
    /// order and every index holds), it converts without a problem, and it references no
    /// file the last build did not publish. Cards that show it elsewhere are the
    /// rebuild's to update.
    pub fn with_edit(&self, root: &Path, doc: &Document) -> Option<Edited> {
        let articles = self.articles(doc.lang);
        let index = articles.iter().position(|a| a.file == doc.file)?;
        let old = &articles[index];
        let canonical_content = canonical(&self.content_dir);
        let processor = Processor::new(root, true);
        let resolver = Resolver {
            content_dir: &self.content_dir,
            canonical_content: &canonical_content,
            index: &self.files,
            urls: &self.urls,
            processor: &processor,
        };
        let (article, refs, problems) = convert::convert(doc, old.translated, &resolver);
        let published = refs.media.is_subset(&self.media)
            && refs.pictures.keys().all(|p| self.pictures.contains_key(p));
        if !problems.is_empty() || refs.deferred || !published {
            return None;
        }
        if article.terms_hash != old.terms_hash {
            return None;
        }
        let mut site = self.shallow_clone();
        site.articles.get_mut(doc.lang)[index] = Arc::new(article);
        Some(Edited {
            site,
            lang: doc.lang,
            index,
        })
    }

    /// A copy sharing every article: cheap, the articles being behind `Arc`s.
    fn shallow_clone(&self) -> Site {
        Site {
            config: self.config.clone(),
            urls: self.urls.clone(),
            articles: self.articles.clone(),
            media: self.media.clone(),
            pictures: self.pictures.clone(),
            pictures_decoded: 0,
            pending_pictures: Vec::new(),
            content_dir: self.content_dir.clone(),
            assets: self.assets.clone(),
            asset_links: self.asset_links.clone(),
            files: self.files.clone(),
        }
    }
}

/// A model with one article edited ([`Site::with_edit`]), and where that article is.
pub struct Edited {
    pub site: Site,
    pub lang: Lang,
    /// Its place in `site.articles(lang)`, the same as before the edit.
    pub index: usize,
}

/// Where each article file is, so a link to `../2024/x.zh.md` finds its article.
#[derive(Clone)]
struct ArticleIndex {
    /// Each article file: its article's slug, and which halves the article has.
    by_file: HashMap<PathBuf, (Slug, PerLang<bool>)>,
}

impl ArticleIndex {
    fn new(corpus: &Corpus) -> ArticleIndex {
        let mut by_file = HashMap::new();
        for pair in &corpus.pairs {
            let present = PerLang {
                zh: pair.zh.is_some(),
                en: pair.en.is_some(),
            };
            for doc in pair.halves() {
                let name = format!("{}.{}.md", doc.slug, doc.lang);
                by_file.insert(doc.dir.join(name), (pair.slug.clone(), present.clone()));
            }
        }
        ArticleIndex { by_file }
    }

    /// Which article files exist, in which languages, under which base path: all a
    /// conversion's links depend on besides the article itself.
    fn fingerprint(&self, base_path: &str) -> u64 {
        let mut files: Vec<(&PathBuf, &(Slug, PerLang<bool>))> = self.by_file.iter().collect();
        files.sort_by(|a, b| a.0.cmp(b.0));
        let mut h = Fingerprint::default();
        h.str(base_path);
        for (path, (slug, present)) in files {
            h.str(&path.to_string_lossy())
                .str(slug.as_str())
                .u64(present.zh as u64 * 2 + present.en as u64);
        }
        h.finish()
    }
}

/// `content/` with symbolic links resolved, what references must stay inside; as given if
/// that fails (the references then fail with their own errors).
fn canonical(content_dir: &Path) -> PathBuf {
    content_dir
        .canonicalize()
        .unwrap_or_else(|_| content_dir.to_path_buf())
}

/// Converts every body, resolving references; problems are reported per file and line.
pub fn assemble(
    root: &Path,
    config: SiteConfig,
    corpus: Corpus,
    assets: Assets,
    urls: Urls,
    mut cache: Option<&mut ConvertCache>,
) -> (Site, Diagnostics) {
    let content_dir = root.join(site_dirs::CONTENT);
    let canonical_content = canonical(&content_dir);
    let index = ArticleIndex::new(&corpus);
    let defer = cache.as_deref().is_some_and(|c| c.defer_pictures);
    let processor = Processor::new(root, defer);
    let resolver = Resolver {
        content_dir: &content_dir,
        canonical_content: &canonical_content,
        index: &index,
        urls: &urls,
        processor: &processor,
    };
    if let Some(c) = cache.as_deref_mut() {
        c.links_are(index.fingerprint(urls.base_path()));
    }
    let converted = convert::all(corpus, &resolver, cache.as_deref());
    if let Some(c) = cache {
        c.remember(&converted);
    }
    let (articles, references, diags) = by_language(converted);
    let asset_links = assets
        .paths()
        .into_iter()
        .map(|(rel, path)| (rel, urls.link(&path)))
        .collect();
    (
        Site {
            config,
            urls,
            articles,
            media: references.media,
            pictures: references.pictures,
            pictures_decoded: processor.decoded.load(std::sync::atomic::Ordering::Relaxed),
            pending_pictures: processor.pending(),
            content_dir,
            assets,
            asset_links,
            files: index,
        },
        diags,
    )
}

/// Each language's articles, newest first (date, then slug), with everything they
/// reference and every problem found.
fn by_language(
    converted: Vec<Conversion>,
) -> (PerLang<Vec<Arc<Article>>>, References, Diagnostics) {
    let mut diags = Diagnostics::default();
    let mut references = References::default();
    let mut articles: PerLang<Vec<Arc<Article>>> = PerLang::default();
    for c in converted {
        diags.extend(c.problems);
        references.extend(c.references);
        articles.get_mut(c.article.lang).push(c.article);
    }
    for lang in Lang::ALL {
        articles
            .get_mut(lang)
            .sort_by(|a, b| (b.date, &a.slug).cmp(&(a.date, &b.slug)));
    }
    (articles, references, diags)
}
