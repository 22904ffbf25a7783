//! Static files: the defaults built into qiao, overridden by the site's `static/` folder,
//! copied to the output root. CSS, JavaScript and WebAssembly also get a copy whose name
//! carries a content hash (`style.3f2a….css`), which the templates link to through the
//! `assets` map, so a host may cache them forever. The plain names stay for anything that
//! refers to them directly.

use std::collections::BTreeMap;
use std::path::Path;

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::embedded::{self, Source};
use crate::site_dirs;
use crate::urls::{self, SitePath};

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

#[derive(Clone)]
struct Asset {
    /// `/`-separated path inside `static/` and the output.
    rel: String,
    source: Source,
    /// The content-hashed name, for fingerprinted kinds.
    hashed: Option<String>,
}

#[derive(Clone)]
pub struct Assets {
    files: Vec<Asset>,
}

impl Assets {
    /// The defaults, then the site's own files over them (same path, site wins).
    pub fn collect(root: &Path) -> Result<Assets, Diagnostics> {
        let mut diags = Diagnostics::default();
        let by_path = embedded::static_files(root, &mut diags);
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
    pub fn paths(&self) -> BTreeMap<String, SitePath> {
        self.files
            .iter()
            .map(|a| {
                (
                    a.rel.clone(),
                    urls::file(a.hashed.as_deref().unwrap_or(&a.rel)),
                )
            })
            .collect()
    }

    /// Every file to publish: its path in the output, its path in `static/`, and where
    /// its bytes are. A fingerprinted file is published under both of its names.
    pub fn published(&self) -> impl Iterator<Item = (&str, &str, &Source)> {
        self.files.iter().flat_map(|a| {
            let names = std::iter::once(a.rel.as_str()).chain(a.hashed.as_deref());
            names.map(move |name| (name, a.rel.as_str(), &a.source))
        })
    }
}
