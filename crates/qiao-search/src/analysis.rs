//! How text becomes search terms, identically at index time (natively) and at query time
//! (in WebAssembly): both sides call [`analyzer`], so they cannot drift apart.
//!
//! Chinese, Japanese and Korean runs become overlapping two-character tokens (Lucene's
//! CJKBigram idea): 鲁班工坊 → 鲁班 班工 工坊, a single character where a run is one
//! character long. A query goes through the same tokenizer, and tantivy turns a multi-token
//! term into a phrase query, so 鲁班工坊 matches exactly that sequence, with no dictionary
//! to ship to the browser. Other letters and digits form words, which are lower-cased,
//! folded to ASCII and stemmed (English), so `Workshops` finds `workshop`. Text splits at
//! every script boundary: `SZPU与UNESCO` → `szpu`, `与`, `unesco`.

use tantivy::tokenizer::{
    AsciiFoldingFilter, RawTokenizer, TextAnalyzer, Token, TokenStream, Tokenizer,
};

/// The name the analyzer is registered under in the index.
pub const TOKENIZER: &str = "qiao";

/// Tokens longer than this (in bytes) are dropped: nobody searches for them, and they
/// would bloat the term dictionary (base64 blobs, long URLs).
const MAX_TOKEN_BYTES: usize = 64;

/// The analyzer for every full-text field. The tokenizer emits final terms itself: CJK
/// bigrams need no lower-casing, folding or stemming, and skipping those filters for them
/// (most tokens of a Chinese corpus) makes indexing markedly cheaper.
pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(MixedScriptTokenizer::default()).build()
}

/// The terms `text` produces, for tests and for highlighting query words.
pub fn terms(text: &str) -> Vec<String> {
    let mut analyzer = analyzer();
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while let Some(token) = stream.next() {
        out.push(token.text.clone());
    }
    out
}

/// Splits text into CJK bigrams and normalised words; see the module documentation.
#[derive(Clone)]
pub struct MixedScriptTokenizer {
    /// tantivy's ASCII folding (é → e, ｓ → s), for the rare word that is not ASCII.
    fold: TextAnalyzer,
    stemmer: frostem::Stemmer,
}

impl Default for MixedScriptTokenizer {
    fn default() -> Self {
        MixedScriptTokenizer {
            fold: TextAnalyzer::builder(RawTokenizer::default())
                .filter(AsciiFoldingFilter)
                .build(),
            stemmer: frostem::Stemmer::new(frostem::Algorithm::English),
        }
    }
}

impl Tokenizer for MixedScriptTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        let mut tokens = tokenize(text);
        tokens.retain_mut(|t| self.normalize(t));
        VecTokenStream {
            tokens,
            index: None,
        }
    }
}

impl MixedScriptTokenizer {
    /// Lower-cases, folds and stems a word in place; false drops an overlong one. CJK
    /// tokens pass unchanged.
    fn normalize(&mut self, token: &mut Token) -> bool {
        if token.text.len() > MAX_TOKEN_BYTES {
            return false;
        }
        if token.text.chars().next().is_some_and(is_cjk) {
            return true;
        }
        if token.text.is_ascii() {
            token.text.make_ascii_lowercase();
        } else {
            let lower = token.text.to_lowercase();
            let mut stream = self.fold.token_stream(&lower);
            if let Some(folded) = stream.next() {
                token.text = folded.text.clone();
            }
        }
        if token.text.is_ascii()
            && let std::borrow::Cow::Owned(stem) = self.stemmer.stem(&token.text)
        {
            token.text = stem;
        }
        true
    }
}

/// Tokens computed up front: simpler than a lazy state machine, and articles are short.
pub struct VecTokenStream {
    tokens: Vec<Token>,
    index: Option<usize>,
}

impl TokenStream for VecTokenStream {
    fn advance(&mut self) -> bool {
        let next = self.index.map_or(0, |i| i + 1);
        self.index = Some(next);
        next < self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.index.unwrap_or(0)]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.index.unwrap_or(0)]
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Cjk,
    Word,
    Separator,
}

fn class(c: char) -> Class {
    if is_cjk(c) {
        Class::Cjk
    } else if c.is_alphanumeric() {
        Class::Word
    } else {
        Class::Separator
    }
}

/// Han ideographs, kana and Hangul: the scripts written without spaces between words.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF      // Hiragana, Katakana
        | 0x3400..=0x4DBF    // CJK Extension A
        | 0x4E00..=0x9FFF    // CJK Unified Ideographs
        | 0xAC00..=0xD7AF    // Hangul syllables
        | 0xF900..=0xFAFF    // CJK Compatibility Ideographs
        | 0x20000..=0x3134F  // CJK Extensions B–G
    )
}

fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut position = 0;
    let mut push = |tokens: &mut Vec<Token>, from: usize, to: usize| {
        tokens.push(Token {
            offset_from: from,
            offset_to: to,
            position,
            text: text[from..to].to_owned(),
            position_length: 1,
        });
        position += 1;
    };
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let end_of = |i: usize| chars.get(i).map_or(text.len(), |&(o, _)| o);
    let mut i = 0;
    while i < chars.len() {
        let kind = class(chars[i].1);
        let start = i;
        while i < chars.len() && class(chars[i].1) == kind {
            i += 1;
        }
        match kind {
            Class::Separator => {}
            Class::Word => push(&mut tokens, chars[start].0, end_of(i)),
            Class::Cjk if i - start == 1 => push(&mut tokens, chars[start].0, end_of(i)),
            Class::Cjk => {
                for (j, &(offset, _)) in chars.iter().enumerate().take(i - 1).skip(start) {
                    push(&mut tokens, offset, end_of(j + 2));
                }
            }
        }
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Vec<(String, usize, usize, usize)> {
        tokenize(text)
            .into_iter()
            .map(|t| (t.text, t.position, t.offset_from, t.offset_to))
            .collect()
    }

    #[test]
    fn cjk_runs_become_overlapping_bigrams() {
        assert_eq!(terms("鲁班工坊"), ["鲁班", "班工", "工坊"]);
        assert_eq!(
            terms("上海合作组织"),
            ["上海", "海合", "合作", "作组", "组织"]
        );
        assert_eq!(
            terms("在肯尼亚，鲁班工坊"),
            ["在肯", "肯尼", "尼亚", "鲁班", "班工", "工坊"]
        );
    }

    #[test]
    fn a_lone_cjk_character_is_a_unigram() {
        assert_eq!(terms("中 国"), ["中", "国"]);
        assert_eq!(terms("2024年"), ["2024", "年"]);
    }

    #[test]
    fn english_is_lowercased_folded_and_stemmed() {
        assert_eq!(terms("Luban Workshops"), ["luban", "workshop"]);
        assert_eq!(terms("Côte d'Ivoire"), ["cote", "d", "ivoir"]);
        assert_eq!(terms("cooperation cooperating"), ["cooper", "cooper"]);
    }

    #[test]
    fn mixed_text_splits_at_script_boundaries() {
        assert_eq!(terms("SZPU与UNESCO"), ["szpu", "与", "unesco"]);
        assert_eq!(
            terms("鲁班工坊Luban Workshop在肯尼亚"),
            [
                "鲁班", "班工", "工坊", "luban", "workshop", "在肯", "肯尼", "尼亚"
            ]
        );
    }

    #[test]
    fn positions_and_byte_offsets_point_into_the_original_text() {
        assert_eq!(
            raw("A 鲁班工坊!"),
            [
                ("A".into(), 0, 0, 1),
                ("鲁班".into(), 1, 2, 8),
                ("班工".into(), 2, 5, 11),
                ("工坊".into(), 3, 8, 14),
            ]
        );
    }

    #[test]
    fn punctuation_and_empty_text_give_no_terms() {
        assert!(terms("").is_empty());
        assert!(terms("，。！？…—  \"' ()").is_empty());
        assert_eq!(terms(&"x".repeat(100)), Vec::<String>::new());
    }
}
