//! Generates a deterministic, realistic bilingual corpus in qiao's content layout, for the
//! benchmark: `cargo run --release --example gen_corpus -- --pairs 10000 --out DIR`.
//!
//! Chinese halves run 600–1,500 characters and English halves 400–900 words, with
//! headings, tables, lists, links to other articles and images; about 15 alliances, 70
//! countries and 12 years. The same arguments always write the same files.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const ALLIANCES: &[(&str, &str, &str)] = &[
    (
        "wvteda",
        "世界职业技术教育发展联盟",
        "World Vocational and Technical Education Development Alliance",
    ),
    (
        "china-sco",
        "中国—上合组织职教发展联盟",
        "China-SCO Vocational Education Development Alliance",
    ),
    (
        "gd-belt-and-road",
        "广东省“一带一路”职业教育联盟",
        "\\\"Belt and Road\\\" Vocational Education Alliance of Guangdong Province",
    ),
    (
        "china-asean",
        "中国—东盟职业教育联盟",
        "China-ASEAN Vocational Education Alliance",
    ),
    (
        "china-africa",
        "中非职业教育合作联盟",
        "China-Africa Vocational Education Cooperation Alliance",
    ),
    (
        "luban-alliance",
        "鲁班工坊建设联盟",
        "Luban Workshop Construction Alliance",
    ),
    (
        "brics-skills",
        "金砖国家职业教育联盟",
        "BRICS Vocational Education Alliance",
    ),
    (
        "china-arab",
        "中阿职业教育合作联盟",
        "China-Arab States Vocational Education Alliance",
    ),
    (
        "china-central-asia",
        "中国—中亚职业教育联盟",
        "China-Central Asia Vocational Education Alliance",
    ),
    (
        "silk-road-tvet",
        "丝绸之路职业教育联盟",
        "Silk Road TVET Alliance",
    ),
    (
        "china-eu-vet",
        "中欧职业教育合作联盟",
        "China-EU Vocational Education Cooperation Alliance",
    ),
    (
        "lancang-mekong",
        "澜湄职业教育联盟",
        "Lancang-Mekong Vocational Education Alliance",
    ),
    (
        "china-latam",
        "中拉职业教育合作联盟",
        "China-Latin America Vocational Education Alliance",
    ),
    (
        "digital-skills",
        "数字技能国际联盟",
        "International Digital Skills Alliance",
    ),
    (
        "green-skills",
        "绿色技能国际合作联盟",
        "International Green Skills Cooperation Alliance",
    ),
];

const COUNTRIES: &[&str] = &[
    "CN", "KE", "TH", "NI", "RU", "KZ", "NO", "DE", "FR", "GB", "IT", "ES", "PT", "NL", "BE", "CH",
    "AT", "PL", "CZ", "HU", "RS", "GR", "TR", "EG", "ET", "NG", "GH", "ZA", "TZ", "UG", "RW", "ZM",
    "DJ", "MA", "DZ", "SN", "CI", "CM", "MG", "ID", "MY", "SG", "VN", "LA", "KH", "MM", "PH", "IN",
    "PK", "BD", "LK", "NP", "UZ", "KG", "TJ", "TM", "MN", "AE", "SA", "QA", "IR", "JO", "BR", "AR",
    "CL", "PE", "MX", "CO", "EC", "AU", "NZ", "FJ",
];

const ZH_SUBJECTS: &[&str] = &[
    "学校代表团",
    "合作院校",
    "鲁班工坊",
    "职业技术大学",
    "国际交流处",
    "双方院校",
    "产教融合共同体",
    "联盟秘书处",
    "中方企业",
    "海外分校",
    "教育部门",
    "校企合作中心",
];
const ZH_VERBS: &[&str] = &[
    "签署了合作协议",
    "举办了技能培训",
    "开展了师资研修",
    "共建了实训基地",
    "发布了专业标准",
    "召开了工作会议",
    "启动了联合培养项目",
    "推进了学历教育合作",
    "交流了办学经验",
    "参观了实训中心",
];
const ZH_OBJECTS: &[&str] = &[
    "新能源汽车技术",
    "智能制造",
    "工业机器人",
    "数字经济",
    "跨境电商",
    "铁道运输",
    "物流管理",
    "中文加职业技能",
    "电子信息",
    "人工智能",
    "旅游管理",
    "现代农业",
];
const ZH_TAILS: &[&str] = &[
    "为当地培养了一批高素质技术技能人才。",
    "进一步深化了两国职业教育交流与合作。",
    "受到与会代表的广泛好评。",
    "标志着双方合作迈上新台阶。",
    "为共建“一带一路”贡献了职教力量。",
    "推动了国际化专业标准的落地。",
];
const EN_SUBJECTS: &[&str] = &[
    "The delegation",
    "The partner college",
    "The Luban Workshop",
    "The polytechnic",
    "The international office",
    "Both institutions",
    "The alliance secretariat",
    "Chinese enterprises",
    "The ministry of education",
];
const EN_VERBS: &[&str] = &[
    "signed a cooperation agreement on",
    "held skills training in",
    "organised teacher workshops on",
    "opened a training base for",
    "published curriculum standards for",
    "launched a joint programme in",
    "shared experience in",
    "visited training centres for",
];
const EN_OBJECTS: &[&str] = &[
    "new energy vehicles",
    "intelligent manufacturing",
    "industrial robotics",
    "the digital economy",
    "cross-border e-commerce",
    "railway operations",
    "logistics management",
    "Chinese language and vocational skills",
    "electronic information",
    "artificial intelligence",
    "tourism management",
    "modern agriculture",
];
const EN_TAILS: &[&str] = &[
    "training a new generation of skilled technicians.",
    "deepening exchanges between the two countries.",
    "which participants welcomed warmly.",
    "marking a new stage of cooperation.",
    "contributing to the Belt and Road Initiative.",
    "bringing international standards into local classrooms.",
];

/// xorshift64*: small, fast and the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }
}

fn main() {
    let mut pairs = 1000usize;
    let mut out = PathBuf::from("corpus");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--pairs" => pairs = args.next().and_then(|v| v.parse().ok()).expect("--pairs N"),
            "--out" => out = PathBuf::from(args.next().expect("--out DIR")),
            _ => {
                eprintln!("usage: gen_corpus [--pairs N] [--out DIR]");
                std::process::exit(2);
            }
        }
    }
    if let Err(e) = generate(pairs, &out) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
    println!("wrote {pairs} article pairs to {}", out.display());
}

/// Records what was generated: the output is deterministic, so an existing corpus of the same
/// size is left alone (rewriting 20,000 files would disturb the measurements that follow).
const STAMP: &str = ".gen_corpus";

fn generate(pairs: usize, out: &Path) -> std::io::Result<()> {
    let stamp = format!("pairs={pairs} version=1\n");
    if std::fs::read_to_string(out.join(STAMP)).is_ok_and(|s| s == stamp) {
        return Ok(());
    }
    let content = out.join("content");
    if content.exists() {
        std::fs::remove_dir_all(&content)?;
    }
    let mut toml = String::from(
        "base_url = \"https://news.example.org\"\ndefault_language = \"zh\"\n\n[languages.zh]\ntitle = \"职业教育国际合作资讯\"\n\n[languages.en]\ntitle = \"Vocational Education International Cooperation News\"\n",
    );
    for (key, zh, en) in ALLIANCES {
        let _ = write!(toml, "\n[alliances.{key}]\nzh = \"{zh}\"\nen = \"{en}\"\n");
    }
    std::fs::create_dir_all(out)?;
    std::fs::write(out.join("site.toml"), toml)?;

    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let image = tiny_png();
    for i in 0..pairs {
        let year = 2014 + (i * 12 / pairs.max(1)) as i32;
        let date = format!("{year}-{:02}-{:02}", rng.range(1, 12), rng.range(1, 28));
        let folder = content
            .join("news")
            .join(year.to_string())
            .join(format!("{:02}", i % 50));
        std::fs::create_dir_all(&folder)?;
        let slug = format!("article-{i:05}");
        let alliances: Vec<&str> = (0..rng.range(0, 2))
            .map(|_| rng.pick(ALLIANCES).0)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut countries: Vec<&str> = vec!["CN"];
        for _ in 0..rng.range(1, 3) {
            let c = *rng.pick(COUNTRIES);
            if !countries.contains(&c) {
                countries.push(c);
            }
        }
        let has_image = i % 5 == 0;
        if has_image {
            std::fs::write(folder.join(format!("{slug}.png")), &image)?;
        }
        // A link to an earlier article, relative to this folder.
        let link = (i > 0).then(|| {
            let j = rng.below(i);
            let jy = 2014 + (j * 12 / pairs.max(1)) as i32;
            format!("../../{jy}/{:02}/article-{j:05}", j % 50)
        });
        let front = |title: &str, lang_tags: &str| {
            format!(
                "---\ntitle: \"{title}\"\ndate: {date}\nalliances: [{}]\ncountries: [{}]\ntags: [{lang_tags}]\n---\n\n",
                alliances.join(", "),
                countries.join(", ")
            )
        };
        let zh_title = format!(
            "{}{}{}（{i}）",
            rng.pick(ZH_SUBJECTS),
            rng.pick(ZH_VERBS),
            rng.pick(ZH_OBJECTS)
        );
        let mut zh = front(&zh_title, "\"职业教育\", \"国际合作\"");
        zh.push_str(&body(&mut rng, &ZH, &slug, has_image, link.as_deref()));
        std::fs::write(folder.join(format!("{slug}.zh.md")), zh)?;
        let en_title = format!(
            "{} {} {} ({i})",
            rng.pick(EN_SUBJECTS),
            rng.pick(EN_VERBS),
            rng.pick(EN_OBJECTS)
        );
        let mut en = front(&en_title, "\"vocational education\", \"cooperation\"");
        en.push_str(&body(&mut rng, &EN, &slug, has_image, link.as_deref()));
        std::fs::write(folder.join(format!("{slug}.en.md")), en)?;
    }
    std::fs::write(out.join(STAMP), stamp)
}

fn zh_sentence(rng: &mut Rng) -> String {
    format!(
        "{}与{}合作伙伴{}{}方面的项目，{}",
        rng.pick(ZH_SUBJECTS),
        rng.pick(&[
            "肯尼亚",
            "泰国",
            "俄罗斯",
            "埃及",
            "巴西",
            "德国",
            "哈萨克斯坦"
        ]),
        rng.pick(ZH_VERBS),
        rng.pick(ZH_OBJECTS),
        rng.pick(ZH_TAILS)
    )
}

fn en_sentence(rng: &mut Rng) -> String {
    format!(
        "{} {} {} with partners from {}, {} ",
        rng.pick(EN_SUBJECTS),
        rng.pick(EN_VERBS),
        rng.pick(EN_OBJECTS),
        rng.pick(&[
            "Kenya",
            "Thailand",
            "Russia",
            "Egypt",
            "Brazil",
            "Germany",
            "Kazakhstan"
        ]),
        rng.pick(EN_TAILS)
    )
}

/// What differs between the two halves' bodies; the shape of a body is the same.
struct Language {
    /// Length to reach, in `measure` units (characters or words).
    length: (usize, usize),
    measure: fn(&str) -> usize,
    sentence: fn(&mut Rng) -> String,
    objects: &'static [&'static str],
    tails: &'static [&'static str],
    table_header: &'static str,
    image_alt: &'static str,
    link: fn(&str) -> String,
}

const ZH: Language = Language {
    length: (600, 1500),
    measure: |p| p.chars().count(),
    sentence: zh_sentence,
    objects: ZH_OBJECTS,
    tails: ZH_TAILS,
    table_header: "| 项目 | 人数 |",
    image_alt: "活动现场",
    link: |l| format!("相关报道见[此前的文章]({l}.zh.md)。\n"),
};

const EN: Language = Language {
    length: (400, 900),
    measure: |p| p.split_whitespace().count(),
    sentence: en_sentence,
    objects: EN_OBJECTS,
    tails: EN_TAILS,
    table_header: "| Programme | Trainees |",
    image_alt: "At the event",
    link: |l| format!("See the [earlier report]({l}.en.md).\n"),
};

/// Paragraphs of generated sentences with headings, a table and a list, then an image
/// and a link to an earlier article when there is one.
fn body(rng: &mut Rng, lang: &Language, slug: &str, image: bool, link: Option<&str>) -> String {
    let target = rng.range(lang.length.0, lang.length.1);
    let mut body = String::new();
    let mut length = 0;
    let mut paragraph = 0;
    while length < target {
        if paragraph % 3 == 2 {
            body.push_str(&format!("## {}\n\n", rng.pick(lang.objects)));
        }
        let mut p = String::new();
        for _ in 0..rng.range(2, 4) {
            p.push_str(&(lang.sentence)(rng));
        }
        length += (lang.measure)(&p);
        body.push_str(p.trim_end());
        body.push_str("\n\n");
        paragraph += 1;
        if paragraph == 2 {
            body.push_str(lang.table_header);
            body.push_str("\n|:--|--:|\n");
            for _ in 0..3 {
                body.push_str(&format!(
                    "| {} | {} |\n",
                    rng.pick(lang.objects),
                    rng.range(20, 500)
                ));
            }
            body.push('\n');
        }
        if paragraph == 3 {
            for _ in 0..3 {
                body.push_str(&format!("- {}\n", rng.pick(lang.tails)));
            }
            body.push('\n');
        }
    }
    if image {
        body.push_str(&format!("![{}]({slug}.png)\n\n", lang.image_alt));
    }
    if let Some(l) = link {
        body.push_str(&(lang.link)(l));
    }
    body
}

/// A valid 1×1 PNG, so image references resolve and are copied.
fn tiny_png() -> Vec<u8> {
    vec![
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44,
        0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F,
        0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8,
        0xCF, 0xC0, 0xF0, 0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF, 0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00,
        0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
    ]
}
