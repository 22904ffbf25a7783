//! A small site in a temporary folder for the pipeline's unit tests: five articles in
//! both languages, written so that each test can edit one half and load or build again.

use std::path::Path;

use super::{Loaded, load};

/// The integration tests' fixture `site.toml`.
const SITE_TOML: &str = include_str!("../../tests/fixtures/site.toml");

/// Newest first: `kenya` and `egypt` share an alliance, `forum`, `thai` and `old`
/// another; no two share a country.
const ARTICLES: &[(&str, &str, &str, &str)] = &[
    ("kenya", "2024-05-01", "wvteda", "KE"),
    ("forum", "2024-04-01", "sco", "KZ"),
    ("thai", "2024-03-01", "sco", "TH"),
    ("egypt", "2024-02-01", "wvteda", "EG"),
    ("old", "2023-01-01", "sco", "UZ"),
];

pub(super) struct Fixture(tempfile::TempDir);

impl Fixture {
    pub(super) fn new() -> Fixture {
        let site = Fixture(tempfile::tempdir().unwrap());
        site.write("site.toml", SITE_TOML);
        for &(slug, ..) in ARTICLES {
            for lang in ["zh", "en"] {
                site.article(slug, lang, &format!("Title of {slug}"), "", "Body.");
            }
        }
        site
    }

    pub(super) fn root(&self) -> &Path {
        self.0.path()
    }

    pub(super) fn write(&self, rel: &str, text: &str) {
        let path = self.0.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// The file of one half of an article of [`ARTICLES`].
    pub(super) fn file(&self, slug: &str, lang: &str) -> std::path::PathBuf {
        self.0.path().join(format!("content/news/{slug}.{lang}.md"))
    }

    /// Writes one half of an article of [`ARTICLES`]; `extra` goes into its front
    /// matter. The summary is given, so that cards do not show the body.
    pub(super) fn article(&self, slug: &str, lang: &str, title: &str, extra: &str, body: &str) {
        let &(_, date, alliance, country) = ARTICLES.iter().find(|a| a.0 == slug).unwrap();
        self.write(
            &format!("content/news/{slug}.{lang}.md"),
            &format!(
                "---\ntitle: \"{title}\"\ndate: {date}\nsummary: About {slug}.\n\
                 alliances: [{alliance}]\ncountries: [{country}]\n{extra}---\n\n{body}\n"
            ),
        );
    }

    pub(super) fn load(&self) -> Loaded {
        load(self.0.path(), false, None).unwrap_or_else(|d| panic!("{d}"))
    }
}
