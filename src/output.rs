//! Writing the site without ever leaving a half-built output behind.
//!
//! Files go into a staging folder beside the output; a file whose bytes equal the previous
//! output's copy is not written at all. Only when the whole build succeeded are the staged
//! files moved in (one rename each) and files the site no longer has removed. So a failed
//! build leaves the previous output exactly as it was, and a rebuild touches only what
//! changed: on disks where creating and deleting tens of thousands of files is slow,
//! rewriting the whole tree each time would cost more than building it.

use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub struct Staging {
    dir: PathBuf,
    target: PathBuf,
    /// Whether `target` held a previous output to compare with and update.
    previous: bool,
    /// The previous output's files when known (a cached build): `keep` then need not look.
    known: Option<HashSet<PathBuf>>,
    /// Every file of this build, relative to the output: written or unchanged.
    produced: Mutex<HashSet<PathBuf>>,
    committed: bool,
}

impl Staging {
    /// Creates an empty staging folder next to `target` (same file system, so files move
    /// in by renaming).
    pub fn create(target: &Path) -> io::Result<Staging> {
        let parent = target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = target
            .file_name()
            .ok_or_else(|| io::Error::other("the output folder needs a name"))?
            .to_string_lossy()
            .into_owned();
        if target.exists() && !target.is_dir() {
            return Err(io::Error::other(format!(
                "{} exists and is not a folder",
                target.display()
            )));
        }
        std::fs::create_dir_all(parent)?;
        let dir = parent.join(format!(".{name}.qiao-staging-{}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::create_dir(&dir)?;
        Ok(Staging {
            dir,
            target: target.to_path_buf(),
            previous: target.is_dir(),
            known: None,
            produced: Mutex::new(HashSet::new()),
            committed: false,
        })
    }

    /// Tells the staging area which files the previous output holds (the last build's
    /// [`Staging::commit`] result): unchanged files are then kept without looking at the
    /// disk, and stale ones found without walking the output.
    pub fn knowing(mut self, files: Option<HashSet<PathBuf>>) -> Staging {
        self.known = files;
        self
    }

    fn produced(&self, rel: &Path) {
        if let Ok(mut set) = self.produced.lock() {
            set.insert(rel.to_path_buf());
        }
    }

    /// Counts the previous output's file at `rel` as part of this build without touching
    /// it; false if there is no such file, and it must be written.
    pub fn keep(&self, rel: &str) -> bool {
        let rel = Path::new(rel.trim_start_matches('/'));
        let present = match &self.known {
            Some(files) => files.contains(rel),
            None => self.target.join(rel).is_file(),
        };
        if !self.previous || !present {
            return false;
        }
        self.produced(rel);
        true
    }

    /// Writes `bytes` at `rel` (a `/`-separated path inside the output), unless the
    /// previous output already has exactly these bytes there.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> io::Result<()> {
        let rel = Path::new(rel.trim_start_matches('/'));
        self.produced(rel);
        if self.previous && same_contents(&self.target.join(rel), bytes) {
            return Ok(());
        }
        let path = self.dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, bytes)
    }

    /// Copies the file at `from` to `rel` inside the output, unless it is there already.
    pub fn copy(&self, from: &Path, rel: &Path) -> io::Result<()> {
        self.produced(rel);
        if self.previous {
            let old = self.target.join(rel);
            if let (Ok(a), Ok(b)) = (std::fs::metadata(from), std::fs::metadata(&old))
                && a.len() == b.len()
                && std::fs::read(from)? == std::fs::read(&old)?
            {
                return Ok(());
            }
        }
        let path = self.dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::copy(from, path).map(|_| ())
    }

    /// Makes the output exactly this build: moves staged files in, removes the rest.
    /// Returns every file of the new output.
    pub fn commit(mut self) -> io::Result<HashSet<PathBuf>> {
        let produced = self.produced.lock().map(|p| p.clone()).unwrap_or_default();
        if !self.previous {
            std::fs::rename(&self.dir, &self.target)?;
            self.committed = true;
            return Ok(produced);
        }
        for entry in walkdir::WalkDir::new(&self.dir).min_depth(1) {
            let entry = entry.map_err(io::Error::other)?;
            if entry.file_type().is_dir() {
                continue;
            }
            let rel = entry
                .path()
                .strip_prefix(&self.dir)
                .map_err(io::Error::other)?;
            let dest = self.target.join(rel);
            if let Some(parent) = dest.parent() {
                std::fs::create_dir_all(parent)?;
            }
            // A folder where a file now goes (or the reverse) must make way.
            if dest.is_dir() {
                std::fs::remove_dir_all(&dest)?;
            }
            std::fs::rename(entry.path(), &dest)?;
        }
        match &self.known {
            Some(previous) => {
                for stale in previous.difference(&produced) {
                    remove_file_and_empty_parents(&self.target, stale)?;
                }
            }
            None => remove_stale(&self.target, &produced)?,
        }
        self.committed = true;
        let _ = std::fs::remove_dir_all(&self.dir);
        Ok(produced)
    }
}

/// Removes `rel` inside `target`, and the folders it leaves empty.
pub fn remove_file_and_empty_parents(target: &Path, rel: &Path) -> io::Result<()> {
    match std::fs::remove_file(target.join(rel)) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let mut dir = rel.parent();
    while let Some(d) = dir.filter(|d| !d.as_os_str().is_empty()) {
        if std::fs::remove_dir(target.join(d)).is_err() {
            break; // not empty: its parents are not either
        }
        dir = d.parent();
    }
    Ok(())
}

pub fn same_contents(path: &Path, bytes: &[u8]) -> bool {
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() && m.len() == bytes.len() as u64 => {
            std::fs::read(path).is_ok_and(|old| old == bytes)
        }
        _ => false,
    }
}

/// Removes files of the output that this build did not produce, then empty folders.
fn remove_stale(target: &Path, produced: &HashSet<PathBuf>) -> io::Result<()> {
    let mut dirs = Vec::new();
    for entry in walkdir::WalkDir::new(target).min_depth(1) {
        let entry = entry.map_err(io::Error::other)?;
        let rel = entry
            .path()
            .strip_prefix(target)
            .map_err(io::Error::other)?;
        if entry.file_type().is_dir() {
            dirs.push(entry.path().to_path_buf());
        } else if !produced.contains(rel) {
            std::fs::remove_file(entry.path())?;
        }
    }
    // Deepest first, so a folder is emptied before its parent is looked at.
    dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
    for dir in dirs {
        let _ = std::fs::remove_dir(dir); // fails, as it should, when not empty
    }
    Ok(())
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}
