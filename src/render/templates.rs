//! The Tera templates: qiao's defaults, overridden by any file of the same name in the
//! site's `templates/`.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;
use tera::{Context, Tera};

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::embedded::{self, Source};
use crate::site::Fingerprint;
use crate::site_dirs;

/// The compiled templates: the defaults built into qiao, overridden by any file of the
/// same name in the site's `templates/`.
pub struct Renderer {
    tera: Tera,
    /// A hash of every template's source: pages depend on all of them.
    pub fingerprint: u64,
}

impl Renderer {
    pub fn load(root: &Path) -> Result<Renderer, Diagnostics> {
        let mut diags = Diagnostics::default();
        let mut templates = BTreeMap::new();
        for (name, source) in embedded::templates(root, &mut diags) {
            let text = match source {
                Source::Embedded(bytes) => std::str::from_utf8(bytes).map(str::to_owned).ok(),
                Source::File(path) => std::fs::read_to_string(&path)
                    .map_err(|e| {
                        diags.push(Diagnostic::error(
                            Path::new(site_dirs::TEMPLATES).join(&name),
                            format!("cannot read: {e}"),
                        ))
                    })
                    .ok(),
            };
            templates.extend(text.map(|t| (name, t)));
        }
        let mut tera = Tera::new();
        tera.autoescape_on(vec![".html", ".xml"]);
        if let Err(e) =
            tera.add_raw_templates(templates.iter().map(|(n, t)| (n.as_str(), t.as_str())))
        {
            diags.push(Diagnostic::error(
                site_dirs::TEMPLATES,
                format!("template error: {}", error_chain(&e)),
            ));
        }
        if diags.has_errors() {
            Err(diags)
        } else {
            let mut h = Fingerprint::default();
            for (name, source) in &templates {
                h.str(name).str(source);
            }
            Ok(Renderer {
                tera,
                fingerprint: h.finish(),
            })
        }
    }

    /// Renders `template` into the bytes of a page. Bytes, not a `String`: Tera writes
    /// bytes, and making a `String` of them checked every page's UTF-8 once more (1% of a
    /// build's CPU time) for a page that goes straight to a file.
    pub(super) fn render<T: Serialize>(&self, template: &str, ctx: &T) -> Result<Vec<u8>, String> {
        let ctx = Context::from_serialize(ctx).map_err(|e| error_chain(&e))?;
        let mut html = Vec::with_capacity(PAGE_BYTES);
        (self.tera.render_to(template, &ctx, &mut html)).map_err(|e| {
            format!(
                "rendering `templates/{template}` failed: {}",
                error_chain(&e)
            )
        })?;
        Ok(html)
    }
}

/// Room for a typical page (an article page is 12–20 KB), so that most pages are written
/// into their buffer without its growing.
const PAGE_BYTES: usize = 24 * 1024;

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}
