//! The search page, and the configuration its script reads.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Common, Section, View};
use crate::i18n;
use crate::lang::Lang;
use crate::render::structured::script_safe_json;
use crate::urls::{self, SitePath};

#[derive(Serialize)]
pub(super) struct SearchContext<'a> {
    #[serde(flatten)]
    common: Common<'a>,
    /// What the search script needs, as JSON for a `<script type="application/json">`.
    config: String,
}

#[derive(Serialize)]
struct SearchConfig<'a> {
    lang: Lang,
    worker: urls::Link,
    manifest: urls::Link,
    strings: BTreeMap<&'static str, &'static str>,
    alliances: BTreeMap<&'a str, &'a str>,
    countries: BTreeMap<String, String>,
}

impl<'a> View<'a> {
    pub(super) fn search(&self, lang: Lang, path: &SitePath) -> SearchContext<'a> {
        let title = i18n::get(lang, "search_title").to_owned();
        let strings = [
            "search_loading",
            "search_results",
            "search_one_result",
            "search_none",
            "search_error",
            "search_damaged",
            "search_corrected",
            "search_truncated",
            "search_clear",
            "alliances_title",
            "countries_title",
            "years_title",
        ]
        .into_iter()
        .map(|k| (k, i18n::get(lang, k)))
        .collect();
        let config = &self.site.config;
        let countries = self
            .indexes
            .get(lang)
            .countries
            .keys()
            .map(|c| (c.as_str().to_owned(), config.country_name(*c, lang)))
            .collect();
        let search_config = SearchConfig {
            lang,
            worker: self.asset("search/worker.js"),
            manifest: self.link(&urls::file(&format!(
                "{}/{}",
                crate::search::SEARCH_DIR,
                crate::search::manifest_name(Some(lang))
            ))),
            strings,
            alliances: config
                .alliances
                .iter()
                .map(|a| (a.key.as_str(), a.name.get(lang).as_str()))
                .collect(),
            countries,
        };
        let json = serde_json::to_value(&search_config).unwrap_or_default();
        SearchContext {
            common: self.common(lang, path, Section::Search, title, String::new()),
            config: script_safe_json(&json),
        }
    }
}
