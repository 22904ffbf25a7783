//! Exclusive access and crash recovery: the lock beside the output, and what the next
//! build does with folders a killed one left (roll the switch forward or back, put carried
//! files back, keep or clear the spare).

use std::collections::HashSet;
use std::fs;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use super::ownership::{carry, read_marker, uncarry};
use super::{CARRIED, MARKER, Names, OutputError, fail};

/// Takes the advisory lock of an output folder, waiting while another build holds it.
/// The lock is on a file beside the folder, since the folder itself is replaced.
pub(super) fn lock(path: &Path) -> Result<File, OutputError> {
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
pub(super) fn recover(names: &Names, target: &Path) -> Result<(), OutputError> {
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
pub(super) fn open_spare(spare: &Path) -> Result<HashSet<PathBuf>, OutputError> {
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
pub(super) fn remove_staging(staging: &Path, target: &Path) -> Result<(), OutputError> {
    if let Some(ours) = read_marker(staging)?
        && target.is_dir()
    {
        carry(staging, target, &ours)?;
    }
    fs::remove_dir_all(staging).map_err(|e| fail("cannot remove", staging, e))
}

/// Deletes an old output that has been switched out: the files qiao wrote, then the
/// folders they leave empty. A file found there that qiao did not write (one written while
/// the build ran) goes to the current output; where that place is taken, the old folder
/// stays with it and a warning says where.
pub(super) fn delete_old(
    old: &Path,
    ours: &HashSet<PathBuf>,
    current: &Path,
) -> Result<(), OutputError> {
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
pub(super) fn remove_empty_dirs(dir: &Path) {
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
