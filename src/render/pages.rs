//! Which pages the site has, and the dependency key of each: a page is rendered again in
//! `qiao serve` only when its key changes.

use crate::lang::Lang;
use crate::site::{Fingerprint, Site};
use crate::taxonomy::{Indexes, ListKind};
use crate::urls::{self, PAGE_SIZE, SitePath, Versions};

/// A page of the site: what it shows, not yet how.
#[derive(Debug, Clone)]
pub enum PageKind {
    Article {
        lang: Lang,
        index: usize,
    },
    List {
        lang: Lang,
        list: ListKind,
        page: usize,
    },
    Alliances(Lang),
    Countries(Lang),
    Years(Lang),
    Tags(Lang),
    Search(Lang),
    /// `/index.html`: sends the reader to their language.
    LanguageChooser,
    NotFound,
}

#[derive(Debug, Clone)]
pub struct Page {
    /// The site path: ends in `/` for a folder's `index.html`, or names a file.
    pub path: SitePath,
    pub kind: PageKind,
}

impl Page {
    /// The file this page is written to, relative to the output folder.
    pub fn output_file(&self) -> String {
        urls::output_file(&self.path)
    }
}

/// Every page of the site, in a stable order.
pub fn pages(site: &Site, indexes: &Indexes) -> Vec<Page> {
    let mut out = vec![
        Page {
            path: urls::root(),
            kind: PageKind::LanguageChooser,
        },
        Page {
            path: urls::file("404.html"),
            kind: PageKind::NotFound,
        },
    ];
    for lang in Lang::ALL {
        let articles = site.articles(lang);
        let tax = indexes.get(lang);
        let mut list = |first: SitePath, list: ListKind, len: usize| {
            for page in 1..=page_count(len) {
                out.push(Page {
                    path: urls::paginated(&first, page),
                    kind: PageKind::List {
                        lang,
                        list: list.clone(),
                        page,
                    },
                });
            }
        };
        list(urls::home(lang), ListKind::Home, articles.len());
        for alliance in &site.config.alliances {
            let len = tax.alliances.get(&alliance.key).map_or(0, Vec::len);
            list(
                urls::alliance(lang, &alliance.key),
                ListKind::Alliance(alliance.key.clone()),
                len,
            );
        }
        for (code, items) in &tax.countries {
            list(
                urls::country(lang, *code),
                ListKind::Country(*code),
                items.len(),
            );
        }
        for (year, items) in &tax.years {
            list(urls::year(lang, *year), ListKind::Year(*year), items.len());
        }
        for (slug, tag) in &tax.tags {
            list(
                urls::tag(lang, slug),
                ListKind::Tag(slug.clone()),
                tag.items.len(),
            );
        }
        let index_pages = [
            (urls::alliances(lang), PageKind::Alliances(lang)),
            (urls::countries(lang), PageKind::Countries(lang)),
            (urls::years(lang), PageKind::Years(lang)),
            (urls::tags(lang), PageKind::Tags(lang)),
            (urls::search(lang), PageKind::Search(lang)),
        ];
        out.extend(index_pages.map(|(path, kind)| Page { path, kind }));
        for (index, a) in articles.iter().enumerate() {
            out.push(Page {
                path: a.path(),
                kind: PageKind::Article { lang, index },
            });
        }
    }
    out
}

/// A list of `len` items has at least one page, even when empty.
pub(super) fn page_count(len: usize) -> usize {
    len.div_ceil(PAGE_SIZE).max(1)
}

/// A hash of everything `page` shows, computed from the model without rendering: when it
/// equals the previous build's, so does the page. `global` stands for what every page
/// depends on (configuration, templates, static file names).
pub fn page_key(
    site: &Site,
    indexes: &Indexes,
    exists: &dyn Fn(&SitePath) -> bool,
    page: &Page,
    global: u64,
) -> u64 {
    let mut h = Fingerprint::default();
    h.u64(global).str(page.path.as_str());
    let card = |h: &mut Fingerprint, lang: Lang, i: usize| {
        h.u64(site.articles(lang)[i].card_hash);
    };
    match &page.kind {
        PageKind::Article { lang, index } => {
            let articles = site.articles(*lang);
            h.u64(articles[*index].page_hash);
            for neighbour in [index.checked_sub(1), Some(index + 1)]
                .into_iter()
                .flatten()
            {
                if neighbour < articles.len() {
                    card(&mut h, *lang, neighbour);
                } else {
                    h.u64(0);
                }
            }
            for &j in indexes.related(*lang, *index) {
                card(&mut h, *lang, j);
            }
        }
        PageKind::List {
            lang,
            list,
            page: n,
        } => {
            let items = indexes.get(*lang).items(list);
            h.u64(items.len() as u64);
            for &i in items.iter().skip((n - 1) * PAGE_SIZE).take(PAGE_SIZE) {
                card(&mut h, *lang, i);
            }
            if matches!(list, ListKind::Home) && *n == 1 {
                h.u64(terms_key(site, indexes, *lang));
            }
            // The timeline of a term's first page counts the years of all its articles.
            if matches!(list, ListKind::Alliance(_) | ListKind::Country(_)) && *n == 1 {
                for &i in items {
                    h.u64(chrono::Datelike::year(&site.articles(*lang)[i].date) as u64);
                }
            }
        }
        PageKind::Alliances(lang)
        | PageKind::Countries(lang)
        | PageKind::Years(lang)
        | PageKind::Tags(lang)
        | PageKind::Search(lang) => {
            h.u64(terms_key(site, indexes, *lang));
        }
        PageKind::LanguageChooser | PageKind::NotFound => {}
    }
    // The language switcher and hreflang links depend on the counterpart existing.
    if let Some(v) = Versions::of(&page.path, exists) {
        h.u64(v.translation.is_some() as u64);
    }
    h.finish()
}

/// What the pages listing terms show: each term with its count and latest date.
fn terms_key(site: &Site, indexes: &Indexes, lang: Lang) -> u64 {
    let tax = indexes.get(lang);
    let articles = site.articles(lang);
    let mut h = Fingerprint::default();
    let mut term = |name: &str, items: &[usize]| {
        h.str(name).u64(items.len() as u64);
        if let Some(&first) = items.first() {
            h.str(&articles[first].date.to_string());
        }
    };
    for (k, v) in &tax.alliances {
        term(k.as_str(), v);
    }
    for (k, v) in &tax.countries {
        term(k.as_str(), v);
    }
    for (k, v) in &tax.years {
        term(&k.to_string(), v);
    }
    for tag in tax.tags.values() {
        // The slug follows from the name, which is what the pages show.
        term(&tag.name, &tag.items);
    }
    h.finish()
}
