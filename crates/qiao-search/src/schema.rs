//! The fields of the search index, defined once for the writer and the readers.

use tantivy::schema::{Field, IndexRecordOption, STORED, Schema, TextFieldIndexing, TextOptions};

use crate::analysis::TOKENIZER;

pub const SLUG: &str = "slug";
pub const LANG: &str = "lang";
pub const TITLE: &str = "title";
pub const SUMMARY: &str = "summary";
pub const BODY: &str = "body";
pub const EXCERPT: &str = "excerpt";
pub const DATE: &str = "date";
pub const YEAR: &str = "year";
pub const ALLIANCES: &str = "alliances";
pub const COUNTRIES: &str = "countries";
pub const URL: &str = "url";

#[derive(Debug, Clone, Copy)]
pub struct Fields {
    pub slug: Field,
    pub lang: Field,
    pub title: Field,
    pub summary: Field,
    pub body: Field,
    pub excerpt: Field,
    pub date: Field,
    pub year: Field,
    pub alliances: Field,
    pub countries: Field,
    pub url: Field,
}

pub fn schema() -> Schema {
    let indexed = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    // Titles and summaries are short and much alike in length (their norms take 9 and 6
    // values at 10,000 articles): length normalisation tells little between them, and their
    // norms were 7 KB of every reader's first query. The body keeps its norms.
    let short = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(TOKENIZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions)
                .set_fieldnorms(false),
        )
        .set_stored();
    // Filter values, matched whole. Filters do not score, so they keep no field norms:
    // norms are fetched whole with the hot cache, a byte per article and field (about
    // 6 KB of a first query after gzip at 10,000 pairs).
    let filter = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("raw")
            .set_index_option(IndexRecordOption::Basic)
            .set_fieldnorms(false),
    );
    let keyword = filter.clone().set_stored();
    let mut b = Schema::builder();
    // Shown with a hit, never searched: indexed, it would put a term per article into the
    // term dictionary every reader fetches.
    b.add_text_field(SLUG, STORED);
    b.add_text_field(LANG, keyword.clone());
    b.add_text_field(TITLE, short.clone());
    b.add_text_field(SUMMARY, short);
    // The body is searched but not stored: a results page would fetch every hit's whole
    // text. Snippets come from its stored opening instead (see writer::EXCERPT_BYTES).
    b.add_text_field(BODY, indexed);
    b.add_text_field(EXCERPT, STORED);
    b.add_text_field(DATE, STORED);
    // Facet counts read these fields' postings (see engine::FacetCounts).
    // Not stored: a hit shows its date, and every stored byte is fetched with each hit.
    b.add_text_field(YEAR, filter);
    b.add_text_field(ALLIANCES, keyword.clone());
    b.add_text_field(COUNTRIES, keyword);
    b.add_text_field(URL, STORED);
    b.build()
}

impl Fields {
    pub fn of(schema: &Schema) -> tantivy::Result<Fields> {
        let f = |name: &str| schema.get_field(name);
        Ok(Fields {
            slug: f(SLUG)?,
            lang: f(LANG)?,
            title: f(TITLE)?,
            summary: f(SUMMARY)?,
            body: f(BODY)?,
            excerpt: f(EXCERPT)?,
            date: f(DATE)?,
            year: f(YEAR)?,
            alliances: f(ALLIANCES)?,
            countries: f(COUNTRIES)?,
            url: f(URL)?,
        })
    }
}
