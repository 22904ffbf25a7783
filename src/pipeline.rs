//! The whole build, stage by stage: load (config, content) → model (Markdown, links,
//! taxonomy) → render (templates) → write (staging folder, moved in on success). `qiao check` runs the
//! same stages up to rendering and writes nothing.

use std::collections::{HashMap, HashSet};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::assets::Assets;
use crate::config::{BaseUrl, SiteConfig};
use crate::content::{self, Document};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::feeds;
use crate::output::{Policy, Staging};
use crate::render::{self, Renderer};
use crate::search;
use crate::site::{self, Site};
use crate::taxonomy::Indexes;
use crate::urls::Urls;

#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    pub root: PathBuf,
    /// Defaults to `ROOT/public`.
    pub out: Option<PathBuf>,
    pub drafts: bool,
    /// Overrides `base_url` from `site.toml`.
    pub base_url: Option<String>,
    /// Show a progress line on a terminal.
    pub progress: bool,
    /// Replace an output folder that qiao did not write (see [`crate::output`]).
    pub force: bool,
}

impl BuildOptions {
    pub fn new(root: impl Into<PathBuf>) -> BuildOptions {
        BuildOptions {
            root: root.into(),
            ..BuildOptions::default()
        }
    }

    pub fn out_dir(&self) -> PathBuf {
        self.out.clone().unwrap_or_else(|| self.root.join("public"))
    }
}

#[derive(Debug)]
pub enum BuildError {
    /// Problems in the site's files: exit code 1.
    Content(Diagnostics),
    /// The command itself cannot work as given: exit code 2.
    Usage(String),
    /// The output folder cannot be (or was refused to be) replaced: exit code 1. The
    /// message says what was done, naming the path.
    Output(String),
}

/// The outcome of a successful build.
/// How long each phase of a build took, in order (`qiao build --timings`). Rendering and
/// indexing run at the same time, so their durations overlap.
#[derive(Debug, Default, Clone)]
pub struct Timings(Vec<(&'static str, Duration)>);

impl Timings {
    fn time<T>(&mut self, phase: &'static str, f: impl FnOnce() -> T) -> T {
        let started = Instant::now();
        let value = f();
        self.0.push((phase, started.elapsed()));
        value
    }

    fn record(&mut self, phase: &'static str, elapsed: Duration) {
        self.0.push((phase, elapsed));
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'static str, Duration)> + '_ {
        self.0.iter().copied()
    }
}

#[derive(Debug)]
pub struct BuildReport {
    pub out: PathBuf,
    /// Pictures decoded by this build: the rest came from `.qiao-cache/`.
    pub pictures_decoded: usize,
    pub pages: usize,
    pub files: usize,
    pub articles: usize,
    pub warnings: Diagnostics,
    pub single_language: Vec<PathBuf>,
    pub elapsed: Duration,
    pub timings: Timings,
}

/// A site loaded and converted, ready to render.
pub struct Loaded {
    pub site: Site,
    pub indexes: Indexes,
    pub renderer: Renderer,
    pub warnings: Diagnostics,
    pub single_language: Vec<PathBuf>,
    pub timings: Timings,
}

/// An output file and, in a cached build, its dependency key.
type KeyedFile = (String, Option<u64>);

/// What `qiao serve` keeps between builds, so that a rebuild redoes only what the change
/// touched: files are parsed and converted again only when they changed, and an output
/// file is rendered again only when a hash of everything it shows changed. The result is
/// always what a full build would write (a test compares the two byte for byte).
#[derive(Default)]
pub struct Cache {
    parsed: content::ParseCache,
    converted: site::ConvertCache,
    taxonomy: Option<(u64, Indexes)>,
    /// The dependency key of every output file of the last build.
    outputs: HashMap<String, u64>,
    /// The search files of the last build, and the key of the index they hold.
    search: Option<(u64, Vec<String>)>,
    /// Every file of the output after the last build.
    produced: Option<HashSet<PathBuf>>,
    /// The sitemap files of the last build, and the key they were written for.
    sitemaps: Option<(u64, Vec<String>)>,
    /// Counts builds, so a search index made for an older build is not applied.
    generation: u64,
    /// Leave the search index to [`Cache::take_pending_search`] when it must be redone.
    pub defer_search: bool,
    /// Leave pictures not yet processed to [`Cache::take_pending_pictures`].
    pub defer_pictures: bool,
    pending_pictures: Vec<PathBuf>,
    pending: Option<PendingSearch>,
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
    /// The pictures the last build published as originals; once their derivatives are
    /// in the picture cache, a rebuild publishes those instead.
    pub fn take_pending_pictures(&mut self) -> Vec<PathBuf> {
        std::mem::take(&mut self.pending_pictures)
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
    ) -> std::io::Result<bool> {
        if pending.generation != self.generation {
            return Ok(false);
        }
        let (manifest, rest): (Vec<_>, Vec<_>) = files
            .iter()
            .partition(|(p, _)| p.ends_with(search::MANIFEST));
        // Index files first, the manifest that names them last, each swapped in by rename.
        for (path, bytes) in rest.into_iter().chain(manifest) {
            let dest = out.join(path);
            if crate::output::same_contents(&dest, bytes) {
                continue;
            }
            let tmp = dest.with_extension("qiao-tmp");
            std::fs::write(&tmp, bytes)?;
            std::fs::rename(&tmp, &dest)?;
        }
        let new: HashSet<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
        let old = self.search.take().map(|(_, f)| f).unwrap_or_default();
        for stale in old.iter().filter(|f| !new.contains(f.as_str())) {
            crate::output::remove_file_and_empty_parents(out, Path::new(stale))?;
            if let Some(p) = self.produced.as_mut() {
                p.remove(Path::new(stale));
            }
        }
        if let Some(p) = self.produced.as_mut() {
            p.extend(new.iter().map(PathBuf::from));
            // The folder's marker lists the index files that are there now.
            crate::output::write_marker(out, p).map_err(std::io::Error::other)?;
        }
        self.search = Some((pending.key, files.into_iter().map(|(p, _)| p).collect()));
        Ok(true)
    }
}

/// Loads and validates everything, collecting every error before giving up.
pub fn load(root: &Path, drafts: bool, base_url: Option<&str>) -> Result<Loaded, Diagnostics> {
    load_with(root, drafts, base_url, None)
}

fn load_with(
    root: &Path,
    drafts: bool,
    base_url: Option<&str>,
    mut cache: Option<&mut Cache>,
) -> Result<Loaded, Diagnostics> {
    let mut timings = Timings::default();
    let mut config = timings.time("config", || SiteConfig::load(root))?;
    if let Some(url) = base_url {
        config.base_url = BaseUrl::parse(url).map_err(|msg| {
            std::iter::once(Diagnostic::error("--base-url", msg)).collect::<Diagnostics>()
        })?;
    }
    let parsed = cache.as_deref_mut().map(|c| &mut c.parsed);
    let (corpus, mut diags) = timings.time("load content", || {
        content::load_cached(root, &config, drafts, parsed)
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
        let defer_pictures = cache.as_deref().is_some_and(|c| c.defer_pictures);
        let converted = cache.as_deref_mut().map(|c| {
            c.converted.defer_pictures = defer_pictures;
            &mut c.converted
        });
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
    let diags = diags.sorted();
    match renderer {
        Some(renderer) if !diags.has_errors() => {
            let indexes = timings.time("taxonomy", || match cache {
                None => Indexes::new(&site),
                Some(cache) => {
                    // Browsing structure depends only on slugs, dates and terms.
                    let key = site.fingerprint(|a| a.terms_hash);
                    match &cache.taxonomy {
                        Some((k, indexes)) if *k == key => indexes.clone(),
                        _ => {
                            let indexes = Indexes::new(&site);
                            cache.taxonomy = Some((key, indexes.clone()));
                            indexes
                        }
                    }
                }
            });
            let mut diags = diags;
            for (lang, slug, names) in indexes.merged_tags() {
                let names: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
                diags.push(Diagnostic::warning(
                    content::CONTENT_DIR,
                    format!(
                        "the tags {} are one tag, {}: their names make the same address; \
                         write them alike if they mean the same, or tell them apart",
                        names.join(", "),
                        crate::urls::tag(lang, slug)
                    ),
                ));
            }
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

pub fn build(opts: &BuildOptions) -> Result<BuildReport, BuildError> {
    build_with(opts, None)
}

/// A build that reuses and updates `cache` (see [`Cache`]).
pub fn build_with(
    opts: &BuildOptions,
    mut cache: Option<&mut Cache>,
) -> Result<BuildReport, BuildError> {
    let started = Instant::now();
    let out = opts.out_dir();
    guard_output(&opts.root, &out)?;
    let loaded = load_with(
        &opts.root,
        opts.drafts,
        opts.base_url.as_deref(),
        cache.as_deref_mut(),
    )
    .map_err(BuildError::Content)?;
    let Loaded {
        site,
        indexes,
        renderer,
        warnings,
        single_language,
        mut timings,
    } = loaded;

    let policy = Policy {
        force: opts.force,
        keep: site.config.keep.clone(),
        // Only `qiao serve` keeps a cache, and its folder is private: updated in place.
        in_place: cache.is_some(),
    };
    let staging = Staging::create(&out, &policy)
        .map_err(BuildError::Output)?
        .knowing(cache.as_deref_mut().and_then(|c| c.produced.take()));

    let pages = render::pages(&site, &indexes);
    let existing: HashSet<String> = pages.iter().map(|p| p.path.clone()).collect();
    let exists = |p: &str| existing.contains(p);
    // With a cache, an output whose dependency key is unchanged is neither rendered nor
    // written; `keep` still counts it as part of this build.
    let global = cache.is_some().then(|| {
        let mut h = site::Fingerprint::default();
        h.u64(site.config.fingerprint()).u64(renderer.fingerprint);
        for (k, v) in &site.asset_links {
            h.str(k).str(v);
        }
        h.finish()
    });
    let previous = cache.as_deref().map(|c| &c.outputs);
    let unchanged = |file: &str, key: Option<u64>| -> bool {
        matches!((key, previous), (Some(k), Some(p)) if p.get(file) == Some(&k))
            && staging.keep(file)
    };
    let search_key = global.map(|_| {
        site::Fingerprint::default()
            .u64(site.fingerprint(|a| a.index_hash))
            .u64(search::WASM.len() as u64)
            .finish()
    });
    let previous_search = cache.as_deref().and_then(|c| c.search.as_ref());
    let search_unchanged = match (search_key, previous_search) {
        (Some(k), Some((pk, files))) if k == *pk => files.iter().all(|f| staging.keep(f)),
        _ => false,
    };
    // `qiao serve` shows the edited page first and indexes afterwards (see
    // [`PendingSearch`]); until then the previous index files stay.
    let defer_search = !search_unchanged
        && cache.as_deref().is_some_and(|c| c.defer_search)
        && previous_search.is_some_and(|(_, files)| files.iter().all(|f| staging.keep(f)));

    let done = AtomicUsize::new(0);
    let show_progress = opts.progress && std::io::stderr().is_terminal();
    // The search index is written on its own while the pages render.
    let ((results, render_time), (search_files, index_time)) = std::thread::scope(|scope| {
        let (stop, stopped) = mpsc::channel::<()>();
        if show_progress {
            scope.spawn(|| show_progress_until(stopped, &done, pages.len()));
        }
        let render = || -> (Vec<Result<KeyedFile, Diagnostic>>, Duration) {
            let started = Instant::now();
            let results = pages
                .par_iter()
                .map(|page| {
                    let file = page.output_file();
                    let key = global.map(|g| render::page_key(&site, &indexes, &exists, page, g));
                    done.fetch_add(1, Ordering::Relaxed);
                    if unchanged(&file, key) {
                        return Ok((file, key));
                    }
                    let html = render::render_page(&site, &indexes, &renderer, &existing, page)
                        .map_err(|msg| {
                            Diagnostic::error("templates", format!("{msg} (page {})", page.path))
                        })?;
                    staging.write(&file, html.as_bytes()).map_err(|e| {
                        Diagnostic::error(out.clone(), format!("cannot write {file}: {e}"))
                    })?;
                    Ok((file, key))
                })
                .collect();
            (results, started.elapsed())
        };
        let index = || {
            let started = Instant::now();
            let files = if search_unchanged || defer_search {
                Ok(Vec::new())
            } else {
                search::files(&site)
            };
            (files, started.elapsed())
        };
        let results = rayon::join(render, index);
        drop(stop);
        results
    });
    timings.record("render pages", render_time);
    timings.record("search index", index_time);
    let mut errors = Diagnostics::default();
    let mut outputs: HashMap<String, u64> = HashMap::new();
    for result in results {
        match result {
            Ok((file, Some(key))) => {
                outputs.insert(file, key);
            }
            Ok(_) => {}
            Err(d) => errors.push(d),
        }
    }
    let search_files = search_files.unwrap_or_else(|msg| {
        errors.push(Diagnostic::error(out.clone(), msg));
        Vec::new()
    });
    for (path, bytes) in &search_files {
        if let Err(e) = staging.write(path, bytes) {
            errors.push(Diagnostic::error(
                out.clone(),
                format!("cannot write {path}: {e}"),
            ));
        }
    }
    // The sitemap lists every page with its versions and article dates.
    let sitemap_key = global.map(|g| {
        let mut h = site::Fingerprint::default();
        h.u64(g);
        for page in &pages {
            h.str(&page.path);
        }
        h.u64(site.fingerprint(|a| a.terms_hash)).finish()
    });
    let previous_sitemaps = cache.as_deref().and_then(|c| c.sitemaps.as_ref());
    let sitemaps_unchanged = match (sitemap_key, previous_sitemaps) {
        (Some(k), Some((pk, names))) if k == *pk => names.iter().all(|n| staging.keep(n)),
        _ => false,
    };
    let (machine_files, feed_keys) = timings.time("feeds, sitemap", || {
        // Each feed: its path, its key in a cached build, and its text unless unchanged.
        let rendered: Vec<(String, Option<u64>, Option<String>)> = feeds::feeds(&site, &indexes)
            .par_iter()
            .map(|feed| {
                let path = feed.path().trim_start_matches('/').to_owned();
                let key = global.map(|g| feeds::feed_key(&site, feed, g));
                let text = (!unchanged(&path, key)).then(|| feeds::atom(&site, feed));
                (path, key, text)
            })
            .collect();
        let mut files = Vec::new();
        let mut keys = Vec::new();
        for (path, key, text) in rendered {
            if let Some(k) = key {
                keys.push((path.clone(), k));
            }
            if let Some(text) = text {
                files.push((path, text));
            }
        }
        if !sitemaps_unchanged {
            files.extend(feeds::sitemaps(&site, &pages, exists));
        }
        files.push(("robots.txt".to_owned(), feeds::robots(&site)));
        (files, keys)
    });
    outputs.extend(feed_keys);
    for (path, text) in &machine_files {
        if let Err(e) = staging.write(path, text.as_bytes()) {
            errors.push(Diagnostic::error(
                out.clone(),
                format!("cannot write {path}: {e}"),
            ));
        }
    }
    if errors.has_errors() {
        return Err(BuildError::Content(errors.sorted()));
    }

    let files = timings.time("copy files", || copy_files(&site, &staging))?;
    let produced = timings
        .time("commit output", || staging.commit())
        .map_err(BuildError::Output)?;
    let articles =
        site.articles(crate::lang::Lang::Zh).len() + site.articles(crate::lang::Lang::En).len();
    let pictures_decoded = site.pictures_decoded;
    if let Some(cache) = cache {
        cache.pending_pictures = site.pending_pictures.clone();
        cache.outputs = outputs;
        cache.produced = Some(produced);
        if let Some(key) = sitemap_key {
            let names = if sitemaps_unchanged {
                cache.sitemaps.take().map(|(_, n)| n).unwrap_or_default()
            } else {
                machine_files
                    .iter()
                    .filter(|(p, _)| p.starts_with("sitemap"))
                    .map(|(p, _)| p.clone())
                    .collect()
            };
            cache.sitemaps = Some((key, names));
        }
        cache.generation += 1;
        if let Some(key) = search_key {
            if defer_search {
                cache.pending = Some(PendingSearch {
                    key,
                    site: Arc::new(site),
                    generation: cache.generation,
                });
            } else {
                let files = if search_unchanged {
                    cache.search.take().map(|(_, f)| f).unwrap_or_default()
                } else {
                    search_files.iter().map(|(p, _)| p.clone()).collect()
                };
                cache.search = Some((key, files));
            }
        }
    }
    Ok(BuildReport {
        pictures_decoded,
        out,
        pages: pages.len(),
        files: files + machine_files.len() + search_files.len(),
        articles,
        warnings,
        single_language,
        elapsed: started.elapsed(),
        timings,
    })
}

/// Copies the static files and every file an article references. Returns how many files
/// were copied.
fn copy_files(site: &Site, staging: &Staging) -> Result<usize, BuildError> {
    let mut errors = Diagnostics::default();
    let assets = site.assets.write(staging).unwrap_or_else(|d| {
        errors.extend(d);
        0
    });
    let media: Vec<&PathBuf> = site.media.iter().collect();
    let copied: Vec<Result<(), Diagnostic>> = media
        .par_iter()
        .map(|rel| {
            staging
                .copy(&site.content_dir.join(rel), &Path::new("media").join(rel))
                .map_err(|e| {
                    Diagnostic::error(
                        Path::new(content::CONTENT_DIR).join(rel),
                        format!("cannot copy: {e}"),
                    )
                })
        })
        .collect();
    let derivatives: Vec<(&PathBuf, &crate::images::Picture, &crate::images::Variant)> = site
        .pictures
        .iter()
        .flat_map(|(rel, p)| p.variants().map(move |v| (rel, p.as_ref(), v)))
        .collect();
    let copied_derivatives: Vec<Result<(), Diagnostic>> = derivatives
        .par_iter()
        .map(|(rel, picture, variant)| {
            staging
                .copy(
                    &picture.dir.join(&variant.name),
                    &crate::images::output_path(rel, variant),
                )
                .map_err(|e| {
                    Diagnostic::error(
                        Path::new(content::CONTENT_DIR).join(rel),
                        format!("cannot publish the {} px derivative: {e}", variant.width),
                    )
                })
        })
        .collect();
    let copied: Vec<_> = copied.into_iter().chain(copied_derivatives).collect();
    let media_count = copied.iter().filter(|r| r.is_ok()).count();
    errors.extend(copied.into_iter().filter_map(Result::err));
    if errors.has_errors() {
        Err(BuildError::Content(errors))
    } else {
        Ok(assets + media_count)
    }
}

/// Refuses an output folder that would swallow the site itself: updating it would delete
/// the articles.
fn guard_output(root: &Path, out: &Path) -> Result<(), BuildError> {
    let absolute = |p: &Path| -> PathBuf {
        let p = if p.is_absolute() {
            p.to_path_buf()
        } else {
            std::env::current_dir().unwrap_or_default().join(p)
        };
        // Canonicalise the longest existing ancestor; the rest may not exist yet.
        let mut existing = p.as_path();
        let mut rest = Vec::new();
        while !existing.exists() {
            match (existing.parent(), existing.file_name()) {
                (Some(parent), Some(name)) => {
                    rest.push(name.to_owned());
                    existing = parent;
                }
                _ => break,
            }
        }
        let mut full = existing
            .canonicalize()
            .unwrap_or_else(|_| existing.to_path_buf());
        full.extend(rest.iter().rev());
        full
    };
    let root = absolute(root);
    let out = absolute(out);
    if root.starts_with(&out) {
        return Err(BuildError::Usage(format!(
            "the output folder `{}` contains the site itself; choose a folder inside it such as `public`",
            out.display()
        )));
    }
    for protected in ["content", "templates", "static"] {
        if out.starts_with(root.join(protected)) {
            return Err(BuildError::Usage(format!(
                "the output folder `{}` is inside `{protected}/`; choose another such as `public`",
                out.display()
            )));
        }
    }
    Ok(())
}

/// Redraws a progress line on standard error until `stopped` disconnects.
fn show_progress_until(stopped: mpsc::Receiver<()>, done: &AtomicUsize, total: usize) {
    let mut shown = false;
    while let Err(mpsc::RecvTimeoutError::Timeout) =
        stopped.recv_timeout(Duration::from_millis(250))
    {
        eprint!("\rrendering {}/{total} pages", done.load(Ordering::Relaxed));
        shown = true;
    }
    if shown {
        eprint!("\r\x1b[2K");
    }
}
