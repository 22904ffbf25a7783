//! The whole build, stage by stage: load (config, content) → model (Markdown, links,
//! taxonomy) → render (templates) → write (staging folder, swap). `qiao check` runs the
//! same stages up to rendering and writes nothing.

use std::collections::HashSet;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::assets::Assets;
use crate::config::{BaseUrl, SiteConfig};
use crate::content::{self, Document};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::feeds;
use crate::output::Staging;
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

/// Loads and validates everything, collecting every error before giving up.
pub fn load(root: &Path, drafts: bool, base_url: Option<&str>) -> Result<Loaded, Diagnostics> {
    let mut timings = Timings::default();
    let mut config = timings.time("config", || SiteConfig::load(root))?;
    if let Some(url) = base_url {
        config.base_url = BaseUrl::parse(url).map_err(|msg| {
            std::iter::once(Diagnostic::error("--base-url", msg)).collect::<Diagnostics>()
        })?;
    }
    let (corpus, mut diags) = timings.time("load content", || content::load(root, &config, drafts));
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
        site::assemble(root, config, corpus, assets, urls)
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
            let indexes = timings.time("taxonomy", || Indexes::new(&site));
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
    let started = Instant::now();
    let out = opts.out_dir();
    guard_output(&opts.root, &out)?;
    let loaded =
        load(&opts.root, opts.drafts, opts.base_url.as_deref()).map_err(BuildError::Content)?;
    let Loaded {
        site,
        indexes,
        renderer,
        warnings,
        single_language,
        mut timings,
    } = loaded;

    let io_error = |what: &str, e: std::io::Error| {
        BuildError::Content(
            std::iter::once(Diagnostic::error(out.clone(), format!("{what}: {e}"))).collect(),
        )
    };
    let staging =
        Staging::create(&out).map_err(|e| io_error("cannot create the output folder", e))?;

    let pages = render::pages(&site, &indexes);
    let existing: HashSet<String> = pages.iter().map(|p| p.path.clone()).collect();
    let done = AtomicUsize::new(0);
    let show_progress = opts.progress && std::io::stderr().is_terminal();
    // The search index is written on its own while the pages render.
    let ((results, render_time), (search_files, index_time)) = std::thread::scope(|scope| {
        let (stop, stopped) = mpsc::channel::<()>();
        if show_progress {
            scope.spawn(|| show_progress_until(stopped, &done, pages.len()));
        }
        let render = || -> (Vec<Result<(), Diagnostic>>, Duration) {
            let started = Instant::now();
            let results = pages
                .par_iter()
                .map(|page| {
                    let html = render::render_page(&site, &indexes, &renderer, &existing, page)
                        .map_err(|msg| {
                            Diagnostic::error("templates", format!("{msg} (page {})", page.path))
                        })?;
                    staging
                        .write(&page.output_file(), html.as_bytes())
                        .map_err(|e| {
                            Diagnostic::error(
                                out.clone(),
                                format!("cannot write {}: {e}", page.output_file()),
                            )
                        })?;
                    done.fetch_add(1, Ordering::Relaxed);
                    Ok(())
                })
                .collect();
            (results, started.elapsed())
        };
        let index = || {
            let started = Instant::now();
            (search::files(&site), started.elapsed())
        };
        let results = rayon::join(render, index);
        drop(stop);
        results
    });
    timings.record("render pages", render_time);
    timings.record("search index", index_time);
    let mut errors: Diagnostics = results.into_iter().filter_map(Result::err).collect();
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
    let exists = |p: &str| existing.contains(p);
    let machine_files = timings.time("feeds, sitemap", || {
        let mut files: Vec<(String, String)> = feeds::feeds(&site, &indexes)
            .par_iter()
            .map(|feed| (feed.path(), feeds::atom(&site, feed)))
            .collect();
        files.extend(feeds::sitemaps(&site, &pages, exists));
        files.push(("robots.txt".to_owned(), feeds::robots(&site)));
        files
    });
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
    timings
        .time("swap output", || staging.commit())
        .map_err(|e| io_error("cannot replace the output folder", e))?;
    let articles =
        site.articles(crate::lang::Lang::Zh).len() + site.articles(crate::lang::Lang::En).len();
    Ok(BuildReport {
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
    let media_count = copied.iter().filter(|r| r.is_ok()).count();
    errors.extend(copied.into_iter().filter_map(Result::err));
    if errors.has_errors() {
        Err(BuildError::Content(errors))
    } else {
        Ok(assets + media_count)
    }
}

/// Refuses an output folder that would swallow the site itself: swapping it would delete
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
