//! The lol_html pass over every article body: an allow-list sanitiser for the raw HTML that
//! Markdown lets authors write, and the place where every `href`/`src` is resolved, so
//! links written in Markdown and in raw HTML are treated alike.

use std::cell::RefCell;

use lol_html::html_content::{ContentType, Element};
use lol_html::{RewriteStrSettings, doc_comments, element, rewrite_str};

use crate::html::escape_attr;
// Also reached from `search.rs` by this path, which another change is rewriting; it
// moves to `crate::html` with that change.
pub use crate::html::decode_entities;

/// What a relative reference in an article turned into.
pub enum Resolved {
    /// The link to write instead.
    Url(String),
    /// A local raster image: its link and its size in pixels, read from the file, so that
    /// `<img>` gets `width`/`height` and the page does not shift as pictures load.
    Image {
        url: String,
        width: u32,
        height: u32,
    },
    /// A photo published as derivatives: `src` is the fallback, `srcset` the WebP
    /// versions. An `<img>` becomes a `<picture>`; a link leads to the fallback.
    Picture {
        rel: std::path::PathBuf,
        picture: std::sync::Arc<crate::images::Picture>,
        src: String,
        srcset: String,
    },
    /// The reference cannot be followed; the message says why.
    Broken(String),
}

pub struct Rewritten {
    pub html: String,
    /// The first image's URL, for cards and the home page.
    pub first_image: Option<String>,
    /// `(reference as written, message)` for each reference that could not be resolved.
    pub broken: Vec<(String, String)>,
}

/// Elements removed with everything inside them: they run code, load other documents,
/// or change how the rest of the page parses.
const DROP: &[&str] = &[
    "script",
    "style",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "noscript",
    "noembed",
    "noframes",
    "template",
    "svg",
    "math",
    "form",
    "input",
    "button",
    "select",
    "textarea",
    "option",
    "link",
    "meta",
    "base",
    "title",
    "head",
    "xmp",
    "plaintext",
    "portal",
    "dialog",
    "canvas",
    "param",
];

/// Elements kept as they are (with allowed attributes only). Anything else is unwrapped:
/// the tag goes, its text stays.
const ALLOWED: &[&str] = &[
    "a",
    "abbr",
    "address",
    "article",
    "aside",
    "audio",
    "b",
    "bdi",
    "bdo",
    "blockquote",
    "br",
    "caption",
    "cite",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "details",
    "dfn",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "picture",
    "pre",
    "q",
    "rp",
    "rt",
    "ruby",
    "s",
    "samp",
    "section",
    "small",
    "source",
    "span",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "time",
    "tr",
    "u",
    "ul",
    "var",
    "video",
    "wbr",
];

const GLOBAL_ATTRIBUTES: &[&str] = &["id", "class", "title", "lang", "dir", "role"];

fn allowed_attribute(tag: &str, attr: &str) -> bool {
    GLOBAL_ATTRIBUTES.contains(&attr)
        || attr.starts_with("aria-")
        || matches!(
            (tag, attr),
            ("a", "href" | "hreflang" | "rel" | "name")
                | ("img", "src" | "alt" | "width" | "height")
                | ("td" | "th", "colspan" | "rowspan" | "scope" | "style")
                | ("col" | "colgroup", "span")
                | ("ol", "start" | "reversed" | "type")
                | ("li", "value")
                | ("time", "datetime")
                | ("blockquote" | "q" | "del" | "ins", "cite")
                | (
                    "video",
                    "src"
                        | "poster"
                        | "controls"
                        | "width"
                        | "height"
                        | "muted"
                        | "loop"
                        | "preload"
                )
                | ("audio", "src" | "controls" | "loop" | "preload")
                | ("source", "src" | "type")
                | ("details", "open")
        )
}

fn is_url_attribute(attr: &str) -> bool {
    matches!(attr, "href" | "src" | "poster" | "cite")
}

/// Sanitises `html` and resolves every relative reference with `resolve`. Root-relative
/// links (`/zh/…`) get `base_path` in front so they survive hosting under a sub-path.
pub fn rewrite(html: &str, base_path: &str, resolve: &dyn Fn(&str) -> Resolved) -> Rewritten {
    let first_image = RefCell::new(None::<String>);
    let broken = RefCell::new(Vec::new());
    let result = rewrite_str(
        html,
        RewriteStrSettings::new()
            .append_element_content_handler(element!("*", |el| {
                sanitize_element(el, base_path, resolve, &broken);
                Ok(())
            }))
            .append_element_content_handler(element!("img[src]", |el| {
                // The first picture may be on the first screen: it loads at once. The
                // others wait until the reader scrolls near them.
                if first_image.borrow().is_none() {
                    *first_image.borrow_mut() = el.get_attribute("src");
                } else {
                    el.set_attribute("loading", "lazy")?;
                }
                el.set_attribute("decoding", "async")?;
                Ok(())
            }))
            // Wide tables scroll sideways on a phone instead of breaking the layout.
            .append_element_content_handler(element!("table", |el| {
                el.before("<div class=\"table-scroll\">", ContentType::Html);
                el.after("</div>", ContentType::Html);
                Ok(())
            }))
            .append_document_content_handler(doc_comments!(|c| {
                c.remove();
                Ok(())
            })),
    );
    match result {
        Ok(html) => Rewritten {
            html,
            first_image: first_image.into_inner(),
            broken: broken.into_inner(),
        },
        // lol_html only fails on its memory limit or a handler error; neither should reach
        // a reader, so the body is shown as text rather than lost.
        Err(e) => Rewritten {
            html: format!("<pre>{}</pre>", escape_attr(html)),
            first_image: None,
            broken: vec![(
                String::new(),
                format!("the HTML could not be processed: {e}"),
            )],
        },
    }
}

fn sanitize_element(
    el: &mut Element,
    base_path: &str,
    resolve: &dyn Fn(&str) -> Resolved,
    broken: &RefCell<Vec<(String, String)>>,
) {
    let tag = el.tag_name().to_ascii_lowercase();
    if DROP.contains(&tag.as_str()) {
        el.remove();
        return;
    }
    if !ALLOWED.contains(&tag.as_str()) {
        el.remove_and_keep_content();
        return;
    }
    let attributes: Vec<(String, String)> = el
        .attributes()
        .iter()
        .map(|a| (a.name().to_ascii_lowercase(), a.value()))
        .collect();
    for (name, value) in attributes {
        if !allowed_attribute(&tag, &name) {
            el.remove_attribute(&name);
            continue;
        }
        if name == "style" && !is_text_align(&value) {
            el.remove_attribute(&name);
            continue;
        }
        if !is_url_attribute(&name) {
            continue;
        }
        match classify(&value) {
            UrlKind::Unsafe => el.remove_attribute(&name),
            UrlKind::Keep => {}
            UrlKind::RootRelative(path) => {
                let _ = el.set_attribute(&name, &escape_attr(&format!("{base_path}{path}")));
            }
            UrlKind::Relative(reference) => {
                if let Err(message) = point_to(el, &tag, &name, resolve(&reference)) {
                    broken.borrow_mut().push((reference, message));
                }
            }
        }
    }
}

/// Points the URL attribute `name` of `el` to what its reference resolved to; an `<img>`
/// also gets its size, and a picture with derivatives the `<picture>` that offers them.
/// Why the reference cannot be followed, when it cannot.
fn point_to(el: &mut Element, tag: &str, name: &str, resolved: Resolved) -> Result<(), String> {
    let img_src = tag == "img" && name == "src";
    match resolved {
        Resolved::Url(url) => {
            let _ = el.set_attribute(name, &escape_attr(&url));
        }
        Resolved::Picture {
            picture,
            src,
            srcset,
            ..
        } => {
            let _ = el.set_attribute(name, &escape_attr(&src));
            if img_src {
                if !el.has_attribute("width") && !el.has_attribute("height") {
                    let _ = el.set_attribute("width", &picture.width.to_string());
                    let _ = el.set_attribute("height", &picture.height.to_string());
                }
                if srcset.is_empty() {
                    return Ok(()); // no derivatives yet: the original, as it is
                }
                el.before(
                    &format!(
                        "<picture><source type=\"image/webp\" srcset=\"{}\" sizes=\"{}\">",
                        escape_attr(&srcset),
                        crate::images::SIZES
                    ),
                    ContentType::Html,
                );
                el.after("</picture>", ContentType::Html);
            }
        }
        Resolved::Image { url, width, height } => {
            let _ = el.set_attribute(name, &escape_attr(&url));
            // The author's own size wins; otherwise the file's.
            let sized = el.has_attribute("width") || el.has_attribute("height");
            if img_src && !sized {
                let _ = el.set_attribute("width", &width.to_string());
                let _ = el.set_attribute("height", &height.to_string());
            }
        }
        Resolved::Broken(message) => return Err(message),
    }
    Ok(())
}

/// Tables from Markdown carry `style="text-align: …"`; no other style is let through.
fn is_text_align(style: &str) -> bool {
    let s: String = style.chars().filter(|c| !c.is_whitespace()).collect();
    matches!(
        s.trim_end_matches(';'),
        "text-align:left" | "text-align:center" | "text-align:right"
    )
}

enum UrlKind {
    Keep,
    Unsafe,
    RootRelative(String),
    Relative(String),
}

/// Decides what to do with a URL attribute, looking through the entity and whitespace
/// tricks (`java&#x09;script:`) that browsers would undo.
fn classify(raw: &str) -> UrlKind {
    let decoded = decode_entities(raw);
    let cleaned: String = decoded
        .trim()
        .chars()
        .filter(|c| !c.is_ascii_control())
        .collect();
    if cleaned.is_empty() || cleaned.starts_with('#') || cleaned.starts_with('?') {
        return UrlKind::Keep;
    }
    if cleaned.starts_with("//") || cleaned.starts_with("/\\") || cleaned.starts_with('\\') {
        // Another host: an external link, which needs an explicit scheme to be trusted.
        return UrlKind::Unsafe;
    }
    if let Some(path) = cleaned.strip_prefix('/') {
        return UrlKind::RootRelative(format!("/{path}"));
    }
    if let Some(colon) = cleaned.find(':') {
        let scheme = &cleaned[..colon];
        let before_path = !scheme.contains(['/', '?', '#']);
        if before_path {
            let scheme = scheme.to_ascii_lowercase();
            return if matches!(scheme.as_str(), "http" | "https" | "mailto" | "tel") {
                UrlKind::Keep
            } else {
                UrlKind::Unsafe
            };
        }
    }
    UrlKind::Relative(cleaned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(html: &str) -> String {
        rewrite(html, "/base", &|r| Resolved::Url(format!("RESOLVED({r})"))).html
    }

    #[test]
    fn scripts_handlers_and_javascript_urls_are_removed() {
        let out = clean(
            "<p onclick=\"x()\">Hi<script>alert(1)</script></p>\
             <a href=\"javascript:alert(1)\">a</a>\
             <a href=\"JaVa&#x09;Script&colon;alert(1)\">b</a>\
             <img src=x onerror=alert(1)>\
             <iframe src=\"https://evil\"></iframe><style>p{}</style>\
             <svg><script>alert(1)</script></svg><custom-tag>kept text</custom-tag><!-- c -->",
        );
        for bad in [
            "onclick",
            "script",
            "javascript",
            "Script",
            "onerror",
            "iframe",
            "style",
            "svg",
            "custom-tag",
            "<!--",
        ] {
            assert!(!out.contains(bad), "{bad} in {out}");
        }
        assert!(out.contains("kept text"), "{out}");
        assert!(out.contains("<p>Hi</p>"), "{out}");
    }

    #[test]
    fn references_are_resolved_or_prefixed() {
        let out = clean(
            "<a href=\"other.en.md#x\">o</a><img src=\"img/a.png\"><a href=\"/zh/\">h</a>\
             <a href=\"https://example.org/\">e</a><a href=\"#top\">t</a>",
        );
        assert!(out.contains("href=\"RESOLVED(other.en.md#x)\""), "{out}");
        assert!(out.contains("src=\"RESOLVED(img/a.png)\""), "{out}");
        assert!(out.contains("href=\"/base/zh/\""), "{out}");
        assert!(out.contains("href=\"https://example.org/\""), "{out}");
        assert!(out.contains("href=\"#top\""), "{out}");
    }

    #[test]
    fn tables_scroll_and_keep_alignment_only() {
        let out = clean(
            "<table><tr><td style=\"text-align: center\">a</td><td style=\"color:red\">b</td></tr></table>",
        );
        assert!(
            out.starts_with("<div class=\"table-scroll\"><table>"),
            "{out}"
        );
        assert!(out.contains("style=\"text-align: center\""), "{out}");
        assert!(!out.contains("color"), "{out}");
    }
}
