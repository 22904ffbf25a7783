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
//!
//! Traditional characters fold to Simplified ones in the terms (魯班工坊 and 鲁班工坊 both
//! give 鲁班 班工 工坊), with OpenCC's character table, so a query in either script finds
//! articles in either. Offsets still point into the original text, so snippets highlight
//! the article's own characters.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::fold_table::TRADITIONAL_TO_SIMPLIFIED;
use tantivy::tokenizer::{
    AsciiFoldingFilter, RawTokenizer, TextAnalyzer, Token, TokenStream, Tokenizer,
};

/// The name the analyzer is registered under in the index.
pub const TOKENIZER: &str = "qiao";

/// Tokens longer than this (in bytes) are dropped: nobody searches for them, and they
/// would bloat the term dictionary (base64 blobs, long URLs).
const MAX_TOKEN_BYTES: usize = 64;

/// How many words' stems a tokenizer remembers before it starts afresh: a portal's English
/// vocabulary is some tens of thousands of words, so the cache rarely fills, and a bound
/// keeps a pathological text (every token new) from growing it without end.
const STEM_CACHE_WORDS: usize = 100_000;

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
    /// Each lower-cased word's stem, once computed. A corpus repeats its words, and the
    /// Snowball stemmer cost a third of all indexing time at 10,000 article pairs; a
    /// lookup costs a tenth of a stemming.
    stems: HashMap<String, String>,
}

impl Default for MixedScriptTokenizer {
    fn default() -> Self {
        MixedScriptTokenizer {
            fold: TextAnalyzer::builder(RawTokenizer::default())
                .filter(AsciiFoldingFilter)
                .build(),
            stemmer: frostem::Stemmer::new(frostem::Algorithm::English),
            stems: HashMap::new(),
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
            if token.text.chars().any(|c| fold_char(c) != c) {
                token.text = fold(&token.text);
            }
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
        if token.text.is_ascii() {
            self.stem(&mut token.text);
        }
        true
    }

    /// Replaces an ASCII word by its English stem.
    fn stem(&mut self, word: &mut String) {
        if let Some(stem) = self.stems.get(word.as_str()) {
            word.clone_from(stem);
            return;
        }
        let stem = self.stemmer.stem(word).into_owned();
        if self.stems.len() >= STEM_CACHE_WORDS {
            self.stems.clear();
        }
        let unstemmed = std::mem::replace(word, stem);
        self.stems.insert(unstemmed, word.clone());
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

/// The Simplified form of a Traditional character; any other character unchanged.
pub fn fold_char(c: char) -> char {
    if let Some(bit) = (c as usize).checked_sub(FOLD_BITS_FROM)
        && bit < FOLD_BITS_LEN
        && fold_bits()[bit / 64] & (1 << (bit % 64)) == 0
    {
        return c;
    }
    fold_by_search(c)
}

/// [`fold_char`] by a search of the table, for characters the bitset does not cover.
fn fold_by_search(c: char) -> char {
    TRADITIONAL_TO_SIMPLIFIED
        .binary_search_by_key(&c, |&(t, _)| t)
        .map_or(c, |i| TRADITIONAL_TO_SIMPLIFIED[i].1)
}

/// The block [`fold_bits`] covers: CJK Extension A and the Unified Ideographs, where all
/// but a few hundred of the table's characters are.
const FOLD_BITS_FROM: usize = 0x3400;
const FOLD_BITS_LEN: usize = 0xA000 - FOLD_BITS_FROM;

/// A bit per character of the block, set where the table has the character. Every
/// character of a Chinese text is folded, and most have no Simplified form to fold to: the
/// bit says so without a search of the table's 4,000 entries.
fn fold_bits() -> &'static [u64] {
    static BITS: OnceLock<Vec<u64>> = OnceLock::new();
    BITS.get_or_init(|| {
        let mut bits = vec![0u64; FOLD_BITS_LEN.div_ceil(64)];
        for &(t, _) in TRADITIONAL_TO_SIMPLIFIED {
            if let Some(bit) = (t as usize).checked_sub(FOLD_BITS_FROM)
                && bit < FOLD_BITS_LEN
            {
                bits[bit / 64] |= 1 << (bit % 64);
            }
        }
        bits
    })
}

/// `text` with every Traditional character folded to its Simplified form.
pub fn fold(text: &str) -> String {
    text.chars().map(fold_char).collect()
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
    fn traditional_and_simplified_give_the_same_terms() {
        for (traditional, simplified) in [
            ("魯班工坊", "鲁班工坊"),
            ("肯尼亞", "肯尼亚"),
            ("數字工坊", "数字工坊"),
            ("技能大賽", "技能大赛"),
            ("產教融合", "产教融合"),
            ("哈薩克斯坦魯班工坊", "哈萨克斯坦鲁班工坊"),
            ("魯", "鲁"),
        ] {
            assert_eq!(terms(traditional), terms(simplified), "{traditional}");
        }
        assert_eq!(terms("魯班工坊"), ["鲁班", "班工", "工坊"]);
        // Simplified text, Latin words and digits pass unchanged.
        assert_eq!(fold("鲁班工坊 Luban 2024"), "鲁班工坊 Luban 2024");
    }

    #[test]
    fn mixed_scripts_fold_only_the_chinese() {
        assert_eq!(
            terms("肯尼亞Luban Workshops與UNESCO"),
            ["肯尼", "尼亚", "luban", "workshop", "与", "unesco"]
        );
        // Offsets still point at the Traditional characters, for highlighting.
        assert_eq!(
            raw("在魯班"),
            [("在魯".into(), 0, 0, 6), ("魯班".into(), 1, 3, 9)]
        );
        let mut analyzer = analyzer();
        let mut stream = analyzer.token_stream("在魯班");
        stream.advance();
        assert_eq!(
            (stream.token().text.as_str(), stream.token().offset_to),
            ("在鲁", 6)
        );
    }

    #[test]
    fn a_remembered_stem_is_the_stem() {
        // The second and third `workshops` come from the cache, not the stemmer.
        assert_eq!(
            terms("Workshops workshops WORKSHOPS workshop"),
            ["workshop"; 4]
        );
        let mut tokenizer = MixedScriptTokenizer::default();
        for word in ["cooperation", "cooperating", "cooperation", "kenya"] {
            let mut cached = word.to_owned();
            tokenizer.stem(&mut cached);
            assert_eq!(cached, tokenizer.stemmer.stem(word), "{word}");
        }
    }

    #[test]
    fn the_bitset_answers_as_the_table_does() {
        let block = (FOLD_BITS_FROM as u32..0xA000).filter_map(char::from_u32);
        let table = TRADITIONAL_TO_SIMPLIFIED.iter().map(|&(t, _)| t);
        for c in block.chain(table).chain(['a', '한', '𠀀', 'ア']) {
            assert_eq!(fold_char(c), fold_by_search(c), "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn folding_is_idempotent_and_the_table_sorted() {
        assert!(
            TRADITIONAL_TO_SIMPLIFIED
                .windows(2)
                .all(|w| w[0].0 < w[1].0)
        );
        for &(t, s) in TRADITIONAL_TO_SIMPLIFIED {
            assert_ne!(t, s);
            assert_eq!(fold_char(s), s, "{t} → {s} folds again");
        }
    }

    #[test]
    fn punctuation_and_empty_text_give_no_terms() {
        assert!(terms("").is_empty());
        assert!(terms("，。！？…—  \"' ()").is_empty());
        assert_eq!(terms(&"x".repeat(100)), Vec::<String>::new());
    }
}
