//! The pictures drawn at build time: the world map of the countries page and the
//! articles-per-year timelines. Both are plain data (geometry already in SVG units, counts,
//! labels in the page's language) handed to the templates, which write the SVG, so a site's
//! own templates can restyle or drop them; nothing is fetched or scripted at view time.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::i18n;
use crate::lang::Lang;
use crate::urls::Link;

/// Natural Earth admin-0 countries, projected and simplified by `scripts/world-map/convert.mjs`.
const WORLD: &str = include_str!("world.json");

/// How many shades the map's sequential scale has at most.
const LEVELS: usize = 5;

#[derive(Deserialize)]
struct Geography {
    width: u32,
    height: u32,
    countries: Vec<Shape>,
}

#[derive(Deserialize)]
struct Shape {
    /// ISO 3166-1 alpha-2, or `XK` for Kosovo.
    code: String,
    /// Empty for countries only shown as a dot.
    #[serde(default)]
    d: String,
    at: [i32; 2],
    dot: bool,
}

fn geography() -> &'static Geography {
    static GEO: OnceLock<Geography> = OnceLock::new();
    // The file is part of the source tree; the map test builds every page that uses it.
    GEO.get_or_init(|| serde_json::from_str(WORLD).expect("src/charts/world.json is valid"))
}

/// One country with articles, as the countries page knows it.
pub struct Partner {
    pub name: String,
    pub url: Link,
    pub count: usize,
}

#[derive(Serialize)]
pub struct WorldMap {
    pub width: u32,
    pub height: u32,
    pub countries: Vec<MapCountry>,
    /// The shades in use, lightest first; a country's `level` indexes this from 1.
    pub legend: Vec<LegendStep>,
}

#[derive(Serialize)]
pub struct MapCountry {
    pub code: &'static str,
    /// The outline, empty when the country is too small for 1:110m.
    pub d: &'static str,
    /// Where its dot marker and its focus label go.
    pub x: i32,
    pub y: i32,
    /// Too small to see or to point at: the map draws a dot as well as (or instead of) a shape.
    pub dot: bool,
    /// 0 for a country without articles (neutral, no link).
    pub count: usize,
    pub level: usize,
    /// "Kenya: 12 articles" / "肯尼亚：12 篇"; empty without articles.
    pub label: String,
    pub url: Option<Link>,
}

#[derive(Serialize)]
pub struct LegendStep {
    pub level: usize,
    pub min: usize,
    pub max: usize,
    pub label: String,
}

/// The map with `partners` (by ISO code) shaded by their article counts.
pub fn world_map(lang: Lang, partners: &BTreeMap<&str, Partner>) -> WorldMap {
    let geo = geography();
    let max = partners.values().map(|p| p.count).max().unwrap_or(0);
    let steps = scale(max);
    let level_of = |n: usize| {
        steps
            .iter()
            .position(|&(_, hi)| n <= hi)
            .map_or(0, |i| i + 1)
    };
    let countries = geo
        .countries
        .iter()
        .map(|shape| {
            let partner = partners.get(shape.code.as_str());
            let count = partner.map_or(0, |p| p.count);
            MapCountry {
                code: &shape.code,
                d: &shape.d,
                x: shape.at[0],
                y: shape.at[1],
                dot: shape.dot,
                count,
                level: if count > 0 { level_of(count) } else { 0 },
                label: partner.map_or_else(String::new, |p| {
                    format!(
                        "{}{}{}",
                        p.name,
                        i18n::get(lang, "colon"),
                        i18n::article_count(lang, count)
                    )
                }),
                url: partner.map(|p| p.url.clone()),
            }
        })
        .collect();
    let legend = steps
        .iter()
        .enumerate()
        .map(|(i, &(min, max))| LegendStep {
            level: i + 1,
            min,
            max,
            label: i18n::count_range(lang, min, max),
        })
        .collect();
    WorldMap {
        width: geo.width,
        height: geo.height,
        countries,
        legend,
    }
}

/// The count ranges `(min, max)` of the shades for counts 1..=`max`. Counts in this field are
/// skewed (the home country is on nearly every article), so the steps grow geometrically:
/// each shade tells apart an order of magnitude rather than one shade holding all but one.
fn scale(max: usize) -> Vec<(usize, usize)> {
    let levels = LEVELS.min(max);
    let mut steps = Vec::with_capacity(levels);
    let mut lo = 1;
    for i in 1..=levels {
        let ideal = (max as f64).powf(i as f64 / levels as f64).round() as usize;
        // Every step holds at least one count, and leaves one for each step after it.
        let hi = ideal.max(lo).min(max - (levels - i));
        steps.push((lo, hi));
        lo = hi + 1;
    }
    steps
}

#[derive(Serialize)]
pub struct Timeline {
    pub width: u32,
    pub height: u32,
    /// The plot's edges in SVG units: bars stand on `bottom`, the tallest reaches `top`.
    pub left: u32,
    pub right: u32,
    pub top: u32,
    pub bottom: u32,
    pub bars: Vec<Bar>,
    pub ticks: Vec<Tick>,
    pub total: usize,
}

#[derive(Serialize)]
pub struct Bar {
    pub year: i32,
    /// "2024年" / "2024".
    pub name: String,
    pub count: usize,
    /// "2024年：5 篇" / "2024: 5 articles".
    pub label: String,
    /// The year's page; none for a year without articles.
    pub url: Option<Link>,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    /// The centre of the bar, for its year label.
    pub mid: f64,
    /// Whether the year is written under the bar (every year while they fit).
    pub show_year: bool,
}

#[derive(Serialize)]
pub struct Tick {
    pub value: usize,
    pub y: f64,
}

const CHART_WIDTH: u32 = 400;
const CHART_HEIGHT: u32 = 180;
/// Room for the tick numbers on the left, the axis title above, the years and the axis
/// title below (a line each, so they do not touch when the chart is drawn larger).
const PLOT: (u32, u32, u32, u32) = (34, 392, 26, 138);
/// Beyond this many years, only every n-th is written, so labels do not overlap at 390 px.
const YEAR_LABELS: usize = 12;

/// Articles per year, every year from the first to the last (empty years as zero-height
/// bars, so gaps show); `None` without articles. `url_of` gives a year's page.
pub fn timeline(
    lang: Lang,
    per_year: &BTreeMap<i32, usize>,
    url_of: impl Fn(i32) -> Link,
) -> Option<Timeline> {
    let (&first, &last) = (per_year.keys().next()?, per_year.keys().next_back()?);
    let max = per_year.values().copied().max().unwrap_or(0);
    let (step, top_value) = nice_axis(max);
    let (left, right, top, bottom) = PLOT;
    let plot_h = f64::from(bottom - top);
    let y_of = |v: usize| f64::from(bottom) - plot_h * v as f64 / top_value as f64;
    let years: Vec<i32> = (first..=last).collect();
    let slot = f64::from(right - left) / years.len() as f64;
    let w = (slot * 0.7).min(48.0);
    let every = years.len().div_ceil(YEAR_LABELS);
    let bars = years
        .iter()
        .enumerate()
        .map(|(i, &year)| {
            let count = per_year.get(&year).copied().unwrap_or(0);
            let mid = f64::from(left) + slot * (i as f64 + 0.5);
            let name = i18n::year_name(lang, year);
            Bar {
                year,
                label: format!(
                    "{name}{}{}",
                    i18n::get(lang, "colon"),
                    i18n::article_count(lang, count)
                ),
                name,
                count,
                url: (count > 0).then(|| url_of(year)),
                x: round1(mid - w / 2.0),
                y: round1(y_of(count)),
                w: round1(w),
                h: round1(f64::from(bottom) - y_of(count)),
                mid: round1(mid),
                // Counted from the newest year, so the latest is always labelled.
                show_year: (years.len() - 1 - i).is_multiple_of(every),
            }
        })
        .collect();
    let ticks = (0..=top_value)
        .step_by(step)
        .map(|value| Tick {
            value,
            y: round1(y_of(value)),
        })
        .collect();
    Some(Timeline {
        width: CHART_WIDTH,
        height: CHART_HEIGHT,
        left,
        right,
        top,
        bottom,
        bars,
        ticks,
        total: per_year.values().sum(),
    })
}

/// A tick step of 1, 2 or 5 times a power of ten giving at most four steps, and the axis
/// top: the first tick at or above `max`.
fn nice_axis(max: usize) -> (usize, usize) {
    let mut magnitude = 1;
    loop {
        for m in [1, 2, 5] {
            let step = m * magnitude;
            if max.div_ceil(step) <= 4 {
                return (step, max.div_ceil(step).max(1) * step);
            }
        }
        magnitude *= 10;
    }
}

/// SVG coordinates to a tenth of a unit: finer is invisible and only makes the page longer.
fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_steps_cover_every_count_once() {
        for max in 1..300 {
            let steps = scale(max);
            assert_eq!(steps.len(), LEVELS.min(max));
            assert_eq!(steps[0].0, 1);
            assert_eq!(steps.last().unwrap().1, max);
            for pair in steps.windows(2) {
                assert_eq!(pair[1].0, pair[0].1 + 1, "max {max}: {steps:?}");
            }
            assert!(
                steps.iter().all(|(lo, hi)| lo <= hi),
                "max {max}: {steps:?}"
            );
        }
    }

    #[test]
    fn axis_top_holds_the_tallest_bar_in_few_ticks() {
        for max in 0..2000 {
            let (step, top) = nice_axis(max);
            assert!(top >= max && top % step == 0 && top / step <= 4, "{max}");
        }
    }

    #[test]
    fn every_shape_has_a_two_letter_code_and_a_place_on_the_map() {
        let geo = geography();
        for s in &geo.countries {
            assert!(s.code.len() == 2 && s.code.bytes().all(|b| b.is_ascii_uppercase()));
            assert!(
                !s.d.is_empty() || s.dot,
                "{} has neither shape nor dot",
                s.code
            );
            let inside = (0..=geo.width as i32).contains(&s.at[0])
                && (0..=geo.height as i32).contains(&s.at[1]);
            assert!(inside, "{} at {:?}", s.code, s.at);
        }
    }
}
