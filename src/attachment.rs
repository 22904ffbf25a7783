//! Files that articles attach, checked before they are published under `/media/`. A file
//! opened from there runs on the portal's own address, so one that can carry script would
//! be cross-site scripting by upload: HTML and JavaScript are refused outright, and an SVG
//! only passes when it holds nothing active (no script, no event handler, no `javascript:`
//! or external reference, no embedded HTML).

use std::path::Path;

/// Extensions browsers run as documents or scripts.
const ACTIVE: &[&str] = &[
    "html", "htm", "xhtml", "xht", "shtml", "js", "mjs", "xml", "xsl",
];

/// SVG elements that execute, embed documents, or animate attributes into links.
const ACTIVE_ELEMENTS: &[&str] = &[
    "script",
    "foreignObject",
    "iframe",
    "embed",
    "object",
    "handler",
    "listener",
];

/// Why `path` must not be published, or `Ok` if it may be.
pub fn check(path: &Path) -> Result<(), String> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    if ACTIVE.contains(&ext.as_str()) {
        return Err(format!(
            "`.{ext}` files are not published as attachments: opened from the portal they \
             would run as its own pages. Link to the page elsewhere, or attach a PDF"
        ));
    }
    if ext == "svg" || ext == "svgz" {
        let bytes =
            std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        return check_svg(&bytes);
    }
    Ok(())
}

/// Refuses an SVG that is not plain drawing. Refusing rather than rewriting keeps the
/// author's file byte for byte, and the message says what to remove.
pub fn check_svg(bytes: &[u8]) -> Result<(), String> {
    let refuse = |what: String| {
        Err(format!(
            "this SVG {what}, which would run on the portal's own address when the file is \
             opened; remove it (most editors have an \"optimised SVG\" export) and build again"
        ))
    };
    let text = std::str::from_utf8(bytes)
        .map_err(|_| "this SVG is not UTF-8 text (compressed .svgz is not published)".to_owned())?;
    if text.contains("<!ENTITY") {
        return refuse("declares XML entities".into());
    }
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..roxmltree::ParsingOptions::default()
    };
    let doc = roxmltree::Document::parse_with_options(text, options)
        .map_err(|e| format!("this SVG is not well-formed XML: {e}"))?;
    for node in doc.descendants().filter(|n| n.is_element()) {
        let name = node.tag_name().name();
        let line = doc.text_pos_at(node.range().start).row;
        if ACTIVE_ELEMENTS.iter().any(|a| a.eq_ignore_ascii_case(name)) {
            return refuse(format!("has a <{name}> element (line {line})"));
        }
        if node.tag_name().namespace() == Some("http://www.w3.org/1999/xhtml") {
            return refuse(format!("embeds HTML (<{name}>, line {line})"));
        }
        let animates_link = matches!(
            name,
            "set" | "animate" | "animateTransform" | "animateMotion"
        ) && node.attributes().any(|a| {
            a.name() == "attributeName"
                && (a.value().ends_with("href") || a.value().to_ascii_lowercase().starts_with("on"))
        });
        if animates_link {
            return refuse(format!(
                "animates a link or handler (<{name}>, line {line})"
            ));
        }
        for attr in node.attributes() {
            let attr_name = attr.name();
            let value = attr.value().trim();
            if attr_name.to_ascii_lowercase().starts_with("on") {
                return refuse(format!("has an event handler `{attr_name}` (line {line})"));
            }
            if attr_name == "href" && !safe_reference(value) {
                return refuse(format!("refers to `{value}` (line {line})"));
            }
            if attr_name == "style" && !safe_style(value) {
                return refuse(format!("loads `{value}` from a style (line {line})"));
            }
        }
        if name == "style"
            && let Some(css) = node.text()
            && !safe_style(css)
        {
            return refuse(format!("loads other files from a <style> (line {line})"));
        }
    }
    Ok(())
}

/// Links inside the drawing (`#id`) and embedded raster pictures only.
fn safe_reference(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    value.starts_with('#')
        || [
            "data:image/png",
            "data:image/jpeg",
            "data:image/gif",
            "data:image/webp",
        ]
        .iter()
        .any(|p| lower.starts_with(p))
}

fn safe_style(css: &str) -> bool {
    let lower = css.to_ascii_lowercase();
    !lower.contains("@import")
        && !lower.contains("javascript:")
        && !lower.contains("expression(")
        && lower
            .match_indices("url(")
            .all(|(i, _)| safe_reference(lower[i + 4..].trim_start_matches(['\'', '"', ' '])))
}

#[cfg(test)]
mod tests {
    use super::check_svg;

    #[test]
    fn plain_drawings_pass_and_active_content_is_refused() {
        let ok = r##"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10">
            <defs><linearGradient id="g"/></defs><style>.a{fill:url(#g)}</style>
            <rect class="a" width="10" height="10" style="fill:url('#g')"/><use xlink:href="#g"/></svg>"##;
        assert_eq!(check_svg(ok.as_bytes()), Ok(()));
        for (bad, expect) in [
            (
                r#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#,
                "<script>",
            ),
            (
                r#"<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>"#,
                "onload",
            ),
            (
                r#"<svg xmlns="http://www.w3.org/2000/svg"><a href="javascript:alert(1)"><text>x</text></a></svg>"#,
                "javascript:",
            ),
            (
                r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><image xlink:href="https://evil.example/x.png"/></svg>"#,
                "https://evil",
            ),
            (
                r#"<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject></svg>"#,
                "foreignObject",
            ),
            (
                r#"<svg xmlns="http://www.w3.org/2000/svg"><a><set attributeName="href" to="javascript:alert(1)"/></a></svg>"#,
                "animates",
            ),
            (
                r#"<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(https://evil.example/a.css);</style></svg>"#,
                "<style>",
            ),
            (
                r#"<!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>"#,
                "entities",
            ),
            ("<svg><unclosed></svg>", "well-formed"),
        ] {
            let err = check_svg(bad.as_bytes()).unwrap_err();
            assert!(err.contains(expect), "{bad}: {err}");
        }
    }
}
