//! Running a query: parsing, filters, ranking, snippets and facet counts. The CLI and the
//! WebAssembly searcher both call [`Engine::search`], so they return the same hits.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tantivy::collector::{Collector, Count, SegmentCollector, TopDocs};
use tantivy::columnar::StrColumn;
use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, Query, QueryParser, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::snippet::{Snippet, SnippetGenerator};
use tantivy::{
    DocId, Index, IndexReader, ReloadPolicy, Score, SegmentOrdinal, SegmentReader, TantivyDocument,
    Term,
};

use crate::analysis::{self, TOKENIZER};
use crate::schema::Fields;

/// Longer queries are cut: nobody types more, and each word costs a term lookup.
pub const MAX_QUERY_CHARS: usize = 256;
pub const MAX_LIMIT: usize = 100;
/// In bytes, as tantivy counts: about 80 Chinese characters or 240 Latin ones.
const SNIPPET_BYTES: usize = 240;
const TITLE_BOOST: f32 = 3.0;
const SUMMARY_BOOST: f32 = 1.5;

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Request {
    pub query: String,
    pub lang: Option<String>,
    pub alliance: Option<String>,
    pub country: Option<String>,
    pub year: Option<String>,
    pub limit: Option<usize>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Response {
    pub total: usize,
    pub hits: Vec<Hit>,
    pub facets: Facets,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Hit {
    pub slug: String,
    pub lang: String,
    pub title: String,
    pub url: String,
    pub date: String,
    /// HTML: the text is escaped and matched words are wrapped in `<mark>`.
    pub snippet: String,
    pub score: f32,
    pub alliances: Vec<String>,
    pub countries: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Facets {
    pub alliances: BTreeMap<String, u64>,
    pub countries: BTreeMap<String, u64>,
    pub years: BTreeMap<String, u64>,
}

pub struct Engine {
    index: Index,
    reader: IndexReader,
    fields: Fields,
}

impl Engine {
    /// Opens an index written by qiao, registering the shared analyzer first.
    pub fn open(index: Index) -> tantivy::Result<Engine> {
        index.tokenizers().register(TOKENIZER, analysis::analyzer());
        let fields = Fields::of(&index.schema())?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Engine {
            index,
            reader,
            fields,
        })
    }

    pub fn search(&self, request: &Request) -> tantivy::Result<Response> {
        let text = truncate_query(&request.query);
        if analysis::terms(&text).is_empty() {
            return Ok(Response::default());
        }
        let f = self.fields;
        let mut parser = QueryParser::for_index(&self.index, vec![f.title, f.summary, f.body]);
        parser.set_conjunction_by_default();
        parser.set_field_boost(f.title, TITLE_BOOST);
        parser.set_field_boost(f.summary, SUMMARY_BOOST);
        // Unbalanced quotes, `AND AND` and the like give a best-effort query, never an error.
        let (user_query, _errors) = parser.parse_query_lenient(&text);

        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, user_query)];
        let filters = [
            (f.lang, &request.lang),
            (f.alliances, &request.alliance),
            (f.countries, &request.country),
            (f.year, &request.year),
        ];
        for (field, value) in filters {
            if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
                // A filter narrows the hits without changing their scores.
                let term = Term::from_field_text(field, v);
                let filter = TermQuery::new(term, IndexRecordOption::Basic);
                clauses.push((
                    Occur::Must,
                    Box::new(ConstScoreQuery::new(Box::new(filter), 0.0)),
                ));
            }
        }
        let query = BooleanQuery::new(clauses);

        let searcher = self.reader.searcher();
        let limit = request.limit.unwrap_or(10).clamp(1, MAX_LIMIT);
        let collectors = (
            TopDocs::with_limit(limit).order_by_score(),
            Count,
            (
                FieldCounts(crate::schema::ALLIANCES),
                FieldCounts(crate::schema::COUNTRIES),
                FieldCounts(crate::schema::YEAR),
            ),
        );
        let (top, total, (alliances, countries, years)) = searcher.search(&query, &collectors)?;

        let body_snippets = SnippetGenerator::create(&searcher, &query, f.body).map(|mut g| {
            g.set_max_num_chars(SNIPPET_BYTES);
            g
        });
        let summary_snippets =
            SnippetGenerator::create(&searcher, &query, f.summary).map(|mut g| {
                g.set_max_num_chars(SNIPPET_BYTES);
                g
            });
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            let text = |field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_owned()
            };
            let all = |field| -> Vec<String> {
                doc.get_all(field)
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            };
            let mut snippet = body_snippets
                .as_ref()
                .ok()
                .map(|g| g.snippet_from_doc(&doc));
            if snippet.as_ref().is_none_or(|s| s.highlighted().is_empty()) {
                snippet = summary_snippets
                    .as_ref()
                    .ok()
                    .map(|g| g.snippet_from_doc(&doc));
            }
            let snippet = match snippet {
                Some(s) if !s.is_empty() => highlight(&s),
                _ => escape(&text(f.summary)),
            };
            hits.push(Hit {
                slug: text(f.slug),
                lang: text(f.lang),
                title: text(f.title),
                url: text(f.url),
                date: text(f.date),
                snippet,
                score,
                alliances: all(f.alliances),
                countries: all(f.countries),
            });
        }
        Ok(Response {
            total,
            hits,
            facets: Facets {
                alliances,
                countries,
                years,
            },
        })
    }
}

/// Cuts an overlong query at the last whole word before the limit, so the cut does not
/// leave a fragment that matches nothing (all words are required).
fn truncate_query(query: &str) -> String {
    match query.char_indices().nth(MAX_QUERY_CHARS) {
        None => query.to_owned(),
        Some((end, _)) => {
            let cut = &query[..end];
            cut.rfind(char::is_whitespace)
                .map_or(cut, |at| &cut[..at])
                .to_owned()
        }
    }
}

/// Counts the values of a multi-valued string fast field over the matching documents.
struct FieldCounts(&'static str);

struct SegmentCounts {
    column: Option<StrColumn>,
    counts: Vec<u64>,
}

impl Collector for FieldCounts {
    type Fruit = BTreeMap<String, u64>;
    type Child = SegmentCounts;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentCounts> {
        let column = reader.fast_fields().str(self.0)?;
        let terms = column.as_ref().map_or(0, |c| c.num_terms());
        Ok(SegmentCounts {
            column,
            counts: vec![0; terms],
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<BTreeMap<String, u64>>) -> tantivy::Result<Self::Fruit> {
        let mut all = BTreeMap::new();
        for fruit in fruits {
            for (k, n) in fruit {
                *all.entry(k).or_default() += n;
            }
        }
        Ok(all)
    }
}

impl SegmentCollector for SegmentCounts {
    type Fruit = BTreeMap<String, u64>;

    fn collect(&mut self, doc: DocId, _: Score) {
        if let Some(column) = &self.column {
            for ord in column.term_ords(doc) {
                self.counts[ord as usize] += 1;
            }
        }
    }

    fn harvest(self) -> Self::Fruit {
        let mut out = BTreeMap::new();
        if let Some(column) = &self.column {
            let mut name = String::new();
            for (ord, &n) in self.counts.iter().enumerate() {
                if n > 0 && column.ord_to_str(ord as u64, &mut name).unwrap_or(false) {
                    out.insert(name.clone(), n);
                }
            }
        }
        out
    }
}

/// The snippet as HTML of our own making: escaped text, matches in `<mark>`. Overlapping
/// and touching matches merge, so the bigrams of 鲁班工坊 light up as one word.
fn highlight(snippet: &Snippet) -> String {
    let fragment = snippet.fragment();
    let mut ranges: Vec<std::ops::Range<usize>> = snippet
        .highlighted()
        .iter()
        .filter(|r| r.start < r.end && r.end <= fragment.len())
        .cloned()
        .collect();
    ranges.sort_by_key(|r| r.start);
    let mut merged: Vec<std::ops::Range<usize>> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    let mut out = String::with_capacity(fragment.len() + 32);
    let mut at = 0;
    for r in merged {
        out.push_str(&escape(&fragment[at..r.start]));
        out.push_str("<mark>");
        out.push_str(&escape(&fragment[r.clone()]));
        out.push_str("</mark>");
        at = r.end;
    }
    out.push_str(&escape(&fragment[at..]));
    out
}

/// HTML-escapes, and folds line breaks: a snippet is one line of text.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' | '\r' => out.push(' '),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
