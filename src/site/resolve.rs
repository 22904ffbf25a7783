//! Where a relative reference in an article leads: another article's page, a published
//! file under `/media/`, a picture's derivatives, or an error saying why not.

use std::path::{Component, Path, PathBuf};

use super::{ArticleIndex, References};
use crate::content::Document;
use crate::images::{self, Processor};
use crate::markdown::rewrite::Resolved;
use crate::site_dirs;
use crate::urls::{self, Urls};

pub(super) struct Resolver<'a> {
    pub(super) content_dir: &'a Path,
    pub(super) canonical_content: &'a Path,
    pub(super) index: &'a ArticleIndex,
    pub(super) urls: &'a Urls,
    pub(super) processor: &'a Processor,
}

impl Resolver<'_> {
    /// Resolves a relative reference written in `doc`: another article's `.md` file becomes
    /// that article's URL in the page's language; any other file is published under `/media/`.
    pub(super) fn resolve(
        &self,
        doc: &Document,
        reference: &str,
        files: &std::cell::RefCell<References>,
    ) -> Resolved {
        let (path_part, suffix) = match reference.find(['?', '#']) {
            Some(i) => reference.split_at(i),
            None => (reference, ""),
        };
        let decoded = urls::percent_decode(path_part);
        let Some(target) = normalize(&doc.dir.join(&decoded)) else {
            return Resolved::Broken(format!(
                "`{reference}` points outside `content/`; only files inside it are published"
            ));
        };
        if decoded.ends_with(".md") {
            return self.article(doc, reference, &target, suffix);
        }
        let shown = Path::new(site_dirs::CONTENT).join(&target);
        match self.content_dir.join(&target).canonicalize() {
            Ok(real) if !real.starts_with(self.canonical_content) => Resolved::Broken(format!(
                "`{reference}` leads outside `content/` through a symbolic link"
            )),
            Ok(real) if real.is_file() => {
                self.file(target, &real, suffix, files)
                    .unwrap_or_else(|why| {
                        Resolved::Broken(format!("`{reference}` ({}): {why}", shown.display()))
                    })
            }
            Ok(_) => Resolved::Broken(format!("`{reference}` is a folder, not a file")),
            Err(_) => Resolved::Broken(format!(
                "`{reference}` references `{}`, which does not exist",
                shown.display()
            )),
        }
    }

    /// A link to another article's file: that article's page in the page's language, or
    /// in the other where it has only that half.
    fn article(&self, doc: &Document, reference: &str, target: &Path, suffix: &str) -> Resolved {
        match self.index.by_file.get(target) {
            Some((slug, present)) => {
                let lang = if *present.get(doc.lang) {
                    doc.lang
                } else {
                    doc.lang.other()
                };
                Resolved::Url(format!(
                    "{}{suffix}",
                    self.urls.link(&urls::article(lang, slug))
                ))
            }
            None => Resolved::Broken(format!(
                "`{reference}` links to `{}`, which is not a published article of this site",
                Path::new(site_dirs::CONTENT).join(target).display()
            )),
        }
    }

    /// A file inside `content/` (`real` is its resolved path): refused if it could run
    /// script, published as derivatives if it is a picture, as it is otherwise.
    fn file(
        &self,
        target: PathBuf,
        real: &Path,
        suffix: &str,
        files: &std::cell::RefCell<References>,
    ) -> Result<Resolved, String> {
        crate::attachment::check(real)?;
        if images::is_raster(&target) {
            let picture = self.processor.picture(real)?;
            // A deferred picture's original stands in until its derivatives are made.
            if !picture.keeps_original() || picture.deferred {
                let links = images::links(&target, &picture, self.urls);
                let mut refs = files.borrow_mut();
                if picture.deferred {
                    refs.deferred = true;
                    refs.media.insert(target.clone());
                } else {
                    refs.pictures.insert(target.clone(), picture.clone());
                }
                return Ok(Resolved::Picture {
                    rel: target,
                    picture,
                    src: format!("{}{suffix}", links.src),
                    srcset: links.srcset,
                });
            }
        }
        let site_path = urls::media(&target.to_string_lossy().replace('\\', "/"));
        files.borrow_mut().media.insert(target);
        let url = format!("{}{}", self.urls.link(&site_path), suffix);
        // Only the header is read; a file that is not a picture has no size.
        Ok(match imagesize::size(real) {
            Ok(size) if size.width > 0 && size.height > 0 => Resolved::Image {
                url,
                width: size.width as u32,
                height: size.height as u32,
            },
            _ => Resolved::Url(url),
        })
    }
}

/// Resolves `.` and `..` without touching the file system; `None` if it climbs above the
/// start, which is how `../../../etc/passwd` is caught.
fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::Normal(c) => out.push(c),
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}
