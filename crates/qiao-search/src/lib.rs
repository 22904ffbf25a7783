//! The part of qiao's search that must be identical at index time (native) and at query
//! time (WebAssembly in the reader's browser): text analysis, the index schema, query
//! execution, and a read-only directory that reads index files lazily over HTTP ranges.
//! Nothing here may depend on the host: this crate compiles for `wasm32-unknown-unknown`.

pub mod analysis;
pub mod directory;
pub mod engine;
mod fold_table;
pub mod schema;
pub mod writer;

/// The tantivy the index is written and read with, for callers that open one.
pub use tantivy;

pub use engine::{Engine, Facets, Hit, Request, Response};

/// At most the first `bytes` of `text`, cut at a character boundary.
pub(crate) fn opening(text: &str, bytes: usize) -> &str {
    let mut end = bytes.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}
