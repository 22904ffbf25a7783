//! A list of articles: the home page, or a term's (alliance, country, year, tag) page.

use std::collections::BTreeMap;

use serde::Serialize;

use super::terms::Sidebar;
use super::{Card, Common, Link, Section, View};
use crate::charts::{self, Timeline};
use crate::i18n;
use crate::lang::Lang;
use crate::render::pages::page_count;
use crate::taxonomy::ListKind;
use crate::urls::{self, PAGE_SIZE, SitePath};

#[derive(Serialize)]
pub(super) struct ListContext<'a> {
    #[serde(flatten)]
    common: Common<'a>,
    /// `home`, `alliance`, `country` or `year`.
    kind: &'static str,
    heading: String,
    /// For a term page: the term's name in the other language, and a feed or site link.
    subheading: String,
    count_label: String,
    articles: Vec<Card<'a>>,
    pagination: Pagination,
    /// Only on the first home page: the ways to browse, with counts.
    sidebar: Option<Sidebar>,
    /// On the first page of the home, alliance and country lists: articles per year.
    timeline: Option<Timeline>,
    breadcrumbs: Vec<Link>,
}

#[derive(Serialize)]
struct Pagination {
    current: usize,
    total: usize,
    label: String,
    prev: Option<urls::Link>,
    next: Option<urls::Link>,
    /// `None` where page numbers are left out (an ellipsis).
    pages: Vec<Option<PageLink>>,
}

#[derive(Serialize)]
struct PageLink {
    number: usize,
    url: urls::Link,
    current: bool,
}

/// What a list page is about: its articles, its first page's path, and its names.
struct Head<'a> {
    items: &'a [usize],
    /// The path of the list's first page; later pages add `page/N/`.
    first: SitePath,
    section: Section,
    /// Tells the template which kind of list it shows.
    kind: &'static str,
    heading: String,
    subheading: String,
}

impl<'a> View<'a> {
    pub(super) fn list(
        &self,
        lang: Lang,
        list: &ListKind,
        n: usize,
        path: &SitePath,
    ) -> ListContext<'a> {
        let articles = self.site.articles(lang);
        let head = self.head(lang, list);
        let items = head.items;
        let cards = items
            .iter()
            .skip((n - 1) * PAGE_SIZE)
            .take(PAGE_SIZE)
            .map(|&i| self.card(&articles[i]))
            .collect();
        let pagination = self.pagination(lang, &head.first, n, page_count(items.len()));
        let sidebar = (matches!(list, ListKind::Home) && n == 1).then(|| self.sidebar(lang));
        let timeline = if n == 1 && !matches!(list, ListKind::Year(_)) {
            self.timeline(lang, items)
        } else {
            None
        };
        let heading = head.heading;
        let title = if n > 1 {
            format!("{heading} · {}", pagination.label)
        } else {
            heading.clone()
        };
        let site_title = &self.site.config.language(lang).title;
        let description = match list {
            ListKind::Home => self.site.config.language(lang).description.clone(),
            _ => format!(
                "{heading} — {} — {site_title}",
                i18n::article_count(lang, items.len()),
            ),
        };
        let mut common = self.common(lang, path, head.section, title, description);
        if matches!(
            list,
            ListKind::Alliance(_) | ListKind::Country(_) | ListKind::Tag(_)
        ) {
            common.feeds.push(Link {
                name: format!("{heading} · {site_title}"),
                url: self.link(&urls::feed(&head.first)),
            });
        }
        ListContext {
            common,
            kind: head.kind,
            heading,
            subheading: head.subheading,
            count_label: i18n::article_count(lang, items.len()),
            articles: cards,
            pagination,
            sidebar,
            timeline,
            breadcrumbs: self.list_breadcrumbs(lang, list),
        }
    }

    fn head(&self, lang: Lang, list: &ListKind) -> Head<'a> {
        let config = &self.site.config;
        let items = self.indexes.get(lang).items(list);
        let (first, section, kind, heading, subheading) = match list {
            ListKind::Home => (
                urls::home(lang),
                Section::Home,
                "home",
                i18n::get(lang, "latest").to_owned(),
                String::new(),
            ),
            ListKind::Alliance(key) => {
                let name = config.alliance_name(key, lang);
                // An undeclared key has no second name to show.
                let other = config
                    .alliance(key.as_str())
                    .map(|a| a.name.get(lang.other()).to_owned())
                    .unwrap_or_default();
                let first = urls::alliance(lang, key);
                (first, Section::Alliances, "alliance", name, other)
            }
            ListKind::Country(code) => (
                urls::country(lang, *code),
                Section::Countries,
                "country",
                config.country_name(*code, lang),
                config.country_name(*code, lang.other()),
            ),
            ListKind::Year(year) => (
                urls::year(lang, *year),
                Section::Years,
                "year",
                i18n::year_name(lang, *year),
                String::new(),
            ),
            ListKind::Tag(slug) => {
                let tags = &self.indexes.get(lang).tags;
                let name = tags.get(slug).map(|t| t.name.clone()).unwrap_or_default();
                (
                    urls::tag(lang, slug),
                    Section::Tags,
                    "tag",
                    name,
                    String::new(),
                )
            }
        };
        Head {
            items,
            first,
            section,
            kind,
            heading,
            subheading,
        }
    }

    fn pagination(&self, lang: Lang, first: &SitePath, n: usize, total: usize) -> Pagination {
        Pagination {
            current: n,
            total,
            label: i18n::page_of(lang, n, total),
            prev: (n > 1).then(|| self.link(&urls::paginated(first, n - 1))),
            next: (n < total).then(|| self.link(&urls::paginated(first, n + 1))),
            pages: page_window(n, total)
                .into_iter()
                .map(|k| {
                    k.map(|k| PageLink {
                        number: k,
                        url: self.link(&urls::paginated(first, k)),
                        current: k == n,
                    })
                })
                .collect(),
        }
    }

    /// Articles per year of a list, as a bar chart.
    fn timeline(&self, lang: Lang, items: &[usize]) -> Option<Timeline> {
        let articles = self.site.articles(lang);
        let mut per_year = BTreeMap::new();
        for &i in items {
            *per_year
                .entry(chrono::Datelike::year(&articles[i].date))
                .or_insert(0) += 1;
        }
        // The bars link to the year pages, which list the whole portal's year: a term's
        // list is paginated newest first, so no one page of it holds "its 2024".
        charts::timeline(lang, &per_year, |y| self.link(&urls::year(lang, y)))
    }

    /// Home, then the page listing the list's kind of term; none on the home page itself.
    fn list_breadcrumbs(&self, lang: Lang, list: &ListKind) -> Vec<Link> {
        let (key, url) = match list {
            ListKind::Home => return Vec::new(),
            ListKind::Alliance(_) => ("alliances_title", urls::alliances(lang)),
            ListKind::Country(_) => ("countries_title", urls::countries(lang)),
            ListKind::Year(_) => ("years_title", urls::years(lang)),
            ListKind::Tag(_) => ("tags_title", urls::tags(lang)),
        };
        vec![
            self.crumb_home(lang),
            Link {
                name: i18n::get(lang, key).into(),
                url: self.link(&url),
            },
        ]
    }
}

/// The page numbers a pagination bar shows: the first and the last, and two either side of
/// the current one, `None` standing for the numbers left out. Linking every page made each
/// of the 5,000 home pages of a 100,000-article portal carry 5,000 links: quadratic work,
/// and most of the build's time at that size.
fn page_window(current: usize, total: usize) -> Vec<Option<usize>> {
    const AROUND: usize = 2;
    let near = current.saturating_sub(AROUND).max(1)..=(current + AROUND).min(total);
    let mut numbers: Vec<usize> = [1, total].into_iter().chain(near).collect();
    numbers.sort_unstable();
    numbers.dedup();
    let mut shown = Vec::with_capacity(numbers.len() + 2);
    for k in numbers {
        match shown.last() {
            // One number left out is shown: an ellipsis would be no shorter.
            Some(&Some(prev)) if k == prev + 2 => shown.push(Some(prev + 1)),
            Some(&Some(prev)) if k > prev + 2 => shown.push(None),
            _ => {}
        }
        shown.push(Some(k));
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::page_window;

    fn shown(current: usize, total: usize) -> String {
        page_window(current, total)
            .iter()
            .map(|k| k.map_or("…".to_owned(), |k| k.to_string()))
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn short_lists_show_every_page() {
        assert_eq!(shown(1, 1), "1");
        assert_eq!(shown(2, 3), "1 2 3");
        assert_eq!(shown(4, 7), "1 2 3 4 5 6 7");
    }

    #[test]
    fn long_lists_show_the_ends_and_the_neighbourhood() {
        assert_eq!(shown(1, 5000), "1 2 3 … 5000");
        assert_eq!(shown(5, 5000), "1 2 3 4 5 6 7 … 5000");
        assert_eq!(shown(2500, 5000), "1 … 2498 2499 2500 2501 2502 … 5000");
        assert_eq!(shown(4997, 5000), "1 … 4995 4996 4997 4998 4999 5000");
        assert_eq!(shown(5000, 5000), "1 … 4998 4999 5000");
    }
}
