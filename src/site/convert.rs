//! Converting each article's body to the model's HTML, with its lead photo and card
//! picture, and the cache that lets `qiao serve` skip articles that did not change.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use super::resolve::Resolver;
use super::{Article, Lead, References, Summary};
use crate::content::{Corpus, Document, LeadImage};
use crate::diagnostics::Diagnostic;
use crate::images::{self, Picture};
use crate::markdown::{self, rewrite::Resolved};
use crate::urls::Urls;

/// A converted article, the files it references and its problems.
pub(super) struct Conversion {
    pub(super) article: Arc<Article>,
    pub(super) references: References,
    pub(super) problems: Vec<Diagnostic>,
    /// The hash of its source, when it was converted now rather than taken from the cache.
    fresh: Option<u64>,
}

/// Converted articles kept between the builds of `qiao serve`: an article whose file, and
/// the set of articles its links could point to, did not change is not converted again.
#[derive(Default)]
pub struct ConvertCache {
    /// Publish the originals of pictures not yet in the picture cache and leave them for
    /// later ([`super::Site::pending_pictures`]), so a preview is not held up by decoding.
    pub defer_pictures: bool,
    links: u64,
    entries: HashMap<PathBuf, CachedArticle>,
}

struct CachedArticle {
    doc_hash: u64,
    translated: bool,
    article: Arc<Article>,
    references: References,
}

impl ConvertCache {
    /// Forgets every conversion when `links`, the fingerprint of the articles links may
    /// point to, changed: any article's links may now resolve differently.
    pub(super) fn links_are(&mut self, links: u64) {
        if self.links != links {
            self.links = links;
            self.entries.clear();
        }
    }

    /// The cached conversion of `doc`, if nothing it depends on changed.
    fn reusable(
        &self,
        doc: &Document,
        translated: bool,
        content_dir: &Path,
    ) -> Option<(Arc<Article>, References)> {
        let hit = self.entries.get(&doc.file)?;
        // Referenced files may have been deleted since; a changed picture is a new file
        // content, caught by the stamp of the files it was made from.
        let present = hit.references.present(content_dir);
        (hit.doc_hash == doc.hash && hit.translated == translated && present)
            .then(|| (hit.article.clone(), hit.references.clone()))
    }

    /// Keeps this build's clean conversions and drops the articles that are gone.
    pub(super) fn remember(&mut self, converted: &[Conversion]) {
        let present: HashSet<&PathBuf> = converted.iter().map(|c| &c.article.file).collect();
        self.entries.retain(|file, _| present.contains(file));
        for c in converted {
            // Only clean conversions are kept: a broken reference must be looked at again,
            // and a picture still to be processed too.
            if let (Some(doc_hash), true) =
                (c.fresh, c.problems.is_empty() && !c.references.deferred)
            {
                self.entries.insert(
                    c.article.file.clone(),
                    CachedArticle {
                        doc_hash,
                        translated: c.article.translated,
                        article: c.article.clone(),
                        references: c.references.clone(),
                    },
                );
            }
        }
    }
}

/// Converts every half of every article, on all cores, taking what it can from `known`.
pub(super) fn all(
    corpus: Corpus,
    resolver: &Resolver,
    known: Option<&ConvertCache>,
) -> Vec<Conversion> {
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
    docs.into_par_iter()
        .map(|(doc, translated)| {
            let hit = known.and_then(|c| c.reusable(&doc, translated, resolver.content_dir));
            match hit {
                Some((article, references)) => Conversion {
                    article,
                    references,
                    problems: Vec::new(),
                    fresh: None,
                },
                None => {
                    let (article, references, problems) = convert(&doc, translated, resolver);
                    Conversion {
                        article: Arc::new(article),
                        references,
                        problems,
                        fresh: Some(doc.hash),
                    }
                }
            }
        })
        .collect()
}

/// Converts one half of an article: its body, lead photo and card picture.
pub(super) fn convert(
    doc: &Document,
    translated: bool,
    resolver: &Resolver,
) -> (Article, References, Vec<Diagnostic>) {
    let converted = markdown::to_html(&doc.body);
    let files = RefCell::new(References::default());
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
        .collect::<Vec<_>>();
    let mut problems = problems;
    let front = &doc.front;
    let lead = front.image.as_ref().and_then(|image| {
        lead_photo(doc, image, resolver, &files)
            .map_err(|d| problems.push(d))
            .ok()
    });
    let image = card_image(
        lead.as_ref(),
        rewritten.first_image.as_deref(),
        &files.borrow(),
        resolver.urls,
    );
    let summary = match &front.summary {
        Some(s) => Summary::Written(s.clone()),
        None => Summary::Lead(markdown::cut_summary(&converted.first_paragraph, doc.lang)),
    };
    // The HTML grew by doubling as it was written: kept for the whole build, its spare
    // capacity would be about a third of the model (300 MB at 100,000 pairs).
    let mut html = rewritten.html;
    html.shrink_to_fit();
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
        html,
        image,
        lead,
        translated,
        card_hash: 0,
        page_hash: 0,
        index_hash: 0,
        terms_hash: 0,
    };
    let mut article = article;
    article.compute_hashes();
    (article, files.into_inner(), problems)
}

/// The article's lead photo, resolved like any reference; it must be a picture qiao
/// makes derivatives of.
fn lead_photo(
    doc: &Document,
    image: &LeadImage,
    resolver: &Resolver,
    files: &RefCell<References>,
) -> Result<Lead, Diagnostic> {
    let broken = |msg: String| {
        Diagnostic::error(&doc.file, msg)
            .field("image")
            .at_line_opt(doc.front.line_of("image"))
    };
    match resolver.resolve(doc, &image.src, files) {
        Resolved::Picture { rel, picture, .. } => Ok(Lead {
            rel,
            picture,
            alt: image.alt.clone(),
            caption: image.caption.clone(),
            credit: image.credit.clone(),
        }),
        Resolved::Broken(msg) => Err(broken(msg)),
        _ => Err(broken(format!(
            "`{}` is not a photo qiao can process: the lead photo must be a JPEG, PNG, WebP or still GIF",
            image.src
        ))),
    }
}

/// The picture of cards and structured data: the lead photo's social derivative, else
/// the first picture of the body's, else the body's first image as it is.
fn card_image(
    lead: Option<&Lead>,
    first_image: Option<&str>,
    refs: &References,
    urls: &Urls,
) -> Option<String> {
    let social = |rel: &Path, p: &Picture| {
        p.social
            .as_ref()
            .map(|v| urls.link(&images::site_path(rel, v)).to_string())
    };
    if let Some(l) = lead {
        return social(&l.rel, &l.picture);
    }
    let src = first_image?;
    let first_picture = refs.pictures.iter().find(|(rel, p)| {
        p.fallback
            .as_ref()
            .is_some_and(|f| urls.link(&images::site_path(rel, f)).as_str() == src)
    });
    match first_picture {
        Some((rel, p)) => social(rel, p),
        None => Some(src.to_owned()),
    }
}
