//! Which files of an output folder are qiao's: the marker that lists them, the check that
//! a folder may be replaced at all, and carrying everything else into each new output.

use std::collections::HashSet;
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

use super::{CARRIED, MARKER, MARKER_HEADER, OutputError, Policy, fail};

/// The previous output's files, if it is there and qiao may replace it.
pub(super) fn previous_files(
    target: &Path,
    policy: &Policy,
) -> Result<Option<HashSet<PathBuf>>, OutputError> {
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
        return Err(OutputError::Refused(format!(
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
        )));
    }
    // Forced: every file outside the dot-entries and kept names counts as replaceable.
    let mut files = HashSet::new();
    for name in foreign {
        for entry in walkdir::WalkDir::new(target.join(&name)) {
            let entry = entry
                .map_err(|e| OutputError::Io(format!("cannot read {}: {e}", target.display())))?;
            if !entry.file_type().is_dir() {
                let rel = entry.path().strip_prefix(target).unwrap_or(entry.path());
                files.insert(rel.to_path_buf());
            }
        }
    }
    Ok(Some(files))
}

/// The files a marker lists, or `None` where there is no marker.
pub(super) fn read_marker(dir: &Path) -> Result<Option<HashSet<PathBuf>>, OutputError> {
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
pub(super) fn write_marker(dir: &Path, files: &HashSet<PathBuf>) -> Result<(), OutputError> {
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
pub(super) fn carry(from: &Path, to: &Path, ours: &HashSet<PathBuf>) -> Result<(), OutputError> {
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
            return Err(OutputError::Refused(format!(
                "`{}` was not written by qiao, and this build writes `{}`: move the file \
                 away (or rename what the site publishes there), then build again. Nothing \
                 was changed",
                from.join(rel).display(),
                rel.display()
            )));
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
pub(super) fn uncarry(tree: &Path, target: &Path) -> Result<(), OutputError> {
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
