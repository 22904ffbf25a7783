//! Test fixtures: small sites written into temporary folders, built with the real
//! pipeline, and read back as parsed HTML.

pub mod browser;
pub mod server;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use qiao::pipeline::{self, BuildError, BuildOptions, BuildReport};
use scraper::{Html, Selector};

/// Runs node (the JavaScript engine of the browsers' workers and pages) with `args`;
/// its standard output, once it has succeeded.
pub fn node<I, S>(args: I) -> Vec<u8>
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let out = Command::new("node")
        .args(args)
        .output()
        .expect("node runs the tests' JavaScript (apt-get install nodejs)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The fixture sites' `site.toml`; the pipeline's unit tests read the same file.
pub const SITE_TOML: &str = include_str!("../../fixtures/site.toml");

/// A real JPEG of `width` × `height` pixels (gradients), made by the test.
pub fn jpeg(width: u32, height: u32) -> Vec<u8> {
    encoded(width, height, image::ImageFormat::Jpeg)
}

/// A real PNG of `width` × `height` pixels.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    encoded(width, height, image::ImageFormat::Png)
}

fn encoded(width: u32, height: u32, format: image::ImageFormat) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x * 255 / width) as u8, (y * 255 / height) as u8, 160])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, format)
        .unwrap();
    out.into_inner()
}

pub struct Site {
    pub dir: tempfile::TempDir,
}

impl Site {
    /// An empty site with the standard `site.toml` and a `content/` folder.
    pub fn new() -> Site {
        let site = Site {
            dir: tempfile::tempdir().unwrap(),
        };
        site.write("site.toml", SITE_TOML);
        std::fs::create_dir_all(site.root().join("content/news")).unwrap();
        site
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn out(&self) -> PathBuf {
        self.root().join("public")
    }

    pub fn write(&self, rel: &str, text: &str) -> &Self {
        self.write_bytes(rel, text.as_bytes())
    }

    /// Writes the file whole, as editors save: through a hidden file renamed over it. A
    /// write in place could be seen half done (empty) by a watching `qiao serve`, which
    /// would then report an empty file instead of the error a test waits for.
    pub fn write_bytes(&self, rel: &str, bytes: &[u8]) -> &Self {
        let path = self.root().join(rel);
        let dir = path.parent().unwrap();
        std::fs::create_dir_all(dir).unwrap();
        let name = path.file_name().unwrap().to_string_lossy();
        let partial = dir.join(format!(".{name}.partial"));
        std::fs::write(&partial, bytes).unwrap();
        std::fs::rename(&partial, &path).unwrap();
        self
    }

    /// Writes one half of an article under `content/news/<folder>/`.
    pub fn article(&self, folder: &str, slug: &str, lang: &str, front: &str, body: &str) -> &Self {
        self.write(
            &format!("content/news/{folder}/{slug}.{lang}.md"),
            &format!("---\n{front}\n---\n\n{body}\n"),
        )
    }

    /// Writes both halves with the same date, alliances and countries.
    pub fn pair(
        &self,
        folder: &str,
        slug: &str,
        date: &str,
        alliances: &str,
        countries: &str,
    ) -> &Self {
        for (lang, title) in [
            ("zh", format!("中文标题{slug}")),
            ("en", format!("English title {slug}")),
        ] {
            self.article(
                folder,
                slug,
                lang,
                &format!("title: \"{title}\"\ndate: {date}\nalliances: [{alliances}]\ncountries: [{countries}]"),
                &format!("Body of {slug} in {lang}."),
            );
        }
        self
    }

    pub fn build(&self) -> Result<BuildReport, BuildError> {
        pipeline::build(&BuildOptions::new(self.root()))
    }

    pub fn build_ok(&self) -> BuildReport {
        match self.build() {
            Ok(r) => r,
            Err(BuildError::Content(d)) => panic!("build failed:\n{d}"),
            Err(BuildError::Usage(m)) => panic!("usage error: {m}"),
            Err(BuildError::Output(m) | BuildError::Io(m)) => panic!("output error: {m}"),
        }
    }

    /// The text of every error of a build that must fail.
    pub fn build_errors(&self) -> String {
        match self.build() {
            Ok(_) => panic!("the build was expected to fail"),
            Err(BuildError::Content(d)) => d.to_string(),
            Err(BuildError::Usage(m) | BuildError::Output(m) | BuildError::Io(m)) => m,
        }
    }

    pub fn exists(&self, site_path: &str) -> bool {
        self.out().join(site_path.trim_start_matches('/')).exists()
    }

    /// Parses the page at a site path (`/zh/` reads `public/zh/index.html`).
    pub fn page(&self, site_path: &str) -> Page {
        let rel = site_path.trim_start_matches('/');
        let file = if rel.is_empty() || rel.ends_with('/') {
            self.out().join(rel).join("index.html")
        } else {
            self.out().join(rel)
        };
        let text =
            std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        Page {
            html: Html::parse_document(&text),
            text,
        }
    }

    /// Runs the real binary in this site.
    pub fn run(&self, args: &[&str]) -> std::process::Output {
        Command::new(env!("CARGO_BIN_EXE_qiao"))
            .arg("--root")
            .arg(self.root())
            .args(args)
            .output()
            .unwrap()
    }

    /// `qiao check --output` passes on the built site; its messages are the failure's.
    pub fn check_output_ok(&self) {
        let out = self.run(&["check", "--output"]);
        assert!(
            out.status.success(),
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Every file of the output with its contents, to compare whole trees.
    pub fn snapshot(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        tree(&self.out())
    }
}

/// Every file under `dir` with its contents, by path relative to `dir`.
pub fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().strip_prefix(dir).unwrap().to_path_buf(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// Asserts that two output trees hold the same files with the same bytes.
pub fn assert_same_tree(a: &Path, b: &Path, what: &str) {
    let (left, right) = (tree(a), tree(b));
    assert_eq!(
        left.keys().collect::<Vec<_>>(),
        right.keys().collect::<Vec<_>>(),
        "{what}"
    );
    for (path, bytes) in &left {
        assert!(bytes == &right[path], "{what}: {} differs", path.display());
    }
}

pub struct Page {
    pub html: Html,
    pub text: String,
}

/// Every HTML file under `out`, parsed, by its path inside `out` with `/` separators
/// (`zh/news/x/index.html`).
pub fn html_pages(out: &Path) -> BTreeMap<String, Page> {
    walkdir::WalkDir::new(out)
        .into_iter()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "html"))
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(out)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let text = std::fs::read_to_string(e.path()).unwrap();
            let html = Html::parse_document(&text);
            (rel, Page { html, text })
        })
        .collect()
}

impl Page {
    pub fn select(&self, css: &str) -> Vec<scraper::ElementRef<'_>> {
        let sel = Selector::parse(css).unwrap();
        self.html.select(&sel).collect()
    }

    pub fn attr(&self, css: &str, attr: &str) -> Option<String> {
        self.select(css)
            .first()
            .and_then(|e| e.value().attr(attr))
            .map(str::to_owned)
    }

    pub fn attrs(&self, css: &str, attr: &str) -> Vec<String> {
        self.select(css)
            .iter()
            .filter_map(|e| e.value().attr(attr))
            .map(str::to_owned)
            .collect()
    }

    pub fn texts(&self, css: &str) -> Vec<String> {
        self.select(css)
            .iter()
            .map(|e| e.text().collect::<String>().trim().to_owned())
            .collect()
    }

    /// The article links listed on a list page, in order.
    pub fn listed(&self) -> Vec<String> {
        self.attrs(".list-main .card-title a", "href")
    }
}

/// A small site whose words are chosen so every expected hit set is known.
pub fn search_site() -> Site {
    let site = Site::new();
    let pair = |slug: &str, date: &str, countries: &str, zh: (&str, &str), en: (&str, &str)| {
        site.article(
            "news",
            slug,
            "zh",
            &format!(
                "title: {}\ndate: {date}\ncountries: [{countries}]\nalliances: [wvteda]",
                zh.0
            ),
            zh.1,
        );
        site.article(
            "news",
            slug,
            "en",
            &format!(
                "title: \"{}\"\ndate: {date}\ncountries: [{countries}]\nalliances: [wvteda]",
                en.0
            ),
            en.1,
        );
    };
    pair(
        "luban-kenya",
        "2024-05-01",
        "KE, CN",
        (
            "鲁班工坊在肯尼亚揭牌",
            "肯尼亚鲁班工坊正式揭牌，开展职业技能培训。",
        ),
        (
            "Luban Workshop opens in Kenya",
            "The Luban Workshops in Kenya train young technicians in vocational education.",
        ),
    );
    pair(
        "luban-thailand",
        "2023-09-10",
        "TH, CN",
        (
            "泰国鲁班工坊十周年",
            "泰国鲁班工坊成立十年，培养了大量技术人才。",
        ),
        (
            "Ten years of the Luban Workshop in Thailand",
            "The first Luban Workshop abroad opened in Thailand a decade ago.",
        ),
    );
    pair(
        "luban-lock",
        "2022-02-02",
        "CN",
        ("鲁班锁与传统工艺", "鲁班锁是一种传统玩具，与工坊无关。"),
        (
            "The Luban lock and traditional craft",
            "A Luban lock is a traditional puzzle toy; no workshop is involved.",
        ),
    );
    pair(
        "norway-forum",
        "2024-11-21",
        "NO",
        ("中挪职业教育论坛", "双方讨论职业教育合作与产教融合。"),
        (
            "Norway vocational education forum",
            "Both sides discussed cooperation in vocational education and industry.",
        ),
    );
    site.build_ok();
    site
}

/// A site for searching as readers type: Simplified articles found by Traditional queries,
/// place names to misspell, a long Chinese phrase whole and in parts, and an article in
/// Traditional characters. Countries are kept to a few codes the site knows.
pub fn typing_site() -> Site {
    let site = Site::new();
    let pair = |slug: &str, date: &str, country: &str, zh: (&str, &str), en: (&str, &str)| {
        for (lang, (title, body)) in [("zh", zh), ("en", en)] {
            site.article(
                "news",
                slug,
                lang,
                &format!("title: \"{title}\"\ndate: {date}\ncountries: [{country}]"),
                body,
            );
        }
    };
    pair(
        "kenya-digital",
        "2024-03-01",
        "KE",
        (
            "肯尼亚鲁班工坊开设数字工坊",
            "肯尼亚鲁班工坊新设数字工坊，举办技能大赛，推进产教融合。",
        ),
        (
            "Kenya's Luban Workshop opens a digital studio",
            "The workshop in Nairobi hosts a skills competition.",
        ),
    );
    pair(
        "kazakhstan",
        "2023-06-01",
        "KZ",
        (
            "哈萨克斯坦鲁班工坊揭牌",
            "哈萨克斯坦鲁班工坊在阿斯塔纳揭牌，培养机械技术人才。",
        ),
        (
            "A Luban Workshop opens in Kazakhstan",
            "The workshop in Astana, Kazakhstan, trains mechanical technicians.",
        ),
    );
    pair(
        "djibouti",
        "2022-04-01",
        "DJ",
        (
            "吉布提鲁班工坊培训铁路技术人员",
            "吉布提鲁班工坊为亚吉铁路培养技术人员。",
        ),
        (
            "Djibouti's Luban Workshop trains railway staff",
            "In Djibouti, the workshop trains staff for the Addis Ababa railway.",
        ),
    );
    pair(
        "nicaragua",
        "2024-08-01",
        "NI",
        (
            "尼加拉瓜职业院校教师访问天津",
            "尼加拉瓜教师代表团访问天津。",
        ),
        (
            "Teachers from Nicaragua visit Tianjin",
            "A delegation of vocational teachers from Nicaragua toured colleges.",
        ),
    );
    pair(
        "egypt",
        "2023-12-01",
        "EG",
        ("埃及鲁班工坊首批学员毕业", "埃及鲁班工坊迎来首批毕业生。"),
        (
            "The Luban Workshop in Egypt celebrates its first graduates",
            "Graduates of the Luban Workshop at Ain Shams University in Egypt.",
        ),
    );
    pair(
        "qingdao",
        "2024-10-01",
        "CN",
        ("青岛共识发布", "会议通过了关于数字教育的青岛共识。"),
        (
            "The Qingdao Consensus on digital education",
            "Delegates adopted the Qingdao Consensus on digital education.",
        ),
    );
    pair(
        "europe-exact",
        "2024-05-01",
        "CN",
        ("中欧职业教育合作论坛举行", "中欧职业教育合作迈出新步伐。"),
        ("A China-Europe forum", "The forum met in Tianjin."),
    );
    pair(
        "europe-words",
        "2024-05-02",
        "CN",
        (
            "中欧代表会见",
            "中欧双方代表表示，将深化在职业教育领域的务实合作。",
        ),
        ("China and Europe meet", "Delegates met in Brussels."),
    );
    pair(
        "education-only",
        "2024-05-03",
        "CN",
        ("教育部发布通知", "教育部发布关于职业教育的通知。"),
        ("A ministry notice", "The ministry published a notice."),
    );
    pair(
        "hong-kong",
        "2024-07-01",
        "CN",
        (
            "香港職業訓練局分享魯班工坊經驗",
            "香港職業訓練局介紹魯班工坊的經驗。",
        ),
        (
            "Hong Kong shares its experience",
            "The council described its training courses.",
        ),
    );
    pair(
        "terminal",
        "2024-09-01",
        "CN",
        ("控制字符", "正文。"),
        (
            "Control characters",
            "Escape \u{1b}[2J and \u{1b}]0;pwned\u{7} sequences.",
        ),
    );
    site.build_ok();
    site
}
