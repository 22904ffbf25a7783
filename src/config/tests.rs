use super::*;

const GOOD: &str = r#"
base_url = "https://www.example.edu.cn/intl/news/"
default_language = "zh"
[languages.zh]
title = "资讯"
[languages.en]
title = "News"
[alliances.wvteda]
zh = "世界职业技术教育发展联盟"
en = "World Vocational and Technical Education Development Alliance"
[countries.TW]
zh = "中国台湾"
en = "Taiwan, China"
"#;

#[test]
fn a_complete_config_parses() {
    let c = SiteConfig::parse(GOOD).unwrap();
    assert_eq!(c.base_url.origin, "https://www.example.edu.cn");
    assert_eq!(c.base_url.path, "/intl/news");
    assert_eq!(
        c.alliances[0].name.get(Lang::Zh),
        "世界职业技术教育发展联盟"
    );
    let d = NaiveDate::from_ymd_opt(2024, 11, 21).unwrap();
    assert_eq!(c.datetime(d), "2024-11-21T00:00:00+08:00");
    let tw = CountryCode::parse("TW").unwrap();
    assert_eq!(c.country_name(tw, Lang::Zh), "中国台湾");
}

#[test]
fn every_problem_is_reported_with_its_line() {
    let text = "base_url = \"ftp://x\"\ndefault_language = \"fr\"\n[languages.zh]\ntitle = \"\"\n[alliances.Bad_Key]\nzh = \"a\"\nen = \"b\"\n";
    let diags = SiteConfig::parse(text).unwrap_err();
    let all = diags.to_string();
    assert!(
        all.contains("site.toml:1: field `base_url`: expected an http:// or https:// URL"),
        "{all}"
    );
    assert!(
        all.contains("site.toml:2: field `default_language`"),
        "{all}"
    );
    assert!(all.contains("field `languages.en`: missing"), "{all}");
    assert!(
        all.contains("site.toml:5: field `alliances.Bad_Key`"),
        "{all}"
    );
}

#[test]
fn broken_toml_names_the_line() {
    let diags = SiteConfig::parse("base_url = \"https://a.org\"\n[languages.zh\n").unwrap_err();
    assert!(
        diags.to_string().starts_with("error: site.toml:2: "),
        "{diags}"
    );
    let diags = SiteConfig::parse("").unwrap_err();
    assert!(
        diags.to_string().contains("field `base_url`: missing"),
        "{diags}"
    );
}
