//! Rendering: which pages the site has, and the plain, serialisable context each Tera
//! template receives. Templates never compute URLs or format dates; they get them ready.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use serde::Serialize;
use tera::{Context, Tera};

use crate::charts::{self, Partner, Timeline, WorldMap};
use crate::config::AllianceKey;
use crate::country::{CountryCode, Region};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::embedded;
use crate::feeds;
use crate::i18n;
use crate::lang::Lang;
use crate::site::{Article, Fingerprint, Site};
use crate::taxonomy::Indexes;
use crate::urls::{self, PAGE_SIZE, Versions};

/// How many countries the home page lists beside the news.
const HOME_COUNTRIES: usize = 10;

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
pub enum ListKind {
    Home,
    Alliance(AllianceKey),
    Country(CountryCode),
    Year(i32),
    /// By the tag's slug.
    Tag(String),
}

#[derive(Debug, Clone)]
pub struct Page {
    /// The site path: ends in `/` for a folder's `index.html`, or names a file.
    pub path: String,
    pub kind: PageKind,
}

impl Page {
    /// The file this page is written to, relative to the output folder.
    pub fn output_file(&self) -> String {
        let rel = self.path.trim_start_matches('/');
        if rel.is_empty() || rel.ends_with('/') {
            format!("{rel}index.html")
        } else {
            rel.to_owned()
        }
    }
}

/// Every page of the site, in a stable order.
pub fn pages(site: &Site, indexes: &Indexes) -> Vec<Page> {
    let mut out = vec![
        Page {
            path: "/".into(),
            kind: PageKind::LanguageChooser,
        },
        Page {
            path: "/404.html".into(),
            kind: PageKind::NotFound,
        },
    ];
    for lang in Lang::ALL {
        let articles = site.articles(lang);
        let tax = indexes.get(lang);
        let mut list = |first: String, list: ListKind, len: usize| {
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
        out.push(Page {
            path: urls::alliances(lang),
            kind: PageKind::Alliances(lang),
        });
        out.push(Page {
            path: urls::countries(lang),
            kind: PageKind::Countries(lang),
        });
        out.push(Page {
            path: urls::years(lang),
            kind: PageKind::Years(lang),
        });
        out.push(Page {
            path: urls::tags(lang),
            kind: PageKind::Tags(lang),
        });
        out.push(Page {
            path: urls::search(lang),
            kind: PageKind::Search(lang),
        });
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
fn page_count(len: usize) -> usize {
    len.div_ceil(PAGE_SIZE).max(1)
}

/// A hash of everything `page` shows, computed from the model without rendering: when it
/// equals the previous build's, so does the page. `global` stands for what every page
/// depends on (configuration, templates, static file names).
pub fn page_key(
    site: &Site,
    indexes: &Indexes,
    exists: &dyn Fn(&str) -> bool,
    page: &Page,
    global: u64,
) -> u64 {
    let mut h = Fingerprint::default();
    h.u64(global).str(&page.path);
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

/// The compiled templates: the defaults built into qiao, overridden by any file of the
/// same name in the site's `templates/`.
pub struct Renderer {
    tera: Tera,
    /// A hash of every template's source: pages depend on all of them.
    pub fingerprint: u64,
}

impl Renderer {
    pub fn load(root: &Path) -> Result<Renderer, Diagnostics> {
        let mut templates: BTreeMap<String, String> = embedded::default_templates().collect();
        let mut diags = Diagnostics::default();
        let dir = root.join("templates");
        if dir.is_dir() {
            for entry in walkdir::WalkDir::new(&dir)
                .follow_links(true)
                .sort_by_file_name()
            {
                let entry = match entry {
                    Ok(e) => e,
                    Err(e) => {
                        diags.push(Diagnostic::error("templates", format!("cannot read: {e}")));
                        continue;
                    }
                };
                if !entry.file_type().is_file() {
                    continue;
                }
                let name = entry
                    .path()
                    .strip_prefix(&dir)
                    .unwrap_or(entry.path())
                    .to_string_lossy()
                    .replace('\\', "/");
                match std::fs::read_to_string(entry.path()) {
                    Ok(text) => {
                        templates.insert(name, text);
                    }
                    Err(e) => diags.push(Diagnostic::error(
                        Path::new("templates").join(&name),
                        format!("cannot read: {e}"),
                    )),
                }
            }
        }
        let mut tera = Tera::new();
        tera.autoescape_on(vec![".html", ".xml"]);
        if let Err(e) =
            tera.add_raw_templates(templates.iter().map(|(n, t)| (n.as_str(), t.as_str())))
        {
            diags.push(Diagnostic::error(
                "templates",
                format!("template error: {}", error_chain(&e)),
            ));
        }
        if diags.has_errors() {
            Err(diags)
        } else {
            let mut h = Fingerprint::default();
            for (name, source) in &templates {
                h.str(name).str(source);
            }
            Ok(Renderer {
                tera,
                fingerprint: h.finish(),
            })
        }
    }

    fn render<T: Serialize>(&self, template: &str, ctx: &T) -> Result<String, String> {
        let ctx = Context::from_serialize(ctx).map_err(|e| error_chain(&e))?;
        self.tera.render(template, &ctx).map_err(|e| {
            format!(
                "rendering `templates/{template}` failed: {}",
                error_chain(&e)
            )
        })
    }
}

/// JSON for a `<script>` element: `<`, `>` and `&` only ever occur inside JSON strings,
/// where their `\u` escapes mean the same, so `</script>` in a title cannot end the script.
/// `https://host` of an absolute URL.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest
        .split(['/', '?', '#'])
        .next()
        .filter(|h| !h.is_empty())?;
    Some(format!("{scheme}://{host}/"))
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

fn script_safe_json(value: &serde_json::Value) -> String {
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}

/// Renders one page. `existing` holds every page's site path, so the language switcher
/// and hreflang links only ever point at pages that exist.
pub fn render_page(
    site: &Site,
    indexes: &Indexes,
    renderer: &Renderer,
    existing: &HashSet<String>,
    page: &Page,
) -> Result<String, String> {
    let view = View {
        site,
        indexes,
        existing,
    };
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
        PageKind::Search(lang) => renderer.render("search.html", &view.search(*lang, &page.path)),
        PageKind::LanguageChooser => renderer.render("language-chooser.html", &view.chooser()),
        PageKind::NotFound => renderer.render("404.html", &view.chooser()),
    }
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
    assets: &'a BTreeMap<String, String>,
    t: &'static BTreeMap<&'static str, &'static str>,
    nav: Vec<NavItem>,
    home_url: String,
    switcher: Switcher,
    canonical: String,
    alternates: Vec<Alternate>,
    /// Atom feeds this page belongs to: the language's, and a term page's own.
    feeds: Vec<Link>,
    /// The search page, for the search box in every page's header.
    search_url: String,
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
    href: String,
    #[serde(rename = "type")]
    mime: &'static str,
    sizes: Option<&'static str>,
}

#[derive(Serialize)]
struct NavItem {
    label: &'static str,
    url: String,
    current: bool,
}

#[derive(Serialize)]
struct Switcher {
    lang: Lang,
    html_lang: &'static str,
    label: &'static str,
    url: String,
    /// False when the page has no counterpart and the switcher goes to the other home.
    exact: bool,
}

#[derive(Serialize)]
struct Alternate {
    hreflang: &'static str,
    href: String,
}

#[derive(Serialize, Clone)]
struct Link {
    name: String,
    url: String,
}

/// A `<picture>`: WebP sources, the fallback, and the size it is shown at.
#[derive(Serialize)]
struct PictureView {
    src: String,
    srcset: String,
    sizes: &'static str,
    width: u32,
    height: u32,
}

/// The lead photo under an article's title.
#[derive(Serialize)]
struct LeadView<'a> {
    #[serde(flatten)]
    picture: PictureView,
    alt: &'a str,
    caption: Option<&'a str>,
    credit: Option<&'a str>,
}

/// Thumbnails beside a card's headline (`.card-image` in the stylesheet); the home
/// page's lead story shows its picture as wide as the text instead.
const CARD_SIZES: &str = "(min-width: 50rem) 9rem, 7rem";

#[derive(Serialize)]
struct Card {
    title: String,
    url: String,
    date: String,
    date_display: String,
    summary: String,
    image: Option<String>,
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
    url: String,
    count: usize,
    count_label: String,
    latest: Option<String>,
}

#[derive(Serialize)]
struct Pagination {
    current: usize,
    total: usize,
    label: String,
    prev: Option<String>,
    next: Option<String>,
    pages: Vec<PageLink>,
}

#[derive(Serialize)]
struct PageLink {
    number: usize,
    url: String,
    current: bool,
}

#[derive(Serialize)]
struct ArticleContext<'a> {
    #[serde(flatten)]
    common: Common<'a>,
    /// Open Graph and Twitter card `<meta>` tags.
    social: Vec<MetaTag>,
    /// JSON-LD (`NewsArticle` and `BreadcrumbList`), already safe inside `<script>`.
    json_ld: String,
    article: ArticleView<'a>,
    prev: Option<Card>,
    next: Option<Card>,
    related: Vec<Card>,
    breadcrumbs: Vec<Link>,
}

#[derive(Serialize)]
struct MetaTag {
    /// `property` for Open Graph, `name` for Twitter.
    attr: &'static str,
    key: &'static str,
    content: String,
}

#[derive(Serialize)]
struct ArticleView<'a> {
    title: &'a str,
    date: String,
    date_display: String,
    summary: &'a str,
    body: &'a str,
    source: Option<&'a crate::content::Source>,
    alliances: Vec<Link>,
    countries: Vec<Link>,
    /// Each tag with its page; a tag that has no slug is shown without a link.
    tags: Vec<Link>,
    image: Option<&'a str>,
    lead: Option<LeadView<'a>>,
    url: String,
    translated: bool,
}

#[derive(Serialize)]
struct ListContext<'a> {
    #[serde(flatten)]
    common: Common<'a>,
    /// `home`, `alliance`, `country` or `year`.
    kind: &'static str,
    heading: String,
    /// For a term page: the term's name in the other language, and a feed or site link.
    subheading: String,
    count_label: String,
    articles: Vec<Card>,
    pagination: Pagination,
    /// Only on the first home page: the ways to browse, with counts.
    sidebar: Option<Sidebar>,
    /// On the first page of the home, alliance and country lists: articles per year.
    timeline: Option<Timeline>,
    breadcrumbs: Vec<Link>,
}

#[derive(Serialize)]
struct Sidebar {
    alliances: Vec<TermCount>,
    countries: Vec<TermCount>,
    years: Vec<TermCount>,
}

#[derive(Serialize)]
struct TermsContext<'a> {
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

#[derive(Serialize)]
struct SearchContext<'a> {
    #[serde(flatten)]
    common: Common<'a>,
    /// What the search script needs, as JSON for a `<script type="application/json">`.
    config: String,
}

#[derive(Serialize)]
struct SearchConfig<'a> {
    lang: Lang,
    worker: String,
    manifest: String,
    strings: BTreeMap<&'static str, &'static str>,
    alliances: BTreeMap<&'a str, &'a str>,
    countries: BTreeMap<String, String>,
}

#[derive(Serialize)]
struct ChooserContext<'a> {
    base_path: &'a str,
    assets: &'a BTreeMap<String, String>,
    icons: Vec<IconLink>,
    canonical: String,
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
    url: String,
    t: &'static BTreeMap<&'static str, &'static str>,
}

struct View<'a> {
    site: &'a Site,
    indexes: &'a Indexes,
    existing: &'a HashSet<String>,
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

impl<'a> View<'a> {
    fn link(&self, path: &str) -> String {
        self.site.urls.link(path)
    }

    fn common(
        &self,
        lang: Lang,
        path: &str,
        section: Section,
        title: String,
        description: String,
    ) -> Common<'a> {
        let config = &self.site.config;
        let other = lang.other();
        let urls = &self.site.urls;
        let versions = Versions::of(path, |p| self.existing.contains(p));
        let translation = versions.as_ref().and_then(|v| v.translation.clone());
        let exact = translation.is_some();
        let switch_path = translation.unwrap_or_else(|| urls::home(other));
        let alternates = versions
            .map(|v| {
                v.alternates(config.default_language)
                    .into_iter()
                    .map(|(hreflang, p)| Alternate {
                        hreflang,
                        href: urls.permalink(p),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let t = i18n::strings(lang);
        let nav = [
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
        .collect();
        let language = config.language(lang);
        Common {
            lang,
            html_lang: lang.html_lang(),
            lang_name: lang.native_name(),
            site_title: &language.title,
            site_description: &language.description,
            base_path: urls.base_path(),
            assets: &self.site.asset_links,
            t,
            nav,
            home_url: self.link(&urls::home(lang)),
            search_url: self.link(&urls::search(lang)),
            switcher: Switcher {
                lang: other,
                html_lang: other.html_lang(),
                label: other.native_name(),
                url: self.link(&switch_path),
                exact,
            },
            canonical: urls.permalink(path),
            alternates,
            feeds: vec![Link {
                name: language.title.clone(),
                url: self.link(&feeds::feed_path(&urls::home(lang))),
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
                self.link(icon)
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
                href: self.asset("favicon.svg"),
                mime: "image/svg+xml",
                sizes: Some("any"),
            },
            IconLink {
                rel: "icon",
                href: self.asset("favicon.png"),
                mime: "image/png",
                sizes: Some("32x32"),
            },
            IconLink {
                rel: "apple-touch-icon",
                href: self.asset("apple-touch-icon.png"),
                mime: "image/png",
                sizes: Some("180x180"),
            },
        ]
    }

    /// The picture of a page without its own: `site.toml`'s `default_image`, else the
    /// publisher's logo; absolute, for cards and structured data.
    fn default_image(&self) -> Option<String> {
        let config = &self.site.config;
        let image = config
            .default_image
            .as_ref()
            .or(config.publisher.logo.as_ref())?;
        Some(if image.starts_with('/') {
            self.site.urls.permalink(image)
        } else {
            image.clone()
        })
    }

    /// The link to a static file, content-hashed where that applies.
    fn asset(&self, rel: &str) -> String {
        self.site
            .asset_links
            .get(rel)
            .cloned()
            .unwrap_or_else(|| self.link(&format!("/{rel}")))
    }

    fn alliance_link(&self, lang: Lang, key: &AllianceKey) -> Link {
        let name = self
            .site
            .config
            .alliance(key.as_str())
            .map_or_else(|| key.to_string(), |a| a.name.get(lang).to_owned());
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

    fn card(&self, a: &Article) -> Card {
        Card {
            title: a.title.clone(),
            url: self.link(&a.path()),
            date: a.date.to_string(),
            date_display: a.lang.format_date(a.date),
            summary: a.summary.clone(),
            image: a.image.clone(),
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

    fn article(&self, lang: Lang, index: usize, path: &str) -> ArticleContext<'a> {
        let articles = self.site.articles(lang);
        let a = &articles[index];
        let year = chrono::Datelike::year(&a.date);
        let breadcrumbs = vec![
            self.crumb_home(lang),
            Link {
                name: i18n::year_name(lang, year),
                url: self.link(&urls::year(lang, year)),
            },
        ];
        ArticleContext {
            social: self.social(a, path),
            json_ld: self.json_ld(a, path, &breadcrumbs),
            common: self.common(
                lang,
                path,
                Section::Home,
                a.title.clone(),
                a.summary.clone(),
            ),
            article: ArticleView {
                title: &a.title,
                date: a.date.to_string(),
                date_display: lang.format_date(a.date),
                summary: &a.summary,
                body: &a.html,
                source: a.source.as_ref(),
                alliances: a
                    .alliances
                    .iter()
                    .map(|k| self.alliance_link(lang, k))
                    .collect(),
                countries: a
                    .countries
                    .iter()
                    .map(|c| self.country_link(lang, *c))
                    .collect(),
                tags: a
                    .tags
                    .iter()
                    .map(|t| Link {
                        name: t.clone(),
                        url: crate::taxonomy::tag_slug(t)
                            .map(|slug| self.link(&urls::tag(lang, &slug)))
                            .unwrap_or_default(),
                    })
                    .collect(),
                image: a.image.as_deref(),
                lead: a.lead.as_ref().map(|l| LeadView {
                    picture: self.picture(l, crate::images::SIZES),
                    alt: &l.alt,
                    caption: l.caption.as_deref(),
                    credit: l.credit.as_deref(),
                }),
                url: self.link(path),
                translated: a.translated,
            },
            // The list is newest first: the previous (older) article comes after.
            prev: articles.get(index + 1).map(|p| self.card(p)),
            next: index.checked_sub(1).map(|n| self.card(&articles[n])),
            related: self
                .indexes
                .related(lang, index)
                .iter()
                .map(|&j| self.card(&articles[j]))
                .collect(),
            breadcrumbs,
        }
    }

    /// An absolute URL for a link that may be root-relative.
    fn absolute(&self, link: &str) -> String {
        if link.starts_with('/') && !link.starts_with("//") {
            format!("{}{link}", self.site.config.base_url.origin)
        } else {
            link.to_owned()
        }
    }

    fn social(&self, a: &Article, path: &str) -> Vec<MetaTag> {
        let config = &self.site.config;
        let locale = |l: Lang| if l == Lang::Zh { "zh_CN" } else { "en_US" };
        let og = |key, content: String| MetaTag {
            attr: "property",
            key,
            content,
        };
        let tw = |key, content: String| MetaTag {
            attr: "name",
            key,
            content,
        };
        let own = a.image.as_deref().map(|i| self.absolute(i));
        // A photo of the article's own gets the large card; the site's default picture
        // (usually a logo) the small one.
        let card = if own.is_some() {
            "summary_large_image"
        } else {
            "summary"
        };
        let image = own.or_else(|| self.default_image());
        let mut tags = vec![
            og("og:type", "article".into()),
            og("og:site_name", config.language(a.lang).title.clone()),
            og("og:title", a.title.clone()),
            og("og:description", a.summary.clone()),
            og("og:url", self.site.urls.permalink(path)),
            og("og:locale", locale(a.lang).into()),
        ];
        if a.translated {
            tags.push(og("og:locale:alternate", locale(a.lang.other()).into()));
        }
        if let Some(img) = &image {
            tags.push(og("og:image", img.clone()));
        }
        tags.push(og("article:published_time", config.datetime(a.date)));
        tags.push(tw("twitter:card", card.into()));
        tags.push(tw("twitter:title", a.title.clone()));
        tags.push(tw("twitter:description", a.summary.clone()));
        if let Some(img) = image {
            tags.push(tw("twitter:image", img));
        }
        tags
    }

    fn json_ld(&self, a: &Article, path: &str, breadcrumbs: &[Link]) -> String {
        let config = &self.site.config;
        let permalink = self.site.urls.permalink(path);
        let publisher = &config.publisher;
        let mut org = serde_json::json!({
            "@type": "Organization",
            "name": publisher.name.get(a.lang),
            "url": publisher.url.clone().unwrap_or_else(|| self.site.urls.permalink(&urls::home(a.lang))),
        });
        if let Some(logo) = &publisher.logo {
            let url = if logo.starts_with('/') {
                self.site.urls.permalink(logo)
            } else {
                logo.clone()
            };
            org["logo"] = serde_json::json!({ "@type": "ImageObject", "url": url });
        }
        let mut article = serde_json::json!({
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": a.title,
            "description": a.summary,
            "datePublished": config.datetime(a.date),
            "dateModified": config.datetime(a.date),
            "inLanguage": a.lang.html_lang(),
            "url": permalink,
            "mainEntityOfPage": { "@type": "WebPage", "@id": permalink },
            "publisher": org,
        });
        let image = a
            .image
            .as_deref()
            .map(|i| self.absolute(i))
            .or_else(|| self.default_image());
        if let Some(img) = image {
            article["image"] = serde_json::json!([img]);
        }
        // The source (a news agency, a partner college) wrote it: its site is the origin
        // of the source link. Without a source, the portal's publisher is the author.
        article["author"] = match &a.source {
            Some(source) => serde_json::json!({
                "@type": "Organization",
                "name": source.name,
                "url": source
                    .url
                    .as_deref()
                    .and_then(origin_of)
                    .unwrap_or_else(|| self.site.urls.permalink("/")),
            }),
            None => org.clone(),
        };
        let mut items: Vec<serde_json::Value> = breadcrumbs
            .iter()
            .map(|l| serde_json::json!({ "name": l.name, "item": self.absolute(&l.url) }))
            .collect();
        items.push(serde_json::json!({ "name": a.title, "item": permalink }));
        for (i, item) in items.iter_mut().enumerate() {
            item["@type"] = "ListItem".into();
            item["position"] = (i + 1).into();
        }
        let crumbs = serde_json::json!({
            "@context": "https://schema.org",
            "@type": "BreadcrumbList",
            "itemListElement": items,
        });
        script_safe_json(&serde_json::json!([article, crumbs]))
    }

    fn list(&self, lang: Lang, list: &ListKind, n: usize, path: &str) -> ListContext<'a> {
        let articles = self.site.articles(lang);
        let tax = self.indexes.get(lang);
        let (items, first, section, kind, heading, subheading): (
            &[usize],
            String,
            Section,
            &str,
            String,
            String,
        ) = match list {
            ListKind::Home => (
                tax.items(list),
                urls::home(lang),
                Section::Home,
                "home",
                i18n::get(lang, "latest").to_owned(),
                String::new(),
            ),
            ListKind::Alliance(key) => {
                let (name, other) = match self.site.config.alliance(key.as_str()) {
                    Some(a) => (
                        a.name.get(lang).to_owned(),
                        a.name.get(lang.other()).to_owned(),
                    ),
                    None => (key.to_string(), String::new()),
                };
                (
                    tax.items(list),
                    urls::alliance(lang, key),
                    Section::Alliances,
                    "alliance",
                    name,
                    other,
                )
            }
            ListKind::Country(code) => {
                let items = tax.items(list);
                let name = self.site.config.country_name(*code, lang);
                let other = self.site.config.country_name(*code, lang.other());
                (
                    items,
                    urls::country(lang, *code),
                    Section::Countries,
                    "country",
                    name,
                    other,
                )
            }
            ListKind::Year(year) => {
                let items = tax.items(list);
                (
                    items,
                    urls::year(lang, *year),
                    Section::Years,
                    "year",
                    i18n::year_name(lang, *year),
                    String::new(),
                )
            }
            ListKind::Tag(slug) => {
                let name = tax
                    .tags
                    .get(slug)
                    .map(|t| t.name.clone())
                    .unwrap_or_default();
                (
                    tax.items(list),
                    urls::tag(lang, slug),
                    Section::Tags,
                    "tag",
                    name,
                    String::new(),
                )
            }
        };
        let total = page_count(items.len());
        let start = (n - 1) * PAGE_SIZE;
        let cards = items
            .iter()
            .skip(start)
            .take(PAGE_SIZE)
            .map(|&i| self.card(&articles[i]))
            .collect();
        let pagination = Pagination {
            current: n,
            total,
            label: i18n::page_of(lang, n, total),
            prev: (n > 1).then(|| self.link(&urls::paginated(&first, n - 1))),
            next: (n < total).then(|| self.link(&urls::paginated(&first, n + 1))),
            pages: (1..=total)
                .map(|k| PageLink {
                    number: k,
                    url: self.link(&urls::paginated(&first, k)),
                    current: k == n,
                })
                .collect(),
        };
        let sidebar = (matches!(list, ListKind::Home) && n == 1).then(|| self.sidebar(lang));
        let timeline = if n == 1 && !matches!(list, ListKind::Year(_)) {
            let mut per_year = BTreeMap::new();
            for &i in items {
                *per_year
                    .entry(chrono::Datelike::year(&articles[i].date))
                    .or_insert(0) += 1;
            }
            // The bars link to the year pages, which list the whole portal's year: a term's
            // list is paginated newest first, so no one page of it holds "its 2024".
            charts::timeline(lang, &per_year, |y| self.link(&urls::year(lang, y)))
        } else {
            None
        };
        let mut breadcrumbs = vec![self.crumb_home(lang)];
        match list {
            ListKind::Home => breadcrumbs.clear(),
            ListKind::Alliance(_) => breadcrumbs.push(Link {
                name: i18n::get(lang, "alliances_title").into(),
                url: self.link(&urls::alliances(lang)),
            }),
            ListKind::Country(_) => breadcrumbs.push(Link {
                name: i18n::get(lang, "countries_title").into(),
                url: self.link(&urls::countries(lang)),
            }),
            ListKind::Year(_) => breadcrumbs.push(Link {
                name: i18n::get(lang, "years_title").into(),
                url: self.link(&urls::years(lang)),
            }),
            ListKind::Tag(_) => breadcrumbs.push(Link {
                name: i18n::get(lang, "tags_title").into(),
                url: self.link(&urls::tags(lang)),
            }),
        }
        let title = if n > 1 {
            format!("{heading} · {}", pagination.label)
        } else {
            heading.clone()
        };
        let description = match list {
            ListKind::Home => self.site.config.language(lang).description.clone(),
            _ => format!(
                "{heading} — {} — {}",
                i18n::article_count(lang, items.len()),
                self.site.config.language(lang).title
            ),
        };
        let mut common = self.common(lang, path, section, title, description);
        if matches!(
            list,
            ListKind::Alliance(_) | ListKind::Country(_) | ListKind::Tag(_)
        ) {
            common.feeds.push(Link {
                name: format!("{heading} · {}", self.site.config.language(lang).title),
                url: self.link(&feeds::feed_path(&first)),
            });
        }
        ListContext {
            common,
            kind,
            heading,
            subheading,
            count_label: i18n::article_count(lang, items.len()),
            articles: cards,
            pagination,
            sidebar,
            timeline,
            breadcrumbs,
        }
    }

    fn term_count(
        &self,
        lang: Lang,
        name: String,
        other_name: String,
        url: String,
        items: &[usize],
    ) -> TermCount {
        let articles = self.site.articles(lang);
        TermCount {
            name,
            other_name,
            url: self.link(&url),
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

    fn sidebar(&self, lang: Lang) -> Sidebar {
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
        path: &str,
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

    fn alliances(&self, lang: Lang, path: &str) -> TermsContext<'a> {
        self.terms_page(
            lang,
            path,
            Section::Alliances,
            "alliances_title",
            self.alliance_counts(lang),
            Vec::new(),
        )
    }

    fn countries(&self, lang: Lang, path: &str) -> TermsContext<'a> {
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

    fn tags(&self, lang: Lang, path: &str) -> TermsContext<'a> {
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

    fn years(&self, lang: Lang, path: &str) -> TermsContext<'a> {
        self.terms_page(
            lang,
            path,
            Section::Years,
            "years_title",
            self.year_counts(lang),
            Vec::new(),
        )
    }

    fn search(&self, lang: Lang, path: &str) -> SearchContext<'a> {
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
            manifest: self.link(&format!(
                "/{}/{}",
                crate::search::SEARCH_DIR,
                crate::search::MANIFEST
            )),
            strings,
            alliances: config
                .alliances
                .iter()
                .map(|a| (a.key.as_str(), a.name.get(lang)))
                .collect(),
            countries,
        };
        let json = serde_json::to_value(&search_config).unwrap_or_default();
        SearchContext {
            common: self.common(lang, path, Section::Search, title, String::new()),
            config: script_safe_json(&json),
        }
    }

    fn chooser(&self) -> ChooserContext<'a> {
        let config = &self.site.config;
        let mut langs: Vec<Lang> = Lang::ALL.to_vec();
        langs.sort_by_key(|l| *l != config.default_language);
        ChooserContext {
            base_path: self.site.urls.base_path(),
            assets: &self.site.asset_links,
            icons: self.icons(),
            canonical: self.site.urls.permalink("/"),
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
                    t: i18n::strings(lang),
                })
                .collect(),
        }
    }
}
