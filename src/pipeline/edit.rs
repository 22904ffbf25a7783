//! The preview's first answer to a save: the edited article's own page, rendered from the
//! last build's model with the one file converted again, and written before anything
//! else is read. The full rebuild follows at once and brings the lists, feeds and search
//! index up to date; for the page shown here it writes the same bytes (a test holds the
//! two to that).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::BuildOptions;
use super::incremental::Cache;
use crate::content;
use crate::output;
use crate::render::{Page, PageKind, PageRenderer};
use crate::site_dirs;
use crate::urls::SitePath;

/// The pages an edit-first update wrote.
#[derive(Debug)]
pub struct EditReport {
    pub pages: Vec<SitePath>,
    pub elapsed: Duration,
}

/// Writes the new pages of the articles in `changed` into the output, when every changed
/// path is a published article file whose edit shows on its own page alone (see
/// [`crate::site::Site::with_edit`]). `None` means nothing was written: the rebuild will
/// show the change, or say what is wrong with it.
pub fn edit_first(opts: &BuildOptions, cache: &Cache, changed: &[PathBuf]) -> Option<EditReport> {
    let started = Instant::now();
    let last = cache.last()?;
    let real_root = opts.root.canonicalize().ok()?;
    let files: Vec<PathBuf> = (changed.iter())
        .map(|p| article_file(&opts.root, &real_root, p))
        .collect::<Option<_>>()?;
    let mut site = None;
    let mut edited = Vec::new();
    for path in &files {
        let model = site.as_ref().unwrap_or(last.site.as_ref());
        let doc = content::read_article(&opts.root, &model.config, path).ok()?;
        // A draft's halves must agree on being one; the rebuild checks that.
        if doc.front.draft {
            return None;
        }
        let edit = model.with_edit(&opts.root, &doc)?;
        edited.push((edit.lang, edit.index));
        site = Some(edit.site);
    }
    // No article file changed: nothing to show first.
    let site = site?;
    let mut files = Vec::new();
    let renderer = PageRenderer::new(&site, &last.indexes, &last.renderer, &last.existing);
    for (lang, index) in edited {
        let page = Page {
            path: site.articles(lang)[index].path(),
            kind: PageKind::Article { lang, index },
        };
        let html = renderer.render(&page).ok()?;
        files.push((page.output_file(), html, page.path));
    }
    let write: Vec<(&str, &[u8])> = (files.iter())
        .map(|(file, html, _)| (file.as_str(), html.as_slice()))
        .collect();
    // Each page is already listed in the output's marker: it was there before the edit.
    output::update_in_place(&opts.out_dir(), &write, &[], None).ok()?;
    Some(EditReport {
        pages: files.into_iter().map(|(_, _, path)| path).collect(),
        elapsed: started.elapsed(),
    })
}

/// The path of an article's Markdown file inside `content/` that is still there, as the
/// build names it: under `root` as given, though the watcher may name it by its real path,
/// under `real_root` (a relative `--root` becomes absolute there).
fn article_file(root: &Path, real_root: &Path, path: &Path) -> Option<PathBuf> {
    let inside = (path.canonicalize().ok()?)
        .strip_prefix(real_root)
        .ok()?
        .to_path_buf();
    let md = inside.extension().is_some_and(|e| e == "md");
    (md && inside.starts_with(site_dirs::CONTENT) && path.is_file()).then(|| root.join(inside))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::fixture::Fixture;
    use crate::pipeline::{build, build_with};

    /// A site built once with a cache, as `qiao serve` holds it.
    fn served(site: &Fixture) -> (BuildOptions, Cache) {
        served_from(site, site.root())
    }

    /// The same, with the site's folder named by `root`.
    fn served_from(site: &Fixture, root: &Path) -> (BuildOptions, Cache) {
        let opts = BuildOptions {
            out: Some(site.root().join("served")),
            ..BuildOptions::new(root)
        };
        let mut cache = Cache::default();
        build_with(&opts, Some(&mut cache)).unwrap_or_else(|e| panic!("{e}"));
        (opts, cache)
    }

    fn page(opts: &BuildOptions, slug: &str) -> String {
        std::fs::read_to_string(opts.out_dir().join(format!("en/news/{slug}/index.html"))).unwrap()
    }

    #[test]
    fn an_edited_page_is_written_first_as_the_rebuild_and_a_clean_build_write_it() {
        let site = Fixture::new();
        let (opts, mut cache) = served(&site);
        let body = "A **new** body, with a link to [Kenya](kenya.en.md).";
        site.article("egypt", "en", "Egypt's Luban Workshop", "", body);
        let report = edit_first(&opts, &cache, &[site.file("egypt", "en")])
            .expect("the edit shows on the article's own page only");
        let pages: Vec<String> = report.pages.iter().map(ToString::to_string).collect();
        assert_eq!(pages, ["/en/news/egypt/"]);
        let first = page(&opts, "egypt");
        assert!(first.contains("<strong>new</strong>"), "{first}");
        assert!(first.contains("Luban Workshop"), "{first}");
        // Only its own page: the home page still shows the old title until the rebuild.
        let home = std::fs::read_to_string(opts.out_dir().join("en/index.html")).unwrap();
        assert!(home.contains("Title of egypt"));

        build_with(&opts, Some(&mut cache)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(first, page(&opts, "egypt"), "the rebuild wrote other bytes");
        let clean = BuildOptions {
            out: Some(site.root().join("clean")),
            ..BuildOptions::new(site.root())
        };
        build(&clean).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            first,
            page(&clean, "egypt"),
            "a clean build wrote other bytes"
        );
    }

    #[test]
    fn a_one_language_article_is_written_first_as_a_clean_build_writes_it() {
        let site = Fixture::new();
        std::fs::remove_file(site.file("egypt", "zh")).unwrap();
        let (opts, cache) = served(&site);
        site.article("egypt", "en", "Egypt", "", "Only in English.");
        assert!(edit_first(&opts, &cache, &[site.file("egypt", "en")]).is_some());
        let clean = BuildOptions {
            out: Some(site.root().join("clean")),
            ..BuildOptions::new(site.root())
        };
        build(&clean).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(page(&opts, "egypt"), page(&clean, "egypt"));
    }

    #[test]
    fn the_watcher_may_name_the_file_by_another_path_than_the_root_given() {
        let site = Fixture::new();
        // `qiao -r site serve` watches `site/content`; notify names files by real paths.
        let (opts, cache) = served_from(&site, &site.root().join("content/.."));
        site.article("egypt", "en", "Egypt", "", "Seen first.");
        let real = site.file("egypt", "en").canonicalize().unwrap();
        assert!(edit_first(&opts, &cache, &[real]).is_some());
        assert!(page(&opts, "egypt").contains("Seen first."));
    }

    #[test]
    fn edits_that_reach_beyond_their_page_or_fail_are_left_to_the_rebuild() {
        let site = Fixture::new();
        let (opts, cache) = served(&site);
        let before = page(&opts, "egypt");
        let file = site.file("egypt", "en");
        let edits = [
            // A new date moves the article in every list it is on.
            "---\ntitle: Egypt\ndate: 2024-02-02\nalliances: [wvteda]\ncountries: [EG]\n---\n\nx\n",
            // A new country puts it on another list.
            "---\ntitle: Egypt\ndate: 2024-02-01\nalliances: [wvteda]\ncountries: [EG, KE]\n---\n\nx\n",
            // The rebuild reports a broken link, with its line.
            "---\ntitle: Egypt\ndate: 2024-02-01\nalliances: [wvteda]\ncountries: [EG]\n---\n\n[a](gone.en.md)\n",
            // And a front matter error.
            "---\ntitle: Egypt\ndate: 2024-13-01\nalliances: [wvteda]\ncountries: [EG]\n---\n\nx\n",
            // A draft is not published.
            "---\ntitle: Egypt\ndate: 2024-02-01\nalliances: [wvteda]\ncountries: [EG]\ndraft: true\n---\n\nx\n",
        ];
        for edit in edits {
            std::fs::write(&file, edit).unwrap();
            assert!(
                edit_first(&opts, &cache, std::slice::from_ref(&file)).is_none(),
                "{edit}"
            );
        }
        // A file the last build did not publish, and a change that is not an article's.
        site.article("kenya", "en", "Kenya", "", "x");
        let new = site.root().join("content/news/new.en.md");
        std::fs::copy(site.file("kenya", "en"), &new).unwrap();
        assert!(edit_first(&opts, &cache, &[new]).is_none());
        let template = site.root().join("templates/article.html");
        site.write("templates/article.html", "x");
        assert!(edit_first(&opts, &cache, &[site.file("kenya", "en"), template]).is_none());
        assert_eq!(
            before,
            page(&opts, "egypt"),
            "a refused edit wrote its page"
        );
    }

    #[test]
    fn after_a_failed_build_no_edit_is_shown_until_a_good_one() {
        let site = Fixture::new();
        let (opts, mut cache) = served(&site);
        site.write(
            "content/news/kenya.zh.md",
            "---\ntitle: 坏了\ndate: 2024-99-01\n---\n",
        );
        assert!(build_with(&opts, Some(&mut cache)).is_err());
        site.article("egypt", "en", "Egypt", "", "A new body.");
        assert!(edit_first(&opts, &cache, &[site.file("egypt", "en")]).is_none());
        site.article("kenya", "zh", "肯尼亚", "", "正文。");
        build_with(&opts, Some(&mut cache)).unwrap_or_else(|e| panic!("{e}"));
        site.article("egypt", "en", "Egypt", "", "Another body.");
        assert!(edit_first(&opts, &cache, &[site.file("egypt", "en")]).is_some());
    }
}
