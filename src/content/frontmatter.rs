//! The YAML front matter of an article: split from the body, parsed, and checked field by
//! field so that one bad value produces one precise message and not a generic parse error.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use serde_yaml::Value;

use crate::config::{AllianceKey, SiteConfig};
use crate::country::CountryCode;
use crate::diagnostics::{Diagnostic, Diagnostics};

const FIELDS: [&str; 9] = [
    "title",
    "date",
    "summary",
    "alliances",
    "countries",
    "tags",
    "source",
    "image",
    "draft",
];

#[derive(Debug, Clone, Serialize)]
pub struct Source {
    pub name: String,
    pub url: Option<String>,
}

/// The article's lead photo, as one half describes it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LeadImage {
    /// Relative to the article file, as written.
    pub src: String,
    pub alt: String,
    pub caption: Option<String>,
    pub credit: Option<String>,
}

#[derive(Debug, Clone)]
pub struct FrontMatter {
    pub title: String,
    pub date: NaiveDate,
    pub summary: Option<String>,
    pub alliances: Vec<AllianceKey>,
    pub countries: Vec<CountryCode>,
    pub tags: Vec<String>,
    pub source: Option<Source>,
    pub image: Option<LeadImage>,
    pub draft: bool,
    /// File line of each top-level key, for messages about a field after parsing.
    lines: HashMap<String, usize>,
    /// Non-fatal remarks (unknown fields), lifted into the build's diagnostics.
    pub(super) warnings: Vec<Diagnostic>,
}

impl FrontMatter {
    pub fn line_of(&self, field: &str) -> Option<usize> {
        self.lines.get(field).copied()
    }
}

/// Why a date of the right shape does not exist: "February 2024 has no 30th".
fn impossible_date(s: &str) -> Option<String> {
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

/// The fields that must agree between the two halves of a pair (compared as sets), each
/// with what the halves say: `2024-05-10 in the zh half, 2024-05-11 in the en half`.
pub fn disagreements(zh: &FrontMatter, en: &FrontMatter) -> Vec<(&'static str, String)> {
    fn both(a: impl std::fmt::Display, b: impl std::fmt::Display) -> String {
        format!("{a} in the zh half, {b} in the en half")
    }
    /// What each half has that the other lacks.
    fn sets<T: Ord + Clone + std::fmt::Display>(zh: &[T], en: &[T]) -> Option<String> {
        let (a, b): (BTreeSet<T>, BTreeSet<T>) =
            (zh.iter().cloned().collect(), en.iter().cloned().collect());
        if a == b {
            return None;
        }
        let only = |x: &BTreeSet<T>, y: &BTreeSet<T>, half: &str| {
            let list: Vec<String> = x.difference(y).map(|v| format!("`{v}`")).collect();
            (!list.is_empty()).then(|| format!("{} only in the {half} half", list.join(", ")))
        };
        let parts: Vec<String> = [only(&a, &b, "zh"), only(&b, &a, "en")]
            .into_iter()
            .flatten()
            .collect();
        Some(parts.join("; "))
    }
    let mut out = Vec::new();
    if zh.date != en.date {
        out.push(("date", both(zh.date, en.date)));
    }
    if let Some(d) = sets(&zh.alliances, &en.alliances) {
        out.push(("alliances", d));
    }
    if let Some(d) = sets(&zh.countries, &en.countries) {
        out.push(("countries", d));
    }
    if zh.draft != en.draft {
        out.push(("draft", both(zh.draft, en.draft)));
    }
    out
}

/// Splits `text` into front matter and body and validates the front matter. Returns the
/// body and the file line it starts on.
pub fn parse(
    file: &Path,
    text: &str,
    config: &SiteConfig,
) -> Result<(FrontMatter, String, usize), Diagnostics> {
    let one = |d: Diagnostic| -> Diagnostics { std::iter::once(d).collect() };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // CRLF files: drop the CRs so YAML and Markdown see one kind of line ending; line
    // numbers do not change.
    let text = text.replace("\r\n", "\n");
    let mut lines = text.split_inclusive('\n');
    let opening = lines.next().unwrap_or("");
    if opening.trim_end() != "---" {
        let msg = if text.trim().is_empty() {
            "the file is empty; an article starts with front matter between `---` lines (title, date)"
        } else {
            "expected front matter: the file must start with a `---` line, then YAML (title, date), then `---`"
        };
        return Err(one(Diagnostic::error(file, msg).at_line(1)));
    }
    let mut yaml_len = 0;
    let mut closing_line = None;
    for (i, line) in lines.enumerate() {
        if line.trim_end() == "---" {
            closing_line = Some(i + 2);
            break;
        }
        yaml_len += line.len();
    }
    let Some(closing_line) = closing_line else {
        return Err(one(Diagnostic::error(
            file,
            "the front matter is not closed: expected a `---` line after it",
        )
        .at_line(1)));
    };
    let yaml = &text[opening.len()..opening.len() + yaml_len];
    let body_start = text
        .split_inclusive('\n')
        .take(closing_line)
        .map(str::len)
        .sum::<usize>();
    let body = text[body_start..].to_owned();
    let body_line = closing_line + 1;

    let value: Value = match serde_yaml::from_str(yaml) {
        Ok(v) => v,
        Err(e) => {
            let line = e.location().map(|l| l.line() + 1);
            let msg = e.to_string();
            // serde_yaml appends " at line X column Y", which would contradict our file line.
            let msg = msg.split(" at line ").next().unwrap_or(&msg).to_owned();
            return Err(one(Diagnostic::error(
                file,
                format!("invalid YAML in the front matter: {msg}"),
            )
            .at_line_opt(line)));
        }
    };
    let map = match value {
        Value::Mapping(m) => m,
        Value::Null => serde_yaml::Mapping::new(),
        _ => {
            return Err(one(Diagnostic::error(
                file,
                "the front matter must be YAML `key: value` lines (title, date, …)",
            )
            .at_line(2)));
        }
    };

    let mut field_lines = HashMap::new();
    for (i, line) in yaml.lines().enumerate() {
        if let Some((key, _)) = line.split_once(':')
            && !line.starts_with([' ', '\t', '-', '#'])
        {
            let key = key.trim().trim_matches(['"', '\'']).to_owned();
            field_lines.entry(key).or_insert(i + 2);
        }
    }
    let mut v = Validator {
        file,
        lines: &field_lines,
        diags: Diagnostics::default(),
    };
    let mut warnings = Vec::new();
    for key in map.keys() {
        let key = scalar_string(key).unwrap_or_default();
        if !FIELDS.contains(&key.as_str()) {
            warnings.push(
                Diagnostic::warning(
                    file,
                    format!(
                        "unknown field, ignored (known fields: {})",
                        FIELDS.join(", ")
                    ),
                )
                .field(key.clone())
                .at_line_opt(field_lines.get(&key).copied()),
            );
        }
    }
    let get = |k: &str| map.get(k).filter(|v| !v.is_null());

    let title = match get("title") {
        None => {
            v.error("title", "missing; every article needs a title");
            None
        }
        Some(t) => v.non_empty_string("title", t),
    };
    let date = match get("date") {
        None => {
            v.error(
                "date",
                "missing; expected the publication date as YYYY-MM-DD",
            );
            None
        }
        Some(d) => v.date(d),
    };
    let summary = get("summary").and_then(|s| v.non_empty_string("summary", s));
    let alliances = v
        .string_list("alliances", get("alliances"))
        .into_iter()
        .filter_map(|name| match config.alliance(&name) {
            Some(a) => Some(a.key.clone()),
            None => {
                let declared: Vec<&str> = config.alliances.iter().map(|a| a.key.as_str()).collect();
                let hint = if declared.is_empty() {
                    "no alliances are declared in site.toml".to_owned()
                } else {
                    format!("declared in site.toml: {}", declared.join(", "))
                };
                v.error(
                    "alliances",
                    &format!("`{name}` is not an alliance key ({hint})"),
                );
                None
            }
        })
        .collect::<Vec<_>>();
    let countries = v
        .string_list("countries", get("countries"))
        .into_iter()
        .filter_map(|code| match CountryCode::parse(&code) {
            Ok(c) => Some(c),
            Err(e) => {
                v.error("countries", &format!("`{code}`: {e}"));
                None
            }
        })
        .collect::<Vec<_>>();
    let tags = v.string_list("tags", get("tags"));
    let source = get("source").and_then(|s| v.source(s));
    let image = get("image").and_then(|i| v.lead_image(i));
    let draft = match get("draft") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            v.error("draft", "expected `true` or `false`");
            false
        }
    };

    match (title, date) {
        (Some(title), Some(date)) if !v.diags.has_errors() => Ok((
            FrontMatter {
                title,
                date,
                summary,
                alliances: dedup(alliances),
                countries: dedup(countries),
                tags: dedup(tags),
                source,
                image,
                draft,
                lines: field_lines,
                warnings,
            },
            body,
            body_line,
        )),
        _ => Err(v.diags),
    }
}

fn dedup<T: PartialEq>(items: Vec<T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(items.len());
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// Strings, numbers and booleans as written; YAML readers often quote inconsistently.
fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn describe(v: &Value) -> &'static str {
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

struct Validator<'a> {
    file: &'a Path,
    lines: &'a HashMap<String, usize>,
    diags: Diagnostics,
}

impl Validator<'_> {
    /// An error about `field`, at its line, or at the front matter's first line when the
    /// field is missing.
    fn error(&mut self, field: &str, msg: &str) {
        let line = self.lines.get(field).copied().unwrap_or(1);
        self.diags
            .push(Diagnostic::error(self.file, msg).field(field).at_line(line));
    }

    fn non_empty_string(&mut self, field: &str, v: &Value) -> Option<String> {
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

    fn date(&mut self, v: &Value) -> Option<NaiveDate> {
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

    /// A list of strings; a single string is taken as a list of one.
    fn string_list(&mut self, field: &str, v: Option<&Value>) -> Vec<String> {
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

    fn lead_image(&mut self, v: &Value) -> Option<LeadImage> {
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

    fn source(&mut self, v: &Value) -> Option<Source> {
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
