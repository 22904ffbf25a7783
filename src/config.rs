//! `site.toml`: the portal's name in each language, where it is published, and the
//! alliances its articles may refer to.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{FixedOffset, NaiveDate, NaiveTime, SecondsFormat, TimeZone};
use serde::{Deserialize, Serialize};

use crate::country::CountryCode;
use crate::diagnostics::{Diagnostic, Diagnostics, line_of_offset};
use crate::lang::Lang;

use crate::segment::{self, UrlSegment};

pub const CONFIG_FILE: &str = "site.toml";

/// The key of an alliance declared in `site.toml` (`[alliances.wvteda]`), used in front
/// matter and in URLs, so it obeys the same rules as a slug.
pub type AllianceKey = UrlSegment<segment::Alliance>;

/// A text given in both languages.
#[derive(Debug, Clone, Serialize)]
pub struct Bilingual {
    pub zh: String,
    pub en: String,
}

impl Bilingual {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

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
    zh: LanguageConfig,
    en: LanguageConfig,
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
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
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
        let mut diags = Diagnostics::default();
        let line_of = |needle: &str| find_line(text, needle);

        let base_url = match raw.base_url.as_deref() {
            None => {
                diags.push(missing(
                    "base_url",
                    "the address the portal is published at, such as \"https://news.example.org\"",
                ));
                None
            }
            Some(url) => match BaseUrl::parse(url) {
                Ok(b) => Some(b),
                Err(msg) => {
                    diags.push(
                        Diagnostic::error(CONFIG_FILE, msg)
                            .field("base_url")
                            .at_line_opt(line_of("base_url")),
                    );
                    None
                }
            },
        };
        let default_language = match raw.default_language.as_deref() {
            None => Some(Lang::Zh),
            Some(code) => Lang::from_code(code).or_else(|| {
                diags.push(
                    Diagnostic::error(
                        CONFIG_FILE,
                        format!("expected \"zh\" or \"en\", found \"{code}\""),
                    )
                    .field("default_language")
                    .at_line_opt(line_of("default_language")),
                );
                None
            }),
        };
        let mut language = |lang: Lang| -> Option<LanguageConfig> {
            let field = format!("languages.{}", lang.code());
            match raw.languages.get(lang.code()) {
                Some(l) if !l.title.trim().is_empty() => Some(LanguageConfig {
                    title: l.title.trim().to_owned(),
                    description: l.description.clone().unwrap_or_default(),
                }),
                Some(_) => {
                    diags.push(
                        Diagnostic::error(CONFIG_FILE, "expected a non-empty `title`")
                            .field(field.clone())
                            .at_line_opt(line_of(&format!("[{field}]"))),
                    );
                    None
                }
                None => {
                    diags.push(missing(
                        &field,
                        &format!("a `[{field}]` table with the site's `title` in that language"),
                    ));
                    None
                }
            }
        };
        let zh = language(Lang::Zh);
        let en = language(Lang::En);
        for code in raw.languages.keys() {
            if Lang::from_code(code).is_none() {
                diags.push(
                    Diagnostic::error(
                        CONFIG_FILE,
                        "qiao publishes exactly two languages, `zh` and `en`",
                    )
                    .field(format!("languages.{code}"))
                    .at_line_opt(line_of(&format!("[languages.{code}]"))),
                );
            }
        }

        let timezone = match raw.timezone.as_deref() {
            None => FixedOffset::east_opt(8 * 3600),
            Some(tz) => tz.parse::<FixedOffset>().ok().or_else(|| {
                diags.push(
                    Diagnostic::error(
                        CONFIG_FILE,
                        format!("expected a UTC offset such as \"+08:00\", found \"{tz}\""),
                    )
                    .field("timezone")
                    .at_line_opt(line_of("timezone")),
                );
                None
            }),
        };

        let mut alliances = Vec::new();
        for (key, a) in &raw.alliances {
            let field = format!("alliances.{key}");
            let line = line_of(&format!("[alliances.{key}]"));
            let Some(parsed) = AllianceKey::parse(key) else {
                diags.push(Diagnostic::error(CONFIG_FILE, "an alliance key is used in URLs: lower-case ASCII letters, digits and `-` only").field(field).at_line_opt(line));
                continue;
            };
            match bilingual(a.zh.as_deref(), a.en.as_deref()) {
                Ok(name) => alliances.push(Alliance {
                    key: parsed,
                    name,
                    url: a.url.clone(),
                }),
                Err(msg) => diags.push(
                    Diagnostic::error(CONFIG_FILE, msg)
                        .field(field)
                        .at_line_opt(line),
                ),
            }
        }

        let mut country_names = BTreeMap::new();
        for (code, names) in &raw.countries {
            let field = format!("countries.{code}");
            let line = line_of(&format!("[countries.{code}]"));
            match CountryCode::parse(code) {
                Ok(cc) => match bilingual(names.zh.as_deref(), names.en.as_deref()) {
                    Ok(name) => {
                        country_names.insert(cc, name);
                    }
                    Err(msg) => diags.push(
                        Diagnostic::error(CONFIG_FILE, msg)
                            .field(field)
                            .at_line_opt(line),
                    ),
                },
                Err(e) => diags.push(
                    Diagnostic::error(CONFIG_FILE, e.to_string())
                        .field(field)
                        .at_line_opt(line),
                ),
            }
        }

        let publisher_name = match &raw.publisher {
            Some(p) if p.zh.is_some() || p.en.is_some() => {
                match bilingual(p.zh.as_deref(), p.en.as_deref()) {
                    Ok(name) => Some(name),
                    Err(msg) => {
                        diags.push(
                            Diagnostic::error(CONFIG_FILE, msg)
                                .field("publisher")
                                .at_line_opt(line_of("[publisher]")),
                        );
                        None
                    }
                }
            }
            _ => None,
        };

        for name in &raw.keep {
            let plain =
                !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\\']);
            if !plain {
                diags.push(
                    Diagnostic::error(
                        CONFIG_FILE,
                        format!(
                            "expected names of entries at the output root, such as \"CNAME\", found \"{name}\""
                        ),
                    )
                    .field("keep")
                    .at_line_opt(line_of("keep")),
                );
            }
        }
        for (field, value) in [("icon", &raw.icon), ("default_image", &raw.default_image)] {
            if let Some(v) = value
                && !(v.starts_with('/') || v.starts_with("https://") || v.starts_with("http://"))
            {
                diags.push(
                    Diagnostic::error(
                        CONFIG_FILE,
                        format!(
                            "expected a site path such as \"/logo.png\" (a file of `static/`) or an absolute URL, found \"{v}\""
                        ),
                    )
                    .field(field)
                    .at_line_opt(line_of(field)),
                );
            }
        }

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
                    zh,
                    en,
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
    std::iter::once(d).collect()
}

fn missing(field: &str, expected: &str) -> Diagnostic {
    Diagnostic::error(CONFIG_FILE, format!("missing; expected {expected}")).field(field)
}

fn bilingual(zh: Option<&str>, en: Option<&str>) -> Result<Bilingual, String> {
    match (zh.map(str::trim), en.map(str::trim)) {
        (Some(zh), Some(en)) if !zh.is_empty() && !en.is_empty() => Ok(Bilingual {
            zh: zh.to_owned(),
            en: en.to_owned(),
        }),
        _ => Err("expected both names: `zh = \"…\"` and `en = \"…\"`".to_owned()),
    }
}

/// The line on which `needle` first starts a line, for pointing at a key.
fn find_line(text: &str, needle: &str) -> Option<usize> {
    text.lines()
        .position(|l| l.trim_start().starts_with(needle))
        .map(|i| i + 1)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    base_url: Option<String>,
    default_language: Option<String>,
    timezone: Option<String>,
    publisher: Option<RawPublisher>,
    #[serde(default)]
    languages: BTreeMap<String, RawLanguage>,
    #[serde(default)]
    alliances: BTreeMap<String, RawNames>,
    #[serde(default)]
    countries: BTreeMap<String, RawNames>,
    #[serde(default)]
    extra: toml::Table,
    #[serde(default)]
    keep: Vec<String>,
    icon: Option<String>,
    default_image: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPublisher {
    zh: Option<String>,
    en: Option<String>,
    url: Option<String>,
    logo: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLanguage {
    title: String,
    description: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNames {
    zh: Option<String>,
    en: Option<String>,
    url: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
base_url = "https://www.example.edu.cn/intl/news/"
default_language = "zh"
[languages.zh]
title = "资讯"
[languages.en]
title = "News"
[alliances.wvteda]
zh = "世界职业技术教育发展联盟"
en = "World Vocational and Technical Education Development Alliance"
[countries.TW]
zh = "中国台湾"
en = "Taiwan, China"
"#;

    #[test]
    fn a_complete_config_parses() {
        let c = SiteConfig::parse(GOOD).unwrap();
        assert_eq!(c.base_url.origin, "https://www.example.edu.cn");
        assert_eq!(c.base_url.path, "/intl/news");
        assert_eq!(
            c.alliances[0].name.get(Lang::Zh),
            "世界职业技术教育发展联盟"
        );
        let d = NaiveDate::from_ymd_opt(2024, 11, 21).unwrap();
        assert_eq!(c.datetime(d), "2024-11-21T00:00:00+08:00");
        let tw = CountryCode::parse("TW").unwrap();
        assert_eq!(c.country_name(tw, Lang::Zh), "中国台湾");
    }

    #[test]
    fn every_problem_is_reported_with_its_line() {
        let text = "base_url = \"ftp://x\"\ndefault_language = \"fr\"\n[languages.zh]\ntitle = \"\"\n[alliances.Bad_Key]\nzh = \"a\"\nen = \"b\"\n";
        let diags = SiteConfig::parse(text).unwrap_err();
        let all = diags.to_string();
        assert!(
            all.contains("site.toml:1: field `base_url`: expected an http:// or https:// URL"),
            "{all}"
        );
        assert!(
            all.contains("site.toml:2: field `default_language`"),
            "{all}"
        );
        assert!(all.contains("field `languages.en`: missing"), "{all}");
        assert!(
            all.contains("site.toml:5: field `alliances.Bad_Key`"),
            "{all}"
        );
    }

    #[test]
    fn broken_toml_names_the_line() {
        let diags = SiteConfig::parse("base_url = \"https://a.org\"\n[languages.zh\n").unwrap_err();
        assert!(
            diags.to_string().starts_with("error: site.toml:2: "),
            "{diags}"
        );
        let diags = SiteConfig::parse("").unwrap_err();
        assert!(
            diags.to_string().contains("field `base_url`: missing"),
            "{diags}"
        );
    }
}
