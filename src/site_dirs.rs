//! The folders of a site, named once: where qiao reads sources and where it writes.

/// The articles and the files they attach.
pub const CONTENT: &str = "content";
/// Template overrides.
pub const TEMPLATES: &str = "templates";
/// Static files, published as they are (CSS and scripts named by content hash).
pub const STATIC: &str = "static";
/// The default output folder.
pub const PUBLIC: &str = "public";
/// The folders of the site's sources: `qiao serve` watches them, and no output folder may
/// lie inside one.
pub const SOURCES: [&str; 3] = [CONTENT, TEMPLATES, STATIC];
