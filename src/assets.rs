//! Static files: the defaults built into qiao, overridden by the site's `static/` folder,
//! copied to the output root. CSS, JavaScript and WebAssembly also get a copy whose name
//! carries a content hash (`style.3f2a….css`), which the templates link to through the
//! `assets` map, so a host may cache them forever. The plain names stay for anything that
//! refers to them directly.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::embedded;
use crate::output::Staging;
use crate::site_dirs;

/// The content hash of fingerprinted names, and of the search manifest's entries that
/// `qiao search` verifies: 16 hex digits of XXH3-64.
pub fn checksum(bytes: &[u8]) -> String {
    format!("{:016x}", xxhash_rust::xxh3::xxh3_64(bytes))
}

/// `name.ext` → `name.<16 hex digits of the content hash>.ext`.
pub fn fingerprint(name: &str, bytes: &[u8]) -> String {
    let hash = checksum(bytes);
    match name.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}.{hash}.{ext}"),
        None => format!("{name}.{hash}"),
    }
}

/// Extensions whose files get a content-hashed name.
const FINGERPRINTED: &[&str] = &["css", "js", "mjs", "wasm"];

enum Source {
    Embedded(&'static [u8]),
    File(PathBuf),
}

struct Asset {
    /// `/`-separated path inside `static/` and the output.
    rel: String,
    source: Source,
    /// The content-hashed name, for fingerprinted kinds.
    hashed: Option<String>,
}

pub struct Assets {
    files: Vec<Asset>,
}

impl Assets {
    /// The defaults, then the site's own files over them (same path, site wins).
    pub fn collect(root: &Path) -> Result<Assets, Diagnostics> {
        let mut by_path: BTreeMap<String, Source> = embedded::default_static()
            .into_iter()
            .map(|(p, bytes)| {
                (
                    p.to_string_lossy().replace('\\', "/"),
                    Source::Embedded(bytes),
                )
            })
            .collect();
        let mut diags = Diagnostics::default();
        by_path.extend(
            site_files(root, &mut diags)
                .into_iter()
                .map(|(rel, path)| (rel, Source::File(path))),
        );
        let mut files = Vec::with_capacity(by_path.len());
        for (rel, source) in by_path {
            let ext = Path::new(&rel)
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or("");
            let hashed = if FINGERPRINTED.contains(&ext) {
                let bytes = match &source {
                    Source::Embedded(b) => Ok(b.to_vec()),
                    Source::File(p) => std::fs::read(p),
                };
                match bytes {
                    Ok(b) => Some(fingerprint(&rel, &b)),
                    Err(e) => {
                        diags.push(Diagnostic::error(
                            Path::new(site_dirs::STATIC).join(&rel),
                            format!("cannot read: {e}"),
                        ));
                        None
                    }
                }
            } else {
                None
            };
            files.push(Asset {
                rel,
                source,
                hashed,
            });
        }
        if diags.has_errors() {
            Err(diags)
        } else {
            Ok(Assets { files })
        }
    }

    /// No files: stands in when collecting failed, so the build can still report every
    /// other problem before giving up.
    pub fn empty() -> Assets {
        Assets { files: Vec::new() }
    }

    /// Site paths by static path: `style.css` → `/style.<hash>.css`; other files keep
    /// their name. What templates see as `assets`.
    pub fn paths(&self) -> BTreeMap<String, String> {
        self.files
            .iter()
            .map(|a| {
                (
                    a.rel.clone(),
                    format!("/{}", a.hashed.as_deref().unwrap_or(&a.rel)),
                )
            })
            .collect()
    }

    /// Writes every file (and its hashed copy); returns how many files that is.
    pub fn write(&self, staging: &Staging) -> Result<usize, Diagnostics> {
        let mut diags = Diagnostics::default();
        let mut count = 0;
        for asset in &self.files {
            let names = std::iter::once(asset.rel.as_str()).chain(asset.hashed.as_deref());
            for name in names {
                let result = match &asset.source {
                    Source::Embedded(bytes) => staging.write(name, bytes),
                    Source::File(path) => staging.copy(path, Path::new(name)),
                };
                match result {
                    Ok(()) => count += 1,
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                        diags.push(Diagnostic::error(
                            Path::new(site_dirs::STATIC).join(&asset.rel),
                            format!(
                                "would replace a file qiao generates: {e}; rename or remove \
                                 it (files in static/ may replace only qiao's built-in static files)"
                            ),
                        ))
                    }
                    Err(e) => diags.push(Diagnostic::error(
                        Path::new(site_dirs::STATIC).join(&asset.rel),
                        format!("cannot write /{name}: {e}"),
                    )),
                }
            }
        }
        if diags.has_errors() {
            Err(diags)
        } else {
            Ok(count)
        }
    }
}

/// The files of the site's `static/` folder by their `/`-separated path inside it.
/// Symbolic links are followed only while they stay inside the site folder: a link to
/// /etc/passwd must not be published.
fn site_files(root: &Path, diags: &mut Diagnostics) -> Vec<(String, PathBuf)> {
    let dir = root.join(site_dirs::STATIC);
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
                diags.push(Diagnostic::error(
                    site_dirs::STATIC,
                    format!("cannot read: {e}"),
                ));
                continue;
            }
        };
        let rel = e.path().strip_prefix(&dir).unwrap_or(e.path());
        let shown = Path::new(site_dirs::STATIC).join(rel);
        match e.path().canonicalize() {
            Ok(real) if !real.starts_with(&site) => diags.push(Diagnostic::error(
                shown,
                format!(
                    "a symbolic link to `{}`, outside the site folder; only files inside it are published",
                    real.display()
                ),
            )),
            Err(err) => diags.push(Diagnostic::error(shown, format!("cannot read: {err}"))),
            Ok(_) if e.file_type().is_file() => {
                files.push((rel.to_string_lossy().replace('\\', "/"), e.into_path()));
            }
            Ok(_) => {}
        }
    }
    files
}
