//! Every interface string of both languages, in one table, so a missing translation is a
//! visible gap here rather than English leaking into a Chinese page.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::lang::Lang;

/// `(key, Chinese, English)`. Templates read them as `t.key`.
const STRINGS: &[(&str, &str, &str)] = &[
    ("nav_home", "首页", "Home"),
    ("nav_alliances", "联盟", "Alliances"),
    ("nav_countries", "国家", "Countries"),
    ("nav_years", "年份", "Years"),
    ("nav_search", "搜索", "Search"),
    ("search", "搜索", "Search"),
    ("search_title", "搜索资讯", "Search the news"),
    (
        "search_placeholder",
        "输入关键词，如：鲁班工坊",
        "Words to find, e.g. Luban Workshop",
    ),
    (
        "search_needs_js",
        "搜索功能需要浏览器启用脚本。您也可以按联盟、国家或年份浏览。",
        "Search needs JavaScript. You can also browse by alliance, country or year.",
    ),
    ("search_loading", "正在搜索…", "Searching…"),
    ("search_results", "找到 {n} 条结果", "{n} results"),
    ("search_one_result", "找到 1 条结果", "1 result"),
    ("search_none", "没有找到相关资讯。", "No articles match."),
    (
        "search_error",
        "搜索暂时不可用：无法加载搜索索引。",
        "Search is unavailable: the search index could not be loaded.",
    ),
    (
        "search_damaged",
        "搜索暂时不可用：搜索索引已损坏，需要重新构建网站。",
        "Search is unavailable: the search index is damaged and the site needs rebuilding.",
    ),
    (
        "search_corrected",
        "以下是“{q}”的搜索结果。",
        "Showing results for {q}.",
    ),
    (
        "search_truncated",
        "查询过长，只搜索了前面的部分。",
        "The query was too long: only its beginning was searched.",
    ),
    ("search_filters", "筛选", "Filter"),
    ("search_clear", "清除筛选", "Clear filters"),
    ("main_nav", "主导航", "Main navigation"),
    ("tags_title", "标签", "Tags"),
    ("photo_credit", "摄影", "Photo"),
    (
        "tags_intro",
        "文章所标注的全部标签，按使用次数排列。",
        "Every tag the articles carry, most used first.",
    ),
    ("skip_to_content", "跳到正文", "Skip to content"),
    ("language", "语言", "Language"),
    ("colon", "：", ": "),
    ("breadcrumb", "当前位置", "Breadcrumb"),
    ("latest", "最新资讯", "Latest news"),
    ("more_news", "更多资讯", "More news"),
    ("alliances_title", "合作联盟", "Alliances"),
    (
        "alliances_intro",
        "按联盟浏览国际合作资讯。",
        "Browse the news by alliance.",
    ),
    ("countries_title", "国家和地区", "Countries and regions"),
    (
        "countries_intro",
        "按合作国家和地区浏览资讯。",
        "Browse the news by partner country or region.",
    ),
    ("years_title", "年份", "Years"),
    (
        "years_intro",
        "按年份浏览资讯。",
        "Browse the news by year.",
    ),
    (
        "most_active_countries",
        "活跃国家和地区",
        "Most active countries",
    ),
    ("alliance", "联盟", "Alliance"),
    ("country", "国家和地区", "Country or region"),
    ("year", "年份", "Year"),
    ("published", "发布日期", "Published"),
    ("source", "来源", "Source"),
    ("tags", "标签", "Tags"),
    ("previous_article", "上一篇", "Previous"),
    ("next_article", "下一篇", "Next"),
    ("related", "相关资讯", "Related news"),
    (
        "no_translation",
        "本文暂无英文版。",
        "This article has no Chinese version yet.",
    ),
    ("pagination", "分页", "Pagination"),
    ("previous_page", "上一页", "Previous page"),
    ("next_page", "下一页", "Next page"),
    ("no_articles", "暂无资讯。", "No articles yet."),
    ("latest_article", "最近更新", "Latest"),
    ("not_found_title", "页面未找到", "Page not found"),
    (
        "not_found_text",
        "您访问的页面不存在或已移动。",
        "The page you are looking for does not exist or has moved.",
    ),
    ("back_home", "返回首页", "Back to the home page"),
    (
        "map_title",
        "合作国家和地区分布",
        "Where the cooperation reaches",
    ),
    (
        "map_note",
        "颜色深浅表示资讯数量，见图例。点击国家查看相关资讯。",
        "Shades show how many articles a country has (see the legend). Select a country to read them.",
    ),
    ("map_legend", "资讯数量", "Articles"),
    ("map_no_articles", "暂无资讯", "No articles"),
    ("timeline_title", "历年资讯数量", "Articles per year"),
    ("timeline_articles", "篇数", "Articles"),
    ("region_asia", "亚洲", "Asia"),
    ("region_africa", "非洲", "Africa"),
    ("region_europe", "欧洲", "Europe"),
    ("region_americas", "美洲", "Americas"),
    ("region_oceania", "大洋洲", "Oceania"),
    ("region_antarctica", "南极洲", "Antarctica"),
];

/// The strings of one language, as templates see them.
pub fn strings(lang: Lang) -> &'static BTreeMap<&'static str, &'static str> {
    static ZH: OnceLock<BTreeMap<&str, &str>> = OnceLock::new();
    static EN: OnceLock<BTreeMap<&str, &str>> = OnceLock::new();
    let cell = match lang {
        Lang::Zh => &ZH,
        Lang::En => &EN,
    };
    cell.get_or_init(|| {
        STRINGS
            .iter()
            .map(|(key, zh, en)| (*key, if lang == Lang::Zh { *zh } else { *en }))
            .collect()
    })
}

/// The string `key` in `lang`. A key missing from the table is a bug (a test checks every
/// key the code names): debug builds stop on it, release builds show nothing.
pub fn get(lang: Lang, key: &str) -> &'static str {
    let found = strings(lang).get(key).copied();
    debug_assert!(found.is_some(), "unknown interface string `{key}`");
    found.unwrap_or("")
}

/// "12 篇" / "12 articles".
pub fn article_count(lang: Lang, n: usize) -> String {
    match (lang, n) {
        (Lang::Zh, n) => format!("{n} 篇"),
        (Lang::En, 1) => "1 article".to_owned(),
        (Lang::En, n) => format!("{n} articles"),
    }
}

/// A range of counts in a legend: "2–5 篇" / "2–5 articles", or one count alone.
pub fn count_range(lang: Lang, min: usize, max: usize) -> String {
    match (lang, min == max) {
        (_, true) => article_count(lang, min),
        (Lang::Zh, false) => format!("{min}–{max} 篇"),
        (Lang::En, false) => format!("{min}–{max} articles"),
    }
}

/// The description of a page that has none of its own: what the page is, and where.
pub fn page_description(lang: Lang, title: &str, site_title: &str) -> String {
    let about = title != site_title;
    match (lang, about) {
        (Lang::Zh, true) => format!(
            "{title}——{site_title}：职业教育国际合作资讯，可按联盟、国家和年份浏览，中英文双语。"
        ),
        (Lang::Zh, false) => {
            format!("{site_title}：职业教育国际合作资讯，可按联盟、国家和年份浏览，中英文双语。")
        }
        (Lang::En, true) => format!(
            "{title} — {site_title}: news of international cooperation in vocational education, by alliance, country and year, in English and Chinese."
        ),
        (Lang::En, false) => format!(
            "{site_title}: news of international cooperation in vocational education, by alliance, country and year, in English and Chinese."
        ),
    }
}

/// "第 2 页，共 5 页" / "Page 2 of 5".
pub fn page_of(lang: Lang, n: usize, total: usize) -> String {
    match lang {
        Lang::Zh => format!("第 {n} 页，共 {total} 页"),
        Lang::En => format!("Page {n} of {total}"),
    }
}

/// The heading of a year's page: "2024年" / "2024".
pub fn year_name(lang: Lang, year: i32) -> String {
    match lang {
        Lang::Zh => format!("{year}年"),
        Lang::En => year.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `t.key` of the templates and every `"key"` the code names exists in the table,
    /// and every key of the table is used somewhere: an unknown key would show as blank
    /// text, an unused one is a translation nobody reads.
    #[test]
    fn every_key_used_exists_and_every_key_is_used() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut templates = String::new();
        let mut code = String::new();
        for entry in walkdir::WalkDir::new(root.join("templates"))
            .into_iter()
            .chain(walkdir::WalkDir::new(root.join("src")))
            .chain(walkdir::WalkDir::new(root.join("static/search")))
            .flatten()
            .filter(|e| e.file_type().is_file())
        {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            if entry.path().extension().is_some_and(|x| x == "html") {
                templates.push_str(&text);
            } else if !entry.path().ends_with("i18n.rs") {
                code.push_str(&text);
            }
        }
        let keys: std::collections::HashSet<&str> = STRINGS.iter().map(|(k, _, _)| *k).collect();
        let starts = templates.match_indices("t.").map(|(i, _)| i).filter(|&i| {
            // `t.` as a name of its own, not the end of `chart.` or `list.t.`.
            i == 0
                || !templates[..i]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.')
        });
        for used in starts.map(|i| &templates[i + 2..]) {
            let key: String = used
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let after = &used[key.len()..];
            // `t.key` followed by a template delimiter or filter, not e.g. `list.tags`.
            if !key.is_empty()
                && (after.starts_with(' ') || after.starts_with('}') || after.starts_with('|'))
            {
                assert!(
                    keys.contains(key.as_str()),
                    "templates use `t.{key}`, which is not in STRINGS"
                );
            }
        }
        for key in &keys {
            let quoted = format!("\"{key}\"");
            let in_template = templates.contains(&format!("t.{key} "))
                || templates.contains(&format!("t.{key}}}"))
                || templates.contains(&format!("t.{key}|"));
            assert!(
                in_template || code.contains(&quoted),
                "`{key}` is in STRINGS but nothing uses it"
            );
        }
    }

    #[test]
    fn chinese_strings_have_no_latin_letters() {
        for (key, zh, _) in STRINGS {
            // `{n}` and `{q}` are placeholders the search page fills in, not text.
            let text = zh.replace("{n}", "").replace("{q}", "");
            assert!(
                !text.chars().any(|c| c.is_ascii_alphabetic()),
                "{key}: {zh}"
            );
        }
    }
}
