//! An article page.

use serde::Serialize;

use super::{Card, Common, Link, PictureView, Section, View};
use crate::i18n;
use crate::lang::Lang;
use crate::render::structured::MetaTag;
use crate::urls::{self, SitePath};

/// The lead photo under an article's title.
#[derive(Serialize)]
struct LeadView<'a> {
    #[serde(flatten)]
    picture: PictureView,
    alt: &'a str,
    caption: Option<&'a str>,
    credit: Option<&'a str>,
}

#[derive(Serialize)]
pub(super) struct ArticleContext<'a> {
    #[serde(flatten)]
    common: Common<'a>,
    /// Open Graph and Twitter card `<meta>` tags.
    social: Vec<MetaTag>,
    /// JSON-LD (`NewsArticle` and `BreadcrumbList`), already safe inside `<script>`.
    json_ld: String,
    article: ArticleView<'a>,
    prev: Option<Card<'a>>,
    next: Option<Card<'a>>,
    related: Vec<Card<'a>>,
    breadcrumbs: Vec<Link>,
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
    tags: Vec<TagLink>,
    image: Option<&'a str>,
    lead: Option<LeadView<'a>>,
    url: urls::Link,
    translated: bool,
}

/// A tag with its page; a tag that has no slug has an empty `url` and is shown without a
/// link (a string, not a [`urls::Link`], for that empty one).
#[derive(Serialize)]
struct TagLink {
    name: String,
    url: String,
}

impl<'a> View<'a> {
    pub(super) fn article(&self, lang: Lang, index: usize, path: &SitePath) -> ArticleContext<'a> {
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
                a.summary.text().to_owned(),
            ),
            article: ArticleView {
                title: &a.title,
                date: a.date.to_string(),
                date_display: lang.format_date(a.date),
                summary: a.summary.text(),
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
                    .map(|t| TagLink {
                        name: t.clone(),
                        url: crate::taxonomy::tag_slug(t)
                            .map(|slug| self.link(&urls::tag(lang, &slug)).to_string())
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
}
