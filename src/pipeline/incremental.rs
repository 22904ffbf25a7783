//! Incremental builds: what `qiao serve` keeps between builds, and every dependency key
//! that decides what a rebuild may skip. A key is a hash of everything an output shows;
//! when it equals the previous build's and the previous file is still there, the file is
//! kept instead of written. A test compares a cached rebuild with a clean build byte for
//! byte.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::content;
use crate::output::{self, OutputError, Staging};
use crate::render::{Page, Renderer};
use crate::search;
use crate::site::{self, Fingerprint, Site};
use crate::taxonomy::Indexes;
use crate::urls::SitePath;

/// A value computed for a key, reused while the key stays the same.
struct Memo<T> {
    key: u64,
    value: T,
}

/// What `qiao serve` keeps between builds, so that a rebuild redoes only what the change
/// touched: files are parsed and converted again only when they changed, and an output
/// file is rendered again only when a hash of everything it shows changed. The result is
/// always what a full build would write (a test compares the two byte for byte).
#[derive(Default)]
pub struct Cache {
    parsed: content::ParseCache,
    converted: site::ConvertCache,
    taxonomy: Option<Memo<Indexes>>,
    /// The dependency key of every output file of the last build.
    outputs: HashMap<String, u64>,
    /// The search files of the last build, and the key of the index they hold.
    search: Option<Memo<Vec<String>>>,
    /// Every file of the output after the last build.
    produced: Option<HashSet<PathBuf>>,
    /// The sitemap files of the last build, and the key they were written for.
    sitemaps: Option<Memo<Vec<String>>>,
    /// Counts builds, so a search index made for an older build is not applied.
    generation: u64,
    /// Leave the search index to [`Cache::take_pending_search`] when it must be redone.
    pub defer_search: bool,
    /// Leave pictures not yet processed to [`Cache::take_pending_pictures`].
    pub defer_pictures: bool,
    pending_pictures: Vec<PathBuf>,
    pending: Option<PendingSearch>,
    /// What the last good build rendered from, for [`super::edit_first`].
    last: Option<LastBuild>,
}

/// The model, browsing structure, templates and page list of a finished build.
pub(super) struct LastBuild {
    pub(super) site: Arc<Site>,
    pub(super) indexes: Indexes,
    pub(super) renderer: Renderer,
    pub(super) existing: HashSet<SitePath>,
}

/// A search index still to be written for the build that just finished: the slow part
/// of a rebuild, left out of it so the edited page is served at once.
pub struct PendingSearch {
    pub key: u64,
    pub site: Arc<Site>,
    pub generation: u64,
}

impl PendingSearch {
    /// Computes the index files; no side effects, so it may run on any thread.
    pub fn index(&self) -> Result<Vec<(String, Vec<u8>)>, String> {
        search::files(&self.site)
    }
}

impl Cache {
    pub(super) fn parsed(&mut self) -> &mut content::ParseCache {
        &mut self.parsed
    }

    pub(super) fn converted(&mut self) -> &mut site::ConvertCache {
        self.converted.defer_pictures = self.defer_pictures;
        &mut self.converted
    }

    /// The pictures the last build published as originals; once their derivatives are
    /// in the picture cache, a rebuild publishes those instead.
    pub fn take_pending_pictures(&mut self) -> Vec<PathBuf> {
        std::mem::take(&mut self.pending_pictures)
    }

    pub(super) fn last(&self) -> Option<&LastBuild> {
        self.last.as_ref()
    }

    /// Forgets the last build's model as a build starts: if it fails, no edit may be
    /// shown on top of an output that the failed build did not bring up to date.
    pub(super) fn forget_last(&mut self) {
        self.last = None;
    }

    /// The files of the last build's output, for the staging folder to trust instead of
    /// looking at the disk.
    pub(super) fn take_produced(&mut self) -> Option<HashSet<PathBuf>> {
        self.produced.take()
    }

    /// The taxonomy, computed again only when a slug, date or term changed: browsing
    /// structure depends on nothing else.
    pub(super) fn indexes(&mut self, site: &Site) -> Indexes {
        let key = taxonomy_key(site);
        match &self.taxonomy {
            Some(memo) if memo.key == key => memo.value.clone(),
            _ => {
                let indexes = Indexes::new(site);
                self.taxonomy = Some(Memo {
                    key,
                    value: indexes.clone(),
                });
                indexes
            }
        }
    }

    pub fn take_pending_search(&mut self) -> Option<PendingSearch> {
        self.pending.take()
    }

    /// Writes the index computed for `pending` into the output, unless a build happened
    /// since. The output then is exactly what a full build writes.
    pub fn apply_search(
        &mut self,
        out: &Path,
        pending: &PendingSearch,
        files: Vec<(String, Vec<u8>)>,
    ) -> Result<bool, OutputError> {
        if pending.generation != self.generation {
            return Ok(false);
        }
        let (manifest, rest): (Vec<_>, Vec<_>) = files
            .iter()
            .map(|(p, bytes)| (p.as_str(), bytes.as_slice()))
            .partition(|(p, _)| search::is_manifest(p));
        // Index files first, the manifests that name them last.
        let write: Vec<_> = rest.into_iter().chain(manifest).collect();
        let new: HashSet<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
        let stale: Vec<&Path> = (self.search.iter())
            .flat_map(|m| &m.value)
            .filter(|f| !new.contains(f.as_str()))
            .map(Path::new)
            .collect();
        if let Some(p) = self.produced.as_mut() {
            for f in &stale {
                p.remove(*f);
            }
            p.extend(new.iter().map(PathBuf::from));
        }
        output::update_in_place(out, &write, &stale, self.produced.as_ref())?;
        self.search = Some(Memo {
            key: pending.key,
            value: files.into_iter().map(|(p, _)| p).collect(),
        });
        Ok(true)
    }

    /// Records a finished build for the next one.
    pub(super) fn remember(
        &mut self,
        outcome: Outcome,
        last: LastBuild,
        outputs: HashMap<String, u64>,
        produced: HashSet<PathBuf>,
        machine_files: &[(String, String)],
        search_files: &[String],
    ) {
        self.pending_pictures = last.site.pending_pictures.clone();
        let site = last.site.clone();
        self.last = Some(last);
        self.outputs = outputs;
        self.produced = Some(produced);
        if let Some(key) = outcome.sitemap_key {
            let names = if outcome.sitemaps_unchanged {
                self.sitemaps.take().map(|m| m.value).unwrap_or_default()
            } else {
                machine_files
                    .iter()
                    .filter(|(p, _)| p.starts_with("sitemap"))
                    .map(|(p, _)| p.clone())
                    .collect()
            };
            self.sitemaps = Some(Memo { key, value: names });
        }
        self.generation += 1;
        let Some(key) = outcome.search_key else {
            return;
        };
        if outcome.defer_search {
            self.pending = Some(PendingSearch {
                key,
                site,
                generation: self.generation,
            });
        } else {
            let files = if outcome.search_unchanged {
                self.search.take().map(|m| m.value).unwrap_or_default()
            } else {
                search_files.to_vec()
            };
            self.search = Some(Memo { key, value: files });
        }
    }
}

/// What one build may skip, decided before it renders anything. Without a cache every
/// key is `None` and nothing is skipped.
pub(super) struct Plan<'a> {
    /// What every page depends on (configuration, templates, static file names).
    pub(super) global: Option<u64>,
    /// The dependency key of every output file of the previous build.
    previous: Option<&'a HashMap<String, u64>>,
    staging: &'a Staging,
    outcome: Outcome,
}

/// The decisions of a [`Plan`] that the cache records after the build.
#[derive(Clone, Copy)]
pub(super) struct Outcome {
    search_key: Option<u64>,
    /// The previous index files hold the same index and are still there.
    pub(super) search_unchanged: bool,
    /// `qiao serve` shows the edited page first and indexes afterwards (see
    /// [`PendingSearch`]); until then the previous index files stay.
    pub(super) defer_search: bool,
    /// The sitemap lists every page with its versions and article dates.
    sitemap_key: Option<u64>,
    pub(super) sitemaps_unchanged: bool,
}

impl<'a> Plan<'a> {
    pub(super) fn new(
        cache: Option<&'a Cache>,
        site: &Site,
        renderer: &Renderer,
        pages: &[Page],
        staging: &'a Staging,
    ) -> Plan<'a> {
        let global = cache.map(|_| global_key(site, renderer));
        let search_key = global.map(|_| search_key(site));
        let kept = |memo: Option<&Memo<Vec<String>>>, key: Option<u64>| match (key, memo) {
            (Some(k), Some(m)) if k == m.key => m.value.iter().all(|f| staging.keep(f)),
            _ => false,
        };
        let previous_search = cache.and_then(|c| c.search.as_ref());
        let search_unchanged = kept(previous_search, search_key);
        let defer_search = !search_unchanged
            && cache.is_some_and(|c| c.defer_search)
            && previous_search.is_some_and(|m| m.value.iter().all(|f| staging.keep(f)));
        let sitemap_key = global.map(|g| {
            let mut h = Fingerprint::default();
            h.u64(g);
            for page in pages {
                h.str(page.path.as_str());
            }
            h.u64(site.fingerprint(|a| a.terms_hash)).finish()
        });
        let sitemaps_unchanged = kept(cache.and_then(|c| c.sitemaps.as_ref()), sitemap_key);
        Plan {
            global,
            previous: cache.map(|c| &c.outputs),
            staging,
            outcome: Outcome {
                search_key,
                search_unchanged,
                defer_search,
                sitemap_key,
                sitemaps_unchanged,
            },
        }
    }

    pub(super) fn outcome(&self) -> Outcome {
        self.outcome
    }

    /// True when `file`'s key is the previous build's and the previous file is kept (an
    /// unchanged output is neither rendered nor written; `keep` still counts it as part
    /// of this build).
    pub(super) fn unchanged(&self, file: &str, key: Option<u64>) -> bool {
        matches!((key, self.previous), (Some(k), Some(p)) if p.get(file) == Some(&k))
            && self.staging.keep(file)
    }
}

/// What the browsing structure depends on: slugs, dates and terms, nothing else.
fn taxonomy_key(site: &Site) -> u64 {
    site.fingerprint(|a| a.terms_hash)
}

/// What the search index holds: each article's card and body, and which searcher reads it.
fn search_key(site: &Site) -> u64 {
    Fingerprint::default()
        .u64(site.fingerprint(|a| a.index_hash))
        .u64(search::WASM.len() as u64)
        .finish()
}

/// What every output depends on: configuration, templates and static file names.
fn global_key(site: &Site, renderer: &Renderer) -> u64 {
    let mut h = Fingerprint::default();
    h.u64(site.config.fingerprint()).u64(renderer.fingerprint);
    for (k, v) in &site.asset_links {
        h.str(k).str(v.as_str());
    }
    h.finish()
}

#[cfg(test)]
mod tests {
    //! The keys against what the outputs show: each edit below changes what some outputs
    //! show, and exactly their keys must change.

    use std::collections::{BTreeMap, BTreeSet};

    use super::*;
    use crate::pipeline::Loaded;
    use crate::pipeline::fixture::Fixture;
    use crate::render::{page_key, pages};
    use crate::urls::SitePath;

    /// Every page's key by its path, as a build computes them.
    fn page_keys(loaded: &Loaded) -> BTreeMap<SitePath, u64> {
        let (site, indexes) = (&loaded.site, &loaded.indexes);
        let global = global_key(site, &loaded.renderer);
        let pages = pages(site, indexes);
        let existing: HashSet<&SitePath> = pages.iter().map(|p| &p.path).collect();
        let exists = |p: &SitePath| existing.contains(p);
        pages
            .iter()
            .map(|p| (p.path.clone(), page_key(site, indexes, &exists, p, global)))
            .collect()
    }

    /// The pages whose key differs, or that only one of the builds has.
    fn changed(before: &Loaded, after: &Loaded) -> BTreeSet<String> {
        let (before, after) = (page_keys(before), page_keys(after));
        let paths: BTreeSet<&SitePath> = before.keys().chain(after.keys()).collect();
        paths
            .into_iter()
            .filter(|p| before.get(*p) != after.get(*p))
            .map(SitePath::to_string)
            .collect()
    }

    fn set(paths: &[&str]) -> BTreeSet<String> {
        paths.iter().map(|p| p.to_string()).collect()
    }

    #[test]
    fn a_title_changes_every_page_that_lists_the_article_in_its_language() {
        let site = Fixture::new();
        let before = site.load();
        site.article("egypt", "zh", "埃及鲁班工坊", "", "Body.");
        let changed = changed(&before, &site.load());
        let want = set(&[
            // Its own page, and each list that shows its card.
            "/zh/news/egypt/",
            "/zh/",
            "/zh/alliances/wvteda/",
            "/zh/countries/eg/",
            "/zh/years/2024/",
            // Its neighbours link to it by title.
            "/zh/news/thai/",
            "/zh/news/old/",
            // It is `kenya`'s related article.
            "/zh/news/kenya/",
        ]);
        assert_eq!(changed, want);
    }

    #[test]
    fn a_body_changes_its_own_page_only() {
        let site = Fixture::new();
        let before = site.load();
        site.article("egypt", "en", "Title of egypt", "", "A new body.");
        let after = site.load();
        assert_eq!(changed(&before, &after), set(&["/en/news/egypt/"]));
        // What the search index holds changed; the browsing structure did not.
        assert_ne!(search_key(&before.site), search_key(&after.site));
        assert_eq!(taxonomy_key(&before.site), taxonomy_key(&after.site));
    }

    #[test]
    fn a_source_is_shown_on_the_page_and_not_searched() {
        let site = Fixture::new();
        let before = site.load();
        site.article("thai", "en", "Title of thai", "source: Xinhua\n", "Body.");
        let after = site.load();
        assert_eq!(changed(&before, &after), set(&["/en/news/thai/"]));
        assert_eq!(search_key(&before.site), search_key(&after.site));
    }

    #[test]
    fn a_missing_translation_changes_the_language_switcher_of_the_other_half() {
        let site = Fixture::new();
        let before = site.load();
        std::fs::remove_file(site.root().join("content/news/forum.en.md")).unwrap();
        let changed = changed(&before, &site.load());
        let zh: BTreeSet<String> = changed
            .iter()
            .filter(|p| p.starts_with("/zh/"))
            .cloned()
            .collect();
        // `KZ` is `forum`'s country alone: its English list is gone with it.
        assert_eq!(zh, set(&["/zh/news/forum/", "/zh/countries/kz/"]));
        assert!(changed.contains("/en/news/forum/"));
        assert!(changed.contains("/en/"));
    }

    #[test]
    fn a_date_changes_the_browsing_structure_and_a_title_does_not() {
        let site = Fixture::new();
        let before = site.load();
        site.article("kenya", "zh", "新标题", "", "Body.");
        let retitled = site.load();
        assert_eq!(taxonomy_key(&before.site), taxonomy_key(&retitled.site));
        assert_ne!(search_key(&before.site), search_key(&retitled.site));
        for lang in ["zh", "en"] {
            site.write(
                &format!("content/news/kenya.{lang}.md"),
                "---\ntitle: Kenya\ndate: 2024-06-01\nalliances: [wvteda]\ncountries: [KE]\n---\n",
            );
        }
        assert_ne!(
            taxonomy_key(&retitled.site),
            taxonomy_key(&site.load().site)
        );
    }

    #[test]
    fn a_template_changes_every_key_and_content_none_of_the_global_one() {
        let site = Fixture::new();
        let before = site.load();
        site.article("kenya", "zh", "新标题", "", "新的正文。");
        let edited = site.load();
        let global = |l: &Loaded| global_key(&l.site, &l.renderer);
        assert_eq!(global(&before), global(&edited));
        site.write(
            "templates/article.html",
            &format!("{}\n", include_str!("../../templates/article.html")),
        );
        let templated = site.load();
        assert_ne!(global(&edited), global(&templated));
        let (old, new) = (page_keys(&edited), page_keys(&templated));
        assert_eq!(old.len(), new.len());
        assert!(old.iter().all(|(path, key)| new[path] != *key));
    }
}
