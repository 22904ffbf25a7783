//! Names that become a URL segment and a file name: article slugs and alliance keys. One
//! type behind both, so the rule is written once; the marker keeps a slug from being
//! passed where an alliance key is meant.

use std::fmt;
use std::marker::PhantomData;

use serde::{Serialize, Serializer};

/// Lower-case ASCII letters, digits and `-`: safe in a URL and on every file system.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UrlSegment<K> {
    text: String,
    kind: PhantomData<K>,
}

impl<K> UrlSegment<K> {
    pub fn parse(s: &str) -> Option<UrlSegment<K>> {
        is_url_segment(s).then(|| UrlSegment {
            text: s.to_owned(),
            kind: PhantomData,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl<K> fmt::Display for UrlSegment<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// As the plain string, as the newtypes it replaces were.
impl<K> Serialize for UrlSegment<K> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

/// Whether `s` may be a [`UrlSegment`].
pub fn is_url_segment(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The marker of an article's slug.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ArticleSlug {}

/// The marker of an alliance's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Alliance {}
