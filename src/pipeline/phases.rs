//! The render and write phases: pages and the search index at once, then the machine
//! files (feeds, sitemaps, robots.txt), then the copied files; everything goes into the
//! [`Staging`] folder, which [`crate::output`] moves into place only when all succeeded.

use std::collections::{HashMap, HashSet};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use super::incremental::Plan;
use super::{BuildError, Timings};
use crate::assets::Assets;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::embedded::Source;
use crate::feeds;
use crate::output::Staging;
use crate::render::{self, Page, PageRenderer, Renderer};
use crate::search;
use crate::site::Site;
use crate::site_dirs;
use crate::taxonomy::Indexes;
use crate::urls::{self, SitePath};

/// An output file and, in a cached build, its dependency key.
struct Keyed {
    file: String,
    key: Option<u64>,
}

/// What rendering wrote: each page's dependency key, and the search index files' names
/// (their bytes are dropped once written: at 100,000 pairs they are 470 MB).
pub(super) struct Rendered {
    pub(super) keys: HashMap<String, u64>,
    pub(super) search_files: Vec<String>,
}

/// The feeds, sitemaps and robots.txt to write, and every feed's dependency key.
pub(super) struct MachineFiles {
    pub(super) files: Vec<(String, String)>,
    pub(super) keys: Vec<(String, u64)>,
}

/// Everything the write phases read.
pub(super) struct Run<'a> {
    pub(super) site: &'a Site,
    pub(super) indexes: &'a Indexes,
    pub(super) renderer: &'a Renderer,
    pub(super) staging: &'a Staging,
    pub(super) out: &'a Path,
    pub(super) pages: &'a [Page],
    /// Every page's site path.
    pub(super) existing: &'a HashSet<SitePath>,
    pub(super) plan: &'a Plan<'a>,
}

impl Run<'_> {
    /// Renders and writes every page while the search index is computed beside it, then
    /// writes the index. Returns each page's dependency key and the index files.
    pub(super) fn render_and_index(
        &self,
        progress: bool,
        timings: &mut Timings,
        errors: &mut Diagnostics,
    ) -> Rendered {
        let done = AtomicUsize::new(0);
        let show_progress = progress && std::io::stderr().is_terminal();
        let outcome = self.plan.outcome();
        let ((results, render_time), (search_files, index_time)) = std::thread::scope(|scope| {
            let (stop, stopped) = mpsc::channel::<()>();
            if show_progress {
                scope.spawn(|| show_progress_until(stopped, &done, self.pages.len()));
            }
            let render = || {
                let started = Instant::now();
                let pages =
                    PageRenderer::new(self.site, self.indexes, self.renderer, self.existing);
                let results: Vec<Result<Keyed, Diagnostic>> = self
                    .pages
                    .par_iter()
                    .map(|page| {
                        done.fetch_add(1, Ordering::Relaxed);
                        self.page(&pages, page)
                    })
                    .collect();
                (results, started.elapsed())
            };
            let index = || {
                let started = Instant::now();
                let files = if outcome.search_unchanged || outcome.defer_search {
                    Ok(Vec::new())
                } else {
                    search::files(self.site)
                };
                (files, started.elapsed())
            };
            let results = rayon::join(render, index);
            drop(stop);
            results
        });
        timings.record("render pages", render_time);
        timings.record("search index", index_time);
        let mut outputs = HashMap::new();
        for result in results {
            match result {
                Ok(Keyed {
                    file,
                    key: Some(key),
                }) => {
                    outputs.insert(file, key);
                }
                Ok(_) => {}
                Err(d) => errors.push(d),
            }
        }
        let search_files = search_files.unwrap_or_else(|msg| {
            errors.push(Diagnostic::output(self.out.to_path_buf(), msg));
            Vec::new()
        });
        self.write_all(&search_files, errors);
        Rendered {
            keys: outputs,
            search_files: search_files.into_iter().map(|(name, _)| name).collect(),
        }
    }

    /// Renders and writes one page, unless its key says it is unchanged.
    fn page(&self, pages: &PageRenderer, page: &Page) -> Result<Keyed, Diagnostic> {
        let file = page.output_file();
        let exists = |p: &SitePath| self.existing.contains(p);
        let key = self
            .plan
            .global
            .map(|g| render::page_key(self.site, self.indexes, &exists, page, g));
        if self.plan.unchanged(&file, key) {
            return Ok(Keyed { file, key });
        }
        let html = pages.render(page).map_err(|msg| {
            Diagnostic::error(site_dirs::TEMPLATES, format!("{msg} (page {})", page.path))
        })?;
        self.staging.write(&file, &html).map_err(|e| {
            Diagnostic::output(self.out.to_path_buf(), format!("cannot write {file}: {e}"))
        })?;
        Ok(Keyed { file, key })
    }

    /// The Atom feeds that changed, the sitemaps unless unchanged, and robots.txt; with
    /// every feed's dependency key.
    pub(super) fn machine_files(&self) -> MachineFiles {
        let global = self.plan.global;
        // Each feed: its path, its key in a cached build, and its text unless unchanged.
        let rendered: Vec<(String, Option<u64>, Option<String>)> =
            feeds::feeds(self.site, self.indexes)
                .par_iter()
                .map(|feed| {
                    let path = urls::output_file(&feed.path());
                    let key = global.map(|g| feeds::feed_key(self.site, feed, g));
                    let text =
                        (!self.plan.unchanged(&path, key)).then(|| feeds::atom(self.site, feed));
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
        if !self.plan.outcome().sitemaps_unchanged {
            let exists = |p: &SitePath| self.existing.contains(p);
            files.extend(feeds::sitemaps(self.site, self.pages, exists));
        }
        files.push(("robots.txt".to_owned(), feeds::robots(self.site)));
        MachineFiles { files, keys }
    }

    /// Writes files into the staging folder, an error for each that fails.
    pub(super) fn write_all<B: AsRef<[u8]>>(
        &self,
        files: &[(String, B)],
        errors: &mut Diagnostics,
    ) {
        for (path, bytes) in files {
            if let Err(e) = self.staging.write(path, bytes.as_ref()) {
                errors.push(Diagnostic::error(
                    self.out.to_path_buf(),
                    format!("cannot write {path}: {e}"),
                ));
            }
        }
    }
}

/// Writes every static file (a fingerprinted one under both names); returns how many
/// files that is.
fn write_assets(assets: &Assets, staging: &Staging) -> Result<usize, Diagnostics> {
    let mut diags = Diagnostics::default();
    let mut count = 0;
    for (name, rel, source) in assets.published() {
        let result = match source {
            Source::Embedded(bytes) => staging.write(name, bytes),
            Source::File(path) => staging.copy(path, Path::new(name)),
        };
        match result {
            Ok(()) => count += 1,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                diags.push(Diagnostic::error(
                    Path::new(site_dirs::STATIC).join(rel),
                    format!(
                        "would replace a file qiao generates: {e}; rename or remove \
                         it (files in static/ may replace only qiao's built-in static files)"
                    ),
                ))
            }
            Err(e) => diags.push(Diagnostic::error(
                Path::new(site_dirs::STATIC).join(rel),
                format!("cannot write /{name}: {e}"),
            )),
        }
    }
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(count)
    }
}

/// Copies the static files and every file an article references. Returns how many files
/// were copied.
pub(super) fn copy_files(site: &Site, staging: &Staging) -> Result<usize, BuildError> {
    let mut errors = Diagnostics::default();
    let assets = write_assets(&site.assets, staging).unwrap_or_else(|d| {
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
                        Path::new(site_dirs::CONTENT).join(rel),
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
                        Path::new(site_dirs::CONTENT).join(rel),
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
pub(super) fn guard_output(root: &Path, out: &Path) -> Result<(), BuildError> {
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
    for protected in site_dirs::SOURCES {
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
