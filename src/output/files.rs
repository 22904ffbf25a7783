//! Small file operations the output needs: comparing contents and inodes, replacing a file
//! without touching one it shares an inode with, removing a file and its empty folders.

use std::fs;
use std::io::{self, ErrorKind, Write};
use std::path::Path;

/// Removes `rel` inside `target`, and the folders it leaves empty.
pub(super) fn remove_file_and_empty_parents(target: &Path, rel: &Path) -> io::Result<()> {
    let path = target.join(rel);
    // Unless it is gone already, or this build put a folder there (see `make_parents`).
    if fs::symlink_metadata(&path).is_ok_and(|m| !m.is_dir()) {
        fs::remove_file(&path)?;
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
pub(super) fn replace_with(
    path: &Path,
    make: impl FnOnce(&Path) -> io::Result<()>,
) -> io::Result<()> {
    // Not `make_parents`: this also writes into a live output (`update_in_place`), where
    // a file in the way may be the user's.
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

/// What a staging tree's file is to hold: bytes made by the build, or a copy of a file.
pub(super) enum Contents<'a> {
    Bytes(&'a [u8]),
    /// With its permissions, as `fs::copy` makes them.
    CopyOf(&'a Path),
}

impl Contents<'_> {
    /// Whether the file at `path` holds exactly these contents.
    pub(super) fn same_as(&self, path: &Path) -> bool {
        match self {
            Contents::Bytes(bytes) => same_contents(path, bytes),
            Contents::CopyOf(from) => same_file_contents(from, path),
        }
    }

    /// Writes the file at `path`, replacing any.
    pub(super) fn write(&self, path: &Path) -> io::Result<()> {
        match self {
            Contents::Bytes(bytes) => fs::write(path, bytes),
            Contents::CopyOf(from) => fs::copy(from, path).map(|_| ()),
        }
    }

    /// Writes the file at `path` when nothing is there yet, straight at its name: false
    /// (and nothing written) when something is in the way, for [`replace_with`] to deal
    /// with. Only for a path that cannot hold a file the live output shares: a clean
    /// build's files, which this way cost a folder, an open, a write and a close instead of
    /// seven system calls. A source that cannot be read leaves nothing at `path`.
    pub(super) fn write_new(&self, path: &Path) -> io::Result<bool> {
        match self {
            Contents::Bytes(bytes) => create_new_with(path, |file| file.write_all(bytes)),
            Contents::CopyOf(from) => {
                let mut source = fs::File::open(from)?;
                let permissions = source.metadata()?.permissions();
                create_new_with(path, |file| {
                    io::copy(&mut source, file)?;
                    file.set_permissions(permissions)
                })
            }
        }
    }
}

/// Creates the file at `path` and has `fill` write it; false if something is there.
fn create_new_with(
    path: &Path,
    fill: impl FnOnce(&mut fs::File) -> io::Result<()>,
) -> io::Result<bool> {
    make_parents(path)?;
    match fs::File::create_new(path) {
        Ok(mut file) => fill(&mut file).map(|()| true),
        Err(e) if e.kind() == ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e),
    }
}

/// Creates the folders `path` goes in. Only for a path in a staging tree
/// ([`Contents::write_new`] is only called there), where every file is one qiao wrote for the build
/// before last: a file where a folder now goes (an attachment that became a folder of
/// them) is removed.
fn make_parents(path: &Path) -> io::Result<()> {
    let Some(parent) = path.parent() else {
        return Ok(());
    };
    let Err(e) = fs::create_dir_all(parent) else {
        return Ok(());
    };
    if !matches!(
        e.kind(),
        ErrorKind::AlreadyExists | ErrorKind::NotADirectory
    ) {
        return Err(e);
    }
    // The nearest thing that exists on the way up: inside the staging tree, since the tree
    // itself exists. Only a plain file there is in the way (never a link, never a folder
    // further up).
    let nearest = (parent.ancestors()).find_map(|a| fs::symlink_metadata(a).ok().map(|m| (a, m)));
    match nearest {
        Some((file, m)) if m.is_file() => {
            fs::remove_file(file)?;
            fs::create_dir_all(parent)
        }
        _ => Err(e),
    }
}

/// Whether two paths are one file (hard links to the same inode).
pub(super) fn same_file(a: &Path, b: &Path) -> bool {
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

pub(super) fn same_contents(path: &Path, bytes: &[u8]) -> bool {
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
