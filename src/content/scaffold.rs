//! `qiao new`: both halves of a new article with a front-matter skeleton, so an editor
//! starts from the contract instead of from memory.

use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};

use super::Slug;
use crate::lang::Lang;
use crate::site_dirs;

/// Writes `content/news/<year>/<slug>.zh.md` and `.en.md`, as drafts. Fails, writing
/// nothing, if the slug is taken anywhere under `content/`.
pub fn new_article(root: &Path, slug: &Slug, date: NaiveDate) -> Result<Vec<PathBuf>, String> {
    let content = root.join(site_dirs::CONTENT);
    for entry in walkdir::WalkDir::new(&content).into_iter().flatten() {
        let name = entry.file_name().to_string_lossy();
        if Lang::ALL.iter().any(|l| name == format!("{slug}.{l}.md")) {
            return Err(format!(
                "the slug `{slug}` is already used by `{}`",
                entry
                    .path()
                    .strip_prefix(root)
                    .unwrap_or(entry.path())
                    .display()
            ));
        }
    }
    ignore_build_files(root)?;
    let dir = content.join("news").join(date.year().to_string());
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut written = Vec::new();
    for lang in Lang::ALL {
        let path = dir.join(format!("{slug}.{lang}.md"));
        std::fs::write(&path, skeleton(lang, date))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        written.push(path.strip_prefix(root).unwrap_or(&path).to_path_buf());
    }
    Ok(written)
}

/// What a site kept in git should not commit: the output, the picture cache and the
/// build's lock and staging folders. Added to `.gitignore` where missing; lines already
/// there are left alone.
const IGNORED: &[&str] = &[
    "/public/",
    "/.qiao-cache/",
    "/.public.qiao-lock",
    ".*.qiao-staging-*",
    ".*.qiao-old-*",
    ".*.qiao-spare",
];

fn ignore_build_files(root: &Path) -> Result<(), String> {
    let path = root.join(".gitignore");
    let existing = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let present: Vec<&str> = existing.lines().map(str::trim).collect();
    let missing: Vec<&str> = IGNORED
        .iter()
        .copied()
        .filter(|line| !present.contains(line))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let mut text = existing.clone();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    if text.is_empty() {
        text.push_str("# Written by `qiao build` and `qiao serve`; never commit them.\n");
    }
    for line in missing {
        text.push_str(line);
        text.push('\n');
    }
    std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn skeleton(lang: Lang, date: NaiveDate) -> String {
    let (title, summary, alliances, countries, source, body) = match lang {
        Lang::Zh => (
            "新文章",
            "一两句话的摘要；不写则取正文第一段",
            "site.toml 中声明的联盟键，如 [wvteda]",
            "ISO 3166-1 两字母代码，大写，如 [CN, KE]",
            "发布机构",
            "正文从这里开始。",
        ),
        Lang::En => (
            "New article",
            "One or two sentences; the first paragraph is used when omitted",
            "alliance keys declared in site.toml, such as [wvteda]",
            "ISO 3166-1 alpha-2 codes, upper case, such as [CN, KE]",
            "Publishing outlet",
            "The article starts here.",
        ),
    };
    format!(
        "---\ntitle: \"{title}\"\ndate: {date}\n# summary: \"{summary}\"\nalliances: []  # {alliances}\ncountries: []  # {countries}\ntags: []\n# source:\n#   name: \"{source}\"\n#   url: \"https://\"\ndraft: true\n---\n\n{body}\n"
    )
}
