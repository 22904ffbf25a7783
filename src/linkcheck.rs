//! Verifying a built site as a whole: every internal `href` and `src` of every page, and
//! every URL in the feeds and sitemaps, must name a file of the output, and every
//! `#fragment` an element of the page it points into. External links are listed, not
//! fetched. This catches what a template or a custom page breaks, and what a deployment
//! under the wrong base URL would break, before readers do.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use lol_html::{RewriteStrSettings, element, rewrite_str};
use rayon::prelude::*;

use crate::config::BaseUrl;
use crate::html::decode_entities;
use crate::urls::{self, percent_decode};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Broken {
    /// The page or file holding the link, as a path inside the output.
    pub page: String,
    pub link: String,
    pub reason: String,
}

#[derive(Debug, Default)]
pub struct Report {
    pub pages: usize,
    pub links: usize,
    pub broken: Vec<Broken>,
    pub external: BTreeSet<String>,
}

/// What one file links to, and the ids it offers.
struct Scanned {
    file: String,
    links: Vec<String>,
    ids: HashSet<String>,
    /// Why an XML file cannot be parsed.
    malformed: Option<String>,
}

const LINK_ATTRIBUTES: &[(&str, &str)] = &[
    ("a[href]", "href"),
    ("link[href]", "href"),
    ("area[href]", "href"),
    ("img[src]", "src"),
    ("script[src]", "src"),
    ("source[src]", "src"),
    ("video[src]", "src"),
    ("video[poster]", "poster"),
    ("audio[src]", "src"),
    ("iframe[src]", "src"),
];

/// Checks the output folder `out` of a site published at `base`.
pub fn check(out: &Path, base: &BaseUrl) -> std::io::Result<Report> {
    if !out.is_dir() {
        return Err(std::io::Error::other(format!(
            "{} is not a built site (run `qiao build`)",
            out.display()
        )));
    }
    let (files, pages) = list(out)?;
    let scanned = scan(&pages);
    let ids: HashMap<&str, &HashSet<String>> =
        scanned.iter().map(|s| (s.file.as_str(), &s.ids)).collect();
    let mut report = Report {
        pages: scanned.len(),
        ..Report::default()
    };
    for page in &scanned {
        let broken = |link: &str, reason: String| Broken {
            page: page.file.clone(),
            link: link.to_owned(),
            reason,
        };
        if let Some(reason) = &page.malformed {
            report.broken.push(broken("", reason.clone()));
        }
        for link in &page.links {
            report.links += 1;
            match verdict(&page.file, link, base, &files, &ids) {
                Verdict::Fine => {}
                Verdict::External(url) => {
                    report.external.insert(url);
                }
                Verdict::Broken(reason) => report.broken.push(broken(link, reason)),
            }
        }
    }
    report.broken.sort();
    Ok(report)
}

/// An output's pages and feeds (HTML and XML): `/`-separated path, and where it is.
type Pages = Vec<(String, PathBuf)>;

/// Every file of the output by its `/`-separated path, and its pages in path order.
fn list(out: &Path) -> std::io::Result<(HashSet<String>, Pages)> {
    let mut files = HashSet::new();
    let mut pages = Vec::new();
    for entry in walkdir::WalkDir::new(out).min_depth(1) {
        let entry = entry.map_err(std::io::Error::other)?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(out)
            .unwrap_or(entry.path())
            .to_string_lossy()
            .replace('\\', "/");
        let kind = Path::new(&rel)
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("");
        if matches!(kind, "html" | "xml") {
            pages.push((rel.clone(), entry.into_path()));
        }
        files.insert(rel);
    }
    pages.sort();
    Ok((files, pages))
}

/// The links and ids of every page, on all cores.
fn scan(pages: &[(String, PathBuf)]) -> Vec<Scanned> {
    pages
        .par_iter()
        .filter_map(|(rel, path)| {
            let text = std::fs::read_to_string(path).ok()?;
            Some(if rel.ends_with(".xml") {
                scan_xml(rel, &text)
            } else {
                scan_html(rel, &text)
            })
        })
        .collect()
}

/// What a link of `page` comes to.
enum Verdict {
    Fine,
    External(String),
    Broken(String),
}

/// Whether `link`, found in `page`, names a file of the output (`files`) and, for a page,
/// an element of it (`ids`).
fn verdict(
    page: &str,
    link: &str,
    base: &BaseUrl,
    files: &HashSet<String>,
    ids: &HashMap<&str, &HashSet<String>>,
) -> Verdict {
    let (path, fragment) = match resolve(page, link, base) {
        Target::Skip => return Verdict::Fine,
        Target::External(url) => return Verdict::External(url),
        Target::Outside(reason) => return Verdict::Broken(reason),
        Target::Internal { path, fragment } => (path, fragment),
    };
    let Some(file) = find(files, &path) else {
        return Verdict::Broken(format!("no file at `{path}`"));
    };
    let fragment = percent_decode(&fragment);
    let found = fragment.is_empty()
        || fragment == "top"
        || !file.ends_with(".html")
        || ids
            .get(file.as_str())
            .is_some_and(|set| set.contains(&fragment));
    if found {
        Verdict::Fine
    } else {
        Verdict::Broken(format!("`{file}` has no element with id `{fragment}`"))
    }
}

fn scan_html(file: &str, text: &str) -> Scanned {
    let links = RefCell::new(Vec::new());
    let ids = RefCell::new(HashSet::new());
    let mut settings =
        RewriteStrSettings::new().append_element_content_handler(element!("[id], a[name]", |el| {
            for attr in ["id", "name"] {
                if let Some(v) = el.get_attribute(attr) {
                    ids.borrow_mut().insert(decode_entities(&v));
                }
            }
            Ok(())
        }));
    for (selector, attr) in LINK_ATTRIBUTES {
        settings = settings.append_element_content_handler(element!(*selector, |el| {
            if let Some(v) = el.get_attribute(attr) {
                links.borrow_mut().push(decode_entities(&v));
            }
            Ok(())
        }));
    }
    let _ = rewrite_str(text, settings);
    Scanned {
        file: file.to_owned(),
        links: links.into_inner(),
        ids: ids.into_inner(),
        malformed: None,
    }
}

/// Feeds and sitemaps, parsed as XML: a file that is not well-formed is reported (readers
/// and search engines reject it whole); links are `href` attributes and `<loc>` elements.
fn scan_xml(file: &str, text: &str) -> Scanned {
    let mut scanned = Scanned {
        file: file.to_owned(),
        links: Vec::new(),
        ids: HashSet::new(),
        malformed: None,
    };
    match roxmltree::Document::parse(text) {
        Ok(doc) => {
            for node in doc.descendants().filter(|n| n.is_element()) {
                if let Some(href) = node.attribute("href") {
                    scanned.links.push(href.to_owned());
                }
                if node.tag_name().name() == "loc"
                    && let Some(loc) = node.text()
                {
                    scanned.links.push(loc.trim().to_owned());
                }
            }
        }
        Err(e) => scanned.malformed = Some(format!("not well-formed XML: {e}")),
    }
    scanned
}

#[cfg_attr(test, derive(Debug, PartialEq, Eq))]
enum Target {
    Skip,
    External(String),
    /// A link into the site's host that leaves the site's base path.
    Outside(String),
    Internal {
        path: String,
        fragment: String,
    },
}

/// Where `link`, found in output file `page`, points.
fn resolve(page: &str, link: &str, base: &BaseUrl) -> Target {
    let link = link.trim();
    if link.is_empty() {
        return Target::Skip;
    }
    let lower = link.to_ascii_lowercase();
    if ["mailto:", "tel:", "data:", "javascript:"]
        .iter()
        .any(|s| lower.starts_with(s))
    {
        return Target::Skip;
    }
    let (without_fragment, fragment) = match link.split_once('#') {
        Some((a, f)) => (a, f.to_owned()),
        None => (link, String::new()),
    };
    let without_query = without_fragment.split('?').next().unwrap_or("");
    let site_root = format!("{}{}", base.origin, base.path);
    let absolute_path = if lower.starts_with("http://")
        || lower.starts_with("https://")
        || link.starts_with("//")
    {
        let full = if link.starts_with("//") {
            format!(
                "{}:{without_query}",
                base.origin.split(':').next().unwrap_or("https")
            )
        } else {
            without_query.to_owned()
        };
        match full.strip_prefix(&site_root) {
            Some(rest) if rest.is_empty() || rest.starts_with('/') => {
                format!("/{}", rest.trim_start_matches('/'))
            }
            _ if full.starts_with(&format!("{}/", base.origin)) || full == base.origin => {
                return Target::Outside(format!("leaves the site's base path `{}/`", base.path));
            }
            _ => return Target::External(link.to_owned()),
        }
    } else if let Some(rooted) = without_query.strip_prefix('/') {
        match format!("/{rooted}").strip_prefix(&base.path) {
            Some(rest) if base.path.is_empty() || rest.is_empty() || rest.starts_with('/') => {
                format!("/{}", rest.trim_start_matches('/'))
            }
            _ => return Target::Outside(format!("leaves the site's base path `{}/`", base.path)),
        }
    } else if without_query.is_empty() {
        // `#fragment` or `?query`: this very page.
        format!("/{page}")
    } else {
        let dir = match page.rfind('/') {
            Some(i) => &page[..=i],
            None => "",
        };
        match normalize(&format!("/{dir}{without_query}")) {
            Some(p) => p,
            None => return Target::Outside("climbs above the site's root".to_owned()),
        }
    };
    Target::Internal {
        path: percent_decode(&absolute_path),
        fragment,
    }
}

/// Resolves `.` and `..`; `None` if the path climbs above the root.
fn normalize(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    let trailing = path.ends_with('/') && !parts.is_empty();
    Some(format!(
        "/{}{}",
        parts.join("/"),
        if trailing { "/" } else { "" }
    ))
}

/// The output file a site path is served from, as a static host would pick it: the file
/// qiao writes for that path, or for `/x`, that of the folder `/x/` too.
fn find(files: &HashSet<String>, path: &str) -> Option<String> {
    let folder = (!path.ends_with('/')).then(|| urls::output_file(&format!("{path}/")));
    std::iter::once(urls::output_file(path))
        .chain(folder)
        .find(|c| files.contains(c))
}

/// Everything to say about a report, one broken link a line.
pub fn describe(report: &Report) -> String {
    let mut out = String::new();
    for b in &report.broken {
        out.push_str(&format!("broken: {}: `{}`: {}\n", b.page, b.link, b.reason));
    }
    out
}

/// For messages: the output folder relative to the working directory when possible.
pub fn shown(out: &Path) -> PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| out.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| out.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A site at the root of its domain.
    fn root() -> BaseUrl {
        BaseUrl::parse("https://news.example.org").unwrap()
    }

    /// A site deployed under a sub-path of a university's domain.
    fn sub() -> BaseUrl {
        BaseUrl::parse("https://www.example.edu.cn/intl/news/").unwrap()
    }

    const PAGE: &str = "zh/news/kenya/index.html";

    fn internal(path: &str, fragment: &str) -> Target {
        Target::Internal {
            path: path.to_owned(),
            fragment: fragment.to_owned(),
        }
    }

    fn outside_base() -> Target {
        Target::Outside("leaves the site's base path `/intl/news/`".to_owned())
    }

    #[test]
    fn relative_links_resolve_against_the_folder_of_the_page() {
        for base in [root(), sub()] {
            let at = |link| resolve(PAGE, link, &base);
            assert_eq!(at("photo.jpg"), internal("/zh/news/kenya/photo.jpg", ""));
            assert_eq!(at("./photo.jpg"), internal("/zh/news/kenya/photo.jpg", ""));
            assert_eq!(at("../forum/"), internal("/zh/news/forum/", ""));
            assert_eq!(at("../forum"), internal("/zh/news/forum", ""));
            assert_eq!(at("../../../en/"), internal("/en/", ""));
            assert_eq!(at("../../../"), internal("/", ""));
            assert_eq!(
                at("a/./b/../c.html"),
                internal("/zh/news/kenya/a/c.html", "")
            );
        }
        assert_eq!(resolve("404.html", "zh/", &root()), internal("/zh/", ""));
    }

    #[test]
    fn a_relative_link_that_climbs_above_the_root_is_outside() {
        let above = Target::Outside("climbs above the site's root".to_owned());
        assert_eq!(resolve(PAGE, "../../../../x/", &root()), above);
        assert_eq!(resolve("index.html", "../x.html", &sub()), above);
        // Climbing back down after touching the root is fine.
        assert_eq!(
            resolve("zh/index.html", "../zh/../en/", &root()),
            internal("/en/", "")
        );
    }

    #[test]
    fn rooted_links_are_site_paths_under_the_base_path() {
        assert_eq!(
            resolve(PAGE, "/zh/news/forum/", &root()),
            internal("/zh/news/forum/", "")
        );
        assert_eq!(resolve(PAGE, "/", &root()), internal("/", ""));
        let at = |link| resolve(PAGE, link, &sub());
        assert_eq!(
            at("/intl/news/zh/news/forum/"),
            internal("/zh/news/forum/", "")
        );
        assert_eq!(at("/intl/news/"), internal("/", ""));
        assert_eq!(at("/intl/news"), internal("/", ""));
        // Without the base path the link works only on a local preview, not deployed.
        assert_eq!(at("/zh/news/forum/"), outside_base());
        // A sibling folder whose name starts like the base path is not inside it.
        assert_eq!(at("/intl/newsletter/"), outside_base());
        assert_eq!(at("/"), outside_base());
    }

    #[test]
    fn absolute_urls_into_the_site_are_internal_and_others_external() {
        let at = |link| resolve(PAGE, link, &root());
        assert_eq!(at("https://news.example.org/en/"), internal("/en/", ""));
        assert_eq!(at("https://news.example.org"), internal("/", ""));
        assert_eq!(at("//news.example.org/en/"), internal("/en/", ""));
        assert_eq!(
            at("https://other.org/a?b=1#c"),
            Target::External("https://other.org/a?b=1#c".to_owned())
        );
        // A host that merely starts with the site's host is another site.
        assert_eq!(
            at("https://news.example.org.evil.test/en/"),
            Target::External("https://news.example.org.evil.test/en/".to_owned())
        );
        assert_eq!(
            at("//cdn.example.com/x.js"),
            Target::External("//cdn.example.com/x.js".to_owned())
        );
        assert_eq!(
            at("HTTP://other.org/"),
            Target::External("HTTP://other.org/".to_owned())
        );
    }

    #[test]
    fn absolute_urls_on_the_sites_host_must_stay_under_the_base_path() {
        let at = |link| resolve(PAGE, link, &sub());
        assert_eq!(
            at("https://www.example.edu.cn/intl/news/en/"),
            internal("/en/", "")
        );
        assert_eq!(
            at("https://www.example.edu.cn/intl/news"),
            internal("/", "")
        );
        assert_eq!(
            at("//www.example.edu.cn/intl/news/en/"),
            internal("/en/", "")
        );
        assert_eq!(at("https://www.example.edu.cn/other/"), outside_base());
        assert_eq!(
            at("https://www.example.edu.cn/intl/newsletter"),
            outside_base()
        );
        assert_eq!(at("https://www.example.edu.cn"), outside_base());
        // The same host under another scheme is not where the site is published.
        assert_eq!(
            at("http://www.example.edu.cn/intl/news/en/"),
            Target::External("http://www.example.edu.cn/intl/news/en/".to_owned())
        );
    }

    #[test]
    fn fragments_are_split_off_and_queries_dropped() {
        let at = |link| resolve(PAGE, link, &root());
        assert_eq!(at("#intro"), internal("/zh/news/kenya/index.html", "intro"));
        assert_eq!(at("?page=2"), internal("/zh/news/kenya/index.html", ""));
        assert_eq!(
            at("?page=2#intro"),
            internal("/zh/news/kenya/index.html", "intro")
        );
        assert_eq!(at("../forum/?x=1#top"), internal("/zh/news/forum/", "top"));
        assert_eq!(at("/en/?q=luban#results"), internal("/en/", "results"));
        assert_eq!(
            at("https://news.example.org/en/?q=1#x"),
            internal("/en/", "x")
        );
        // Fragments stay encoded here: they are compared with ids once decoded.
        assert_eq!(
            at("/zh/#%E5%BC%95%E8%A8%80"),
            internal("/zh/", "%E5%BC%95%E8%A8%80")
        );
    }

    #[test]
    fn a_protocol_relative_link_loses_its_query_and_fragment_too() {
        assert_eq!(
            resolve(PAGE, "//news.example.org/en/?q=1#x", &root()),
            internal("/en/", "x")
        );
        assert_eq!(
            resolve(PAGE, "//www.example.edu.cn/intl/news/en/?q=1", &sub()),
            internal("/en/", "")
        );
    }

    #[test]
    fn paths_are_percent_decoded_and_may_be_non_ascii() {
        let encoded = "/zh/tags/%E9%B2%81%E7%8F%AD/";
        assert_eq!(
            resolve(PAGE, encoded, &root()),
            internal("/zh/tags/鲁班/", "")
        );
        assert_eq!(
            resolve(PAGE, "/zh/tags/鲁班/", &root()),
            internal("/zh/tags/鲁班/", "")
        );
        assert_eq!(
            resolve(PAGE, "/intl/news/media/a%20b.pdf", &sub()),
            internal("/media/a b.pdf", "")
        );
        assert_eq!(
            resolve(PAGE, "%E7%85%A7%E7%89%87.jpg", &root()),
            internal("/zh/news/kenya/照片.jpg", "")
        );
        // A `%` that starts no escape is kept as it is.
        assert_eq!(resolve(PAGE, "/a%zz/", &root()), internal("/a%zz/", ""));
    }

    #[test]
    fn links_that_name_no_file_are_skipped() {
        for link in [
            "",
            "   ",
            "mailto:info@example.org",
            "MAILTO:info@example.org",
            "tel:+86-10-1234",
            "data:image/png;base64,AAAA",
            "javascript:void(0)",
        ] {
            assert_eq!(resolve(PAGE, link, &root()), Target::Skip, "{link:?}");
        }
        assert_eq!(
            resolve(PAGE, "  ../forum/ ", &root()),
            internal("/zh/news/forum/", "")
        );
    }

    #[test]
    fn a_folder_path_is_served_from_its_index_with_or_without_the_slash() {
        let files: HashSet<String> = ["zh/index.html", "feed.xml", "zh/news/x/index.html"]
            .map(String::from)
            .into();
        assert_eq!(find(&files, "/zh/"), Some("zh/index.html".to_owned()));
        assert_eq!(find(&files, "/zh"), Some("zh/index.html".to_owned()));
        assert_eq!(find(&files, "/feed.xml"), Some("feed.xml".to_owned()));
        assert_eq!(find(&files, "/zh/news/"), None);
        assert_eq!(find(&files, "/feed.xml/"), None);
    }
}
