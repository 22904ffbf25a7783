//! The YAML front matter of an article: split from the body, parsed, and checked field by
//! field so that one bad value produces one precise message and not a generic parse error.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use chrono::NaiveDate;
use serde::Serialize;
use serde_yaml::Value;

use crate::config::{AllianceKey, SiteConfig};
use crate::country::CountryCode;
use crate::diagnostics::{Diagnostic, Diagnostics};

mod validate;
use validate::{Validator, dedup, scalar_string};

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
    let one = Diagnostics::one;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // CRLF files: drop the CRs so YAML and Markdown see one kind of line ending; line
    // numbers do not change.
    let text = text.replace("\r\n", "\n");
    let parts = split(&text).map_err(|msg| one(Diagnostic::error(file, msg).at_line(1)))?;
    let map = yaml_map(file, parts.yaml).map_err(one)?;
    let field_lines = field_lines(parts.yaml);
    let warnings = unknown_fields(file, &map, &field_lines);
    let mut v = Validator {
        file,
        lines: &field_lines,
        diags: Diagnostics::default(),
    };
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
    let alliances = v.alliances(config, get("alliances"));
    let countries = v.countries(get("countries"));
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
            parts.body.to_owned(),
            parts.body_line,
        )),
        _ => Err(v.diags),
    }
}

/// A file cut at its `---` lines.
struct Parts<'a> {
    yaml: &'a str,
    body: &'a str,
    /// The file line the body starts on.
    body_line: usize,
}

/// Finds the front matter between the first two `---` lines; the message says what is
/// wrong with a file that has none.
fn split(text: &str) -> Result<Parts<'_>, &'static str> {
    let mut lines = text.split_inclusive('\n');
    let opening = lines.next().unwrap_or("");
    if opening.trim_end() != "---" {
        return Err(if text.trim().is_empty() {
            "the file is empty; an article starts with front matter between `---` lines (title, date)"
        } else {
            "expected front matter: the file must start with a `---` line, then YAML (title, date), then `---`"
        });
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
    let closing_line =
        closing_line.ok_or("the front matter is not closed: expected a `---` line after it")?;
    let body_start = text
        .split_inclusive('\n')
        .take(closing_line)
        .map(str::len)
        .sum::<usize>();
    Ok(Parts {
        yaml: &text[opening.len()..opening.len() + yaml_len],
        body: &text[body_start..],
        body_line: closing_line + 1,
    })
}

/// The front matter as a YAML mapping (empty front matter is an empty one).
fn yaml_map(file: &Path, yaml: &str) -> Result<serde_yaml::Mapping, Diagnostic> {
    match serde_yaml::from_str(yaml) {
        Ok(Value::Mapping(m)) => Ok(m),
        Ok(Value::Null) => Ok(serde_yaml::Mapping::new()),
        Ok(_) => Err(Diagnostic::error(
            file,
            "the front matter must be YAML `key: value` lines (title, date, …)",
        )
        .at_line(2)),
        Err(e) => {
            let line = e.location().map(|l| l.line() + 1);
            let msg = e.to_string();
            // serde_yaml appends " at line X column Y", which would contradict our file line.
            let msg = msg.split(" at line ").next().unwrap_or(&msg).to_owned();
            Err(
                Diagnostic::error(file, format!("invalid YAML in the front matter: {msg}"))
                    .at_line_opt(line),
            )
        }
    }
}

/// The file line of each top-level key, for messages about a field after parsing.
fn field_lines(yaml: &str) -> HashMap<String, usize> {
    let mut lines = HashMap::new();
    for (i, line) in yaml.lines().enumerate() {
        if let Some((key, _)) = line.split_once(':')
            && !line.starts_with([' ', '\t', '-', '#'])
        {
            let key = key.trim().trim_matches(['"', '\'']).to_owned();
            lines.entry(key).or_insert(i + 2);
        }
    }
    lines
}

/// A warning for each field qiao does not know (a typo would otherwise go unnoticed).
fn unknown_fields(
    file: &Path,
    map: &serde_yaml::Mapping,
    lines: &HashMap<String, usize>,
) -> Vec<Diagnostic> {
    map.keys()
        .map(|key| scalar_string(key).unwrap_or_default())
        .filter(|key| !FIELDS.contains(&key.as_str()))
        .map(|key| {
            Diagnostic::warning(
                file,
                format!(
                    "unknown field, ignored (known fields: {})",
                    FIELDS.join(", ")
                ),
            )
            .at_line_opt(lines.get(&key).copied())
            .field(key)
        })
        .collect()
}
