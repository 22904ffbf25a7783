//! Checking `site.toml` section by section, each problem a diagnostic with its field and
//! line, collected so one run reports them all.

use std::collections::BTreeMap;

use chrono::FixedOffset;
use serde::Deserialize;

use super::{Alliance, AllianceKey, BaseUrl, Bilingual, CONFIG_FILE, LanguageConfig};
use crate::country::CountryCode;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::lang::Lang;

pub(super) struct Check<'a> {
    text: &'a str,
    diags: Diagnostics,
}

impl<'a> Check<'a> {
    pub(super) fn new(text: &'a str) -> Check<'a> {
        Check {
            text,
            diags: Diagnostics::default(),
        }
    }

    pub(super) fn finish(self) -> Diagnostics {
        self.diags
    }

    /// An error about `field`, pointing at the line that starts with `at`.
    fn error(&mut self, field: &str, at: &str, msg: impl Into<String>) {
        let line = find_line(self.text, at);
        self.diags.push(
            Diagnostic::error(CONFIG_FILE, msg)
                .field(field)
                .at_line_opt(line),
        );
    }

    pub(super) fn base_url(&mut self, url: Option<&str>) -> Option<BaseUrl> {
        let Some(url) = url else {
            self.diags.push(missing(
                "base_url",
                "the address the portal is published at, such as \"https://news.example.org\"",
            ));
            return None;
        };
        BaseUrl::parse(url)
            .map_err(|msg| self.error("base_url", "base_url", msg))
            .ok()
    }

    pub(super) fn default_language(&mut self, code: Option<&str>) -> Option<Lang> {
        let Some(code) = code else {
            return Some(Lang::Zh);
        };
        let lang = Lang::from_code(code);
        if lang.is_none() {
            self.error(
                "default_language",
                "default_language",
                format!("expected \"zh\" or \"en\", found \"{code}\""),
            );
        }
        lang
    }

    pub(super) fn language(
        &mut self,
        languages: &BTreeMap<String, RawLanguage>,
        lang: Lang,
    ) -> Option<LanguageConfig> {
        let field = format!("languages.{}", lang.code());
        match languages.get(lang.code()) {
            Some(l) if !l.title.trim().is_empty() => Some(LanguageConfig {
                title: l.title.trim().to_owned(),
                description: l.description.clone().unwrap_or_default(),
            }),
            Some(_) => {
                self.error(
                    &field,
                    &format!("[{field}]"),
                    "expected a non-empty `title`",
                );
                None
            }
            None => {
                self.diags.push(missing(
                    &field,
                    &format!("a `[{field}]` table with the site's `title` in that language"),
                ));
                None
            }
        }
    }

    pub(super) fn only_two_languages(&mut self, languages: &BTreeMap<String, RawLanguage>) {
        for code in languages.keys() {
            if Lang::from_code(code).is_none() {
                self.error(
                    &format!("languages.{code}"),
                    &format!("[languages.{code}]"),
                    "qiao publishes exactly two languages, `zh` and `en`",
                );
            }
        }
    }

    pub(super) fn timezone(&mut self, tz: Option<&str>) -> Option<FixedOffset> {
        let Some(tz) = tz else {
            return FixedOffset::east_opt(8 * 3600);
        };
        let offset = tz.parse::<FixedOffset>().ok();
        if offset.is_none() {
            self.error(
                "timezone",
                "timezone",
                format!("expected a UTC offset such as \"+08:00\", found \"{tz}\""),
            );
        }
        offset
    }

    pub(super) fn alliances(&mut self, raw: &BTreeMap<String, RawNames>) -> Vec<Alliance> {
        let mut alliances = Vec::new();
        for (key, a) in raw {
            let (field, at) = (format!("alliances.{key}"), format!("[alliances.{key}]"));
            let Some(parsed) = AllianceKey::parse(key) else {
                self.error(
                    &field,
                    &at,
                    "an alliance key is used in URLs: lower-case ASCII letters, digits and `-` only",
                );
                continue;
            };
            match bilingual(a.zh.as_deref(), a.en.as_deref()) {
                Ok(name) => alliances.push(Alliance {
                    key: parsed,
                    name,
                    url: a.url.clone(),
                }),
                Err(msg) => self.error(&field, &at, msg),
            }
        }
        alliances
    }

    pub(super) fn countries(
        &mut self,
        raw: &BTreeMap<String, RawNames>,
    ) -> BTreeMap<CountryCode, Bilingual> {
        let mut names = BTreeMap::new();
        for (code, n) in raw {
            let (field, at) = (format!("countries.{code}"), format!("[countries.{code}]"));
            match CountryCode::parse(code) {
                Ok(cc) => match bilingual(n.zh.as_deref(), n.en.as_deref()) {
                    Ok(name) => {
                        names.insert(cc, name);
                    }
                    Err(msg) => self.error(&field, &at, msg),
                },
                Err(e) => self.error(&field, &at, e.to_string()),
            }
        }
        names
    }

    pub(super) fn publisher_name(&mut self, p: Option<&RawPublisher>) -> Option<Bilingual> {
        let p = p.filter(|p| p.zh.is_some() || p.en.is_some())?;
        bilingual(p.zh.as_deref(), p.en.as_deref())
            .map_err(|msg| self.error("publisher", "[publisher]", msg))
            .ok()
    }

    pub(super) fn keep(&mut self, names: &[String]) {
        for name in names {
            let plain =
                !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\\']);
            if !plain {
                self.error(
                    "keep",
                    "keep",
                    format!(
                        "expected names of entries at the output root, such as \"CNAME\", found \"{name}\""
                    ),
                );
            }
        }
    }

    /// `icon` and `default_image`: a file of `static/` by its site path, or a URL.
    pub(super) fn site_path(&mut self, field: &str, value: Option<&str>) {
        if let Some(v) = value
            && !(v.starts_with('/') || v.starts_with("https://") || v.starts_with("http://"))
        {
            self.error(
                field,
                field,
                format!(
                    "expected a site path such as \"/logo.png\" (a file of `static/`) or an absolute URL, found \"{v}\""
                ),
            );
        }
    }
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
pub(super) struct RawConfig {
    pub(super) base_url: Option<String>,
    pub(super) default_language: Option<String>,
    pub(super) timezone: Option<String>,
    pub(super) publisher: Option<RawPublisher>,
    #[serde(default)]
    pub(super) languages: BTreeMap<String, RawLanguage>,
    #[serde(default)]
    pub(super) alliances: BTreeMap<String, RawNames>,
    #[serde(default)]
    pub(super) countries: BTreeMap<String, RawNames>,
    #[serde(default)]
    pub(super) extra: toml::Table,
    #[serde(default)]
    pub(super) keep: Vec<String>,
    pub(super) icon: Option<String>,
    pub(super) default_image: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPublisher {
    pub(super) zh: Option<String>,
    pub(super) en: Option<String>,
    pub(super) url: Option<String>,
    pub(super) logo: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLanguage {
    title: String,
    description: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawNames {
    zh: Option<String>,
    en: Option<String>,
    url: Option<String>,
}
