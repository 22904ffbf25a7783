//! The fields of the search index, defined once for the writer and the readers.

use tantivy::schema::{
    FAST, Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

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
    let text = indexed.clone().set_stored();
    let mut b = Schema::builder();
    b.add_text_field(SLUG, STRING | STORED);
    b.add_text_field(LANG, STRING | STORED);
    b.add_text_field(TITLE, text.clone());
    b.add_text_field(SUMMARY, text.clone());
    // The body is searched but not stored: a results page would fetch every hit's whole
    // text. Snippets come from its stored opening instead (see writer::EXCERPT_BYTES).
    b.add_text_field(BODY, indexed);
    b.add_text_field(EXCERPT, STORED);
    b.add_text_field(DATE, STORED);
    // Filter fields are also fast fields: facet counts read their columns, which touches
    // only the values of matching documents instead of a facet dictionary.
    b.add_text_field(YEAR, STRING | STORED | FAST);
    b.add_text_field(ALLIANCES, STRING | STORED | FAST);
    b.add_text_field(COUNTRIES, STRING | STORED | FAST);
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
