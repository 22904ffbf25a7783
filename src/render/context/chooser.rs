//! `/index.html`, which sends readers to their language, and the 404 page, which offers
//! both: neither belongs to one language.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{IconLink, Prebuilt, View};
use crate::lang::Lang;
use crate::urls::{self, Permalink};

#[derive(Serialize)]
pub(super) struct ChooserContext<'a> {
    base_path: &'a str,
    assets: Prebuilt<BTreeMap<String, urls::Link>>,
    icons: Vec<IconLink>,
    canonical: Permalink,
    default_lang: Lang,
    languages: Vec<ChooserLanguage<'a>>,
}

#[derive(Serialize)]
struct ChooserLanguage<'a> {
    lang: Lang,
    html_lang: &'static str,
    name: &'static str,
    site_title: &'a str,
    description: String,
    url: urls::Link,
    t: Prebuilt<BTreeMap<&'static str, &'static str>>,
}
impl<'a> View<'a> {
    pub(super) fn chooser(&self) -> ChooserContext<'a> {
        let config = &self.site.config;
        let mut langs: Vec<Lang> = Lang::ALL.to_vec();
        langs.sort_by_key(|l| *l != config.default_language);
        ChooserContext {
            base_path: self.site.urls.base_path(),
            assets: self.shared.assets.clone(),
            icons: self.icons(),
            canonical: self.site.urls.permalink(&urls::root()),
            default_lang: config.default_language,
            languages: langs
                .into_iter()
                .map(|lang| ChooserLanguage {
                    lang,
                    html_lang: lang.html_lang(),
                    name: lang.native_name(),
                    site_title: &config.language(lang).title,
                    description: self.description_of(lang, &config.language(lang).title),
                    url: self.link(&urls::home(lang)),
                    t: self.shared.strings.get(lang).clone(),
                })
                .collect(),
        }
    }
}
