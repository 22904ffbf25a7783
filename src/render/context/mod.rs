//! The plain, serialisable context each template receives, one file per page kind, built
//! by a [`View`] of the site. Templates never compute URLs or format dates; they get them
//! ready. What every page shares is [`Common`].

mod article;
mod chooser;
mod list;
mod search;
mod terms;

use std::collections::{BTreeMap, HashSet};
use std::marker::PhantomData;

use serde::Serialize;

use super::pages::{Page, PageKind};
use super::templates::Renderer;
use crate::config::AllianceKey;
use crate::country::CountryCode;
use crate::i18n;
use crate::lang::{Lang, PerLang};
use crate::site::{Article, Site};
use crate::taxonomy::Indexes;
use crate::urls::{self, Permalink, SitePath, Versions};

/// Renders the pages of one build: its [`View`] of the site, and the templates. Made once
/// per build (once per edit in `qiao serve`) rather than per page, so that what every page
/// shows is serialised for Tera once (see [`Shared`]).
pub struct PageRenderer<'a> {
    view: View<'a>,
    renderer: &'a Renderer,
}

impl<'a> PageRenderer<'a> {
    /// `existing` holds every page's site path, so the language switcher and hreflang
    /// links only ever point at pages that exist.
    pub fn new(
        site: &'a Site,
        indexes: &'a Indexes,
        renderer: &'a Renderer,
        existing: &'a HashSet<SitePath>,
    ) -> PageRenderer<'a> {
        let shared = Shared {
            strings: PerLang::by(|lang| Prebuilt::new(i18n::strings(lang))),
            assets: Prebuilt::new(&site.asset_links),
        };
        PageRenderer {
            view: View {
                site,
                indexes,
                existing,
                shared,
            },
            renderer,
        }
    }

    /// Renders one page: its HTML, as bytes (see [`Renderer::render`]).
    pub fn render(&self, page: &Page) -> Result<Vec<u8>, String> {
        let (view, renderer) = (&self.view, self.renderer);
        match &page.kind {
            PageKind::Article { lang, index } => {
                renderer.render("article.html", &view.article(*lang, *index, &page.path))
            }
            PageKind::List {
                lang,
                list,
                page: n,
            } => renderer.render("list.html", &view.list(*lang, list, *n, &page.path)),
            PageKind::Alliances(lang) => {
                renderer.render("alliances.html", &view.alliances(*lang, &page.path))
            }
            PageKind::Countries(lang) => {
                renderer.render("countries.html", &view.countries(*lang, &page.path))
            }
            PageKind::Years(lang) => renderer.render("years.html", &view.years(*lang, &page.path)),
            PageKind::Tags(lang) => renderer.render("tags.html", &view.tags(*lang, &page.path)),
            PageKind::Search(lang) => {
                renderer.render("search.html", &view.search(*lang, &page.path))
            }
            PageKind::LanguageChooser => renderer.render("language-chooser.html", &view.chooser()),
            PageKind::NotFound => renderer.render("404.html", &view.chooser()),
        }
    }
}

/// A part of a context already serialised for Tera, the same on every page of a language:
/// Tera clones a [`tera::Value`] it meets inside a context (a reference count) instead of
/// serialising it again. Every page serialised, and then dropped, the 66 interface strings
/// and the asset links itself.
///
/// Each article's card is shown by ten pages or so, and caching cards the same way made no
/// difference to the time that a benchmark could tell at 10,000 pairs, for 40 MB more peak
/// memory there and 400 MB at 100,000 pairs: cards are made per page.
///
/// Only for qiao's own types, which hold strings, numbers, lists and maps with string keys:
/// the one kind of value Tera's serialiser cannot fail on.
struct Prebuilt<T> {
    value: tera::Value,
    of: PhantomData<fn() -> T>,
}

impl<T: Serialize> Prebuilt<T> {
    fn new(of: &T) -> Prebuilt<T> {
        Prebuilt {
            value: tera::Value::from_serializable(of),
            of: PhantomData,
        }
    }
}

impl<T> Clone for Prebuilt<T> {
    fn clone(&self) -> Self {
        Prebuilt {
            value: self.value.clone(),
            of: PhantomData,
        }
    }
}

impl<T> Serialize for Prebuilt<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(serializer)
    }
}

/// What every page of a build shows, serialised once ([`Prebuilt`]).
struct Shared {
    /// The interface strings, `t` in every template.
    strings: PerLang<Prebuilt<BTreeMap<&'static str, &'static str>>>,
    /// Links to static files, `assets` in every template.
    assets: Prebuilt<BTreeMap<String, urls::Link>>,
}

/// Links to the browsing pages of a language, by name.
#[derive(Serialize)]
struct Sections {
    alliances: urls::Link,
    countries: urls::Link,
    years: urls::Link,
    tags: urls::Link,
    search: urls::Link,
}

#[derive(Serialize)]
struct Common<'a> {
    lang: Lang,
    html_lang: &'static str,
    /// The page language's own name (中文 / English), for the switcher.
    lang_name: &'static str,
    site_title: &'a str,
    site_description: &'a str,
    /// Prefix of every root-relative link.
    base_path: &'a str,
    /// Links to static files by their path in `static/`: `assets["style.css"]`.
    assets: Prebuilt<BTreeMap<String, urls::Link>>,
    t: Prebuilt<BTreeMap<&'static str, &'static str>>,
    /// The main navigation, in order, for the header.
    nav: Vec<NavItem>,
    /// The same pages by name, for links elsewhere (`sections.alliances`).
    sections: Sections,
    home_url: urls::Link,
    switcher: Switcher,
    canonical: Permalink,
    alternates: Vec<Alternate>,
    /// Atom feeds this page belongs to: the language's, and a term page's own.
    feeds: Vec<Link>,
    /// The search page, for the search box in every page's header.
    search_url: urls::Link,
    /// The page's own title, without the site's name.
    title: String,
    /// Never empty: `site.toml`'s description where a page has none of its own, else a
    /// sentence from the page's title and the portal's.
    description: String,
    icons: Vec<IconLink>,
    extra: &'a toml::Table,
}

/// A `<link rel="icon">` (or `apple-touch-icon`) of every page.
#[derive(Serialize)]
struct IconLink {
    rel: &'static str,
    /// A link, or the absolute URL `site.toml` gives for the site's icon.
    href: String,
    #[serde(rename = "type")]
    mime: &'static str,
    sizes: Option<&'static str>,
}

#[derive(Serialize)]
struct NavItem {
    label: &'static str,
    url: urls::Link,
    current: bool,
}

#[derive(Serialize)]
struct Switcher {
    lang: Lang,
    html_lang: &'static str,
    label: &'static str,
    url: urls::Link,
    /// False when the page has no counterpart and the switcher goes to the other home.
    exact: bool,
}

#[derive(Serialize)]
struct Alternate {
    hreflang: &'static str,
    href: Permalink,
}

#[derive(Serialize, Clone)]
pub(super) struct Link {
    pub(super) name: String,
    pub(super) url: urls::Link,
}

/// A `<picture>`: WebP sources, the fallback, and the size it is shown at.
#[derive(Serialize)]
struct PictureView {
    src: urls::Link,
    srcset: String,
    sizes: &'static str,
    width: u32,
    height: u32,
}

/// Thumbnails beside a card's headline (`.card-image` in the stylesheet); the home
/// page's lead story shows its picture as wide as the text instead.
const CARD_SIZES: &str = "(min-width: 50rem) 9rem, 7rem";

/// Borrows what the article has as text: a card is made for each page that shows it, some
/// ten pages per article, and serialised for Tera at once.
#[derive(Serialize)]
struct Card<'a> {
    title: &'a str,
    url: urls::Link,
    date: String,
    date_display: String,
    summary: &'a str,
    image: Option<&'a str>,
    /// The lead photo's thumbnail; a plain card without one.
    thumb: Option<PictureView>,
    /// `sizes` of the thumbnail when the card is the home page's lead story.
    lead_sizes: &'static str,
    alliances: Vec<Link>,
    countries: Vec<Link>,
}

#[derive(Serialize)]
struct TermCount {
    name: String,
    /// The name in the other language, shown smaller on the alliances page.
    other_name: String,
    url: urls::Link,
    count: usize,
    count_label: String,
    latest: Option<String>,
}

/// The site as the context builders see it.
pub(super) struct View<'a> {
    pub(super) site: &'a Site,
    indexes: &'a Indexes,
    existing: &'a HashSet<SitePath>,
    shared: Shared,
}

/// Which navigation entry a page belongs to.
#[derive(PartialEq, Eq, Clone, Copy)]
enum Section {
    Home,
    Alliances,
    Countries,
    Years,
    Tags,
    Search,
}

/// The media type of an icon file, from its name.
fn image_type(name: &str) -> &'static str {
    let lower = name.to_ascii_lowercase();
    match lower.rsplit('.').next() {
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        _ => "image/jpeg",
    }
}

impl<'a> View<'a> {
    fn link(&self, path: &SitePath) -> urls::Link {
        self.site.urls.link(path)
    }

    fn common(
        &self,
        lang: Lang,
        path: &SitePath,
        section: Section,
        title: String,
        description: String,
    ) -> Common<'a> {
        let config = &self.site.config;
        let urls = &self.site.urls;
        let (switcher, alternates) = self.translations(lang, path);
        let language = config.language(lang);
        Common {
            lang,
            html_lang: lang.html_lang(),
            lang_name: lang.native_name(),
            site_title: &language.title,
            site_description: &language.description,
            base_path: urls.base_path(),
            assets: self.shared.assets.clone(),
            t: self.shared.strings.get(lang).clone(),
            nav: self.nav(lang, section),
            sections: self.sections(lang),
            home_url: self.link(&urls::home(lang)),
            search_url: self.link(&urls::search(lang)),
            switcher,
            canonical: urls.permalink(path),
            alternates,
            feeds: vec![Link {
                name: language.title.clone(),
                url: self.link(&urls::feed(&urls::home(lang))),
            }],
            description: if description.trim().is_empty() {
                self.description_of(lang, &title)
            } else {
                description
            },
            title,
            icons: self.icons(),
            extra: &config.extra,
        }
    }

    /// The language switcher, to this page's translation if there is one and else to the
    /// other language's home page; and the hreflang links to every version of the page.
    fn translations(&self, lang: Lang, path: &SitePath) -> (Switcher, Vec<Alternate>) {
        let other = lang.other();
        let urls = &self.site.urls;
        let versions = Versions::of(path, |p| self.existing.contains(p));
        let translation = versions.as_ref().and_then(|v| v.translation.clone());
        let exact = translation.is_some();
        let switch_path = translation.unwrap_or_else(|| urls::home(other));
        let alternates = versions
            .map(|v| {
                v.alternates(self.site.config.default_language)
                    .into_iter()
                    .map(|(hreflang, p)| Alternate {
                        hreflang,
                        href: urls.permalink(p),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let switcher = Switcher {
            lang: other,
            html_lang: other.html_lang(),
            label: other.native_name(),
            url: self.link(&switch_path),
            exact,
        };
        (switcher, alternates)
    }

    /// The main navigation, `section` marked as the current one.
    fn nav(&self, lang: Lang, section: Section) -> Vec<NavItem> {
        [
            (Section::Home, "nav_home", urls::home(lang)),
            (Section::Alliances, "nav_alliances", urls::alliances(lang)),
            (Section::Countries, "nav_countries", urls::countries(lang)),
            (Section::Years, "nav_years", urls::years(lang)),
            (Section::Search, "nav_search", urls::search(lang)),
        ]
        .into_iter()
        .map(|(s, key, p)| NavItem {
            label: i18n::get(lang, key),
            url: self.link(&p),
            current: s == section,
        })
        .collect()
    }

    fn sections(&self, lang: Lang) -> Sections {
        Sections {
            alliances: self.link(&urls::alliances(lang)),
            countries: self.link(&urls::countries(lang)),
            years: self.link(&urls::years(lang)),
            tags: self.link(&urls::tags(lang)),
            search: self.link(&urls::search(lang)),
        }
    }

    /// `site.toml`'s description, or a sentence naming the page and the portal.
    fn description_of(&self, lang: Lang, title: &str) -> String {
        let language = self.site.config.language(lang);
        if !language.description.trim().is_empty() {
            return language.description.clone();
        }
        i18n::page_description(lang, title, &language.title)
    }

    /// The site's icon from `site.toml`, or the built-in SVG with PNG fallbacks for
    /// clients without SVG icons (and so no request for a missing `/favicon.ico`).
    fn icons(&self) -> Vec<IconLink> {
        if let Some(icon) = &self.site.config.icon {
            let href = if icon.starts_with('/') {
                self.link(&SitePath::new(icon.clone())).to_string()
            } else {
                icon.clone()
            };
            return vec![IconLink {
                rel: "icon",
                mime: image_type(icon),
                href,
                sizes: None,
            }];
        }
        vec![
            IconLink {
                rel: "icon",
                href: self.asset("favicon.svg").to_string(),
                mime: "image/svg+xml",
                sizes: Some("any"),
            },
            IconLink {
                rel: "icon",
                href: self.asset("favicon.png").to_string(),
                mime: "image/png",
                sizes: Some("32x32"),
            },
            IconLink {
                rel: "apple-touch-icon",
                href: self.asset("apple-touch-icon.png").to_string(),
                mime: "image/png",
                sizes: Some("180x180"),
            },
        ]
    }

    /// The link to a static file, content-hashed where that applies.
    fn asset(&self, rel: &str) -> urls::Link {
        self.site
            .asset_links
            .get(rel)
            .cloned()
            .unwrap_or_else(|| self.link(&urls::file(rel)))
    }

    fn alliance_link(&self, lang: Lang, key: &AllianceKey) -> Link {
        let name = self.site.config.alliance_name(key, lang);
        Link {
            name,
            url: self.link(&urls::alliance(lang, key)),
        }
    }

    fn country_link(&self, lang: Lang, code: CountryCode) -> Link {
        Link {
            name: self.site.config.country_name(code, lang),
            url: self.link(&urls::country(lang, code)),
        }
    }

    fn picture(&self, lead: &crate::site::Lead, sizes: &'static str) -> PictureView {
        let links = crate::images::links(&lead.rel, &lead.picture, &self.site.urls);
        PictureView {
            src: links.src,
            srcset: links.srcset,
            sizes,
            width: lead.picture.width,
            height: lead.picture.height,
        }
    }

    fn card(&self, a: &'a Article) -> Card<'a> {
        Card {
            title: &a.title,
            url: self.link(&a.path()),
            date: a.date.to_string(),
            date_display: a.lang.format_date(a.date),
            summary: a.summary.text(),
            image: a.image.as_deref(),
            thumb: a.lead.as_ref().map(|l| self.picture(l, CARD_SIZES)),
            lead_sizes: crate::images::SIZES,
            alliances: a
                .alliances
                .iter()
                .map(|k| self.alliance_link(a.lang, k))
                .collect(),
            countries: a
                .countries
                .iter()
                .map(|c| self.country_link(a.lang, *c))
                .collect(),
        }
    }

    fn crumb_home(&self, lang: Lang) -> Link {
        Link {
            name: i18n::get(lang, "nav_home").to_owned(),
            url: self.link(&urls::home(lang)),
        }
    }
}
