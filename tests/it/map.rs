//! The world map of the countries page and the articles-per-year timelines, read back from
//! a built fixture site: links, accessible names, shades, bar values and the map's weight.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::process::{Command, Stdio};

use crate::support::{Page, Site};
use qiao::country::CountryCode;
use qiao::i18n;
use qiao::lang::Lang;

/// The map's budget on the page, compressed as servers send it.
const MAP_GZIP_BUDGET: usize = 60 * 1024;

/// `(date, alliances, countries)` of each fixture article. China is on more articles than
/// fit one list page, so its timeline must count beyond page 1; Singapore and Malta have no
/// 1:110m shape (dots), France has Natural Earth's odd code, Brazil has nothing.
fn fixture() -> Vec<(String, &'static str, &'static str)> {
    let mut out = Vec::new();
    for i in 0..23 {
        let year = 2021 + i % 4;
        let alliance = if i % 3 == 0 { "wvteda" } else { "" };
        out.push((format!("{year}-0{}-1{}", 1 + i % 9, i % 10), alliance, "CN"));
    }
    for (date, alliance, countries) in [
        ("2023-03-01", "wvteda", "KE, CN"),
        ("2023-06-01", "sco", "KE"),
        ("2024-02-01", "sco", "KE, SG"),
        ("2024-05-01", "", "SG, MT"),
        ("2022-07-01", "wvteda", "FR"),
    ] {
        out.push((date.to_owned(), alliance, countries));
    }
    out
}

fn codes(countries: &str) -> impl Iterator<Item = CountryCode> + '_ {
    countries
        .split(',')
        .map(|c| CountryCode::parse(c.trim()).unwrap())
}

fn built() -> Site {
    let site = Site::new();
    for (i, (date, alliances, countries)) in fixture().iter().enumerate() {
        site.pair("news", &format!("a{i:02}"), date, alliances, countries);
    }
    site.build_ok();
    site
}

/// Articles per country, from the fixture itself.
fn country_counts() -> BTreeMap<CountryCode, usize> {
    let mut counts = BTreeMap::new();
    for (_, _, countries) in fixture() {
        for code in codes(countries) {
            *counts.entry(code).or_insert(0) += 1;
        }
    }
    counts
}

/// Articles per year of the articles `keep` selects.
fn per_year(keep: impl Fn(&str, &str) -> bool) -> BTreeMap<i32, usize> {
    let mut years = BTreeMap::new();
    for (date, alliances, countries) in fixture() {
        if keep(alliances, countries) {
            *years.entry(date[..4].parse().unwrap()).or_insert(0) += 1;
        }
    }
    years
}

fn name(code: CountryCode, lang: Lang) -> &'static str {
    code.name(lang)
}

#[test]
fn countries_page_map_links_every_country_with_articles_and_only_those() {
    let site = built();
    let counts = country_counts();
    for lang in Lang::ALL {
        let page = site.page(&format!("/{lang}/countries/"));
        assert_eq!(page.select("svg.map").len(), 1, "{lang}: one map");
        let links = page.select("svg.map a");
        let linked: BTreeSet<String> = links
            .iter()
            .map(|a| a.value().attr("data-code").unwrap().to_owned())
            .collect();
        assert_eq!(links.len(), linked.len(), "{lang}: one link per country");
        let expected: BTreeSet<String> = counts.keys().map(|c| c.as_str().to_owned()).collect();
        assert_eq!(linked, expected, "{lang}");
        for a in &links {
            let code = CountryCode::parse(a.value().attr("data-code").unwrap()).unwrap();
            let n = counts[&code];
            let href = a.value().attr("href").unwrap();
            assert_eq!(href, format!("/{lang}/countries/{}/", code.url_segment()));
            // The same page is linked from the grouped list below the map.
            assert!(
                page.attrs(".terms-countries a", "href")
                    .iter()
                    .any(|h| h == href)
            );
            let label = format!(
                "{}{}{}",
                name(code, lang),
                i18n::get(lang, "colon"),
                i18n::article_count(lang, n)
            );
            assert_eq!(a.value().attr("aria-label"), Some(label.as_str()));
            let title: String = a
                .children()
                .filter_map(scraper::ElementRef::wrap)
                .find(|e| e.value().name() == "title")
                .map(|t| t.text().collect())
                .unwrap_or_default();
            assert_eq!(title, label, "hover shows name and count");
            // Something to see and to point at: an outline, or a dot for the small ones.
            let drawn = a
                .children()
                .filter_map(scraper::ElementRef::wrap)
                .any(|e| matches!(e.value().name(), "path" | "circle"));
            assert!(drawn, "{code} is drawn");
        }
        for small in ["SG", "MT"] {
            let dot = format!("svg.map a[data-code={small}] circle.map-dot");
            assert_eq!(page.select(&dot).len(), 1, "{lang}: {small} has a dot");
        }
        // Brazil has no articles: drawn in the neutral tone, not a link.
        assert!(page.select("svg.map a[data-code=BR]").is_empty());
        assert_eq!(
            page.select("svg.map .map-level-0 path[data-code=BR]").len(),
            1
        );
    }
    // The English label reads as the issue wants it.
    let en = site.page("/en/countries/");
    assert_eq!(
        en.attr("svg.map a[data-code=KE]", "aria-label").as_deref(),
        Some("Kenya: 3 articles")
    );
    let zh = site.page("/zh/countries/");
    assert_eq!(
        zh.attr("svg.map a[data-code=KE]", "aria-label").as_deref(),
        Some("肯尼亚：3 篇")
    );
}

#[test]
fn legend_shades_cover_every_count() {
    let site = built();
    for lang in Lang::ALL {
        let page = site.page(&format!("/{lang}/countries/"));
        let steps: Vec<(String, usize, usize)> = page
            .select(".map-legend li[data-min]")
            .iter()
            .map(|li| {
                let v = li.value();
                (
                    v.attr("class").unwrap().to_owned(),
                    v.attr("data-min").unwrap().parse().unwrap(),
                    v.attr("data-max").unwrap().parse().unwrap(),
                )
            })
            .collect();
        assert!(!steps.is_empty());
        // The ranges run from 1 to the largest count without gaps or overlaps.
        assert_eq!(steps[0].1, 1);
        for pair in steps.windows(2) {
            assert_eq!(pair[1].1, pair[0].2 + 1, "{steps:?}");
        }
        let max = *country_counts().values().max().unwrap();
        assert_eq!(steps.last().unwrap().2, max);
        for a in page.select("svg.map a") {
            let n: usize = a.value().attr("data-count").unwrap().parse().unwrap();
            let class = a.value().attr("class").unwrap();
            let level = class
                .split(' ')
                .find(|c| c.starts_with("map-level-"))
                .unwrap();
            let step = steps
                .iter()
                .find(|(_, lo, hi)| (lo..=hi).contains(&&n))
                .unwrap();
            assert_eq!(step.0, level, "count {n} has the legend's shade");
        }
        // The legend's labels are in the page's language.
        let labels = page.texts(".map-legend li");
        assert_eq!(labels[0], i18n::get(lang, "map_no_articles"));
        let last = steps.last().unwrap();
        assert_eq!(
            labels.last().unwrap(),
            &i18n::count_range(lang, last.1, last.2)
        );
    }
}

fn gzip_len(bytes: &[u8]) -> usize {
    // The system's gzip: the test measures what a server's compression would send.
    let mut child = Command::new("gzip")
        .arg("-9c")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("gzip is installed");
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    child.wait_with_output().unwrap().stdout.len()
}

#[test]
fn map_stays_within_its_weight_budget() {
    let site = built();
    let page = site.page("/en/countries/");
    let figure = page.select("figure.world-map");
    assert_eq!(figure.len(), 1);
    let html = figure[0].html();
    let size = gzip_len(html.as_bytes());
    eprintln!("map: {} bytes, {size} bytes gzip", html.len());
    assert!(size <= MAP_GZIP_BUDGET, "the map is {size} bytes gzip");
}

/// The bars of the page's timeline as `year → count`, checking each bar's link.
fn bars(page: &Page, lang: Lang) -> BTreeMap<i32, usize> {
    let charts = page.select("figure.timeline");
    assert_eq!(charts.len(), 1, "one timeline");
    let mut out = BTreeMap::new();
    for bar in page.select("figure.timeline .bar") {
        let v = bar.value();
        let year: i32 = v.attr("data-year").unwrap().parse().unwrap();
        let n: usize = v.attr("data-count").unwrap().parse().unwrap();
        if n > 0 {
            assert_eq!(
                v.attr("href"),
                Some(format!("/{lang}/years/{year}/").as_str())
            );
            let label = format!(
                "{}{}{}",
                i18n::year_name(lang, year),
                i18n::get(lang, "colon"),
                i18n::article_count(lang, n)
            );
            assert_eq!(v.attr("aria-label"), Some(label.as_str()));
        } else {
            assert_eq!(v.name(), "g", "an empty year is not a link");
        }
        out.insert(year, n);
    }
    // The visually hidden table holds the same numbers.
    let table: BTreeMap<String, usize> = page
        .select("figure.timeline table tbody tr")
        .iter()
        .map(|tr| {
            let cells: Vec<String> = tr
                .text()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect();
            (cells[0].clone(), cells[1].parse().unwrap())
        })
        .collect();
    let named: BTreeMap<String, usize> = out
        .iter()
        .map(|(&y, &n)| (i18n::year_name(lang, y), n))
        .collect();
    assert_eq!(table, named);
    out
}

/// Every year from the first to the last, empty ones as zero.
fn filled(years: BTreeMap<i32, usize>) -> BTreeMap<i32, usize> {
    let (first, last) = (
        *years.keys().next().unwrap(),
        *years.keys().next_back().unwrap(),
    );
    (first..=last)
        .map(|y| (y, years.get(&y).copied().unwrap_or(0)))
        .collect()
}

#[test]
fn every_alliance_country_and_home_page_charts_its_articles_per_year() {
    let site = built();
    for lang in Lang::ALL {
        for code in country_counts().keys() {
            let page = site.page(&format!("/{lang}/countries/{}/", code.url_segment()));
            let expected = per_year(|_, c| codes(c).any(|x| x == *code));
            assert_eq!(bars(&page, lang), filled(expected), "{lang} {code}");
        }
        for alliance in ["wvteda", "sco"] {
            let page = site.page(&format!("/{lang}/alliances/{alliance}/"));
            let expected = per_year(|a, _| a.split(',').any(|x| x.trim() == alliance));
            assert_eq!(bars(&page, lang), filled(expected), "{lang} {alliance}");
        }
        let home = site.page(&format!("/{lang}/"));
        assert_eq!(
            bars(&home, lang),
            filled(per_year(|_, _| true)),
            "{lang} home"
        );
        // Later pages of a list are the same term: the chart is on its first page only.
        let second = site.page(&format!("/{lang}/countries/cn/page/2/"));
        assert!(second.select("figure.timeline").is_empty());
    }
}

#[test]
fn whole_site_link_check_passes() {
    let site = built();
    site.check_output_ok();
}
