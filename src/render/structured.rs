//! Structured data for machines: Open Graph and Twitter card `<meta>` tags, and JSON-LD
//! (`NewsArticle`, `BreadcrumbList`) for search engines.

use serde::Serialize;

use super::context::{Link, View};
use crate::lang::Lang;
use crate::site::Article;
use crate::urls::{self, SitePath};

#[derive(Serialize)]
pub(super) struct MetaTag {
    /// `property` for Open Graph, `name` for Twitter.
    attr: &'static str,
    key: &'static str,
    content: String,
}

/// `https://host` of an absolute URL.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest
        .split(['/', '?', '#'])
        .next()
        .filter(|h| !h.is_empty())?;
    Some(format!("{scheme}://{host}/"))
}

/// JSON for a `<script>` element: `<`, `>` and `&` only ever occur inside JSON strings,
/// where their `\u` escapes mean the same, so `</script>` in a title cannot end the script.
pub(super) fn script_safe_json(value: &serde_json::Value) -> String {
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

impl View<'_> {
    /// The picture of a page without its own: `site.toml`'s `default_image`, else the
    /// publisher's logo; absolute, for cards and structured data.
    fn default_image(&self) -> Option<String> {
        let config = &self.site.config;
        let image = config
            .default_image
            .as_ref()
            .or(config.publisher.logo.as_ref())?;
        Some(if image.starts_with('/') {
            self.site
                .urls
                .permalink(&SitePath::new(image.clone()))
                .to_string()
        } else {
            image.clone()
        })
    }

    /// An absolute URL for a link that may be root-relative.
    fn absolute(&self, link: &str) -> String {
        if link.starts_with('/') && !link.starts_with("//") {
            format!("{}{link}", self.site.config.base_url.origin)
        } else {
            link.to_owned()
        }
    }

    /// Open Graph and Twitter card tags of an article page.
    pub(super) fn social(&self, a: &Article, path: &SitePath) -> Vec<MetaTag> {
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
            og("og:description", a.summary.text().to_owned()),
            og("og:url", self.site.urls.permalink(path).to_string()),
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
        tags.push(tw("twitter:description", a.summary.text().to_owned()));
        if let Some(img) = image {
            tags.push(tw("twitter:image", img));
        }
        tags
    }

    /// The article and its breadcrumbs as JSON-LD, ready for a `<script>` element.
    pub(super) fn json_ld(&self, a: &Article, path: &SitePath, breadcrumbs: &[Link]) -> String {
        let config = &self.site.config;
        let permalink = self.site.urls.permalink(path);
        let publisher = &config.publisher;
        let mut org = serde_json::json!({
            "@type": "Organization",
            "name": publisher.name.get(a.lang),
            "url": publisher.url.clone().unwrap_or_else(|| self.site.urls.permalink(&urls::home(a.lang)).to_string()),
        });
        if let Some(logo) = &publisher.logo {
            let url = if logo.starts_with('/') {
                self.site
                    .urls
                    .permalink(&SitePath::new(logo.clone()))
                    .to_string()
            } else {
                logo.clone()
            };
            org["logo"] = serde_json::json!({ "@type": "ImageObject", "url": url });
        }
        let mut article = serde_json::json!({
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": a.title,
            "description": a.summary.text(),
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
                    .unwrap_or_else(|| self.site.urls.permalink(&urls::root()).to_string()),
            }),
            None => org.clone(),
        };
        let mut items: Vec<serde_json::Value> = breadcrumbs
            .iter()
            .map(|l| serde_json::json!({ "name": l.name, "item": self.absolute(l.url.as_str()) }))
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
}
