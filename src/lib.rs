//! qiao (桥, "bridge"): a static-site generator for bilingual Chinese/English news portals.
//!
//! The build is one pipeline, a module per stage, data flowing one way (`ARCHITECTURE.md`
//! has the whole map):
//!
//! 1. [`config`] reads `site.toml`; [`content`] finds, parses and pairs the articles;
//!    [`assets`] gathers the static files and names CSS/JS/wasm by content hash;
//!    [`site_dirs`] names the site's folders.
//! 2. [`markdown`] turns bodies into sanitised HTML with resolved links; [`site`] holds the
//!    result per language; [`taxonomy`] indexes it by alliance, country, year and tag.
//! 3. [`render`] lists the pages and fills Tera templates with plain context structs;
//!    [`feeds`] writes Atom feeds, the sitemap and robots.txt; [`search`] writes the
//!    tantivy index and the WebAssembly searcher; [`html`] escapes and decodes markup.
//! 4. [`output`] stages changed files beside the old output and moves them in on success;
//!    [`linkcheck`] verifies a built site as a whole (`qiao check --output`).
//!
//! [`pipeline`] runs the stages; [`serve`] is the preview server that reruns them on change;
//! `main.rs` turns their results into messages and exit codes.

pub mod assets;
pub mod attachment;
pub mod charts;
pub mod config;
pub mod content;
pub mod country;
pub mod diagnostics;
pub mod embedded;
pub mod feeds;
pub mod html;
pub mod i18n;
pub mod images;
pub mod lang;
pub mod linkcheck;
pub mod lzma;
pub mod markdown;
pub mod output;
pub mod pipeline;
pub mod render;
pub mod search;
pub mod segment;
pub mod serve;
pub mod site;
pub mod site_dirs;
pub mod taxonomy;
pub mod urls;

pub use pipeline::{BuildError, BuildOptions, BuildReport, build};
