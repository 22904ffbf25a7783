//! Rendering: which pages the site has ([`pages`]), the Tera templates ([`templates`]),
//! the context each template receives ([`context`], one file per page kind) and the
//! structured data for machines ([`structured`]).

mod context;
mod pages;
mod structured;
mod templates;

pub use context::PageRenderer;
pub use pages::{Page, PageKind, page_key, pages};
pub use templates::Renderer;
