//! The ways a reader browses: by alliance, by country, by year, plus each article's
//! neighbours and related articles. Everything is computed per language, over indices
//! into that language's newest-first article list, so lists come out already sorted.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use rayon::prelude::*;

use crate::config::AllianceKey;
use crate::country::CountryCode;
use crate::lang::{Lang, PerLang};
use crate::site::{Article, Site};

/// How many related articles an article page shows.
pub const RELATED: usize = 3;

/// One list of articles a reader browses: the home page's, or a term's.
#[derive(Debug, Clone)]
pub enum ListKind {
    Home,
    Alliance(AllianceKey),
    Country(CountryCode),
    Year(i32),
    /// By the tag's slug.
    Tag(String),
}

#[derive(Debug, Default, Clone)]
pub struct Taxonomy {
    /// Every article, newest first: the home page's list.
    pub all: Vec<usize>,
    pub alliances: BTreeMap<AllianceKey, Vec<usize>>,
    pub countries: BTreeMap<CountryCode, Vec<usize>>,
    /// Newest year first when iterated in reverse.
    pub years: BTreeMap<i32, Vec<usize>>,
    /// By URL slug: spellings that slug the same are one tag.
    pub tags: BTreeMap<String, Tag>,
}

#[derive(Debug, Default, Clone)]
pub struct Tag {
    /// The spelling most articles use (the first in sort order on a tie).
    pub name: String,
    /// Other spellings that became this tag (`Luban Workshop`, `luban workshop`).
    pub variants: Vec<String>,
    pub items: Vec<usize>,
}

/// A tag's URL segment: lower-case ASCII words joined by `-`. Chinese becomes toneless
/// pinyin (鲁班工坊 → `lu-ban-gong-fang`) and accented Latin loses its accents, so a URL
/// is readable and never percent-encoded. `None` for a tag with nothing to spell it by.
pub fn tag_slug(tag: &str) -> Option<String> {
    let mut slug = String::new();
    for c in deunicode::deunicode(tag).chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-').to_owned();
    (!slug.is_empty()).then_some(slug)
}

impl Taxonomy {
    pub fn new(articles: &[Arc<Article>]) -> Taxonomy {
        let mut t = Taxonomy {
            all: (0..articles.len()).collect(),
            ..Taxonomy::default()
        };
        // Per slug: how many articles use each spelling.
        let mut spellings: BTreeMap<String, BTreeMap<&str, usize>> = BTreeMap::new();
        for (i, a) in articles.iter().enumerate() {
            for tag in &a.tags {
                let Some(slug) = tag_slug(tag) else { continue };
                let entry = t.tags.entry(slug.clone()).or_default();
                if entry.items.last() != Some(&i) {
                    entry.items.push(i);
                }
                *spellings
                    .entry(slug)
                    .or_default()
                    .entry(tag.as_str())
                    .or_default() += 1;
            }
            for key in &a.alliances {
                t.alliances.entry(key.clone()).or_default().push(i);
            }
            for code in &a.countries {
                t.countries.entry(*code).or_default().push(i);
            }
            t.years
                .entry(chrono::Datelike::year(&a.date))
                .or_default()
                .push(i);
        }
        for (slug, counts) in spellings {
            let mut by_use: Vec<(&str, usize)> = counts.into_iter().collect();
            by_use.sort_by_key(|&(name, n)| (std::cmp::Reverse(n), name));
            if let Some(tag) = t.tags.get_mut(&slug) {
                tag.name = by_use[0].0.to_owned();
                tag.variants = by_use[1..].iter().map(|(n, _)| (*n).to_owned()).collect();
            }
        }
        t
    }

    /// Tags most used first; ties in slug order, which is alphabetical in English and by
    /// pinyin in Chinese.
    pub fn tags_by_use(&self) -> Vec<(&String, &Tag)> {
        let mut tags: Vec<_> = self.tags.iter().collect();
        tags.sort_by_key(|(slug, tag)| (std::cmp::Reverse(tag.items.len()), *slug));
        tags
    }
}

impl Taxonomy {
    /// The articles a list shows, newest first.
    pub fn items(&self, list: &ListKind) -> &[usize] {
        let found = match list {
            ListKind::Home => Some(&self.all),
            ListKind::Alliance(key) => self.alliances.get(key),
            ListKind::Country(code) => self.countries.get(code),
            ListKind::Year(year) => self.years.get(year),
            ListKind::Tag(slug) => self.tags.get(slug).map(|t| &t.items),
        };
        found.map_or(&[], Vec::as_slice)
    }
}

/// Per-language browsing structure of a whole site.
#[derive(Clone)]
pub struct Indexes {
    taxonomy: PerLang<Taxonomy>,
    /// By article index: the related articles, best first.
    related: PerLang<Vec<Vec<usize>>>,
}

impl Indexes {
    pub fn new(site: &Site) -> Indexes {
        // The languages are independent of each other (and each article's related list of
        // the others'): 3 s of one core at 100,000 pairs, done on all of them.
        let index = |lang| {
            let taxonomy = Taxonomy::new(site.articles(lang));
            let related = related_all(site.articles(lang), &taxonomy);
            (taxonomy, related)
        };
        let ((zh, zh_related), (en, en_related)) =
            rayon::join(|| index(Lang::Zh), || index(Lang::En));
        Indexes {
            taxonomy: PerLang { zh, en },
            related: PerLang {
                zh: zh_related,
                en: en_related,
            },
        }
    }

    /// Tags whose spellings differ but slug the same, merged into one: worth a warning,
    /// since the reader sees one page for both. `(language, slug, spellings)`.
    pub fn merged_tags(&self) -> Vec<(Lang, &str, Vec<&str>)> {
        let mut out = Vec::new();
        for lang in Lang::ALL {
            for (slug, tag) in &self.get(lang).tags {
                // Case alone is not worth a warning: `AI` and `ai` are plainly one tag.
                let differ = tag
                    .variants
                    .iter()
                    .any(|v| v.to_lowercase() != tag.name.to_lowercase());
                if differ {
                    let mut names = vec![tag.name.as_str()];
                    names.extend(tag.variants.iter().map(String::as_str));
                    out.push((lang, slug.as_str(), names));
                }
            }
        }
        out
    }

    pub fn get(&self, lang: Lang) -> &Taxonomy {
        self.taxonomy.get(lang)
    }

    /// Indices of the articles related to article `i` of `lang`, best first.
    pub fn related(&self, lang: Lang, i: usize) -> &[usize] {
        &self.related.get(lang)[i]
    }
}

/// Related articles share an alliance or a country; more shared terms rank higher, then
/// closeness in time. Only the articles nearest in date within each shared term are
/// considered, which keeps this linear in the number of articles even when one country
/// (China, in this field) appears on nearly every article.
fn related_all(articles: &[Arc<Article>], taxonomy: &Taxonomy) -> Vec<Vec<usize>> {
    const WINDOW: usize = 8;
    let lists: Vec<&Vec<usize>> = taxonomy
        .alliances
        .values()
        .chain(taxonomy.countries.values())
        .collect();
    // For each article: (term, its position in that term's list).
    let mut terms_of: Vec<Vec<(usize, usize)>> = vec![Vec::new(); articles.len()];
    for (term, list) in lists.iter().enumerate() {
        for (pos, &i) in list.iter().enumerate() {
            terms_of[i].push((term, pos));
        }
    }
    (0..articles.len())
        .into_par_iter()
        .map(|i| {
            let mut score: HashMap<usize, usize> = HashMap::new();
            for &(term, pos) in &terms_of[i] {
                let list = lists[term];
                let lo = pos.saturating_sub(WINDOW);
                let hi = (pos + WINDOW + 1).min(list.len());
                for &j in &list[lo..hi] {
                    if j != i {
                        *score.entry(j).or_default() += 1;
                    }
                }
            }
            let mut candidates: Vec<(usize, usize)> = score.into_iter().collect();
            let date = articles[i].date;
            candidates.sort_by_key(|&(j, s)| {
                (
                    std::cmp::Reverse(s),
                    (articles[j].date - date).num_days().abs(),
                    j,
                )
            });
            candidates
                .into_iter()
                .take(RELATED)
                .map(|(j, _)| j)
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::Slug;
    use crate::site::Summary;

    /// An article of `slug` on `date` (`2024-05-01`) with these terms.
    fn article(slug: &str, date: &str, alliances: &[&str], countries: &[&str]) -> Arc<Article> {
        Arc::new(Article {
            lang: Lang::En,
            slug: Slug::parse(slug).unwrap(),
            file: Default::default(),
            title: slug.to_owned(),
            date: date.parse().unwrap(),
            summary: Summary::Lead(String::new()),
            alliances: alliances
                .iter()
                .map(|a| AllianceKey::parse(a).unwrap())
                .collect(),
            countries: countries
                .iter()
                .map(|c| CountryCode::parse(c).unwrap())
                .collect(),
            tags: Vec::new(),
            source: None,
            html: String::new(),
            image: None,
            lead: None,
            translated: true,
            card_hash: 0,
            page_hash: 0,
            index_hash: 0,
            terms_hash: 0,
        })
    }

    /// The related articles of every article, by slug; `articles` newest first.
    fn related(articles: &[Arc<Article>]) -> Vec<Vec<&str>> {
        related_all(articles, &Taxonomy::new(articles))
            .into_iter()
            .map(|r| r.into_iter().map(|j| articles[j].slug.as_str()).collect())
            .collect()
    }

    #[test]
    fn more_shared_terms_rank_higher_and_nothing_shared_is_not_related() {
        let articles = [
            article("one", "2024-05-05", &["sco"], &["KE"]),
            article("all", "2024-05-04", &["wvteda"], &["KE", "CN"]),
            article("target", "2024-05-03", &["wvteda"], &["KE", "CN"]),
            article("two", "2024-05-02", &["wvteda"], &["CN"]),
            article("thai", "2024-05-01", &["sco"], &["TH"]),
        ];
        let related = related(&articles);
        // `one` is nearer in date than `two` but shares one term, not two.
        assert_eq!(related[2], ["all", "two", "one"]);
        // `one` and `thai` share nothing with `two`.
        assert_eq!(related[3], ["target", "all"]);
        assert_eq!(related[4], ["one"]);
    }

    #[test]
    fn an_article_is_never_its_own_related_article() {
        let articles = [
            article("a", "2024-05-02", &["wvteda"], &["KE"]),
            article("b", "2024-05-01", &[], &[]),
        ];
        let related = related(&articles);
        assert_eq!(related, [Vec::<&str>::new(), Vec::new()]);
    }

    #[test]
    fn tags_alone_do_not_make_articles_related() {
        let mut tagged = Vec::new();
        for slug in ["a", "b"] {
            let mut a = Arc::unwrap_or_clone(article(slug, "2024-05-01", &[], &[]));
            a.tags = vec!["Luban Workshop".to_owned()];
            tagged.push(Arc::new(a));
        }
        assert_eq!(Taxonomy::new(&tagged).tags["luban-workshop"].items, [0, 1]);
        assert_eq!(related(&tagged), [Vec::<&str>::new(), Vec::new()]);
    }

    #[test]
    fn at_most_the_cap_and_ties_go_to_the_nearest_in_date_then_the_newest() {
        let articles = [
            article("later-far", "2024-05-30", &["wvteda"], &[]),
            article("later-near", "2024-05-12", &["wvteda"], &[]),
            article("target", "2024-05-10", &["wvteda"], &[]),
            article("earlier-near", "2024-05-08", &["wvteda"], &[]),
            article("earlier-far", "2024-05-01", &["wvteda"], &[]),
            article("earliest", "2024-04-01", &["wvteda"], &[]),
        ];
        let related = related(&articles);
        assert_eq!(RELATED, 3);
        // Two days either side is a tie: the newer article, earlier in the list, wins.
        assert_eq!(related[2], ["later-near", "earlier-near", "earlier-far"]);
        assert!(related.iter().all(|r| r.len() == RELATED));
        // Hash maps are seeded per instance: the order must not depend on them.
        for _ in 0..10 {
            assert_eq!(self::related(&articles), related);
        }
    }

    #[test]
    fn only_the_nearest_articles_of_each_term_are_considered() {
        // `far` shares two terms with `target`, but is the tenth of the country's list,
        // beyond the window of eight around `target`: only the alliance counts for it.
        let mut articles = vec![article("target", "2024-05-20", &["wvteda"], &["CN"])];
        for day in (10..19).rev() {
            articles.push(article(
                &format!("cn-{day}"),
                &format!("2024-05-{day}"),
                &[],
                &["CN"],
            ));
        }
        articles.push(article("far", "2024-05-01", &["wvteda"], &["CN"]));
        let related = related(&articles);
        assert_eq!(related[0], ["cn-18", "cn-17", "cn-16"]);
        // Seen from `far`, `target` is as far beyond the window, and does not come first.
        assert_eq!(related[10], ["cn-10", "cn-11", "cn-12"]);
    }
}
