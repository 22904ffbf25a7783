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
        path: SitePath::new(path),
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
    assert_eq!(
        find(&files, &SitePath::new("/zh/")),
        Some("zh/index.html".to_owned())
    );
    assert_eq!(
        find(&files, &SitePath::new("/zh")),
        Some("zh/index.html".to_owned())
    );
    assert_eq!(
        find(&files, &SitePath::new("/feed.xml")),
        Some("feed.xml".to_owned())
    );
    assert_eq!(find(&files, &SitePath::new("/zh/news/")), None);
    assert_eq!(find(&files, &SitePath::new("/feed.xml/")), None);
}
