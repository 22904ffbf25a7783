//! The whole build, phase by phase: load (config, content) → model (Markdown, links,
//! taxonomy) → render (templates) → write (staging folder, moved in on success). `qiao
//! check` runs the same phases up to rendering and writes nothing.
//!
//! [`load`] reads and converts the site; [`phases`] renders, indexes and copies into a
//! [`Staging`] folder; [`incremental`] holds what `qiao serve` keeps between builds and
//! every dependency key that decides what a rebuild may skip.

mod edit;
#[cfg(test)]
mod fixture;
mod incremental;
mod load;
mod phases;

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

pub use edit::{EditReport, edit_first};
pub use incremental::{Cache, PendingSearch};
pub use load::{Loaded, load};

use crate::diagnostics::Diagnostics;
use crate::lang::Lang;
use crate::output::{Policy, Staging};
use crate::render;
use crate::site::Site;
use crate::urls::SitePath;
use incremental::{LastBuild, Plan};
use phases::Run;

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
        self.out
            .clone()
            .unwrap_or_else(|| self.root.join(crate::site_dirs::PUBLIC))
    }
}

#[derive(Debug)]
pub enum BuildError {
    /// Problems in the site's files: exit code 1.
    Content(Diagnostics),
    /// The command itself cannot work as given: exit code 2.
    Usage(String),
    /// The output folder was refused (not qiao's, or a file there is not): exit code 1.
    /// The message says what was done, naming the path.
    Output(String),
    /// Reading or writing the output folder failed: exit code 3, a problem of the machine
    /// (disk full, permissions) rather than of the site's files.
    Io(String),
}

impl BuildError {
    /// The process exit code for this failure (see `qiao --help`).
    pub fn exit_code(&self) -> u8 {
        match self {
            BuildError::Content(_) | BuildError::Output(_) => 1,
            BuildError::Usage(_) => 2,
            BuildError::Io(_) => 3,
        }
    }
}

/// Every message of the failure, a line each, as the terminal and the preview's overlay
/// show them.
impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BuildError::Content(d) => write!(f, "{d}"),
            BuildError::Usage(m) | BuildError::Output(m) | BuildError::Io(m) => {
                writeln!(f, "error: {m}")
            }
        }
    }
}

impl From<crate::output::OutputError> for BuildError {
    fn from(e: crate::output::OutputError) -> BuildError {
        match e {
            crate::output::OutputError::Refused(m) => BuildError::Output(m),
            crate::output::OutputError::Io(m) => BuildError::Io(m),
        }
    }
}

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

/// A phase a line, as `--timings` prints them.
impl std::fmt::Display for Timings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (phase, took) in self.iter() {
            writeln!(f, "{phase:>16}: {:8.1} ms", took.as_secs_f64() * 1000.0)?;
        }
        Ok(())
    }
}

/// The outcome of a successful build.
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

pub fn build(opts: &BuildOptions) -> Result<BuildReport, BuildError> {
    build_with(opts, None)
}

/// A build that reuses and updates `cache` (see [`Cache`]).
pub fn build_with(
    opts: &BuildOptions,
    mut cache: Option<&mut Cache>,
) -> Result<BuildReport, BuildError> {
    let started = Instant::now();
    if let Some(c) = cache.as_deref_mut() {
        c.forget_last();
    }
    let out = opts.out_dir();
    phases::guard_output(&opts.root, &out)?;
    let loaded = load::load_with(
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

    let staging = staging(opts, &site, cache.as_deref_mut())?;

    let pages = render::pages(&site, &indexes);
    let existing: HashSet<SitePath> = pages.iter().map(|p| p.path.clone()).collect();
    let plan = Plan::new(cache.as_deref(), &site, &renderer, &pages, &staging);
    let run = Run {
        site: &site,
        indexes: &indexes,
        renderer: &renderer,
        staging: &staging,
        out: &out,
        pages: &pages,
        existing: &existing,
        plan: &plan,
    };
    let mut errors = Diagnostics::default();
    let rendered = run.render_and_index(opts.progress, &mut timings, &mut errors);
    let machine = timings.time("feeds, sitemap", || run.machine_files());
    run.write_all(&machine.files, &mut errors);
    if errors.has_errors() {
        return Err(BuildError::Content(errors.sorted()));
    }
    // The plan borrows the cache and the staging folder; what the cache records of it is
    // copied out before both are used again.
    let outcome = plan.outcome();

    let files = timings.time("copy files", || phases::copy_files(&site, &staging))?;
    let produced = timings
        .time("commit output", || staging.commit())
        .map_err(BuildError::from)?;
    let articles = site.articles(Lang::Zh).len() + site.articles(Lang::En).len();
    let report = BuildReport {
        pictures_decoded: site.pictures_decoded,
        out,
        pages: pages.len(),
        files: files + machine.files.len() + rendered.search_files.len(),
        articles,
        warnings,
        single_language,
        elapsed: started.elapsed(),
        timings,
    };
    if let Some(cache) = cache {
        let mut outputs = rendered.keys;
        outputs.extend(machine.keys);
        let last = LastBuild {
            site: std::sync::Arc::new(site),
            indexes,
            renderer,
            existing,
        };
        cache.remember(
            outcome,
            last,
            outputs,
            produced,
            &machine.files,
            &rendered.search_files,
        );
    }
    Ok(report)
}

/// The staging folder beside the output, told what the last build of `qiao serve` left.
fn staging(
    opts: &BuildOptions,
    site: &Site,
    cache: Option<&mut Cache>,
) -> Result<Staging, BuildError> {
    let policy = Policy {
        force: opts.force,
        keep: site.config.keep.clone(),
        // Only `qiao serve` keeps a cache, and its folder is private: updated in place.
        in_place: cache.is_some(),
    };
    Ok(Staging::create(&opts.out_dir(), &policy)
        .map_err(BuildError::from)?
        .knowing(cache.and_then(Cache::take_produced)))
}
