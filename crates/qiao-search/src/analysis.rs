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
use rustc_hash::FxBuildHasher;
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
    /// lookup costs a tenth of a stemming. Hashed with FxHash: SipHash's resistance to
    /// chosen collisions buys nothing for a bounded cache of the site's own words, and
    /// cost 0.7% of a build's CPU time.
    stems: HashMap<String, String, FxBuildHasher>,
}

impl Default for MixedScriptTokenizer {
    fn default() -> Self {
        MixedScriptTokenizer {
            fold: TextAnalyzer::builder(RawTokenizer::default())
                .filter(AsciiFoldingFilter)
                .build(),
            stemmer: frostem::Stemmer::new(frostem::Algorithm::English),
            stems: HashMap::default(),
        }
    }
}

impl Tokenizer for MixedScriptTokenizer {
    type TokenStream<'a> = MixedScriptStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> MixedScriptStream<'a> {
        MixedScriptStream {
            text,
            chars: text.char_indices().peekable(),
            after_cjk: false,
            position: 0,
            token: Token::default(),
            tokenizer: self,
        }
    }
}

impl MixedScriptTokenizer {
    /// Lower-cases, folds and stems the word `word` into `out`.
    fn word(&mut self, word: &str, out: &mut String) {
        out.clear();
        if word.is_ascii() {
            out.push_str(word);
            out.make_ascii_lowercase();
        } else {
            let lower = word.to_lowercase();
            let mut stream = self.fold.token_stream(&lower);
            match stream.next() {
                Some(folded) => out.push_str(&folded.text),
                None => out.push_str(word),
            }
        }
        if out.is_ascii() {
            self.stem(out);
        }
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

/// The terms of one text, made as tantivy asks for them, into one reused [`Token`]: a
/// Chinese article is a thousand terms or more, and making a `String` and a list entry for
/// each up front cost about a sixth of a build's user time at 10,000 pairs.
pub struct MixedScriptStream<'a> {
    text: &'a str,
    chars: std::iter::Peekable<std::str::CharIndices<'a>>,
    /// The character before the next one was CJK: a CJK run of one character is a token of
    /// its own, a longer run is its bigrams alone.
    after_cjk: bool,
    /// The next token's position. Overlong words are dropped but keep their position, so
    /// a phrase never matches across one.
    position: usize,
    token: Token,
    tokenizer: &'a mut MixedScriptTokenizer,
}

impl MixedScriptStream<'_> {
    /// Makes `text[from..to]` the current token, its final term (CJK text folded to
    /// Simplified, a word normalised); false for an overlong one, which is skipped.
    fn emit(&mut self, from: usize, to: usize, cjk: bool) -> bool {
        let position = self.position;
        self.position += 1;
        let text = &self.text[from..to];
        if text.len() > MAX_TOKEN_BYTES {
            return false;
        }
        let token = &mut self.token;
        (token.offset_from, token.offset_to, token.position) = (from, to, position);
        token.position_length = 1;
        if cjk {
            token.text.clear();
            token.text.extend(text.chars().map(fold_char));
        } else {
            self.tokenizer.word(text, &mut token.text);
        }
        true
    }

    /// Where the character at the front of `chars` starts: the end of the one before.
    fn next_offset(&mut self) -> usize {
        self.chars.peek().map_or(self.text.len(), |&(o, _)| o)
    }
}

impl TokenStream for MixedScriptStream<'_> {
    fn advance(&mut self) -> bool {
        while let Some((start, c)) = self.chars.next() {
            let after_cjk = std::mem::replace(&mut self.after_cjk, false);
            let emitted = match class(c) {
                Class::Separator => false,
                Class::Word => {
                    let in_word = |&(_, c): &(usize, char)| class(c) == Class::Word;
                    while self.chars.next_if(in_word).is_some() {}
                    let end = self.next_offset();
                    self.emit(start, end, false)
                }
                Class::Cjk => {
                    self.after_cjk = true;
                    let end = self.next_offset();
                    match self.chars.peek() {
                        Some(&(_, next)) if is_cjk(next) => {
                            let after = next.len_utf8();
                            self.emit(start, end + after, true)
                        }
                        _ if after_cjk => false,
                        _ => self.emit(start, end, true),
                    }
                }
            };
            if emitted {
                return true;
            }
        }
        false
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Each term with its position and the text its offsets point to.
    fn raw(text: &str) -> Vec<(String, usize, String)> {
        let mut analyzer = analyzer();
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while let Some(t) = stream.next() {
            let original = text[t.offset_from..t.offset_to].to_owned();
            out.push((t.text.clone(), t.position, original));
        }
        out
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
                ("a".into(), 0, "A".into()),
                ("鲁班".into(), 1, "鲁班".into()),
                ("班工".into(), 2, "班工".into()),
                ("工坊".into(), 3, "工坊".into()),
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
        assert!("鲁班工坊 Luban 2024".chars().all(|c| fold_char(c) == c));
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
            [
                ("在鲁".into(), 0, "在魯".into()),
                ("鲁班".into(), 1, "魯班".into())
            ]
        );
    }

    #[test]
    fn a_dropped_word_keeps_its_position() {
        // A phrase must not match across the overlong word.
        let long = "x".repeat(MAX_TOKEN_BYTES + 1);
        assert_eq!(
            raw(&format!("Luban {long} 工坊")),
            [
                ("luban".into(), 0, "Luban".into()),
                ("工坊".into(), 2, "工坊".into())
            ]
        );
    }

    #[test]
    fn runs_of_one_character_between_words_are_unigrams() {
        assert_eq!(
            raw("a中b国c"),
            [
                ("a".into(), 0, "a".into()),
                ("中".into(), 1, "中".into()),
                ("b".into(), 2, "b".into()),
                ("国".into(), 3, "国".into()),
                ("c".into(), 4, "c".into()),
            ]
        );
        assert_eq!(terms("工坊。中"), ["工坊", "中"]);
        assert_eq!(terms("Résumé Ｓ"), ["resum", "s"]);
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
