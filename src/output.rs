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

use std::collections::HashSet;
use std::fs::{self, File};
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

/// The marker of an output folder qiao wrote, at its root.
pub const MARKER: &str = ".qiao-output";
/// The journal of what a switch is carrying from the output into the new tree, written
/// before anything moves, so that a killed build's carried files can be put back.
const CARRIED: &str = ".qiao-carried";
const MARKER_HEADER: &str = "# Written by qiao: this folder is a build output. The next build replaces the files\n\
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
fn fail(what: impl std::fmt::Display, path: &Path, e: io::Error) -> String {
    format!("{what} {}: {e}", path.display())
}

struct Names {
    parent: PathBuf,
    name: String,
}

impl Names {
    fn of(target: &Path) -> Result<Names, String> {
        let parent = target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        let name = target
            .file_name()
            .ok_or_else(|| format!("the output folder `{}` needs a name", target.display()))?
            .to_string_lossy()
            .into_owned();
        Ok(Names { parent, name })
    }

    fn staging(&self) -> PathBuf {
        self.parent.join(format!(
            ".{}.qiao-staging-{}",
            self.name,
            std::process::id()
        ))
    }

    fn old(&self) -> PathBuf {
        self.parent
            .join(format!(".{}.qiao-old-{}", self.name, std::process::id()))
    }

    fn spare(&self) -> PathBuf {
        self.parent.join(format!(".{}.qiao-spare", self.name))
    }

    fn lock(&self) -> PathBuf {
        self.parent.join(format!(".{}.qiao-lock", self.name))
    }

    /// Folders left by earlier builds into the same output: (staging, old).
    fn leftovers(&self) -> Result<(Vec<PathBuf>, Vec<PathBuf>), String> {
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
    pub fn create(target: &Path, policy: &Policy) -> Result<Staging, String> {
        // A symbolic link to the real output folder stays a link: the switch happens
        // where it points.
        let target = match fs::symlink_metadata(target) {
            Ok(m) if m.file_type().is_symlink() => fs::canonicalize(target)
                .map_err(|e| fail("cannot follow the output link", target, e))?,
            _ => target.to_path_buf(),
        };
        if target.exists() && !target.is_dir() {
            return Err(format!(
                "the output folder `{}` exists and is not a folder",
                target.display()
            ));
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
        let rel = Path::new(rel.trim_start_matches('/'));
        self.produced(rel)?;
        if self.reuse(rel, |old| same_contents(old, bytes))
            || self.spare_has(rel, |p| same_contents(p, bytes))
        {
            return Ok(());
        }
        replace_with(&self.dir.join(rel), |tmp| fs::write(tmp, bytes))
    }

    /// Copies the file at `from` to `rel` inside the output, unless it is there already.
    pub fn copy(&self, from: &Path, rel: &Path) -> io::Result<()> {
        self.produced(rel)?;
        if self.reuse(rel, |old| same_file_contents(from, old))
            || self.spare_has(rel, |p| same_file_contents(from, p))
        {
            return Ok(());
        }
        replace_with(&self.dir.join(rel), |tmp| fs::copy(from, tmp).map(|_| ()))
    }

    /// Makes the output exactly this build, plus the files qiao did not write. Returns
    /// every file qiao wrote into the new output.
    pub fn commit(mut self) -> Result<HashSet<PathBuf>, String> {
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
    fn switch(&self, produced: &HashSet<PathBuf>) -> Result<(), String> {
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

    fn commit_in_place(&self, produced: &HashSet<PathBuf>) -> Result<(), String> {
        fs::create_dir_all(&self.target)
            .map_err(|e| fail("cannot create the output folder", &self.target, e))?;
        for entry in walkdir::WalkDir::new(&self.dir).min_depth(1) {
            let entry = entry.map_err(|e| format!("cannot read the staging folder: {e}"))?;
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

/// Takes the advisory lock of an output folder, waiting while another build holds it.
/// The lock is on a file beside the folder, since the folder itself is replaced.
fn lock(path: &Path) -> Result<File, String> {
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|e| fail("cannot create the lock file", path, e))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(fs::TryLockError::WouldBlock) => {
            eprintln!(
                "waiting for another qiao build into the same folder to finish (lock: {})",
                path.display()
            );
            file.lock()
                .map_err(|e| fail("cannot lock", path, e))
                .map(|()| file)
        }
        Err(fs::TryLockError::Error(e)) => Err(fail("cannot lock", path, e)),
    }
}

/// Finishes what a killed build left: a switch half done is completed if the new tree was
/// complete (its marker is written last before the switch) and rolled back otherwise; old
/// trees are deleted and staging folders removed, with every file that qiao did not write
/// put back into the output.
fn recover(names: &Names, target: &Path) -> Result<(), String> {
    let (stagings, olds) = names.leftovers()?;
    let spare = names.spare();
    if !target.exists() {
        // Killed between renames: a spare with its marker is a complete new build.
        let complete = std::iter::once(&spare)
            .chain(&stagings)
            .find(|s| s.join(MARKER).is_file());
        if let Some(from) = complete.or(olds.first()) {
            fs::rename(from, target)
                .map_err(|e| fail("cannot restore the output from", from, e))?;
        }
    }
    let _ = fs::remove_file(target.join(CARRIED));
    for old in olds.iter().filter(|o| o.exists()) {
        if spare.exists() {
            let ours = read_marker(old)?.unwrap_or_default();
            delete_old(old, &ours, target)?;
        } else {
            fs::rename(old, &spare).map_err(|e| fail("cannot keep as the spare", old, e))?;
        }
    }
    if spare.exists() {
        uncarry(&spare, target)?;
    }
    for staging in stagings.iter().filter(|s| s.exists()) {
        remove_staging(staging, target)?;
    }
    Ok(())
}

/// The files a spare folder holds, ready to be updated: from its marker, or by looking
/// when a build stopped half-way through it. The marker goes, since the spare is about
/// to change.
fn open_spare(spare: &Path) -> Result<HashSet<PathBuf>, String> {
    if !spare.is_dir() {
        fs::create_dir(spare).map_err(|e| fail("cannot create the spare folder", spare, e))?;
        return Ok(HashSet::new());
    }
    let files = match read_marker(spare)? {
        Some(files) => files,
        None => walkdir::WalkDir::new(spare)
            .min_depth(1)
            .into_iter()
            .flatten()
            .filter(|e| !e.file_type().is_dir())
            .filter_map(|e| e.path().strip_prefix(spare).ok().map(Path::to_path_buf))
            .collect(),
    };
    let marker = spare.join(MARKER);
    match fs::remove_file(&marker) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(fail("cannot update", &marker, e)),
        _ => Ok(files),
    }
}

/// Removes a staging folder that was not switched in. Its marker, written before anything
/// is carried into it, tells its own files from those carried from the output, which go
/// back.
fn remove_staging(staging: &Path, target: &Path) -> Result<(), String> {
    if let Some(ours) = read_marker(staging)?
        && target.is_dir()
    {
        carry(staging, target, &ours)?;
    }
    fs::remove_dir_all(staging).map_err(|e| fail("cannot remove", staging, e))
}

/// The previous output's files, if it is there and qiao may replace it.
fn previous_files(target: &Path, policy: &Policy) -> Result<Option<HashSet<PathBuf>>, String> {
    if !target.is_dir() {
        return Ok(None);
    }
    if let Some(files) = read_marker(target)? {
        return Ok(Some(files));
    }
    let left_alone = |name: &str| name.starts_with('.') || policy.keep.iter().any(|k| k == name);
    let mut foreign = Vec::new();
    for entry in fs::read_dir(target).map_err(|e| fail("cannot list", target, e))? {
        let entry = entry.map_err(|e| fail("cannot list", target, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !left_alone(&name) {
            foreign.push(name);
        }
    }
    if foreign.is_empty() {
        return Ok(None);
    }
    if !policy.force {
        foreign.sort();
        let shown: Vec<_> = foreign.iter().take(5).map(String::as_str).collect();
        return Err(format!(
            "the output folder `{}` is not empty and was not written by qiao (it has no {MARKER} \
             file; it holds {}{}). Nothing was changed. Choose another folder, empty this one, or \
             pass --force to replace its files (dot-files and names listed under `keep` in \
             site.toml stay)",
            target.display(),
            shown.join(", "),
            if foreign.len() > shown.len() {
                ", …"
            } else {
                ""
            }
        ));
    }
    // Forced: every file outside the dot-entries and kept names counts as replaceable.
    let mut files = HashSet::new();
    for name in foreign {
        for entry in walkdir::WalkDir::new(target.join(&name)) {
            let entry = entry.map_err(|e| format!("cannot read {}: {e}", target.display()))?;
            if !entry.file_type().is_dir() {
                let rel = entry.path().strip_prefix(target).unwrap_or(entry.path());
                files.insert(rel.to_path_buf());
            }
        }
    }
    Ok(Some(files))
}

/// The files a marker lists, or `None` where there is no marker.
fn read_marker(dir: &Path) -> Result<Option<HashSet<PathBuf>>, String> {
    let path = dir.join(MARKER);
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(fail("cannot read", &path, e)),
    };
    // Only plain relative paths count: a damaged or hostile marker must not make qiao
    // delete anything outside the folder.
    let files = text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(PathBuf::from)
        .filter(|p| p.components().all(|c| matches!(c, Component::Normal(_))))
        .collect();
    Ok(Some(files))
}

/// Writes the marker of an output folder listing `files`.
pub fn write_marker(dir: &Path, files: &HashSet<PathBuf>) -> Result<(), String> {
    let mut list: Vec<String> = files
        .iter()
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .collect();
    list.sort();
    let mut text = String::from(MARKER_HEADER);
    for f in list {
        text.push_str(&f);
        text.push('\n');
    }
    let path = dir.join(MARKER);
    fs::write(&path, text).map_err(|e| fail("cannot write", &path, e))
}

/// Moves every entry of `from` that is not one of `ours` (nor the marker) to the same place
/// in `to`: whole folders where nothing inside is ours, single files otherwise. Checks
/// every move first, so a clash moves nothing.
fn carry(from: &Path, to: &Path, ours: &HashSet<PathBuf>) -> Result<(), String> {
    let our_dirs: HashSet<&Path> = ours.iter().flat_map(|f| f.ancestors().skip(1)).collect();
    let mut moves = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel_dir) = stack.pop() {
        let dir = from.join(&rel_dir);
        for entry in fs::read_dir(&dir).map_err(|e| fail("cannot list", &dir, e))? {
            let entry = entry.map_err(|e| fail("cannot list", &dir, e))?;
            let rel = rel_dir.join(entry.file_name());
            if rel.as_os_str() == MARKER || rel.as_os_str() == CARRIED || ours.contains(&rel) {
                continue;
            }
            let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
            if is_dir && our_dirs.contains(rel.as_path()) {
                stack.push(rel);
            } else {
                moves.push(rel);
            }
        }
    }
    moves.sort();
    for rel in &moves {
        if fs::symlink_metadata(to.join(rel)).is_ok() {
            return Err(format!(
                "`{}` was not written by qiao, and this build writes `{}`: move the file \
                 away (or rename what the site publishes there), then build again. Nothing \
                 was changed",
                from.join(rel).display(),
                rel.display()
            ));
        }
    }
    if !moves.is_empty() {
        let journal: String = moves
            .iter()
            .map(|m| format!("{}\n", m.to_string_lossy()))
            .collect();
        let path = to.join(CARRIED);
        fs::write(&path, journal).map_err(|e| fail("cannot write", &path, e))?;
    }
    for rel in moves {
        let dest = to.join(&rel);
        if let Some(parent) = dest.parent() {
            fs::create_dir_all(parent).map_err(|e| fail("cannot create", parent, e))?;
        }
        fs::rename(from.join(&rel), &dest).map_err(|e| {
            fail(
                "cannot move a file qiao did not write:",
                &from.join(&rel),
                e,
            )
        })?;
    }
    Ok(())
}

/// Puts back into the output what a switch that did not finish carried out of it (see
/// [`CARRIED`]).
fn uncarry(tree: &Path, target: &Path) -> Result<(), String> {
    let journal = tree.join(CARRIED);
    let Ok(text) = fs::read_to_string(&journal) else {
        return Ok(());
    };
    for rel in text.lines().filter(|l| !l.is_empty()).map(PathBuf::from) {
        if !rel.components().all(|c| matches!(c, Component::Normal(_))) {
            continue;
        }
        let (from, to) = (tree.join(&rel), target.join(&rel));
        if fs::symlink_metadata(&from).is_ok() && fs::symlink_metadata(&to).is_err() {
            if let Some(parent) = to.parent() {
                fs::create_dir_all(parent).map_err(|e| fail("cannot create", parent, e))?;
            }
            fs::rename(&from, &to).map_err(|e| fail("cannot put back", &from, e))?;
        }
    }
    fs::remove_file(&journal).map_err(|e| fail("cannot remove", &journal, e))
}

/// Deletes an old output that has been switched out: the files qiao wrote, then the
/// folders they leave empty. A file found there that qiao did not write (one written while
/// the build ran) goes to the current output; where that place is taken, the old folder
/// stays with it and a warning says where.
fn delete_old(old: &Path, ours: &HashSet<PathBuf>, current: &Path) -> Result<(), String> {
    for rel in ours {
        match fs::remove_file(old.join(rel)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => {
                return Err(fail(
                    "cannot delete the previous output's",
                    &old.join(rel),
                    e,
                ));
            }
            _ => {}
        }
    }
    let _ = fs::remove_file(old.join(MARKER));
    remove_empty_dirs(old);
    if !old.exists() {
        return Ok(());
    }
    for entry in walkdir::WalkDir::new(old)
        .min_depth(1)
        .into_iter()
        .flatten()
    {
        if entry.file_type().is_dir() {
            continue;
        }
        let rel = entry.path().strip_prefix(old).unwrap_or(entry.path());
        let dest = current.join(rel);
        if fs::symlink_metadata(&dest).is_err()
            && dest.parent().is_some_and(|p| fs::create_dir_all(p).is_ok())
        {
            let _ = fs::rename(entry.path(), &dest);
        }
    }
    remove_empty_dirs(old);
    if old.exists() {
        eprintln!(
            "warning: files that qiao did not write were found in the previous output and \
             could not be moved into the new one; they are kept in {}",
            old.display()
        );
    }
    Ok(())
}

/// Removes `dir` and the folders under it that hold no files.
fn remove_empty_dirs(dir: &Path) {
    let mut dirs: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_dir())
        .map(|e| e.into_path())
        .collect();
    // Deepest first, so a folder is emptied before its parent is looked at.
    dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
    for d in dirs {
        let _ = fs::remove_dir(d); // fails, as it should, when not empty
    }
}

/// Removes `rel` inside `target`, and the folders it leaves empty.
pub fn remove_file_and_empty_parents(target: &Path, rel: &Path) -> io::Result<()> {
    match fs::remove_file(target.join(rel)) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let mut dir = rel.parent();
    while let Some(d) = dir.filter(|d| !d.as_os_str().is_empty()) {
        if fs::remove_dir(target.join(d)).is_err() {
            break; // not empty: its parents are not either
        }
        dir = d.parent();
    }
    Ok(())
}

/// Puts a new file at `path` through `make`, which writes it at a temporary name beside
/// it: renamed over, so a file `path` shares with the live output is never changed.
fn replace_with(path: &Path, make: impl FnOnce(&Path) -> io::Result<()>) -> io::Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    // A folder where a file now goes (only ever one qiao wrote) must make way.
    if fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()) {
        fs::remove_dir_all(path)?;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.qiao-tmp"));
    let _ = fs::remove_file(&tmp);
    make(&tmp)?;
    fs::rename(&tmp, path)
}

/// Whether two paths are one file (hard links to the same inode).
fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        matches!((fs::metadata(a), fs::metadata(b)),
            (Ok(x), Ok(y)) if x.dev() == y.dev() && x.ino() == y.ino())
    }
    #[cfg(not(unix))]
    {
        let _ = (a, b);
        false
    }
}

pub fn same_contents(path: &Path, bytes: &[u8]) -> bool {
    match fs::metadata(path) {
        Ok(m) if m.is_file() && m.len() == bytes.len() as u64 => {
            fs::read(path).is_ok_and(|old| old == bytes)
        }
        _ => false,
    }
}

fn same_file_contents(a: &Path, b: &Path) -> bool {
    match (fs::metadata(a), fs::metadata(b)) {
        (Ok(x), Ok(y)) if x.is_file() && y.is_file() && x.len() == y.len() => {
            matches!((fs::read(a), fs::read(b)), (Ok(p), Ok(q)) if p == q)
        }
        _ => false,
    }
}
