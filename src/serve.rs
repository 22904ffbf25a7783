//! `qiao serve`: the editor's preview. Builds the site into a private folder, serves it the
//! way a static host would (content types, `index.html` for folders, the site's 404 page,
//! Range requests, ETag/Last-Modified, gzip/brotli), watches the site's files, rebuilds on
//! change and tells open tabs to reload over server-sent events. A broken file shows in the
//! terminal and as an overlay in the browser, while the last good build stays served.
//!
//! The reload script is added to HTML as it is served, so the folder on disk is exactly
//! what `qiao build` writes; pages are therefore always sent whole, without the file's
//! ETag or date.

mod http;

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, TryLockError};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::{broadcast, watch};

use crate::pipeline::{self, BuildOptions};

/// Saves arriving closer together than this are one change (editors write in bursts).
const DEBOUNCE: Duration = Duration::from_millis(50);
/// How long stopping waits for a build that is writing into the private folder.
const WRITE_GRACE: Duration = Duration::from_millis(800);

pub struct ServeOptions {
    pub root: PathBuf,
    pub port: u16,
    pub bind: IpAddr,
    pub open: bool,
    pub drafts: bool,
    /// Print how long each phase of every rebuild took.
    pub timings: bool,
}

/// Which tabs reload.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "lowercase")]
enum Reload {
    /// Tabs showing one of these pages.
    Only(Vec<String>),
    /// Every tab but those showing one of these pages, which are current already.
    Except(Vec<String>),
}

/// What open tabs are told.
#[derive(Clone, Debug)]
enum Notice {
    /// Pages changed: tabs on them reload. A tab reloads once per save: the page written
    /// first by [`edit_first`] is not reloaded again by the rebuild that writes the same
    /// bytes, and the other tabs wait for the rebuild.
    Reload(Reload),
    /// A new search index is in place; its number (see [`Shared::search_index`]).
    SearchIndex(u64),
    Error(String),
}

struct Shared {
    out: PathBuf,
    /// The search files of the index before the current one, still served (when the
    /// output no longer has them) to pages that loaded its manifest and have not reloaded.
    retired: PathBuf,
    /// Counts the search indexes written by rebuilds. Each page is served with the number
    /// current then, and a search page reloads when it learns of another one: also when
    /// the index changed while it was loading and it missed the notice.
    search_index: AtomicU64,
    notices: broadcast::Sender<Notice>,
    /// The current build error, shown to tabs that connect while it lasts.
    error: Mutex<Option<String>>,
    /// Becomes `true` when the server stops.
    stopping: watch::Receiver<bool>,
    /// Held while a build or a search index is written into the output; `true` once the
    /// server stops, so that nothing starts writing into the folder being removed.
    stopped: Mutex<bool>,
    /// `--timings`: each rebuild prints its phases.
    timings: bool,
}

/// Serves until interrupted.
pub fn run(opts: ServeOptions) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the server: {e}"))?;
    let result = runtime.block_on(serve(opts));
    // Whatever is still running (a response past the grace period) is abandoned.
    runtime.shutdown_timeout(Duration::from_millis(100));
    result
}

async fn serve(opts: ServeOptions) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(SocketAddr::new(opts.bind, opts.port))
        .await
        .map_err(|e| format!("cannot listen on {}:{}: {e}", opts.bind, opts.port))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let shown_host = if addr.ip().is_unspecified() {
        "127.0.0.1".to_owned()
    } else {
        addr.ip().to_string()
    };
    let url = format!("http://{shown_host}:{}", addr.port());

    // A fresh folder only this user can enter, never one that already exists: another
    // user could have planted a name in the shared temporary folder (a symbolic link to
    // somewhere we would then write into or serve from). The build stages its output
    // beside the out folder, so the site goes one level down, in a parent we own.
    let private = private_folder()?;
    let out = private.path().join("site");
    let build = BuildOptions {
        root: opts.root.clone(),
        out: Some(out.clone()),
        drafts: opts.drafts,
        base_url: Some(url.clone()),
        progress: true,
        force: false,
    };
    let (notices, _) = broadcast::channel(16);
    let (stop, stopping) = watch::channel(false);
    let shared = Arc::new(Shared {
        out: out.clone(),
        retired: private.path().join("retired"),
        search_index: AtomicU64::new(0),
        notices,
        error: Mutex::new(None),
        stopping,
        stopped: Mutex::new(false),
        timings: opts.timings,
    });
    let mut cache = pipeline::Cache::default();
    cache.defer_pictures = true;
    rebuild(&build, &shared, &mut cache, Vec::new());

    watch(build, shared.clone(), cache)?;
    let mut signals = StopSignals::listen()?;
    println!("Serving {} at {url}/ (Ctrl+C stops)", opts.root.display());
    if opts.open {
        open_browser(&format!("{url}/"));
    }
    http::serve(listener, http::router(shared.clone()), &mut signals, stop).await;
    stop_writing(&shared).await;
    private
        .close()
        .map_err(|e| format!("cannot remove the preview folder: {e}"))
}

/// Waits a moment for a build under way to finish writing, then keeps any other from
/// starting, so the private folder can be removed whole.
async fn stop_writing(shared: &Shared) {
    let deadline = Instant::now() + WRITE_GRACE;
    loop {
        match shared.stopped.try_lock() {
            Ok(mut stopped) => {
                *stopped = true;
                return;
            }
            Err(TryLockError::Poisoned(poisoned)) => {
                *poisoned.into_inner() = true;
                return;
            }
            Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            Err(TryLockError::WouldBlock) => return,
        }
    }
}

/// A new directory under the system's temporary folder, created exclusively (a name that
/// exists is never reused) with mode 0700; removed when dropped.
fn private_folder() -> Result<tempfile::TempDir, String> {
    let mut builder = tempfile::Builder::new();
    builder.prefix("qiao-serve-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o700));
    }
    builder
        .tempdir()
        .map_err(|e| format!("cannot create a private folder for the preview: {e}"))
}

/// Ctrl+C, or SIGTERM from a process manager; either way the private folder is removed.
/// Listened for from before the server says it is ready: until then such a signal would
/// end the process at once and leave the folder behind.
struct StopSignals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl StopSignals {
    fn listen() -> Result<StopSignals, String> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let listen = |kind| signal(kind).map_err(|e| format!("cannot handle signals: {e}"));
            Ok(StopSignals {
                interrupt: listen(SignalKind::interrupt())?,
                terminate: listen(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        Ok(StopSignals {})
    }

    async fn next(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Rebuilds, redoing only what changed, and tells the tabs; the output folder is only
/// updated by a good build.
/// `current` are the pages already shown as this build writes them (by [`edit_first`]).
fn rebuild(
    build: &BuildOptions,
    shared: &Shared,
    cache: &mut pipeline::Cache,
    current: Vec<String>,
) {
    let started = Instant::now();
    match pipeline::build_with(build, Some(cache)) {
        Ok(report) => {
            for w in report.warnings.iter() {
                eprintln!("{w}");
            }
            if shared.timings {
                eprint!("{}", report.timings);
            }
            println!(
                "Built {} pages in {:.0} ms",
                report.pages,
                started.elapsed().as_secs_f64() * 1000.0
            );
            if let Ok(mut e) = shared.error.lock() {
                *e = None;
            }
            let _ = shared.notices.send(Notice::Reload(Reload::Except(current)));
        }
        Err(err) => {
            let text = err.to_string();
            eprint!("{text}");
            eprintln!("error: build failed; still serving the last good build");
            if let Ok(mut e) = shared.error.lock() {
                *e = Some(text.clone());
            }
            let _ = shared.notices.send(Notice::Error(text));
        }
    }
}

enum Message {
    /// Watched files changed: the paths the watcher named, the source folders among
    /// them, which may have been removed, created or replaced.
    Changed(Vec<PathBuf>),
    /// The search index for a finished build has been computed.
    Indexed(
        pipeline::PendingSearch,
        Result<Vec<(String, Vec<u8>)>, String>,
    ),
}

/// Watches `site.toml`, `content/`, `templates/` and `static/`; rebuilds after a burst of
/// changes settles. The search index, the slow part of a rebuild, is computed on its own
/// thread afterwards and written only if no newer build has started meanwhile.
fn watch(
    build: BuildOptions,
    shared: Arc<Shared>,
    mut cache: pipeline::Cache,
) -> Result<(), String> {
    let (tx, rx) = std::sync::mpsc::channel::<Message>();
    let mut watcher = watch_sources(&build.root, tx.clone())?;
    let sources = source_folders(&build.root);
    cache.defer_search = true;
    process_pictures(&build.root, cache.take_pending_pictures(), &tx);
    std::thread::spawn(move || {
        while let Ok(message) = rx.recv() {
            let Ok(stopped) = shared.stopped.lock() else {
                return;
            };
            if *stopped {
                return;
            }
            match message {
                Message::Changed(mut paths) => {
                    // Index results that arrive while saves settle are for an old build.
                    while let Ok(message) = rx.recv_timeout(DEBOUNCE) {
                        if let Message::Changed(more) = message {
                            paths.extend(more);
                        }
                    }
                    paths.sort();
                    paths.dedup();
                    // Before the build, so that what is written into a new folder from
                    // now on is seen, and what was written before is built.
                    for folder in paths.iter().filter(|p| sources.contains(p)) {
                        rewatch(&mut watcher, folder);
                    }
                    let current = edit_first(&build, &shared, &cache, &paths);
                    rebuild(&build, &shared, &mut cache, current);
                    process_pictures(&build.root, cache.take_pending_pictures(), &tx);
                    if let Some(pending) = cache.take_pending_search() {
                        let done = tx.clone();
                        std::thread::spawn(move || {
                            let files = pending.index();
                            let _ = done.send(Message::Indexed(pending, files));
                        });
                    }
                }
                Message::Indexed(pending, Ok(files)) => {
                    apply_search(&build.out_dir(), &shared, &mut cache, &pending, files);
                }
                Message::Indexed(_, Err(msg)) => eprintln!("error: {msg}"),
            }
            drop(stopped);
        }
    });
    Ok(())
}

/// A watcher that sends [`Message::Changed`] for every relevant change to the site's
/// sources: `site.toml` at the root, and everything inside the source folders.
fn watch_sources(
    root: &Path,
    events: std::sync::mpsc::Sender<Message>,
) -> Result<notify::RecommendedWatcher, String> {
    use notify::{RecursiveMode, Watcher};
    let sources = source_folders(root);
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event
            && !event.kind.is_access()
            && event.paths.iter().any(|p| relevant(p))
        {
            let paths = event.paths.into_iter().filter(|p| relevant(p)).collect();
            let _ = events.send(Message::Changed(paths));
        }
    })
    .map_err(|e| format!("cannot watch the site's files: {e}"))?;
    watcher
        .watch(root, RecursiveMode::NonRecursive)
        .map_err(|e| format!("cannot watch {}: {e}", root.display()))?;
    for path in sources.iter().filter(|p| p.is_dir()) {
        watcher
            .watch(path, RecursiveMode::Recursive)
            .map_err(|e| format!("cannot watch {}: {e}", path.display()))?;
    }
    Ok(watcher)
}

/// The folders whose contents the site is built from.
fn source_folders(root: &Path) -> Vec<PathBuf> {
    (crate::site_dirs::SOURCES.iter())
        .map(|dir| root.join(dir))
        .collect()
}

/// Shows an edited article's page before the rebuild, when the edit allows (see
/// [`pipeline::edit_first`]), and tells the tabs on it; returns the pages written.
fn edit_first(
    build: &BuildOptions,
    shared: &Shared,
    cache: &pipeline::Cache,
    paths: &[PathBuf],
) -> Vec<String> {
    let Some(report) = pipeline::edit_first(build, cache, paths) else {
        return Vec::new();
    };
    let pages: Vec<String> = report.pages.iter().map(ToString::to_string).collect();
    println!(
        "Updated {} in {:.0} ms; rebuilding the rest",
        pages.join(", "),
        report.elapsed.as_secs_f64() * 1000.0
    );
    let _ = shared
        .notices
        .send(Notice::Reload(Reload::Only(pages.clone())));
    pages
}

/// Puts a search index computed after a build into the output and tells the tabs, unless
/// a newer build made it stale.
fn apply_search(
    out: &Path,
    shared: &Shared,
    cache: &mut pipeline::Cache,
    pending: &pipeline::PendingSearch,
    files: Vec<(String, Vec<u8>)>,
) {
    // Pages that loaded the current manifest go on fetching from it until they reload:
    // its files must outlive the switch.
    if let Err(e) = retire_search_files(out, &shared.retired) {
        eprintln!("error: keeping the previous search index failed: {e}");
    }
    match cache.apply_search(out, pending, files) {
        Ok(true) => {
            let n = shared.search_index.fetch_add(1, Ordering::SeqCst) + 1;
            let _ = shared.notices.send(Notice::SearchIndex(n));
        }
        Ok(false) => {}
        Err(e) => eprintln!("error: writing the search index failed: {e}"),
    }
}

/// Makes the derivatives of new pictures on their own thread, then rebuilds: until then
/// the pages show the originals, so a new photo never holds up the preview.
fn process_pictures(root: &Path, pictures: Vec<PathBuf>, done: &std::sync::mpsc::Sender<Message>) {
    if pictures.is_empty() {
        return;
    }
    println!(
        "Processing {} new picture(s) in the background; pages show the originals meanwhile",
        pictures.len()
    );
    let root = root.to_path_buf();
    let done = done.clone();
    std::thread::spawn(move || {
        use rayon::prelude::*;
        let processor = crate::images::Processor::new(&root, false);
        // Errors are the build's to report, with file and line, on the rebuild.
        pictures.par_iter().for_each(|p| {
            let _ = processor.picture(p);
        });
        println!("Processed {} picture(s)", pictures.len());
        let _ = done.send(Message::Changed(Vec::new()));
    });
}

/// Watches a folder of the site again after it was created, removed or replaced (by a
/// `git checkout`, a sync tool, `rm -r` and a copy): the old watch is on a folder that is
/// gone or elsewhere, and nothing in a new one would be seen.
fn rewatch(watcher: &mut notify::RecommendedWatcher, folder: &Path) {
    use notify::{RecursiveMode, Watcher};
    // Fails when the watch ended with its folder, as it should.
    let _ = watcher.unwatch(folder);
    if folder.is_dir()
        && let Err(e) = watcher.watch(folder, RecursiveMode::Recursive)
    {
        eprintln!("error: cannot watch {}: {e}", folder.display());
    }
}

/// Keeps the search files now in `out` (all but the manifests) in `retired`, in place of
/// those kept before: by now every open page has been told of the index that replaced
/// them, and has reloaded. Hard links cost nothing; the index files' names hold a hash of
/// their contents, so the output never rewrites them in place.
fn retire_search_files(out: &Path, retired: &Path) -> std::io::Result<()> {
    match std::fs::remove_dir_all(retired) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let from = out.join(crate::search::SEARCH_DIR);
    let to = retired.join(crate::search::SEARCH_DIR);
    std::fs::create_dir_all(&to)?;
    for entry in std::fs::read_dir(&from)? {
        let entry = entry?;
        let name = entry.file_name();
        // Only plain files: a link here would be served from outside the output.
        if crate::search::is_manifest(&name.to_string_lossy()) || !entry.file_type()?.is_file() {
            continue;
        }
        let (file, kept) = (entry.path(), to.join(&name));
        std::fs::hard_link(&file, &kept).or_else(|_| std::fs::copy(&file, &kept).map(drop))?;
    }
    Ok(())
}

/// Editor swap files and the like do not trigger a rebuild.
fn relevant(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let ignored = name.starts_with('.')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".tmp");
    let in_site = path.components().any(|c| {
        c.as_os_str()
            .to_str()
            .is_some_and(|c| crate::site_dirs::SOURCES.contains(&c))
    }) || name == crate::config::CONFIG_FILE;
    !ignored && in_site
}

fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    if std::process::Command::new(opener).arg(url).spawn().is_err() {
        eprintln!("could not open a browser; visit {url}");
    }
}
