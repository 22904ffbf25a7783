//! Markdown bodies to HTML: CommonMark with tables, footnotes and strikethrough, heading
//! ids that work for Chinese headings, and a plain-text summary of the first paragraph.
//!
//! The HTML produced here still holds whatever raw HTML the author wrote and the links as
//! written; [`rewrite`] sanitises it and resolves links and files.

pub mod rewrite;

use std::collections::{HashMap, HashSet};

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd, html};

use crate::lang::Lang;

/// The Markdown of one article half, turned into (unsanitised) HTML.
pub struct Converted {
    pub html: String,
    /// The first paragraph as plain text, whole; [`cut_summary`] shortens it.
    pub first_paragraph: String,
}

pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_HEADING_ATTRIBUTES
}

pub fn to_html(markdown: &str) -> Converted {
    let mut ids = HeadingIds::default();
    let mut footnotes = Footnotes::default();
    let mut events: Vec<Event> = Vec::new();
    let mut first = FirstParagraph::default();
    let mut depth = 0usize;
    let mut heading: Option<usize> = None;
    let mut in_definition: Option<String> = None;

    for event in Parser::new_ext(markdown, options()) {
        // Footnote definitions are gathered and placed at the end, as GitHub does.
        match &event {
            Event::Start(Tag::FootnoteDefinition(name)) => {
                in_definition = Some(name.to_string());
                continue;
            }
            Event::End(TagEnd::FootnoteDefinition) => {
                in_definition = None;
                continue;
            }
            _ => {}
        }
        if let Some(name) = &in_definition {
            footnotes.definition_event(name, event);
            continue;
        }

        match &event {
            Event::Start(tag) => {
                first.see(&event, depth);
                if matches!(tag, Tag::Heading { .. }) {
                    heading = Some(events.len());
                }
                depth += 1;
            }
            Event::End(end) => {
                depth = depth.saturating_sub(1);
                first.see(&event, depth);
                if matches!(end, TagEnd::Heading(_))
                    && let Some(start) = heading.take()
                {
                    ids.assign(&mut events, start);
                }
            }
            _ => first.see(&event, depth),
        }
        if let Event::FootnoteReference(name) = &event {
            events.push(Event::Html(footnotes.reference(name).into()));
            continue;
        }
        events.push(event);
    }

    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, events.into_iter());
    footnotes.write_section(&mut out);
    Converted {
        html: out,
        first_paragraph: first.text.split_whitespace().collect::<Vec<_>>().join(" "),
    }
}

#[derive(PartialEq, Eq, Default)]
enum ParagraphState {
    #[default]
    Before,
    Inside,
    Done,
}

/// The text of the body's first top-level paragraph, gathered as the events pass.
#[derive(Default)]
struct FirstParagraph {
    state: ParagraphState,
    text: String,
}

impl FirstParagraph {
    /// `depth` is how deep the element an `event` starts or ends sits.
    fn see(&mut self, event: &Event, depth: usize) {
        let inside = self.state == ParagraphState::Inside;
        match event {
            Event::Start(Tag::Paragraph) if depth == 0 && self.state == ParagraphState::Before => {
                self.state = ParagraphState::Inside;
            }
            Event::End(TagEnd::Paragraph) if depth == 0 && inside => {
                self.state = ParagraphState::Done;
            }
            Event::Text(t) | Event::Code(t) if inside => self.text.push_str(t),
            Event::SoftBreak | Event::HardBreak if inside => self.text.push(' '),
            _ => {}
        }
    }
}

/// Unique heading ids. Chinese headings keep their characters (`#合作内容`), as on GitHub
/// and in Hugo, instead of being transliterated into something no reader recognises.
#[derive(Default)]
struct HeadingIds {
    used: HashSet<String>,
}

impl HeadingIds {
    /// Gives the heading that starts at `events[start]` an id unless the author wrote one.
    fn assign(&mut self, events: &mut [Event], start: usize) {
        let text: String = events[start + 1..]
            .iter()
            .filter_map(|e| match e {
                Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
                _ => None,
            })
            .collect();
        if let Event::Start(Tag::Heading { id, .. }) = &mut events[start] {
            let wanted = match id {
                Some(explicit) => explicit.to_string(),
                None => slugify(&text),
            };
            let unique = self.unique(if wanted.is_empty() {
                "section".into()
            } else {
                wanted
            });
            *id = Some(CowStr::from(unique));
        }
    }

    fn unique(&mut self, base: String) -> String {
        let mut candidate = base.clone();
        let mut n = 1;
        while !self.used.insert(candidate.clone()) {
            candidate = format!("{base}-{n}");
            n += 1;
        }
        candidate
    }
}

/// Lower-cases, keeps letters and digits of any script, and joins words with `-`.
pub fn slugify(text: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in text.chars() {
        if c.is_alphanumeric() || c == '_' {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.extend(c.to_lowercase());
        } else {
            dash = true;
        }
    }
    out
}

#[derive(Default)]
struct Footnotes {
    /// Definitions in the order they are first referenced, then unreferenced ones.
    order: Vec<String>,
    numbers: HashMap<String, usize>,
    references: HashMap<String, usize>,
    definitions: HashMap<String, Vec<Event<'static>>>,
    ids: HeadingIds,
    anchor: HashMap<String, String>,
}

impl Footnotes {
    fn anchor(&mut self, name: &str) -> String {
        if let Some(a) = self.anchor.get(name) {
            return a.clone();
        }
        let a = self.ids.unique(slugify(name));
        self.anchor.insert(name.to_owned(), a.clone());
        a
    }

    fn number(&mut self, name: &str) -> usize {
        if let Some(&n) = self.numbers.get(name) {
            return n;
        }
        self.order.push(name.to_owned());
        let n = self.order.len();
        self.numbers.insert(name.to_owned(), n);
        n
    }

    fn reference(&mut self, name: &str) -> String {
        let n = self.number(name);
        let anchor = self.anchor(name);
        let k = self.references.entry(name.to_owned()).or_default();
        *k += 1;
        let back = if *k == 1 {
            String::new()
        } else {
            format!("-{k}")
        };
        format!(
            "<sup class=\"footnote-ref\"><a href=\"#fn-{anchor}\" id=\"fnref-{anchor}{back}\">{n}</a></sup>"
        )
    }

    fn definition_event(&mut self, name: &str, event: Event) {
        if !self.definitions.contains_key(name) {
            // A definition nobody references still gets a number, after the others.
            self.definitions.insert(name.to_owned(), Vec::new());
        }
        if let Some(events) = self.definitions.get_mut(name) {
            events.push(event.into_static());
        }
    }

    fn write_section(mut self, out: &mut String) {
        if self.definitions.is_empty() {
            return;
        }
        let mut names: Vec<String> = self.order.clone();
        let mut unreferenced: Vec<String> = self
            .definitions
            .keys()
            .filter(|n| !self.numbers.contains_key(*n))
            .cloned()
            .collect();
        unreferenced.sort();
        names.extend(unreferenced);
        out.push_str("<section class=\"footnotes\" role=\"doc-endnotes\">\n<ol>\n");
        for name in names {
            let anchor = self.anchor(&name);
            out.push_str(&format!("<li id=\"fn-{anchor}\">\n"));
            if let Some(events) = self.definitions.remove(&name) {
                html::push_html(out, events.into_iter());
            }
            if self.references.contains_key(&name) {
                out.push_str(&format!(
                    "<a href=\"#fnref-{anchor}\" class=\"footnote-back\" role=\"doc-backlink\">↩</a>\n"
                ));
            }
            out.push_str("</li>\n");
        }
        out.push_str("</ol>\n</section>\n");
    }
}

/// Shortens a first paragraph into a summary, at a sentence end when one is close to the
/// limit, otherwise at a word (English) or character (Chinese) with an ellipsis.
pub fn cut_summary(text: &str, lang: Lang) -> String {
    let limit = match lang {
        Lang::Zh => 120,
        Lang::En => 260,
    };
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= limit {
        return text.to_owned();
    }
    let window = &chars[..limit];
    let sentence_end = window
        .iter()
        .rposition(|c| matches!(c, '。' | '！' | '？' | '.' | '!' | '?'))
        .filter(|&i| i >= limit / 2);
    if let Some(i) = sentence_end {
        return window[..=i].iter().collect();
    }
    let cut = match lang {
        Lang::En => window
            .iter()
            .rposition(|c| c.is_whitespace())
            .unwrap_or(limit),
        Lang::Zh => limit,
    };
    let mut s: String = window[..cut].iter().collect();
    s = s
        .trim_end_matches(|c: char| c.is_whitespace() || ",，、;；:：".contains(c))
        .to_owned();
    s.push('…');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_headings_get_readable_unique_ids() {
        let c = to_html(
            "## 合作内容\n\n## 合作内容\n\n## Luban Workshop 鲁班工坊\n\n## Custom {#mine}\n",
        );
        assert!(c.html.contains("<h2 id=\"合作内容\">"), "{}", c.html);
        assert!(c.html.contains("<h2 id=\"合作内容-1\">"), "{}", c.html);
        assert!(
            c.html.contains("<h2 id=\"luban-workshop-鲁班工坊\">"),
            "{}",
            c.html
        );
        assert!(c.html.contains("<h2 id=\"mine\">"), "{}", c.html);
    }

    #[test]
    fn footnotes_move_to_the_end_with_back_links() {
        let c = to_html("Text[^a] and more[^b].\n\n[^b]: Second.\n[^a]: First.\n\nAfter.\n");
        let a = c.html.find("<li id=\"fn-a\">").unwrap();
        let b = c.html.find("<li id=\"fn-b\">").unwrap();
        let after = c.html.find("After.").unwrap();
        assert!(after < a && a < b, "{}", c.html);
        assert!(
            c.html.contains("href=\"#fn-a\" id=\"fnref-a\">1</a>"),
            "{}",
            c.html
        );
        assert!(c.html.contains("href=\"#fnref-b\""), "{}", c.html);
    }

    #[test]
    fn the_first_paragraph_is_the_summary_source() {
        let c = to_html("## Heading\n\nFirst *emphasised*\nline.\n\nSecond.\n");
        assert_eq!(c.first_paragraph, "First emphasised line.");
    }

    #[test]
    fn summaries_are_cut_cleanly() {
        let zh = "鲁班工坊".repeat(40);
        let cut = cut_summary(&zh, Lang::Zh);
        assert_eq!(cut.chars().count(), 121);
        assert!(cut.ends_with('…'));
        let en = "word ".repeat(80);
        let cut = cut_summary(en.trim(), Lang::En);
        assert!(cut.ends_with("word…"), "{cut}");
        let sentences = format!(
            "{} Second sentence goes on and on.",
            "A first sentence. ".repeat(16)
        );
        assert!(cut_summary(&sentences, Lang::En).ends_with("sentence."));
    }
}
