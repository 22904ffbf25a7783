//! The output folder: qiao owns it, replaces it whole, and never loses a file it did not
//! write.
//!
//! - **Ownership.** Every output carries a marker, [`MARKER`], listing the files qiao wrote.
//!   A folder is replaced only if it has the marker, or holds nothing but dot-entries and
//!   names the site keeps (`keep` in `site.toml`); any other folder is refused unless the
//!   user says `--force`. Files the marker does not list (a `.git` of a `gh-pages`
//!   checkout, a `CNAME`, a verification file dropped in by hand) are carried over to every
//!   new output, never deleted.
//! - **An atomic switch.** A build makes a complete new tree in a spare folder beside the
//!   output, `.<name>.qiao-spare`, then switches with renames of whole folders: the output is
//!   renamed out, the spare in, and the old output becomes the next build's spare. At every
//!   instant the output path holds the old build or the new one. A build killed anywhere
//!   leaves folders the next build recognises by name and rolls forward or back ([`recover`]).
//! - **Cheap.** The spare is the build before last, so most of it is already right: a file
//!   whose bytes equal the live output's is a hard link to it, one that changed is written
//!   beside and renamed over (never in place, since its inode may be the live file's), and
//!   only files the new build lacks are deleted. Nothing creates or deletes a whole tree of
//!   tens of thousands of folders, which on a disk that discards freed blocks costs seconds.
//! - **Exclusive.** An advisory lock on a file beside the output makes a second build into
//!   the same folder wait for the first.
//!
//! `qiao serve` updates its private folder in place instead ([`Policy::in_place`]): an edit
//! must reach the page in milliseconds, and no one else reads that folder.

mod files;
mod ownership;
mod recovery;

use files::{Contents, remove_file_and_empty_parents, replace_with, same_contents, same_file};
use ownership::{carry, previous_files, uncarry, write_marker};
use recovery::{lock, open_spare, recover, remove_staging};

use std::collections::HashSet;
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The marker of an output folder qiao wrote, at its root.
pub const MARKER: &str = ".qiao-output";
/// The journal of what a switch is carrying from the output into the new tree, written
/// before anything moves, so that a killed build's carried files can be put back.
pub(super) const CARRIED: &str = ".qiao-carried";
pub(super) const MARKER_HEADER: &str = "# Written by qiao: this folder is a build output. The next build replaces the files\n\
# listed below and leaves every other file in this folder where it is.\n";

/// How the output folder may be treated.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// Replace a non-empty folder that qiao did not write, dropping its files (dot-entries
    /// and kept names still stay).
    pub force: bool,
    /// Names at the output root that are always left in place (`keep` in `site.toml`).
    pub keep: Vec<String>,
    /// Update the folder file by file instead of switching whole folders (`qiao serve`).
    pub in_place: bool,
}

pub struct Staging {
    dir: PathBuf,
    target: PathBuf,
    /// The previous output's files, when it is ours to compare with and replace.
    previous: Option<HashSet<PathBuf>>,
    /// `previous` comes from a cached build's file list rather than the marker: `keep`
    /// then trusts it without looking at the disk.
    known: bool,
    in_place: bool,
    /// The files the spare folder holds from an earlier build: what this build does not
    /// produce of them is deleted before the switch.
    spare: HashSet<PathBuf>,
    /// Every file of this build, relative to the output: written or unchanged.
    produced: Mutex<HashSet<PathBuf>>,
    committed: bool,
    /// Held until the staging folder is gone; see [`lock`].
    _lock: File,
}

/// A file-system step that failed, with what qiao was doing and where.
pub(super) fn fail(what: impl std::fmt::Display, path: &Path, e: io::Error) -> OutputError {
    OutputError::Io(format!("{what} {}: {e}", path.display()))
}

/// Why the output folder was not replaced. The two get different exit codes: a refusal
/// is about the user's files (1), an I/O failure about the machine (3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputError {
    /// The folder, or a file in it, is not qiao's to replace; nothing was changed.
    Refused(String),
    /// Reading, writing, renaming or locking failed; the message names the path.
    Io(String),
}

impl std::fmt::Display for OutputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OutputError::Refused(m) | OutputError::Io(m) => f.write_str(m),
        }
    }
}

pub(super) struct Names {
    parent: PathBuf,
    name: String,
}

impl Names {
    pub(super) fn of(target: &Path) -> Result<Names, OutputError> {
        let parent = target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        let name = target
            .file_name()
            .ok_or_else(|| {
                OutputError::Refused(format!(
                    "the output folder `{}` needs a name",
                    target.display()
                ))
            })?
            .to_string_lossy()
            .into_owned();
        Ok(Names { parent, name })
    }

    pub(super) fn staging(&self) -> PathBuf {
        self.parent.join(format!(
            ".{}.qiao-staging-{}",
            self.name,
            std::process::id()
        ))
    }

    pub(super) fn old(&self) -> PathBuf {
        self.parent
            .join(format!(".{}.qiao-old-{}", self.name, std::process::id()))
    }

    pub(super) fn spare(&self) -> PathBuf {
        self.parent.join(format!(".{}.qiao-spare", self.name))
    }

    pub(super) fn lock(&self) -> PathBuf {
        self.parent.join(format!(".{}.qiao-lock", self.name))
    }

    /// Folders left by earlier builds into the same output: (staging, old).
    pub(super) fn leftovers(&self) -> Result<(Vec<PathBuf>, Vec<PathBuf>), OutputError> {
        let staging = format!(".{}.qiao-staging-", self.name);
        let old = format!(".{}.qiao-old-", self.name);
        let mut found = (Vec::new(), Vec::new());
        let entries =
            fs::read_dir(&self.parent).map_err(|e| fail("cannot list", &self.parent, e))?;
        for entry in entries.flatten() {
            let n = entry.file_name().to_string_lossy().into_owned();
            if n.starts_with(&staging) {
                found.0.push(entry.path());
            } else if n.starts_with(&old) {
                found.1.push(entry.path());
            }
        }
        found.0.sort();
        found.1.sort();
        Ok(found)
    }
}

impl Staging {
    /// Locks the output, finishes or rolls back a switch an earlier build left half done,
    /// checks that the folder is qiao's to replace, and creates an empty staging folder
    /// beside it (same file system, so the switch is a rename).
    pub fn create(target: &Path, policy: &Policy) -> Result<Staging, OutputError> {
        // A symbolic link to the real output folder stays a link: the switch happens
        // where it points.
        let target = match fs::symlink_metadata(target) {
            Ok(m) if m.file_type().is_symlink() => fs::canonicalize(target)
                .map_err(|e| fail("cannot follow the output link", target, e))?,
            _ => target.to_path_buf(),
        };
        if target.exists() && !target.is_dir() {
            return Err(OutputError::Refused(format!(
                "the output folder `{}` exists and is not a folder",
                target.display()
            )));
        }
        let names = Names::of(&target)?;
        fs::create_dir_all(&names.parent)
            .map_err(|e| fail("cannot create the folder", &names.parent, e))?;
        let lock = lock(&names.lock())?;
        recover(&names, &target)?;
        let previous = previous_files(&target, policy)?;
        let (dir, spare) = if policy.in_place {
            let dir = names.staging();
            if dir.exists() {
                fs::remove_dir_all(&dir).map_err(|e| fail("cannot remove", &dir, e))?;
            }
            fs::create_dir(&dir).map_err(|e| fail("cannot create the staging folder", &dir, e))?;
            (dir, HashSet::new())
        } else {
            let dir = names.spare();
            (dir.clone(), open_spare(&dir)?)
        };
        Ok(Staging {
            dir,
            target,
            previous,
            known: false,
            in_place: policy.in_place,
            spare,
            produced: Mutex::new(HashSet::new()),
            committed: false,
            _lock: lock,
        })
    }

    /// Tells the staging area which files the previous output holds (the last build's
    /// [`Staging::commit`] result): unchanged files are then kept without looking at the
    /// disk. Only for an output this process wrote last.
    pub fn knowing(mut self, files: Option<HashSet<PathBuf>>) -> Staging {
        if let (Some(files), Some(_)) = (files, &self.previous) {
            self.previous = Some(files);
            self.known = true;
        }
        self
    }

    /// Counts `rel` as part of this build; an error if something already wrote it, so
    /// that no file silently replaces another (a `static/robots.txt` over the generated one).
    fn produced(&self, rel: &Path) -> io::Result<()> {
        let new = self
            .produced
            .lock()
            .map(|mut set| set.insert(rel.to_path_buf()))
            .unwrap_or(true);
        if new {
            Ok(())
        } else {
            Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!("the build already generates `/{}`", rel.display()),
            ))
        }
    }

    fn previously_had(&self, rel: &Path) -> bool {
        self.previous.as_ref().is_some_and(|p| p.contains(rel))
    }

    /// Counts the previous output's file at `rel` as part of this build, unchanged; false
    /// if there is no such file, and it must be written.
    pub fn keep(&self, rel: &str) -> bool {
        let rel = Path::new(rel.trim_start_matches('/'));
        let present = self.previously_had(rel) && (self.known || self.target.join(rel).is_file());
        if !present || (!self.in_place && self.link_live(rel).is_err()) {
            return false;
        }
        self.produced(rel).is_ok()
    }

    /// Makes the new tree's `rel` the live output's file, without copying data.
    fn link_live(&self, rel: &Path) -> io::Result<()> {
        let live = self.target.join(rel);
        let path = self.dir.join(rel);
        if same_file(&live, &path) {
            return Ok(());
        }
        replace_with(&path, |tmp| fs::hard_link(&live, tmp))
    }

    /// True when the live output has exactly these bytes at `rel` (`same` tells) and the
    /// new tree now has that file too: a hard link, or in place, the file simply stays.
    fn reuse(&self, rel: &Path, same: impl FnOnce(&Path) -> bool) -> bool {
        self.previously_had(rel)
            && same(&self.target.join(rel))
            && (self.in_place || self.link_live(rel).is_ok())
    }

    /// True when the spare already holds these bytes at `rel` in a file of its own.
    fn spare_has(&self, rel: &Path, same: impl FnOnce(&Path) -> bool) -> bool {
        let path = self.dir.join(rel);
        !self.in_place
            && self.spare.contains(rel)
            && !same_file(&path, &self.target.join(rel))
            && same(&path)
    }

    /// Writes `bytes` at `rel` (a `/`-separated path inside the output), unless the
    /// previous output already has exactly these bytes there.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> io::Result<()> {
        self.put(
            Path::new(rel.trim_start_matches('/')),
            Contents::Bytes(bytes),
        )
    }

    /// Copies the file at `from` to `rel` inside the output, unless it is there already.
    pub fn copy(&self, from: &Path, rel: &Path) -> io::Result<()> {
        self.put(rel, Contents::CopyOf(from))
    }

    /// Puts `contents` at `rel`: kept from the live output or the spare when either has
    /// them already, else written.
    fn put(&self, rel: &Path, contents: Contents) -> io::Result<()> {
        self.produced(rel)?;
        if self.reuse(rel, |old| contents.same_as(old))
            || self.spare_has(rel, |p| contents.same_as(p))
        {
            return Ok(());
        }
        let path = self.dir.join(rel);
        // A file the spare never held is new to the tree: no hard link to the live output
        // can be there to be written through.
        if !self.spare.contains(rel) && contents.write_new(&path)? {
            return Ok(());
        }
        replace_with(&path, |tmp| contents.write(tmp))
    }

    /// Makes the output exactly this build, plus the files qiao did not write. Returns
    /// every file qiao wrote into the new output.
    pub fn commit(mut self) -> Result<HashSet<PathBuf>, OutputError> {
        let produced = self.produced.lock().map(|p| p.clone()).unwrap_or_default();
        if self.in_place {
            self.commit_in_place(&produced)?;
        } else {
            self.switch(&produced)?;
        }
        self.committed = true;
        Ok(produced)
    }

    /// The atomic switch: drop what the spare holds beyond this build, write its marker,
    /// carry what is not ours into it, then rotate: output out, spare in, old output to
    /// spare.
    fn switch(&self, produced: &HashSet<PathBuf>) -> Result<(), OutputError> {
        for stale in self.spare.difference(produced) {
            remove_file_and_empty_parents(&self.dir, stale)
                .map_err(|e| fail("cannot remove", &self.dir.join(stale), e))?;
        }
        write_marker(&self.dir, produced)?;
        if !self.target.exists() {
            return fs::rename(&self.dir, &self.target)
                .map_err(|e| fail("cannot move the new output into place at", &self.target, e));
        }
        let ours = self.previous.clone().unwrap_or_default();
        carry(&self.target, &self.dir, &ours)?;
        let names = Names::of(&self.target)?;
        let old = names.old();
        fs::rename(&self.target, &old).map_err(|e| {
            fail(
                "cannot move the previous output aside from",
                &self.target,
                e,
            )
        })?;
        if let Err(e) = fs::rename(&self.dir, &self.target) {
            // Put the previous output back, with what was carried out of it.
            let _ = fs::rename(&old, &self.target);
            let _ = uncarry(&self.dir, &self.target);
            return Err(fail(
                "cannot move the new output into place at",
                &self.target,
                e,
            ));
        }
        fs::rename(&old, &self.dir)
            .map_err(|e| fail("cannot keep the previous output as the spare", &old, e))?;
        let _ = fs::remove_file(self.target.join(CARRIED));
        Ok(())
    }

    fn commit_in_place(&self, produced: &HashSet<PathBuf>) -> Result<(), OutputError> {
        fs::create_dir_all(&self.target)
            .map_err(|e| fail("cannot create the output folder", &self.target, e))?;
        for entry in walkdir::WalkDir::new(&self.dir).min_depth(1) {
            let entry = entry
                .map_err(|e| OutputError::Io(format!("cannot read the staging folder: {e}")))?;
            if entry.file_type().is_dir() {
                continue;
            }
            let rel = entry.path().strip_prefix(&self.dir).unwrap_or(entry.path());
            let dest = self.target.join(rel);
            if let Some(parent) = dest.parent() {
                fs::create_dir_all(parent).map_err(|e| fail("cannot create", parent, e))?;
            }
            // A folder where a file now goes (only ever one qiao wrote) must make way.
            if dest.is_dir() {
                fs::remove_dir_all(&dest).map_err(|e| fail("cannot replace", &dest, e))?;
            }
            fs::rename(entry.path(), &dest).map_err(|e| fail("cannot move in", &dest, e))?;
        }
        if let Some(previous) = &self.previous {
            for stale in previous.difference(produced) {
                remove_file_and_empty_parents(&self.target, stale)
                    .map_err(|e| fail("cannot remove", &self.target.join(stale), e))?;
            }
        }
        write_marker(&self.target, produced)?;
        let _ = fs::remove_dir_all(&self.dir);
        Ok(())
    }
}

/// Changes files of the live output folder `out` in place, outside a build: the preview's
/// search index, computed after the build so the edited page is served at once. `write`
/// goes in the order given, each file by rename, so a reader sees its old bytes or its new
/// ones: a file that names others must come after them. Then `remove` goes, and the marker
/// is rewritten to list `listed`, every file qiao wrote there, when that is known.
pub fn update_in_place(
    out: &Path,
    write: &[(&str, &[u8])],
    remove: &[&Path],
    listed: Option<&HashSet<PathBuf>>,
) -> Result<(), OutputError> {
    for (rel, bytes) in write {
        let dest = out.join(rel);
        if !same_contents(&dest, bytes) {
            replace_with(&dest, |tmp| fs::write(tmp, bytes))
                .map_err(|e| fail("cannot write", &dest, e))?;
        }
    }
    for rel in remove {
        remove_file_and_empty_parents(out, rel)
            .map_err(|e| fail("cannot remove", &out.join(rel), e))?;
    }
    match listed {
        Some(files) => write_marker(out, files),
        None => Ok(()),
    }
}

impl Drop for Staging {
    /// A build that did not commit leaves the output as it was: anything already carried
    /// into the staging folder goes back before the folder is removed.
    fn drop(&mut self) {
        if !self.committed {
            if self.in_place {
                let _ = remove_staging(&self.dir, &self.target);
            } else {
                // The spare stays for the next build, without its marker: unknown contents.
                let _ = uncarry(&self.dir, &self.target);
            }
        }
    }
}

#[cfg(test)]
mod tests;
