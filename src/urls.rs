//! The URL of every page the portal publishes, in one place.
//!
//! Paths here are site paths: they start at the site's root (`/zh/news/x/`) and know
//! nothing of where the site is hosted. [`Urls`] turns them into links that carry the base
//! path (`/intl/news/zh/news/x/`) and into absolute permalinks.

use std::fmt::Write;

use crate::config::{AllianceKey, BaseUrl};
use crate::content::Slug;
use crate::country::CountryCode;
use crate::lang::Lang;

/// Articles per list page, on every kind of list.
pub const PAGE_SIZE: usize = 20;

/// The Atom feed that belongs to the list page at `page`.
pub fn feed(page: &str) -> String {
    format!("{page}atom.xml")
}

pub fn home(lang: Lang) -> String {
    format!("/{lang}/")
}

pub fn article(lang: Lang, slug: &Slug) -> String {
    format!("/{lang}/news/{slug}/")
}

pub fn alliances(lang: Lang) -> String {
    format!("/{lang}/alliances/")
}

pub fn alliance(lang: Lang, key: &AllianceKey) -> String {
    format!("/{lang}/alliances/{key}/")
}

pub fn countries(lang: Lang) -> String {
    format!("/{lang}/countries/")
}

pub fn country(lang: Lang, code: CountryCode) -> String {
    format!("/{lang}/countries/{}/", code.url_segment())
}

pub fn years(lang: Lang) -> String {
    format!("/{lang}/years/")
}

pub fn search(lang: Lang) -> String {
    format!("/{lang}/search/")
}

pub fn tags(lang: Lang) -> String {
    format!("/{lang}/tags/")
}

/// `slug` from [`crate::taxonomy::tag_slug`]: already a safe URL segment.
pub fn tag(lang: Lang, slug: &str) -> String {
    format!("/{lang}/tags/{slug}/")
}

pub fn year(lang: Lang, year: i32) -> String {
    format!("/{lang}/years/{year}/")
}

/// Page `n` (1-based) of a paginated list whose first page is `first`.
pub fn paginated(first: &str, n: usize) -> String {
    if n <= 1 {
        first.to_owned()
    } else {
        format!("{first}page/{n}/")
    }
}

/// The file a site path is written to, relative to the output folder: a path ending in
/// `/` is that folder's `index.html`.
pub fn output_file(site_path: &str) -> String {
    let rel = site_path.trim_start_matches('/');
    if rel.is_empty() || rel.ends_with('/') {
        format!("{rel}index.html")
    } else {
        rel.to_owned()
    }
}

/// A file an article references, published under `/media/` at its path inside `content/`,
/// so both halves of an article (and several articles) share one copy.
pub fn media(content_relative: &str) -> String {
    let mut out = String::from("/media");
    for segment in content_relative.split('/').filter(|s| !s.is_empty()) {
        out.push('/');
        out.push_str(&encode_segment(segment));
    }
    out
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
    pub path: String,
    pub translation: Option<String>,
}

impl Versions {
    /// `None` for pages outside a language (`/`, `/404.html`).
    pub fn of(path: &str, exists: impl Fn(&str) -> bool) -> Option<Versions> {
        let lang = Lang::ALL
            .into_iter()
            .find(|l| path.starts_with(&format!("/{l}/")))?;
        let other = lang.other();
        let counterpart = format!("/{other}/{}", &path[lang.code().len() + 2..]);
        Some(Versions {
            lang,
            path: path.to_owned(),
            translation: exists(&counterpart).then_some(counterpart),
        })
    }

    /// `(hreflang, site path)` for every version, itself first, then `x-default`: the
    /// default language's version, when that exists.
    pub fn alternates(&self, default: Lang) -> Vec<(&'static str, &str)> {
        let mut out = vec![(self.lang.html_lang(), self.path.as_str())];
        if let Some(t) = &self.translation {
            out.push((self.lang.other().html_lang(), t.as_str()));
        }
        let default_version = if self.lang == default {
            Some(self.path.as_str())
        } else {
            self.translation.as_deref()
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
    pub fn link(&self, site_path: &str) -> String {
        format!("{}{}", self.base.path, site_path)
    }

    /// An absolute URL, for canonical links, feeds and sitemaps.
    pub fn permalink(&self, site_path: &str) -> String {
        format!("{}{}{}", self.base.origin, self.base.path, site_path)
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
            urls.link(&article(Lang::En, &slug)),
            "/intl/news/en/news/luban/"
        );
        assert_eq!(
            urls.permalink(&home(Lang::Zh)),
            "https://x.edu.cn/intl/news/zh/"
        );
        assert_eq!(paginated(&years(Lang::Zh), 3), "/zh/years/page/3/");
        assert_eq!(
            media("news/2024/合作 照片.jpg"),
            "/media/news/2024/%E5%90%88%E4%BD%9C%20%E7%85%A7%E7%89%87.jpg"
        );
        assert_eq!(percent_decode("%E5%90%88x%2"), "合x%2");
    }
}
