//! The pages that list terms (alliances, countries, years, tags) with their counts, and
//! the home page's sidebar made of the same counts.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Common, Link, Section, TermCount, View};
use crate::charts::{self, Partner, WorldMap};
use crate::country::Region;
use crate::i18n;
use crate::lang::Lang;
use crate::urls::{self, SitePath};

/// How many countries the home page lists beside the news.
const HOME_COUNTRIES: usize = 10;
#[derive(Serialize)]
pub(super) struct Sidebar {
    alliances: Vec<TermCount>,
    countries: Vec<TermCount>,
    years: Vec<TermCount>,
}

#[derive(Serialize)]
pub(super) struct TermsContext<'a> {
    #[serde(flatten)]
    common: Common<'a>,
    heading: &'static str,
    intro: &'static str,
    terms: Vec<TermCount>,
    regions: Vec<RegionGroup>,
    /// Only on the countries page.
    map: Option<WorldMap>,
    breadcrumbs: Vec<Link>,
}

#[derive(Serialize)]
struct RegionGroup {
    name: &'static str,
    countries: Vec<TermCount>,
}

impl<'a> View<'a> {
    fn term_count(
        &self,
        lang: Lang,
        name: String,
        other_name: String,
        path: SitePath,
        items: &[usize],
    ) -> TermCount {
        let articles = self.site.articles(lang);
        TermCount {
            name,
            other_name,
            url: self.link(&path),
            count: items.len(),
            count_label: i18n::article_count(lang, items.len()),
            latest: items.first().map(|&i| lang.format_date(articles[i].date)),
        }
    }

    fn alliance_counts(&self, lang: Lang) -> Vec<TermCount> {
        let tax = self.indexes.get(lang);
        self.site
            .config
            .alliances
            .iter()
            .map(|a| {
                let items = tax.alliances.get(&a.key).map_or(&[][..], Vec::as_slice);
                self.term_count(
                    lang,
                    a.name.get(lang).into(),
                    a.name.get(lang.other()).into(),
                    urls::alliance(lang, &a.key),
                    items,
                )
            })
            .collect()
    }

    fn country_counts(&self, lang: Lang) -> Vec<(Region, TermCount)> {
        let tax = self.indexes.get(lang);
        tax.countries
            .iter()
            .map(|(code, items)| {
                let config = &self.site.config;
                let t = self.term_count(
                    lang,
                    config.country_name(*code, lang),
                    config.country_name(*code, lang.other()),
                    urls::country(lang, *code),
                    items,
                );
                (code.region(), t)
            })
            .collect()
    }

    fn year_counts(&self, lang: Lang) -> Vec<TermCount> {
        let tax = self.indexes.get(lang);
        tax.years
            .iter()
            .rev()
            .map(|(year, items)| {
                self.term_count(
                    lang,
                    i18n::year_name(lang, *year),
                    String::new(),
                    urls::year(lang, *year),
                    items,
                )
            })
            .collect()
    }

    pub(super) fn sidebar(&self, lang: Lang) -> Sidebar {
        let mut countries: Vec<TermCount> = self
            .country_counts(lang)
            .into_iter()
            .map(|(_, t)| t)
            .collect();
        countries.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
        countries.truncate(HOME_COUNTRIES);
        Sidebar {
            alliances: self.alliance_counts(lang),
            countries,
            years: self.year_counts(lang),
        }
    }

    fn terms_page(
        &self,
        lang: Lang,
        path: &SitePath,
        section: Section,
        key: &'static str,
        terms: Vec<TermCount>,
        regions: Vec<RegionGroup>,
    ) -> TermsContext<'a> {
        let heading = i18n::get(lang, key);
        let intro_key = match section {
            Section::Alliances => "alliances_intro",
            Section::Countries => "countries_intro",
            Section::Tags => "tags_intro",
            _ => "years_intro",
        };
        TermsContext {
            common: self.common(
                lang,
                path,
                section,
                heading.to_owned(),
                i18n::get(lang, intro_key).to_owned(),
            ),
            heading,
            intro: i18n::get(lang, intro_key),
            terms,
            regions,
            map: None,
            breadcrumbs: vec![self.crumb_home(lang)],
        }
    }

    pub(super) fn alliances(&self, lang: Lang, path: &SitePath) -> TermsContext<'a> {
        self.terms_page(
            lang,
            path,
            Section::Alliances,
            "alliances_title",
            self.alliance_counts(lang),
            Vec::new(),
        )
    }

    pub(super) fn countries(&self, lang: Lang, path: &SitePath) -> TermsContext<'a> {
        let mut by_region: BTreeMap<Region, Vec<TermCount>> = BTreeMap::new();
        for (region, t) in self.country_counts(lang) {
            by_region.entry(region).or_default().push(t);
        }
        let regions = by_region
            .into_iter()
            .map(|(region, mut countries)| {
                countries.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
                RegionGroup {
                    name: i18n::get(lang, region.label_key()),
                    countries,
                }
            })
            .collect();
        let tax = self.indexes.get(lang);
        let partners = tax
            .countries
            .iter()
            .map(|(code, items)| {
                let partner = Partner {
                    name: self.site.config.country_name(*code, lang),
                    url: self.link(&urls::country(lang, *code)),
                    count: items.len(),
                };
                (code.as_str(), partner)
            })
            .collect();
        let mut page = self.terms_page(
            lang,
            path,
            Section::Countries,
            "countries_title",
            Vec::new(),
            regions,
        );
        page.map = Some(charts::world_map(lang, &partners));
        page
    }

    pub(super) fn tags(&self, lang: Lang, path: &SitePath) -> TermsContext<'a> {
        let terms = self
            .indexes
            .get(lang)
            .tags_by_use()
            .into_iter()
            .map(|(slug, tag)| {
                self.term_count(
                    lang,
                    tag.name.clone(),
                    String::new(),
                    urls::tag(lang, slug),
                    &tag.items,
                )
            })
            .collect();
        self.terms_page(lang, path, Section::Tags, "tags_title", terms, Vec::new())
    }

    pub(super) fn years(&self, lang: Lang, path: &SitePath) -> TermsContext<'a> {
        self.terms_page(
            lang,
            path,
            Section::Years,
            "years_title",
            self.year_counts(lang),
            Vec::new(),
        )
    }
}
