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
use crate::urls::{self, SitePath, percent_decode};

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
        path: SitePath,
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
        path: SitePath::new(percent_decode(&absolute_path)),
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
fn find(files: &HashSet<String>, path: &SitePath) -> Option<String> {
    let folder = (!path.as_str().ends_with('/'))
        .then(|| urls::output_file(&SitePath::new(format!("{path}/"))));
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
mod tests;
