//! The default templates and static files, compiled into the binary so `qiao build` works
//! on any folder that holds only `site.toml` and `content/`. They are this repository's own
//! `templates/` and `static/`: the bundled portal and the defaults are one and the same.

use std::path::Path;

use include_dir::{Dir, include_dir};

static TEMPLATES: Dir = include_dir!("$CARGO_MANIFEST_DIR/templates");
static STATIC: Dir = include_dir!("$CARGO_MANIFEST_DIR/static");

/// `(name, source)` of every default template; names are paths inside `templates/`.
pub fn default_templates() -> impl Iterator<Item = (String, String)> {
    files(&TEMPLATES).into_iter().filter_map(|(path, bytes)| {
        let text = std::str::from_utf8(bytes).ok()?;
        Some((path.to_string_lossy().replace('\\', "/"), text.to_owned()))
    })
}

/// `(path inside static/, contents)` of every default static file.
pub fn default_static() -> Vec<(&'static Path, &'static [u8])> {
    files(&STATIC)
}

fn files(dir: &'static Dir<'static>) -> Vec<(&'static Path, &'static [u8])> {
    let mut out: Vec<_> = dir.files().map(|f| (f.path(), f.contents())).collect();
    for sub in dir.dirs() {
        out.extend(files(sub));
    }
    out
}
