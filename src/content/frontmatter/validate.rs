//! Reading front-matter values: each field's checks, with messages that say what was
//! expected and what was found.

use chrono::{Datelike, NaiveDate};
use serde_yaml::Value;
use std::collections::HashMap;
use std::path::Path;

use crate::config::{AllianceKey, SiteConfig};
use crate::country::CountryCode;
use crate::diagnostics::{Diagnostic, Diagnostics};

use super::{LeadImage, Source};

/// Why a date of the right shape does not exist: "February 2024 has no 30th".
pub(super) fn impossible_date(s: &str) -> Option<String> {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let number = |range: std::ops::Range<usize>| s.get(range)?.parse::<u32>().ok();
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    if !(1..=12).contains(&month) {
        return Some(format!(
            "there is no month {month}; months run from 01 to 12"
        ));
    }
    if day == 0 {
        return Some("days start at 01".to_owned());
    }
    let first_of_next = if month == 12 {
        NaiveDate::from_ymd_opt(year as i32 + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year as i32, month + 1, 1)
    }?;
    let days = first_of_next.pred_opt()?.day();
    let ordinal = match day % 10 {
        1 if day != 11 => "st",
        2 if day != 12 => "nd",
        3 if day != 13 => "rd",
        _ => "th",
    };
    (day > days).then(|| {
        format!(
            "{} {year} has no {day}{ordinal} (it has {days} days)",
            MONTHS[month as usize - 1]
        )
    })
}

pub(super) fn dedup<T: PartialEq>(items: Vec<T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(items.len());
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// Strings, numbers and booleans as written; YAML readers often quote inconsistently.
pub(super) fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

pub(super) fn describe(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a mapping",
        Value::Tagged(_) => "a tagged value",
    }
}

pub(super) struct Validator<'a> {
    pub(super) file: &'a Path,
    pub(super) lines: &'a HashMap<String, usize>,
    pub(super) diags: Diagnostics,
}

impl Validator<'_> {
    /// An error about `field`, at its line, or at the front matter's first line when the
    /// field is missing.
    pub(super) fn error(&mut self, field: &str, msg: &str) {
        let line = self.lines.get(field).copied().unwrap_or(1);
        self.diags
            .push(Diagnostic::error(self.file, msg).field(field).at_line(line));
    }

    pub(super) fn non_empty_string(&mut self, field: &str, v: &Value) -> Option<String> {
        match scalar_string(v) {
            Some(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            Some(_) => {
                self.error(field, "is empty; expected text");
                None
            }
            None => {
                self.error(field, &format!("expected text, found {}", describe(v)));
                None
            }
        }
    }

    pub(super) fn date(&mut self, v: &Value) -> Option<NaiveDate> {
        let s = scalar_string(v).unwrap_or_default();
        let well_formed = s.len() == 10 && s.as_bytes()[4] == b'-' && s.as_bytes()[7] == b'-';
        match NaiveDate::parse_from_str(&s, "%Y-%m-%d") {
            Ok(d) if well_formed => Some(d),
            _ => {
                let found = if s.is_empty() {
                    describe(v).to_owned()
                } else {
                    format!("`{s}`")
                };
                let why = if well_formed {
                    impossible_date(&s)
                        .map(|w| format!(": {w}"))
                        .unwrap_or_default()
                } else {
                    String::new()
                };
                self.error(
                    "date",
                    &format!(
                        "expected a date as YYYY-MM-DD (such as 2024-11-21), found {found}{why}"
                    ),
                );
                None
            }
        }
    }

    /// Alliance keys, each declared in `site.toml`.
    pub(super) fn alliances(&mut self, config: &SiteConfig, v: Option<&Value>) -> Vec<AllianceKey> {
        self.string_list("alliances", v)
            .into_iter()
            .filter_map(|name| match config.alliance(&name) {
                Some(a) => Some(a.key.clone()),
                None => {
                    let declared: Vec<&str> =
                        config.alliances.iter().map(|a| a.key.as_str()).collect();
                    let hint = if declared.is_empty() {
                        "no alliances are declared in site.toml".to_owned()
                    } else {
                        format!("declared in site.toml: {}", declared.join(", "))
                    };
                    self.error(
                        "alliances",
                        &format!("`{name}` is not an alliance key ({hint})"),
                    );
                    None
                }
            })
            .collect()
    }

    /// ISO 3166-1 alpha-2 codes.
    pub(super) fn countries(&mut self, v: Option<&Value>) -> Vec<CountryCode> {
        self.string_list("countries", v)
            .into_iter()
            .filter_map(|code| match CountryCode::parse(&code) {
                Ok(c) => Some(c),
                Err(e) => {
                    self.error("countries", &format!("`{code}`: {e}"));
                    None
                }
            })
            .collect()
    }

    /// A list of strings; a single string is taken as a list of one.
    pub(super) fn string_list(&mut self, field: &str, v: Option<&Value>) -> Vec<String> {
        let items: Vec<&Value> = match v {
            None => return Vec::new(),
            Some(Value::Sequence(items)) => items.iter().collect(),
            Some(other) => vec![other],
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            match scalar_string(item) {
                Some(s) if !s.trim().is_empty() => out.push(s.trim().to_owned()),
                _ => self.error(
                    field,
                    &format!("expected a list of strings, found {} in it", describe(item)),
                ),
            }
        }
        out
    }

    pub(super) fn lead_image(&mut self, v: &Value) -> Option<LeadImage> {
        let Value::Mapping(m) = v else {
            self.error(
                "image",
                &format!(
                    "expected `{{src, alt, caption, credit}}` (the lead photo), found {}",
                    describe(v)
                ),
            );
            return None;
        };
        for key in m.keys() {
            let key = scalar_string(key).unwrap_or_default();
            if !matches!(key.as_str(), "src" | "alt" | "caption" | "credit") {
                self.error(
                    "image",
                    &format!("unknown key `{key}`; expected `src`, `alt`, `caption` and `credit`"),
                );
            }
        }
        let text = |key: &str| {
            m.get(key)
                .and_then(scalar_string)
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty())
        };
        let src = text("src");
        let alt = text("alt");
        if src.is_none() {
            self.error(
                "image",
                "expected `src`: the photo's file, relative to this article (such as `ceremony.jpg`)",
            );
        }
        if alt.is_none() {
            self.error(
                "image",
                "expected `alt`: what the photo shows, in this half's language, for readers who cannot see it",
            );
        }
        Some(LeadImage {
            src: src?,
            alt: alt?,
            caption: text("caption"),
            credit: text("credit"),
        })
    }

    pub(super) fn source(&mut self, v: &Value) -> Option<Source> {
        let (name, url) = match v {
            Value::String(name) => (Some(name.clone()), None),
            Value::Mapping(m) => {
                for key in m.keys() {
                    let key = scalar_string(key).unwrap_or_default();
                    if key != "name" && key != "url" {
                        self.error(
                            "source",
                            &format!("unknown key `{key}`; expected `name` and `url`"),
                        );
                    }
                }
                let name = m.get("name").and_then(scalar_string);
                let url = m.get("url").and_then(scalar_string);
                (name, url)
            }
            other => {
                self.error(
                    "source",
                    &format!("expected `{{name, url}}`, found {}", describe(other)),
                );
                return None;
            }
        };
        let url = url.map(|u| u.trim().to_owned()).filter(|u| !u.is_empty());
        if let Some(u) = &url
            && !(u.starts_with("https://") || u.starts_with("http://"))
        {
            self.error(
                "source",
                &format!("`url` must be an http:// or https:// address, found `{u}`"),
            );
            return None;
        }
        match name.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()) {
            Some(name) => Some(Source { name, url }),
            None => {
                self.error(
                    "source",
                    "expected a `name` (the outlet that published the news)",
                );
                None
            }
        }
    }
}
