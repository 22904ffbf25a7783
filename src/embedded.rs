//! The default templates and static files, compiled into the binary so `qiao build` works
//! on any folder that holds only `site.toml` and `content/`. They are this repository's own
//! `templates/` and `static/`: the bundled portal and the defaults are one and the same. A
//! site overrides any of them with a file of the same path in its own folder.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::site_dirs;

static TEMPLATES: Dir = include_dir!("$CARGO_MANIFEST_DIR/templates");
static STATIC: Dir = include_dir!("$CARGO_MANIFEST_DIR/static");

/// Where a template or static file comes from.
#[derive(Clone)]
pub enum Source {
    Embedded(&'static [u8]),
    File(PathBuf),
}

/// The templates by `/`-separated path inside `templates/`: the defaults, then the site's.
pub fn templates(root: &Path, diags: &mut Diagnostics) -> BTreeMap<String, Source> {
    with_overrides(&TEMPLATES, root, site_dirs::TEMPLATES, diags)
}

/// The static files by `/`-separated path inside `static/`: the defaults, then the site's.
pub fn static_files(root: &Path, diags: &mut Diagnostics) -> BTreeMap<String, Source> {
    with_overrides(&STATIC, root, site_dirs::STATIC, diags)
}

/// The defaults, then the site's own files of `folder` over them (same path, site wins).
fn with_overrides(
    defaults: &'static Dir<'static>,
    root: &Path,
    folder: &str,
    diags: &mut Diagnostics,
) -> BTreeMap<String, Source> {
    let mut by_path: BTreeMap<String, Source> = files(defaults)
        .into_iter()
        .map(|(p, bytes)| (slashed(p), Source::Embedded(bytes)))
        .collect();
    by_path.extend(
        site_files(root, folder, diags)
            .into_iter()
            .map(|(rel, path)| (rel, Source::File(path))),
    );
    by_path
}

fn files(dir: &'static Dir<'static>) -> Vec<(&'static Path, &'static [u8])> {
    let mut out: Vec<_> = dir.files().map(|f| (f.path(), f.contents())).collect();
    for sub in dir.dirs() {
        out.extend(files(sub));
    }
    out
}

/// The files of the site's `folder` by their `/`-separated path inside it. Symbolic links
/// are followed only while they stay inside the site folder: a link to /etc/passwd must
/// not be published.
fn site_files(root: &Path, folder: &str, diags: &mut Diagnostics) -> Vec<(String, PathBuf)> {
    let dir = root.join(folder);
    if !dir.is_dir() {
        return Vec::new();
    }
    let site = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(&dir)
        .follow_links(true)
        .sort_by_file_name()
    {
        let e = match entry {
            Ok(e) if e.path_is_symlink() || e.depth() > 0 && e.file_type().is_file() => e,
            Ok(_) => continue,
            Err(e) => {
                diags.push(Diagnostic::error(folder, format!("cannot read: {e}")));
                continue;
            }
        };
        let rel = e.path().strip_prefix(&dir).unwrap_or(e.path());
        let shown = Path::new(folder).join(rel);
        match e.path().canonicalize() {
            Ok(real) if !real.starts_with(&site) => diags.push(Diagnostic::error(
                shown,
                format!(
                    "a symbolic link to `{}`, outside the site folder; only files inside it are used",
                    real.display()
                ),
            )),
            Err(err) => diags.push(Diagnostic::error(shown, format!("cannot read: {err}"))),
            Ok(_) if e.file_type().is_file() => files.push((slashed(rel), e.into_path())),
            Ok(_) => {}
        }
    }
    files
}

fn slashed(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}
