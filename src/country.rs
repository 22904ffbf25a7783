//! ISO 3166-1 country codes and their names in both languages.
//!
//! Names come from the `keshvar` crate (the data of the `countries` gem, which carries CLDR
//! translations), so every code has a Chinese and an English name without a hand-written
//! table; `site.toml` may override any of them.

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use serde::Serialize;

use crate::lang::Lang;

/// An upper-case ISO 3166-1 alpha-2 code that names a real country or territory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CountryCode([u8; 2]);

impl CountryCode {
    /// Accepts exactly two upper-case letters that ISO 3166-1 assigns.
    pub fn parse(s: &str) -> Result<CountryCode, CountryCodeError> {
        let bytes = s.as_bytes();
        if bytes.len() != 2 || !bytes.iter().all(u8::is_ascii_alphabetic) {
            return Err(CountryCodeError::Malformed);
        }
        if !bytes.iter().all(u8::is_ascii_uppercase) {
            return Err(CountryCodeError::NotUpperCase(s.to_ascii_uppercase()));
        }
        let code = CountryCode([bytes[0], bytes[1]]);
        if registry().contains_key(&code) {
            Ok(code)
        } else {
            Err(CountryCodeError::Unassigned)
        }
    }

    pub fn as_str(&self) -> &str {
        // Both bytes are ASCII letters by construction.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }

    /// The lower-case form used in URLs (`/en/countries/ke/`).
    pub fn url_segment(&self) -> String {
        self.as_str().to_ascii_lowercase()
    }

    /// The name from the data source (overrides from `site.toml` are applied by the caller).
    pub fn name(&self, lang: Lang) -> &'static str {
        let info = &registry()[self];
        match lang {
            Lang::Zh => info.zh,
            Lang::En => info.en,
        }
    }

    pub fn region(&self) -> Region {
        registry()[self].region
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for CountryCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CountryCodeError {
    Malformed,
    NotUpperCase(String),
    Unassigned,
}

impl fmt::Display for CountryCodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CountryCodeError::Malformed => {
                f.write_str("expected an ISO 3166-1 alpha-2 code of two letters, such as `KE`")
            }
            CountryCodeError::NotUpperCase(upper) => {
                write!(f, "country codes are upper case: write `{upper}`")
            }
            CountryCodeError::Unassigned => f.write_str("not an assigned ISO 3166-1 alpha-2 code"),
        }
    }
}

/// The continent a country is listed under on the countries page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Region {
    Asia,
    Africa,
    Europe,
    Americas,
    Oceania,
    Antarctica,
}

impl Region {
    /// The key of the region's label among the interface strings.
    pub fn label_key(self) -> &'static str {
        match self {
            Region::Asia => "region_asia",
            Region::Africa => "region_africa",
            Region::Europe => "region_europe",
            Region::Americas => "region_americas",
            Region::Oceania => "region_oceania",
            Region::Antarctica => "region_antarctica",
        }
    }
}

struct CountryInfo {
    zh: &'static str,
    en: &'static str,
    region: Region,
}

/// keshvar builds each `Country` (with all its translations) on every call, so the few
/// facts the portal needs are read once for all 249 codes.
fn registry() -> &'static HashMap<CountryCode, CountryInfo> {
    static REGISTRY: OnceLock<HashMap<CountryCode, CountryInfo>> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        keshvar::CountryIterator::new()
            .filter_map(|country| {
                let alpha2 = country.alpha2().to_string();
                let b = alpha2.as_bytes();
                if b.len() != 2 {
                    return None;
                }
                let translations = country.translations();
                let en = translations
                    .get("en")
                    .copied()
                    .unwrap_or(country.iso_short_name());
                let zh = translations
                    .get("zh_CN")
                    .or_else(|| translations.get("zh"))
                    .copied()
                    .unwrap_or(en);
                let region = match country.maybe_region() {
                    Some(keshvar::Region::Africa) => Region::Africa,
                    Some(keshvar::Region::Americas) => Region::Americas,
                    Some(keshvar::Region::Asia) => Region::Asia,
                    Some(keshvar::Region::Europe) => Region::Europe,
                    Some(keshvar::Region::Oceania) => Region::Oceania,
                    _ => Region::Antarctica,
                };
                Some((CountryCode([b[0], b[1]]), CountryInfo { zh, en, region }))
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_validated_and_named_in_both_languages() {
        let no = CountryCode::parse("NO").unwrap();
        assert_eq!(no.name(Lang::En), "Norway");
        assert_eq!(no.name(Lang::Zh), "挪威");
        assert_eq!(no.region(), Region::Europe);
        assert_eq!(CountryCode::parse("KE").unwrap().name(Lang::Zh), "肯尼亚");
        assert_eq!(
            CountryCode::parse("ke"),
            Err(CountryCodeError::NotUpperCase("KE".into()))
        );
        assert_eq!(CountryCode::parse("XX"), Err(CountryCodeError::Unassigned));
        assert_eq!(CountryCode::parse("KEN"), Err(CountryCodeError::Malformed));
    }
}
