//! The two languages of a portal, and the few facts that differ between them.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

/// A language the portal is published in. Only Chinese and English: the whole product is
/// built around pairing exactly these two halves of each article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Zh,
    En,
}

/// One value for each language: what would otherwise be a `zh`/`en` pair of fields with
/// a `match` on the language wherever one of them is needed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PerLang<T> {
    pub zh: T,
    pub en: T,
}

impl<T> PerLang<T> {
    /// A value for each language, made by `f`.
    pub fn by(mut f: impl FnMut(Lang) -> T) -> PerLang<T> {
        PerLang {
            zh: f(Lang::Zh),
            en: f(Lang::En),
        }
    }

    pub fn get(&self, lang: Lang) -> &T {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }

    pub fn get_mut(&mut self, lang: Lang) -> &mut T {
        match lang {
            Lang::Zh => &mut self.zh,
            Lang::En => &mut self.en,
        }
    }
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Zh, Lang::En];

    /// The code used in file names (`slug.zh.md`) and URLs (`/zh/`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The BCP 47 tag for `<html lang>` and hreflang: Simplified Chinese is what the
    /// portal's readers write, and `zh-Hans` lets browsers pick Simplified glyphs.
    pub fn html_lang(self) -> &'static str {
        match self {
            Lang::Zh => "zh-Hans",
            Lang::En => "en",
        }
    }

    /// The name of the language written in that language, for the switcher.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::Zh => "中文",
            Lang::En => "English",
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        match code {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// A date as a reader of this language writes it: 2024年11月21日 / 21 November 2024.
    pub fn format_date(self, date: NaiveDate) -> String {
        match self {
            Lang::Zh => format!("{}年{}月{}日", date.year(), date.month(), date.day()),
            Lang::En => date.format("%-d %B %Y").to_string(),
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_naturally_in_each_language() {
        let d = NaiveDate::from_ymd_opt(2024, 11, 1).unwrap();
        assert_eq!(Lang::Zh.format_date(d), "2024年11月1日");
        assert_eq!(Lang::En.format_date(d), "1 November 2024");
    }
}
