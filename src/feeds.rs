//! What machines read: Atom feeds per language, alliance and country; the sitemap with
//! every language version of every page; robots.txt pointing at it. Written as XML here
//! rather than through templates, so escaping and validity do not depend on a theme.

use std::fmt::Write;

use crate::config::AllianceKey;
use crate::country::CountryCode;
use crate::html::escape_xml;
use crate::lang::Lang;
use crate::render::{Page, PageKind};
use crate::site::{Article, Site};
use crate::taxonomy::Indexes;
use crate::urls::{self, SitePath, Versions};

/// Entries per feed: the newest articles.
pub const FEED_SIZE: usize = 20;
/// The sitemap protocol's limit of URLs per file.
pub const SITEMAP_LIMIT: usize = 50_000;

/// One Atom feed: the newest articles of a language, or of an alliance or country in it.
pub struct Feed {
    pub lang: Lang,
    /// The HTML page the feed belongs to (`/zh/alliances/wvteda/`).
    pub page: SitePath,
    pub title: String,
    pub items: Vec<usize>,
}

impl Feed {
    pub fn path(&self) -> SitePath {
        urls::feed(&self.page)
    }
}

pub fn feeds(site: &Site, indexes: &Indexes) -> Vec<Feed> {
    let mut out = Vec::new();
    for lang in Lang::ALL {
        let title = &site.config.language(lang).title;
        let tax = indexes.get(lang);
        out.push(Feed {
            lang,
            page: urls::home(lang),
            title: title.clone(),
            items: (0..site.articles(lang).len().min(FEED_SIZE)).collect(),
        });
        for alliance in &site.config.alliances {
            out.push(Feed {
                lang,
                page: urls::alliance(lang, &alliance.key),
                title: format!("{} · {title}", alliance.name.get(lang)),
                items: newest(tax.alliances.get(&alliance.key)),
            });
        }
        for (code, items) in &tax.countries {
            out.push(Feed {
                lang,
                page: urls::country(lang, *code),
                title: format!("{} · {title}", site.config.country_name(*code, lang)),
                items: newest(Some(items)),
            });
        }
        for (slug, tag) in &tax.tags {
            out.push(Feed {
                lang,
                page: urls::tag(lang, slug),
                title: format!("{} · {title}", tag.name),
                items: newest(Some(&tag.items)),
            });
        }
    }
    out
}

fn newest(items: Option<&Vec<usize>>) -> Vec<usize> {
    items
        .map(|v| v.iter().take(FEED_SIZE).copied().collect())
        .unwrap_or_default()
}

/// A hash of everything the feed shows, to skip it in a rebuild when nothing changed.
pub fn feed_key(site: &Site, feed: &Feed, global: u64) -> u64 {
    let mut h = crate::site::Fingerprint::default();
    h.u64(global).str(feed.page.as_str()).str(&feed.title);
    let articles = site.articles(feed.lang);
    for &i in &feed.items {
        h.u64(articles[i].page_hash);
    }
    // An empty feed's date comes from the language's newest article.
    h.u64(articles.first().map_or(0, |a| a.card_hash));
    h.finish()
}

/// The Atom document of `feed`.
pub fn atom(site: &Site, feed: &Feed) -> String {
    let config = &site.config;
    let urls = &site.urls;
    let articles = site.articles(feed.lang);
    // Deterministic: the newest entry's date, never the build's clock, so that unchanged
    // content gives byte-identical output.
    let newest = feed
        .items
        .first()
        .copied()
        .or((!articles.is_empty()).then_some(0));
    let updated = newest
        .map(|i| config.datetime(articles[i].date))
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_owned());
    let mut x = String::with_capacity(4096 + feed.items.len() * 4096);
    x.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    let _ = writeln!(
        x,
        "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">",
        feed.lang.html_lang()
    );
    let _ = writeln!(x, "  <title>{}</title>", escape_xml(&feed.title));
    let description = &config.language(feed.lang).description;
    if !description.is_empty() {
        let _ = writeln!(x, "  <subtitle>{}</subtitle>", escape_xml(description));
    }
    let _ = writeln!(
        x,
        "  <id>{}</id>",
        escape_xml(urls.permalink(&feed.page).as_str())
    );
    let _ = writeln!(
        x,
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>",
        escape_xml(urls.permalink(&feed.path()).as_str())
    );
    let _ = writeln!(
        x,
        "  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>",
        escape_xml(urls.permalink(&feed.page).as_str())
    );
    let _ = writeln!(x, "  <updated>{updated}</updated>");
    let _ = writeln!(
        x,
        "  <author><name>{}</name></author>",
        escape_xml(config.publisher.name.get(feed.lang))
    );
    x.push_str("  <generator>qiao</generator>\n");
    for &i in &feed.items {
        entry(&mut x, site, &articles[i]);
    }
    x.push_str("</feed>\n");
    x
}

fn entry(x: &mut String, site: &Site, a: &Article) {
    let config = &site.config;
    let permalink = site.urls.permalink(&a.path());
    let date = config.datetime(a.date);
    x.push_str("  <entry>\n");
    let _ = writeln!(x, "    <title>{}</title>", escape_xml(&a.title));
    let _ = writeln!(x, "    <id>{}</id>", escape_xml(permalink.as_str()));
    let _ = writeln!(
        x,
        "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>",
        escape_xml(permalink.as_str())
    );
    // The lead photo travels with the entry, for readers that show pictures.
    if let Some(lead) = &a.lead
        && let Some(social) = &lead.picture.social
    {
        let href = site
            .urls
            .permalink(&crate::images::site_path(&lead.rel, social));
        let _ = writeln!(
            x,
            "    <link rel=\"enclosure\" type=\"{}\" href=\"{}\" title=\"{}\"/>",
            social.mime,
            escape_xml(href.as_str()),
            escape_xml(&lead.alt)
        );
    }
    let _ = writeln!(x, "    <published>{date}</published>");
    let _ = writeln!(x, "    <updated>{date}</updated>");
    for key in &a.alliances {
        category(
            x,
            "alliance",
            key.as_str(),
            &alliance_name(site, key, a.lang),
        );
    }
    for code in &a.countries {
        category(
            x,
            "country",
            code.as_str(),
            &country_name(site, *code, a.lang),
        );
    }
    let _ = writeln!(x, "    <summary>{}</summary>", escape_xml(a.summary.text()));
    let _ = writeln!(
        x,
        "    <content type=\"html\">{}</content>",
        escape_xml(&absolute_links(&a.html, &config.base_url.origin))
    );
    x.push_str("  </entry>\n");
}

fn category(x: &mut String, scheme: &str, term: &str, label: &str) {
    let _ = writeln!(
        x,
        "    <category scheme=\"{scheme}\" term=\"{}\" label=\"{}\"/>",
        escape_xml(term),
        escape_xml(label)
    );
}

fn alliance_name(site: &Site, key: &AllianceKey, lang: Lang) -> String {
    site.config.alliance_name(key, lang)
}

fn country_name(site: &Site, code: CountryCode, lang: Lang) -> String {
    site.config.country_name(code, lang)
}

/// Feed readers show entries away from the site, so root-relative links get the origin.
/// Article HTML comes out of the rewriter with every rewritten URL double-quoted.
pub fn absolute_links(html: &str, origin: &str) -> String {
    html.replace(" href=\"/", &format!(" href=\"{origin}/"))
        .replace(" src=\"/", &format!(" src=\"{origin}/"))
        .replace(&format!(" href=\"{origin}//"), " href=\"//")
        .replace(&format!(" src=\"{origin}//"), " src=\"//")
}

/// The sitemap: `(file name, XML)` pairs; a sitemap index and numbered parts past 50,000
/// URLs.
pub fn sitemaps(
    site: &Site,
    pages: &[Page],
    exists: impl Fn(&SitePath) -> bool,
) -> Vec<(String, String)> {
    let urls = &site.urls;
    let entries: Vec<String> = pages
        .iter()
        .filter(|p| !matches!(p.kind, PageKind::NotFound))
        .map(|page| {
            let mut e = String::from("  <url>\n");
            let _ = writeln!(
                e,
                "    <loc>{}</loc>",
                escape_xml(urls.permalink(&page.path).as_str())
            );
            if let PageKind::Article { lang, index } = page.kind {
                let _ = writeln!(
                    e,
                    "    <lastmod>{}</lastmod>",
                    site.config.datetime(site.articles(lang)[index].date)
                );
            }
            if let Some(v) = Versions::of(&page.path, &exists) {
                for (hreflang, path) in v.alternates(site.config.default_language) {
                    let _ = writeln!(
                        e,
                        "    <xhtml:link rel=\"alternate\" hreflang=\"{hreflang}\" href=\"{}\"/>",
                        escape_xml(urls.permalink(path).as_str())
                    );
                }
            }
            e.push_str("  </url>\n");
            e
        })
        .collect();
    let urlset = |chunk: &[String]| {
        let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        x.push_str("<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n");
        chunk.iter().for_each(|e| x.push_str(e));
        x.push_str("</urlset>\n");
        x
    };
    if entries.len() <= SITEMAP_LIMIT {
        return vec![("sitemap.xml".to_owned(), urlset(&entries))];
    }
    let mut files = Vec::new();
    let mut index = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for (n, chunk) in entries.chunks(SITEMAP_LIMIT).enumerate() {
        let name = format!("sitemap-{}.xml", n + 1);
        let _ = writeln!(
            index,
            "  <sitemap><loc>{}</loc></sitemap>",
            escape_xml(urls.permalink(&urls::file(&name)).as_str())
        );
        files.push((name, urlset(chunk)));
    }
    index.push_str("</sitemapindex>\n");
    files.insert(0, ("sitemap.xml".to_owned(), index));
    files
}

pub fn robots(site: &Site) -> String {
    format!(
        "User-agent: *\nAllow: /\n\nSitemap: {}\n",
        site.urls.permalink(&urls::file("sitemap.xml"))
    )
}
