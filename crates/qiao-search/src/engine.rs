//! Running a query: parsing, filters, ranking, snippets and facet counts. The CLI and the
//! WebAssembly searcher both call [`Engine::search`], so they return the same hits.

use std::collections::BTreeMap;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tantivy::collector::{Collector, Count, SegmentCollector, TopDocs};
use tantivy::postings::SegmentPostings;
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, FuzzyTermQuery, Occur, PhraseQuery,
    Query, TermQuery,
};
use tantivy::query_grammar::{self, Delimiter, UserInputAst, UserInputLeaf, UserInputLiteral};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::snippet::{Snippet, SnippetGenerator};
use tantivy::tokenizer::TokenStream;
use tantivy::{
    DocAddress, DocId, DocSet, Index, IndexReader, InvertedIndexReader, ReloadPolicy, Score,
    Searcher, SegmentOrdinal, SegmentReader, TERMINATED, TantivyDocument, Term,
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
/// Articles with all the bigrams of a long Chinese query over those with only most of
/// them: high enough that they come first.
const ALL_BIGRAMS_BOOST: f32 = 8.0;
/// Runs of Chinese with this many bigrams (five characters) or more also match articles
/// with most of the bigrams; shorter ones are one or two words, whose every bigram must
/// be there, so that 鲁班工坊 does not find 鲁班锁 … 工坊.
const LONG_RUN_BIGRAMS: usize = 4;
/// Shorter words are too easily a typo away from another real word.
const FUZZY_MIN_LETTERS: usize = 5;
/// A word found in fewer articles than this also matches similar terms.
const FUZZY_WHEN_FEWER: u64 = 2;
const FUZZY_BOOST: f32 = 0.5;
const MAX_FUZZY_TERMS: usize = 8;
const MAX_PREFIX_TERMS: usize = 64;

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
    /// The query with misspelt words replaced by what was searched instead ("Djibouti"
    /// for "Djibuti"), when a word matched nothing as typed.
    pub corrected: Option<String>,
    /// The query was longer than [`MAX_QUERY_CHARS`] and was cut at a word.
    #[serde(default)]
    pub truncated: bool,
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
        Ok(Engine { reader, fields })
    }

    /// Reads the postings that facet counts read, all of them, as any search with a match
    /// does: for the hot cache, which is recorded by reading (see `search::hot_caches`).
    pub fn read_facet_postings(&self) -> tantivy::Result<()> {
        for segment in self.reader.searcher().segment_readers() {
            for field in facet_fields(self.fields) {
                for_each_value(&*segment.inverted_index(field)?, |_, postings| {
                    while postings.advance() != TERMINATED {}
                })?;
            }
        }
        Ok(())
    }

    /// Answers one request: the words parsed into a query, narrowed by the filters, the
    /// best hits with their snippets, and the facets over every match.
    pub fn search(&self, request: &Request) -> tantivy::Result<Response> {
        let (text, truncated) = truncate_query(&request.query);
        let text = trim_operators(&text);
        let searcher = self.reader.searcher();
        let built = self.parse(&searcher, &text)?;
        let Some(user_query) = built.query else {
            return Ok(Response {
                truncated,
                ..Response::default()
            });
        };
        let query = self.filtered(user_query, request);
        // A limit of 0 asks for the count and the facets only.
        let limit = request.limit.unwrap_or(10).min(MAX_LIMIT);
        let Collected { top, total, facets } = collect(&searcher, self.fields, &query, limit)?;
        let snippets = Snippets::new(&searcher, &query, self.fields);
        let hits = top
            .into_iter()
            .map(|(score, address)| {
                let doc: TantivyDocument = searcher.doc(address)?;
                Ok(self.hit(&doc, score, &snippets))
            })
            .collect::<tantivy::Result<Vec<Hit>>>()?;
        let corrected = (!built.corrections.is_empty() && total > 0)
            .then(|| corrected_query(&text, &built.corrections));
        Ok(Response {
            total,
            hits,
            facets,
            corrected,
            truncated,
        })
    }

    /// The user's query over the text fields; none when it has no word to search for.
    fn parse(&self, searcher: &Searcher, text: &str) -> tantivy::Result<Built> {
        let mut built = Built::default();
        if !analysis::terms(text).is_empty() {
            let (ast, _errors) = query_grammar::parse_query_lenient(text);
            let builder = Builder {
                searcher,
                fields: self.fields,
            };
            built.query = builder.ast(ast, &mut built.corrections)?;
        }
        Ok(built)
    }

    /// The user's query narrowed to the requested language, alliance, country and year.
    fn filtered(&self, user_query: Box<dyn Query>, request: &Request) -> BooleanQuery {
        let f = self.fields;
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
        BooleanQuery::new(clauses)
    }

    /// What a result list shows of one matching article.
    fn hit(&self, doc: &TantivyDocument, score: Score, snippets: &Snippets) -> Hit {
        let f = self.fields;
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
        Hit {
            slug: text(f.slug),
            lang: text(f.lang),
            title: text(f.title),
            url: text(f.url),
            date: text(f.date),
            snippet: snippets.of(doc, &text(f.excerpt), &text(f.summary)),
            score,
            alliances: all(f.alliances),
            countries: all(f.countries),
        }
    }
}

/// What one pass over the matches gathers.
struct Collected {
    /// The best hits, best first, and where they are.
    top: Vec<(Score, DocAddress)>,
    /// How many articles match in all.
    total: usize,
    /// Counts over every match, not only the best.
    facets: Facets,
}

/// The best `limit` hits (at least one is collected, so that a limit of 0 still counts),
/// the number of matches and the facets, in one pass.
fn collect(
    searcher: &Searcher,
    fields: Fields,
    query: &dyn Query,
    limit: usize,
) -> tantivy::Result<Collected> {
    let collectors = (
        TopDocs::with_limit(limit.max(1)).order_by_score(),
        Count,
        FacetCounts(fields),
    );
    let (mut top, total, facets) = searcher.search(query, &collectors)?;
    top.truncate(limit);
    Ok(Collected { top, total, facets })
}

/// Excerpts of a hit with the query's words marked.
struct Snippets {
    body: tantivy::Result<SnippetGenerator>,
    summary: tantivy::Result<SnippetGenerator>,
}

impl Snippets {
    fn new(searcher: &Searcher, query: &dyn Query, fields: Fields) -> Snippets {
        let generator = |field| {
            SnippetGenerator::create(searcher, query, field).map(|mut g| {
                g.set_max_num_chars(SNIPPET_BYTES);
                g
            })
        };
        Snippets {
            body: generator(fields.body),
            summary: generator(fields.summary),
        }
    }

    /// HTML: the stored excerpt of the body where it has a matched word, else the summary
    /// with its matched words, else the summary as it is. An article without a summary of
    /// its own (its summary is its first paragraph) shows the excerpt's opening.
    fn of(&self, doc: &TantivyDocument, excerpt: &str, summary: &str) -> String {
        // The body generator knows the query's body terms; it marks them in the stored
        // excerpt, as the body itself is not stored.
        let mut snippet = self.body.as_ref().ok().map(|g| g.snippet(excerpt));
        if snippet.as_ref().is_none_or(|s| s.highlighted().is_empty()) {
            snippet = self.summary.as_ref().ok().map(|g| g.snippet_from_doc(doc));
        }
        match snippet {
            Some(s) if !s.is_empty() => highlight(&s),
            _ if summary.is_empty() => lead(excerpt),
            _ => escape(summary),
        }
    }
}

/// The opening of `excerpt`, snippet-long, on one line, cut between words where it has
/// spaces.
fn lead(excerpt: &str) -> String {
    let excerpt = excerpt.trim_start();
    let cut = crate::opening(excerpt, SNIPPET_BYTES);
    let one_line = |text: &str| escape(&text.split_whitespace().collect::<Vec<_>>().join(" "));
    if cut.len() == excerpt.len() {
        return one_line(cut);
    }
    let cut = match cut.rfind(char::is_whitespace) {
        Some(space) if space > cut.len() / 2 => &cut[..space],
        _ => cut,
    };
    format!("{}…", one_line(cut))
}

/// The query being built, and the misspelt words it replaced with similar ones.
#[derive(Default)]
struct Built {
    query: Option<Box<dyn Query>>,
    corrections: Vec<(String, String)>,
}

/// Turns the parsed query into tantivy queries over the text fields. This replaces
/// tantivy's `QueryParser` so that each word can be looked up in the index first: a
/// misspelt word widens to similar terms, a lone Chinese character to the bigrams that
/// start with it, a long run of Chinese to its bigrams when the exact phrase is rare.
struct Builder<'a> {
    searcher: &'a Searcher,
    fields: Fields,
}

/// `(field, boost)` of the fields a query word is looked for in.
type FieldBoosts = Vec<(Field, Score)>;

impl Builder<'_> {
    fn all_fields(&self) -> FieldBoosts {
        let f = self.fields;
        vec![
            (f.title, TITLE_BOOST),
            (f.summary, SUMMARY_BOOST),
            (f.body, 1.0),
        ]
    }

    fn ast(
        &self,
        ast: UserInputAst,
        corrections: &mut Vec<(String, String)>,
    ) -> tantivy::Result<Option<Box<dyn Query>>> {
        Ok(match ast {
            UserInputAst::Clause(items) => {
                let mut clauses = Vec::with_capacity(items.len());
                for (occur, item) in items {
                    // Words that give no terms (punctuation) drop out instead of matching
                    // nothing; words are all required unless joined by OR.
                    if let Some(q) = self.ast(item, corrections)? {
                        clauses.push((occur.unwrap_or(Occur::Must), q));
                    }
                }
                match clauses.len() {
                    0 => None,
                    1 if clauses[0].0 != Occur::MustNot => clauses.pop().map(|(_, q)| q),
                    _ => Some(Box::new(BooleanQuery::new(clauses))),
                }
            }
            UserInputAst::Boost(inner, boost) => self
                .ast(*inner, corrections)?
                .map(|q| Box::new(BoostQuery::new(q, boost.into_inner() as Score)) as _),
            UserInputAst::Leaf(leaf) => match *leaf {
                UserInputLeaf::Literal(literal) => self.literal(literal, corrections)?,
                // Ranges, sets, `*` and regular expressions are no way to search news.
                _ => None,
            },
        })
    }

    fn literal(
        &self,
        literal: UserInputLiteral,
        corrections: &mut Vec<(String, String)>,
    ) -> tantivy::Result<Option<Box<dyn Query>>> {
        let f = self.fields;
        let quoted = literal.delimiter != Delimiter::None;
        // `title:luban` searches one field; any other `x:y` is just text.
        let (fields, phrase) = match literal.field_name.as_deref() {
            None => (self.all_fields(), literal.phrase),
            Some("title") => (vec![(f.title, TITLE_BOOST)], literal.phrase),
            Some("summary") => (vec![(f.summary, SUMMARY_BOOST)], literal.phrase),
            Some("body") => (vec![(f.body, 1.0)], literal.phrase),
            Some(name) => (self.all_fields(), format!("{name}:{}", literal.phrase)),
        };
        let tokens = tokens(&phrase);
        let Some(first) = tokens.first() else {
            return Ok(None);
        };
        let cjk = tokens
            .iter()
            .all(|(t, _)| t.chars().next().is_some_and(analysis::is_cjk));
        if tokens.len() == 1 {
            let word = &first.0;
            return if quoted {
                Ok(Some(self.term(&fields, word)))
            } else if cjk && word.chars().count() == 1 {
                self.character(&fields, word).map(Some)
            } else if !cjk {
                self.word(&fields, &phrase, word, corrections).map(Some)
            } else {
                Ok(Some(self.term(&fields, word)))
            };
        }
        if quoted || !cjk {
            return Ok(phrase_query(&fields, &tokens, literal.slop));
        }
        let mut bigrams: Vec<&str> = tokens.iter().map(|(t, _)| t.as_str()).collect();
        bigrams.sort_unstable();
        bigrams.dedup();
        // A run of Chinese is matched on its overlapping bigrams, all in one field, not as
        // a phrase: a phrase reads the positions of every article that has the bigrams,
        // which for common words cost a reader 100–150 KB per query; the bigrams overlap,
        // so an article with all of them and not the run is rare (鲁班锁 … 工坊 lacks 班工).
        let all_of = |boost: Score| {
            any_field(&fields, |field| {
                let clauses = bigrams
                    .iter()
                    .map(|t| (Occur::Must, term_query(field, t)))
                    .collect();
                Box::new(BooleanQuery::new(clauses))
            })
            .map(|q| Box::new(BoostQuery::new(q, boost)) as Box<dyn Query>)
        };
        if tokens.len() < LONG_RUN_BIGRAMS {
            return Ok(all_of(1.0));
        }
        // A long run of Chinese: without a dictionary its words are unknown, so articles
        // with most of its bigrams anywhere follow those with all of them.
        // About one bigram per two characters: as many as its two-character words.
        let required = tokens.len().div_ceil(2).min(bigrams.len());
        let most = bigrams
            .iter()
            .map(|t| (Occur::Should, self.term(&fields, t)))
            .collect();
        let most = BooleanQuery::with_minimum_required_clauses(most, required);
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Should, Box::new(most))];
        if let Some(exact) = all_of(ALL_BIGRAMS_BOOST) {
            clauses.push((Occur::Should, exact));
        }
        Ok(Some(Box::new(BooleanQuery::new(clauses))))
    }

    /// One term, in any of `fields`.
    fn term(&self, fields: &[(Field, Score)], text: &str) -> Box<dyn Query> {
        any_field(fields, |field| term_query(field, text)).unwrap_or_else(|| Box::new(EmptyQuery))
    }

    /// A Latin word; misspelt, it also matches the terms a typo or two away.
    fn word(
        &self,
        fields: &[(Field, Score)],
        typed: &str,
        word: &str,
        corrections: &mut Vec<(String, String)>,
    ) -> tantivy::Result<Box<dyn Query>> {
        let exact = self.term(fields, word);
        let letters = word.chars().count();
        if letters < FUZZY_MIN_LETTERS || !word.chars().all(|c| c.is_ascii_alphabetic()) {
            return Ok(exact);
        }
        let mut found = 0;
        for &(field, _) in fields {
            found += self
                .searcher
                .doc_freq(&Term::from_field_text(field, word))?;
        }
        if found >= FUZZY_WHEN_FEWER {
            return Ok(exact);
        }
        let distance = if letters >= 9 { 2 } else { 1 };
        // Candidates by distance, then by how many articles use them.
        let mut candidates: BTreeMap<String, u64> = BTreeMap::new();
        for &(field, _) in fields {
            let fuzzy = FuzzyTermQuery::new(Term::from_field_text(field, word), distance, true);
            let automaton = fuzzy.automaton()?;
            for segment in self.searcher.segment_readers() {
                let index = segment.inverted_index(field)?;
                let mut stream = index.terms().search(&automaton).into_stream()?;
                while stream.advance() {
                    if let Ok(term) = std::str::from_utf8(stream.key())
                        && term != word
                    {
                        *candidates.entry(term.to_owned()).or_default() +=
                            u64::from(stream.value().doc_freq);
                    }
                }
            }
        }
        let mut ranked: Vec<(usize, u64, String)> = candidates
            .into_iter()
            .map(|(term, docs)| (edit_distance(word, &term), docs, term))
            .collect();
        ranked.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
        ranked.truncate(MAX_FUZZY_TERMS);
        let Some(best) = ranked.first() else {
            return Ok(exact);
        };
        if found == 0 {
            corrections.push((typed.to_owned(), best.2.clone()));
        }
        let mut clauses = vec![(Occur::Should, exact)];
        for (_, _, term) in &ranked {
            // Below any exact match of the word as typed.
            let similar = BoostQuery::new(self.term(fields, term), FUZZY_BOOST);
            clauses.push((Occur::Should, Box::new(similar) as Box<dyn Query>));
        }
        Ok(Box::new(BooleanQuery::new(clauses)))
    }

    /// A lone Chinese character: the index holds bigrams, so it matches the bigrams that
    /// start with it (found in the sorted term dictionary in one range read) and the
    /// character where it stood alone. Articles using it more often rank higher.
    fn character(&self, fields: &[(Field, Score)], c: &str) -> tantivy::Result<Box<dyn Query>> {
        let mut terms: BTreeMap<String, u64> = BTreeMap::new();
        terms.insert(c.to_owned(), 0);
        // 0xFF never occurs in UTF-8, so this bound ends the range after the last term
        // that starts with the character.
        let mut end = c.as_bytes().to_vec();
        end.push(0xFF);
        for &(field, _) in fields {
            for segment in self.searcher.segment_readers() {
                let index = segment.inverted_index(field)?;
                let mut stream = index.terms().range().ge(c).lt(&end).into_stream()?;
                while stream.advance() {
                    if let Ok(term) = std::str::from_utf8(stream.key()) {
                        *terms.entry(term.to_owned()).or_default() +=
                            u64::from(stream.value().doc_freq);
                    }
                }
            }
        }
        // A common character starts hundreds of bigrams; the most used ones find nearly
        // all articles that have it, and keep the query small.
        let mut terms: Vec<(String, u64)> = terms.into_iter().collect();
        terms.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        terms.truncate(MAX_PREFIX_TERMS);
        let clauses = terms
            .iter()
            .map(|(t, _)| (Occur::Should, self.term(fields, t)))
            .collect();
        Ok(Box::new(BooleanQuery::new(clauses)))
    }
}

/// One query per field, weighted, of which any may match.
/// A term scored by its frequency, without positions: reading positions costs bytes.
fn term_query(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::WithFreqs,
    ))
}

/// The words of `tokens` in order, in any of `fields`: for quoted text and runs of Latin
/// words inside one literal (`e-learning`).
fn phrase_query(
    fields: &[(Field, Score)],
    tokens: &[(String, usize)],
    slop: u32,
) -> Option<Box<dyn Query>> {
    let first = tokens.first()?.1;
    any_field(fields, |field| {
        let terms = tokens
            .iter()
            .map(|(t, at)| (at - first, Term::from_field_text(field, t)))
            .collect();
        Box::new(PhraseQuery::new_with_offset_and_slop(terms, slop))
    })
}

fn any_field(
    fields: &[(Field, Score)],
    mut make: impl FnMut(Field) -> Box<dyn Query>,
) -> Option<Box<dyn Query>> {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = fields
        .iter()
        .map(|&(field, boost)| {
            let q = make(field);
            let q: Box<dyn Query> = if boost == 1.0 {
                q
            } else {
                Box::new(BoostQuery::new(q, boost))
            };
            (Occur::Should, q)
        })
        .collect();
    match clauses.len() {
        0 => None,
        1 => clauses.pop().map(|(_, q)| q),
        _ => Some(Box::new(BooleanQuery::new(clauses))),
    }
}

/// The analyzed terms of `text` with their positions.
fn tokens(text: &str) -> Vec<(String, usize)> {
    let mut analyzer = analysis::analyzer();
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while let Some(token) = stream.next() {
        out.push((token.text.clone(), token.position));
    }
    out
}

/// Optimal string alignment distance: Levenshtein with a transposition counting as one
/// edit, as the fuzzy automaton counts; ranks the terms the automaton found.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = d;
        }
    }
    rows[a.len()][b.len()]
}

/// The query with each misspelt word replaced by the term found instead, capitalised as
/// it was typed: "Djibuti" → "Djibouti".
fn corrected_query(text: &str, corrections: &[(String, String)]) -> String {
    text.split_whitespace()
        .map(
            |word| match corrections.iter().find(|(typed, _)| typed == word) {
                None => word.to_owned(),
                Some((typed, term)) if typed.starts_with(|c: char| c.is_uppercase()) => {
                    let mut chars = term.chars();
                    chars
                        .next()
                        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
                }
                Some((_, term)) => term.clone(),
            },
        )
        .collect::<Vec<_>>()
        .join(" ")
}

/// Drops `AND` / `OR` at either end, where they join nothing: `luban OR` is `luban`.
fn trim_operators(query: &str) -> String {
    let words: Vec<&str> = query.split_whitespace().collect();
    let operator = |w: &&str| matches!(*w, "AND" | "OR");
    let start = words
        .iter()
        .position(|w| !operator(w))
        .unwrap_or(words.len());
    let end = words
        .iter()
        .rposition(|w| !operator(w))
        .map_or(start, |i| i + 1);
    words[start..end.max(start)].join(" ")
}

/// Cuts an overlong query at the last whole word before the limit, so the cut does not
/// leave a fragment that matches nothing (all words are required); true if it cut.
fn truncate_query(query: &str) -> (String, bool) {
    match query.char_indices().nth(MAX_QUERY_CHARS) {
        None => (query.to_owned(), false),
        Some((end, _)) => {
            let cut = &query[..end];
            let cut = cut.rfind(char::is_whitespace).map_or(cut, |at| &cut[..at]);
            (cut.to_owned(), true)
        }
    }
}

/// The fields facets count, in the order of [`Facets::counts_mut`].
fn facet_fields(f: Fields) -> [Field; 3] {
    [f.alliances, f.countries, f.year]
}

impl Facets {
    /// The counts, in the order of [`facet_fields`].
    fn counts_mut(&mut self) -> [&mut BTreeMap<String, u64>; 3] {
        [&mut self.alliances, &mut self.countries, &mut self.years]
    }
}

/// Counts the values of the filter fields (alliances, countries, year) over the matching
/// documents, from each value's postings: a doc-id list per alliance, country and year,
/// which together are two thirds of the size of the same facts as fast-field columns read
/// whole when opened (27 against 40 KB gzip per language at 10,000 pairs), and which the
/// hot cache holds (see [`Engine::read_facet_postings`]).
struct FacetCounts(Fields);

struct SegmentFacets {
    /// Whether each document matches.
    matched: Vec<bool>,
    /// Per facet field, in the order of [`facet_fields`], its postings in this segment.
    fields: Vec<Arc<InvertedIndexReader>>,
}

impl Collector for FacetCounts {
    type Fruit = Facets;
    type Child = SegmentFacets;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentFacets> {
        Ok(SegmentFacets {
            matched: vec![false; reader.max_doc() as usize],
            fields: (facet_fields(self.0).into_iter())
                .map(|field| reader.inverted_index(field))
                .collect::<tantivy::Result<_>>()?,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<tantivy::Result<Facets>>) -> tantivy::Result<Facets> {
        let mut all = Facets::default();
        for fruit in fruits {
            let mut fruit = fruit?;
            for (into, from) in all.counts_mut().into_iter().zip(fruit.counts_mut()) {
                for (k, n) in std::mem::take(from) {
                    *into.entry(k).or_default() += n;
                }
            }
        }
        Ok(all)
    }
}

impl SegmentCollector for SegmentFacets {
    type Fruit = tantivy::Result<Facets>;

    fn collect(&mut self, doc: DocId, _: Score) {
        if let Some(m) = self.matched.get_mut(doc as usize) {
            *m = true;
        }
    }

    fn harvest(self) -> Self::Fruit {
        let mut facets = Facets::default();
        if !self.matched.contains(&true) {
            return Ok(facets);
        }
        for (index, into) in self.fields.iter().zip(facets.counts_mut()) {
            for_each_value(index, |value, postings| {
                let mut n = 0;
                let mut doc = postings.doc();
                while doc != TERMINATED {
                    n += u64::from(self.matched.get(doc as usize) == Some(&true));
                    doc = postings.advance();
                }
                if n > 0 {
                    into.insert(value.to_owned(), n);
                }
            })?;
        }
        Ok(facets)
    }
}

/// Calls `f` with each value of a filter field and its postings.
fn for_each_value(
    index: &InvertedIndexReader,
    mut f: impl FnMut(&str, &mut SegmentPostings),
) -> tantivy::Result<()> {
    let mut terms = index.terms().stream()?;
    while terms.advance() {
        let mut postings =
            index.read_postings_from_terminfo(terms.value(), IndexRecordOption::Basic)?;
        if let Ok(value) = std::str::from_utf8(terms.key()) {
            f(value, &mut postings);
        }
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators_at_either_end_join_nothing() {
        assert_eq!(trim_operators("luban OR"), "luban");
        assert_eq!(trim_operators("OR  luban AND"), "luban");
        assert_eq!(trim_operators("luban OR kenya"), "luban OR kenya");
        assert_eq!(trim_operators("AND OR"), "");
        assert_eq!(
            trim_operators("or luban"),
            "or luban",
            "lower case is a word"
        );
    }

    #[test]
    fn long_queries_are_cut_at_a_word_and_say_so() {
        assert_eq!(truncate_query("luban kenya"), ("luban kenya".into(), false));
        let long = "luban ".repeat(60);
        let (cut, truncated) = truncate_query(&long);
        assert!(truncated);
        assert!(cut.chars().count() <= MAX_QUERY_CHARS);
        assert!(cut.ends_with("luban"), "{cut:?}");
        let (cut, truncated) = truncate_query(&"鲁".repeat(300));
        assert!(truncated);
        assert_eq!(
            cut.chars().count(),
            MAX_QUERY_CHARS,
            "no space: cut at the limit"
        );
    }

    #[test]
    fn transpositions_count_as_one_edit() {
        assert_eq!(edit_distance("nicaragau", "nicaragua"), 1);
        assert_eq!(edit_distance("djibuti", "djibouti"), 1);
        assert_eq!(edit_distance("kazakstan", "kazakhstan"), 1);
        assert_eq!(edit_distance("workshp", "workshop"), 1);
        assert_eq!(edit_distance("concensus", "consensus"), 1);
        assert_eq!(edit_distance("abc", "cba"), 2);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    #[test]
    fn corrections_keep_the_typed_capitals() {
        let corrections = [("Workshp".to_owned(), "workshop".to_owned())];
        assert_eq!(
            corrected_query("Luban Workshp Egypt", &corrections),
            "Luban Workshop Egypt"
        );
        let corrections = [("djibuti".to_owned(), "djibouti".to_owned())];
        assert_eq!(corrected_query("djibuti", &corrections), "djibouti");
    }
}
