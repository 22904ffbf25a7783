//! The URL of every page the portal publishes, in one place.
//!
//! Paths here are site paths: they start at the site's root (`/zh/news/x/`) and know
//! nothing of where the site is hosted. [`Urls`] turns them into links that carry the base
//! path (`/intl/news/zh/news/x/`) and into absolute permalinks. Each of the three is a
//! type of its own ([`SitePath`], [`Link`], [`Permalink`]): they are all strings that
//! start alike, and one used for another works on a site at its domain's root and breaks
//! every link of a site deployed under a sub-path.

use std::fmt::{self, Write};

use serde::Serialize;

use crate::config::{AllianceKey, BaseUrl};
use crate::content::Slug;
use crate::country::CountryCode;
use crate::lang::Lang;

/// `as_str` and `Display` for a path type: its text, where only text will do (XML,
/// hashes, the search index, comparisons).
macro_rules! as_string {
    ($type:ident) => {
        impl $type {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $type {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

/// A path from the site's root: `/zh/news/x/` for a page, `/media/a.jpg` for a file. It
/// knows nothing of where the site is hosted, so pages, feeds and output files are named
/// by it; it is not a link: written into a page as it is, it breaks on a site deployed
/// under a sub-path. [`Urls::link`] and [`Urls::permalink`] make links of it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SitePath(String);

as_string!(SitePath);

impl SitePath {
    /// `path` must start at the site's root (with `/`); paths from outside `urls` (a
    /// site's icon in `site.toml`, a link found in a built page) come in here.
    pub fn new(path: impl Into<String>) -> SitePath {
        let path = path.into();
        debug_assert!(path.starts_with('/'), "not a site path: {path}");
        SitePath(path)
    }
}

/// A root-relative link as a page writes it (`/intl/news/zh/news/x/`): a [`SitePath`]
/// with the deployment's base path in front. A type so that a site path cannot be written
/// where a link belongs, nor a link be given the base path twice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Link(String);

as_string!(Link);

/// An absolute URL (`https://example.org/intl/news/zh/news/x/`), for canonical links,
/// feeds, sitemaps and shared cards: what is read outside the site, so it carries the
/// origin too. A type so that it is not mistaken for a root-relative [`Link`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Permalink(String);

as_string!(Permalink);

/// Articles per list page, on every kind of list.
pub const PAGE_SIZE: usize = 20;

/// The Atom feed that belongs to the list page at `page`.
pub fn feed(page: &SitePath) -> SitePath {
    SitePath(format!("{page}atom.xml"))
}

pub fn home(lang: Lang) -> SitePath {
    SitePath(format!("/{lang}/"))
}

pub fn article(lang: Lang, slug: &Slug) -> SitePath {
    SitePath(format!("/{lang}/news/{slug}/"))
}

pub fn alliances(lang: Lang) -> SitePath {
    SitePath(format!("/{lang}/alliances/"))
}

pub fn alliance(lang: Lang, key: &AllianceKey) -> SitePath {
    SitePath(format!("/{lang}/alliances/{key}/"))
}

pub fn countries(lang: Lang) -> SitePath {
    SitePath(format!("/{lang}/countries/"))
}

pub fn country(lang: Lang, code: CountryCode) -> SitePath {
    SitePath(format!("/{lang}/countries/{}/", code.url_segment()))
}

pub fn years(lang: Lang) -> SitePath {
    SitePath(format!("/{lang}/years/"))
}

pub fn search(lang: Lang) -> SitePath {
    SitePath(format!("/{lang}/search/"))
}

pub fn tags(lang: Lang) -> SitePath {
    SitePath(format!("/{lang}/tags/"))
}

/// `slug` from [`crate::taxonomy::tag_slug`]: already a safe URL segment.
pub fn tag(lang: Lang, slug: &str) -> SitePath {
    SitePath(format!("/{lang}/tags/{slug}/"))
}

pub fn year(lang: Lang, year: i32) -> SitePath {
    SitePath(format!("/{lang}/years/{year}/"))
}

/// Page `n` (1-based) of a paginated list whose first page is `first`.
pub fn paginated(first: &SitePath, n: usize) -> SitePath {
    if n <= 1 {
        first.clone()
    } else {
        SitePath(format!("{first}page/{n}/"))
    }
}

/// The language chooser, at the site's root.
pub fn root() -> SitePath {
    SitePath("/".to_owned())
}

/// A file at `rel` inside the output folder (`404.html`, `style.3f2a.css`).
pub fn file(rel: &str) -> SitePath {
    SitePath(format!("/{rel}"))
}

/// The file a site path is written to, relative to the output folder: a path ending in
/// `/` is that folder's `index.html`.
pub fn output_file(site_path: &SitePath) -> String {
    let rel = site_path.as_str().trim_start_matches('/');
    if rel.is_empty() || rel.ends_with('/') {
        format!("{rel}index.html")
    } else {
        rel.to_owned()
    }
}

/// A file an article references, published under `/media/` at its path inside `content/`,
/// so both halves of an article (and several articles) share one copy.
pub fn media(content_relative: &str) -> SitePath {
    let mut out = String::from("/media");
    for segment in content_relative.split('/').filter(|s| !s.is_empty()) {
        out.push('/');
        out.push_str(&encode_segment(segment));
    }
    SitePath(out)
}

/// Percent-encodes everything but RFC 3986's unreserved characters, so file names with
/// spaces or Chinese characters make valid URLs.
pub fn encode_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Decodes `%XX` escapes; invalid escapes are kept as written.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(v) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The language versions of a page that exist: the page itself and, when it exists, the
/// same page in the other language. The URL scheme is symmetric (`/zh/x/` ↔ `/en/x/`), so
/// the counterpart is found by swapping the language prefix.
#[derive(Debug, Clone)]
pub struct Versions {
    pub lang: Lang,
    pub path: SitePath,
    pub translation: Option<SitePath>,
}

impl Versions {
    /// `None` for pages outside a language (`/`, `/404.html`).
    pub fn of(path: &SitePath, exists: impl Fn(&SitePath) -> bool) -> Option<Versions> {
        let path_str = path.as_str();
        let lang = Lang::ALL
            .into_iter()
            .find(|l| path_str.starts_with(&format!("/{l}/")))?;
        let other = lang.other();
        let counterpart = SitePath(format!("/{other}/{}", &path_str[lang.code().len() + 2..]));
        Some(Versions {
            lang,
            path: path.clone(),
            translation: exists(&counterpart).then_some(counterpart),
        })
    }

    /// `(hreflang, site path)` for every version, itself first, then `x-default`: the
    /// default language's version, when that exists.
    pub fn alternates(&self, default: Lang) -> Vec<(&'static str, &SitePath)> {
        let mut out = vec![(self.lang.html_lang(), &self.path)];
        if let Some(t) = &self.translation {
            out.push((self.lang.other().html_lang(), t));
        }
        let default_version = if self.lang == default {
            Some(&self.path)
        } else {
            self.translation.as_ref()
        };
        if let Some(p) = default_version {
            out.push(("x-default", p));
        }
        out
    }
}

/// Turns site paths into the links and permalinks of one deployment.
#[derive(Debug, Clone)]
pub struct Urls {
    base: BaseUrl,
}

impl Urls {
    pub fn new(base: BaseUrl) -> Urls {
        Urls { base }
    }

    /// `/intl/news` or empty: what every root-relative link starts with.
    pub fn base_path(&self) -> &str {
        &self.base.path
    }

    /// A root-relative link, including the base path.
    pub fn link(&self, site_path: &SitePath) -> Link {
        Link(format!("{}{}", self.base.path, site_path))
    }

    /// An absolute URL, for canonical links, feeds and sitemaps.
    pub fn permalink(&self, site_path: &SitePath) -> Permalink {
        Permalink(format!(
            "{}{}{}",
            self.base.origin, self.base.path, site_path
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_carry_the_base_path() {
        let urls = Urls::new(BaseUrl::parse("https://x.edu.cn/intl/news/").unwrap());
        let slug = Slug::parse("luban").unwrap();
        assert_eq!(
            urls.link(&article(Lang::En, &slug)).as_str(),
            "/intl/news/en/news/luban/"
        );
        assert_eq!(
            urls.permalink(&home(Lang::Zh)).as_str(),
            "https://x.edu.cn/intl/news/zh/"
        );
        assert_eq!(paginated(&years(Lang::Zh), 3).as_str(), "/zh/years/page/3/");
        assert_eq!(
            media("news/2024/合作 照片.jpg").as_str(),
            "/media/news/2024/%E5%90%88%E4%BD%9C%20%E7%85%A7%E7%89%87.jpg"
        );
        assert_eq!(percent_decode("%E5%90%88x%2"), "合x%2");
    }
}
