//! The load and model phases: configuration, content, static files, Markdown, templates
//! and taxonomy, every error collected before giving up.

use std::path::{Path, PathBuf};

use super::Timings;
use super::incremental::Cache;
use crate::assets::Assets;
use crate::config::{BaseUrl, SiteConfig};
use crate::content::{self, Document};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::render::Renderer;
use crate::site::{self, Site};
use crate::taxonomy::Indexes;
use crate::urls::Urls;

/// A site loaded and converted, ready to render.
pub struct Loaded {
    pub site: Site,
    pub indexes: Indexes,
    pub renderer: Renderer,
    pub warnings: Diagnostics,
    pub single_language: Vec<PathBuf>,
    pub timings: Timings,
}

/// Loads and validates everything, collecting every error before giving up.
pub fn load(root: &Path, drafts: bool, base_url: Option<&str>) -> Result<Loaded, Diagnostics> {
    load_with(root, drafts, base_url, None)
}

pub(super) fn load_with(
    root: &Path,
    drafts: bool,
    base_url: Option<&str>,
    mut cache: Option<&mut Cache>,
) -> Result<Loaded, Diagnostics> {
    let mut timings = Timings::default();
    let mut config = timings.time("config", || SiteConfig::load(root))?;
    if let Some(url) = base_url {
        config.base_url = BaseUrl::parse(url)
            .map_err(|msg| Diagnostics::one(Diagnostic::flag("--base-url", msg)))?;
    }
    let parsed = cache.as_deref_mut().map(Cache::parsed);
    let (corpus, mut diags) = timings.time("load content", || {
        content::load(root, &config, drafts, parsed)
    });
    let assets = timings
        .time("static files", || Assets::collect(root))
        .unwrap_or_else(|d| {
            diags.extend(d);
            Assets::empty()
        });
    let single_language = corpus
        .single_language()
        .map(|d: &Document| d.file.clone())
        .collect();
    let urls = Urls::new(config.base_url.clone());
    let (site, body_diags) = timings.time("markdown", || {
        let converted = cache.as_deref_mut().map(Cache::converted);
        site::assemble(root, config, corpus, assets, urls, converted)
    });
    diags.extend(body_diags);
    let renderer = timings.time("templates", || Renderer::load(root));
    let renderer = match renderer {
        Ok(r) => Some(r),
        Err(d) => {
            diags.extend(d);
            None
        }
    };
    let mut diags = diags.sorted();
    match renderer {
        Some(renderer) if !diags.has_errors() => {
            let indexes = timings.time("taxonomy", || match cache {
                None => Indexes::new(&site),
                Some(cache) => cache.indexes(&site),
            });
            diags.extend(merged_tag_warnings(&indexes));
            Ok(Loaded {
                site,
                indexes,
                renderer,
                warnings: diags,
                single_language,
                timings,
            })
        }
        _ => Err(diags),
    }
}

/// A warning for each set of tag spellings that make one address.
fn merged_tag_warnings(indexes: &Indexes) -> Vec<Diagnostic> {
    indexes
        .merged_tags()
        .into_iter()
        .map(|(lang, slug, names)| {
            let names: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
            Diagnostic::warning(
                crate::site_dirs::CONTENT,
                format!(
                    "the tags {} are one tag, {}: their names make the same address; \
                     write them alike if they mean the same, or tell them apart",
                    names.join(", "),
                    crate::urls::tag(lang, slug)
                ),
            )
        })
        .collect()
}
