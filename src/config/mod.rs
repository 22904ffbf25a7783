//! `site.toml`: the portal's name in each language, where it is published, and the
//! alliances its articles may refer to.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{FixedOffset, NaiveDate, NaiveTime, SecondsFormat, TimeZone};
use serde::Serialize;

use crate::country::CountryCode;
use crate::diagnostics::{Diagnostic, Diagnostics, line_of_offset};
use crate::lang::{Lang, PerLang};

use crate::segment::{self, UrlSegment};

mod check;
#[cfg(test)]
mod tests;

use check::{Check, RawConfig};

pub const CONFIG_FILE: &str = "site.toml";

/// The key of an alliance declared in `site.toml` (`[alliances.wvteda]`), used in front
/// matter and in URLs, so it obeys the same rules as a slug.
pub type AllianceKey = UrlSegment<segment::Alliance>;

/// A text given in both languages.
pub type Bilingual = PerLang<String>;

#[derive(Debug, Clone)]
pub struct Alliance {
    pub key: AllianceKey,
    pub name: Bilingual,
    pub url: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LanguageConfig {
    pub title: String,
    pub description: String,
}

/// Where the site is published. The path part matters: a portal under
/// `https://www.example.edu.cn/intl/news` must prefix every link with `/intl/news`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl {
    /// `https://www.example.edu.cn`, without a trailing slash.
    pub origin: String,
    /// `/intl/news`, or empty at the root of a domain; never a trailing slash.
    pub path: String,
}

impl BaseUrl {
    pub fn parse(s: &str) -> Result<BaseUrl, String> {
        let s = s.trim();
        let rest = s
            .strip_prefix("https://")
            .or_else(|| s.strip_prefix("http://"))
            .ok_or_else(|| format!("expected an http:// or https:// URL, found `{s}`"))?;
        let scheme_len = s.len() - rest.len();
        let (host, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        if host.is_empty() || host.contains(['?', '#', ' ', '@']) {
            return Err(format!(
                "expected a host name after the scheme, found `{s}`"
            ));
        }
        if path.contains(['?', '#']) {
            return Err(format!("a base URL has no query or fragment, found `{s}`"));
        }
        let path = path.trim_end_matches('/');
        if path.split('/').any(|seg| seg == "." || seg == "..") {
            return Err(format!(
                "the path of a base URL cannot hold `.` or `..`: `{s}`"
            ));
        }
        Ok(BaseUrl {
            origin: format!("{}{}", &s[..scheme_len], host),
            path: path.to_owned(),
        })
    }
}

/// Who publishes the portal, for structured data; defaults to the site's titles.
#[derive(Debug, Clone)]
pub struct Publisher {
    pub name: Bilingual,
    pub url: Option<String>,
    /// A site path (`/logo.png`) or an absolute URL.
    pub logo: Option<String>,
}

#[derive(Debug, Clone)]
pub struct SiteConfig {
    pub base_url: BaseUrl,
    pub default_language: Lang,
    /// The offset article dates are in, for feeds and structured data (default +08:00,
    /// China Standard Time, where most of these portals are edited).
    pub timezone: FixedOffset,
    pub publisher: Publisher,
    languages: PerLang<LanguageConfig>,
    /// In the order of `site.toml`'s keys (sorted), so pages list them stably.
    pub alliances: Vec<Alliance>,
    pub country_names: BTreeMap<CountryCode, Bilingual>,
    /// Free-form values for custom templates, as Zola's `[extra]`.
    pub extra: toml::Table,
    /// Names at the output root that builds always leave in place (`CNAME`, …).
    pub keep: Vec<String>,
    /// The site icon's site path (default: the built-in `/favicon.svg`).
    pub icon: Option<String>,
    /// The picture of pages without their own: Open Graph, Twitter and JSON-LD `image`
    /// (a site path or an absolute URL; default: the publisher's logo, if any).
    pub default_image: Option<String>,
}

impl SiteConfig {
    /// A hash of everything in the configuration, to tell whether cached work still holds.
    pub fn fingerprint(&self) -> u64 {
        xxhash_rust::xxh3::xxh3_64(format!("{self:?}").as_bytes())
    }

    pub fn language(&self, lang: Lang) -> &LanguageConfig {
        self.languages.get(lang)
    }

    /// Midnight of `date` in the site's time zone, as RFC 3339 (`2024-11-21T00:00:00+08:00`).
    pub fn datetime(&self, date: NaiveDate) -> String {
        let midnight = date.and_time(NaiveTime::MIN);
        match self.timezone.from_local_datetime(&midnight).single() {
            Some(dt) => dt.to_rfc3339_opts(SecondsFormat::Secs, true),
            None => format!("{date}T00:00:00Z"),
        }
    }

    pub fn alliance(&self, key: &str) -> Option<&Alliance> {
        self.alliances.iter().find(|a| a.key.as_str() == key)
    }

    /// An alliance's name in `lang`; its key where `site.toml` does not declare it.
    pub fn alliance_name(&self, key: &AllianceKey, lang: Lang) -> String {
        self.alliance(key.as_str())
            .map_or_else(|| key.to_string(), |a| a.name.get(lang).to_owned())
    }

    pub fn country_name(&self, code: CountryCode, lang: Lang) -> String {
        match self.country_names.get(&code) {
            Some(names) => names.get(lang).to_owned(),
            None => code.name(lang).to_owned(),
        }
    }

    /// Reads and validates `ROOT/site.toml`; every problem is reported, with its line.
    pub fn load(root: &Path) -> Result<SiteConfig, Diagnostics> {
        let path = root.join(CONFIG_FILE);
        let text = match std::fs::read(&path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => text,
                Err(e) => {
                    return Err(one(Diagnostic::error(
                        CONFIG_FILE,
                        format!(
                            "not valid UTF-8 (invalid byte at offset {}); save the file as UTF-8",
                            e.utf8_error().valid_up_to()
                        ),
                    )));
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(one(Diagnostic::error(
                    CONFIG_FILE,
                    format!(
                        "no site configuration found in `{}`: is this a qiao site folder? (`qiao --root DIR` picks another)",
                        root.display()
                    ),
                )));
            }
            Err(e) => {
                return Err(one(Diagnostic::error(
                    CONFIG_FILE,
                    format!("cannot read: {e}"),
                )));
            }
        };
        Self::parse(&text)
    }

    pub fn parse(text: &str) -> Result<SiteConfig, Diagnostics> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_of_offset(text, s.start));
            one(Diagnostic::error(CONFIG_FILE, e.message().trim_end().to_owned()).at_line_opt(line))
        })?;
        // Every section is checked, so one run reports every problem of the file.
        let mut check = Check::new(text);
        let base_url = check.base_url(raw.base_url.as_deref());
        let default_language = check.default_language(raw.default_language.as_deref());
        let zh = check.language(&raw.languages, Lang::Zh);
        let en = check.language(&raw.languages, Lang::En);
        check.only_two_languages(&raw.languages);
        let timezone = check.timezone(raw.timezone.as_deref());
        let alliances = check.alliances(&raw.alliances);
        let country_names = check.countries(&raw.countries);
        let publisher_name = check.publisher_name(raw.publisher.as_ref());
        check.keep(&raw.keep);
        check.site_path("icon", raw.icon.as_deref());
        check.site_path("default_image", raw.default_image.as_deref());
        let diags = check.finish();

        match (base_url, default_language, zh, en, timezone) {
            (Some(base_url), Some(default_language), Some(zh), Some(en), Some(timezone))
                if !diags.has_errors() =>
            {
                let publisher = Publisher {
                    name: publisher_name.unwrap_or_else(|| Bilingual {
                        zh: zh.title.clone(),
                        en: en.title.clone(),
                    }),
                    url: raw.publisher.as_ref().and_then(|p| p.url.clone()),
                    logo: raw.publisher.as_ref().and_then(|p| p.logo.clone()),
                };
                Ok(SiteConfig {
                    base_url,
                    default_language,
                    timezone,
                    publisher,
                    languages: PerLang { zh, en },
                    alliances,
                    country_names,
                    extra: raw.extra,
                    keep: raw.keep,
                    icon: raw.icon,
                    default_image: raw.default_image,
                })
            }
            _ => Err(diags),
        }
    }
}

fn one(d: Diagnostic) -> Diagnostics {
    Diagnostics::one(d)
}
