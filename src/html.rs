//! Escaping and entity decoding, one place for every module that writes or reads markup:
//! [`crate::markdown`] (attributes it rewrites), [`crate::feeds`] (XML) and
//! [`crate::linkcheck`] (attributes it reads back).

/// Decodes numeric character references and the named ones that matter in URLs and in
/// the HTML qiao writes. An unknown named reference is left as written, which at worst
/// makes a link not resolve.
pub fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let end = rest[1..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '#'))
            .map_or(rest.len(), |i| i + 1);
        let name = &rest[1..end];
        let decoded = if let Some(num) = name.strip_prefix('#') {
            let value = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok(),
                None => num.parse().ok(),
            };
            value.and_then(char::from_u32)
        } else {
            match name {
                "amp" => Some('&'),
                "colon" => Some(':'),
                "sol" => Some('/'),
                "tab" | "Tab" => Some('\t'),
                "newline" | "NewLine" => Some('\n'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "num" => Some('#'),
                "quest" => Some('?'),
                "period" => Some('.'),
                _ => None,
            }
        };
        match decoded {
            Some(c) => {
                out.push(c);
                let skip = if rest[end..].starts_with(';') {
                    end + 1
                } else {
                    end
                };
                rest = &rest[skip..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Escapes a value for a double-quoted HTML attribute (lol_html writes values as given).
pub fn escape_attr(s: &str) -> String {
    escape(s, false)
}

/// Escapes text and attribute values for XML (Atom feeds, sitemaps).
pub fn escape_xml(s: &str) -> String {
    escape(s, true)
}

/// Whether XML 1.0 allows `c` in a document (its `Char` production).
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// The markup characters as references; for XML also `'`, and the characters XML 1.0
/// forbids (C0 controls, U+FFFE, U+FFFF; surrogates cannot occur in a Rust string)
/// dropped rather than making a feed unparsable. HTML keeps both as they are, as it
/// always has: the pages' bytes must not change.
fn escape(s: &str, xml: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' if xml => out.push_str("&apos;"),
            c if xml && !xml_char(c) => {}
            c => out.push(c),
        }
    }
    out
}
