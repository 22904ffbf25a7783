//! The `qiao` command line: parses arguments, runs the pipeline, and turns its results
//! into messages and exit codes (0 success, 1 content errors, 2 usage errors, 3 I/O
//! failures).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{Parser, Subcommand};

use qiao::content::Slug;
use qiao::diagnostics::Diagnostics;
use qiao::pipeline::{self, BuildError, BuildOptions};

#[derive(Parser)]
#[command(
    name = "qiao",
    version,
    about = "Builds bilingual Chinese/English news portals",
    after_help = "Exit codes: 0 success; 1 errors in the site's files, or an output folder qiao \
                  may not replace; 2 a command-line mistake; 3 reading or writing the output \
                  folder failed (disk full, permissions).",
    propagate_version = true
)]
struct Cli {
    /// The site folder, holding site.toml and content/
    #[arg(short, long, global = true, default_value = ".", value_name = "DIR")]
    root: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the portal into the output folder
    Build {
        /// Output folder [default: ROOT/public]
        #[arg(short, long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Publish articles marked `draft: true`
        #[arg(long)]
        drafts: bool,
        /// Publish for another address than site.toml's base_url
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
        /// Print how long each phase took
        #[arg(long)]
        timings: bool,
        /// Replace an output folder that qiao did not write (its dot-files and the names
        /// under `keep` in site.toml stay)
        #[arg(long)]
        force: bool,
    },
    /// Validate everything without writing any output; with --output, check a built site's links
    Check {
        /// Validate as if drafts were published
        #[arg(long)]
        drafts: bool,
        /// Check every link, feed and sitemap URL of a built site [default folder: ROOT/public]
        #[arg(long, value_name = "DIR", num_args = 0..=1)]
        output: Option<Option<PathBuf>>,
        /// The address the built site is published at [default: site.toml's base_url]
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
        /// List the external links (they are never fetched)
        #[arg(long)]
        external: bool,
    },
    /// Build, serve and rebuild on change, reloading open pages
    Serve {
        /// Port to listen on (0 picks a free one)
        #[arg(short, long, default_value_t = 1111)]
        port: u16,
        /// Address to listen on; other machines can connect only if you choose so
        #[arg(short, long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// Open the site in a browser
        #[arg(long)]
        open: bool,
        /// Publish articles marked `draft: true`
        #[arg(long)]
        drafts: bool,
        /// Print how long each phase of every rebuild took
        #[arg(long)]
        timings: bool,
    },
    /// Search the built site's index, as the search page does
    Search {
        /// Words, "quoted phrases", AND / OR
        query: String,
        /// Only articles in this language
        #[arg(long, value_parser = ["zh", "en"])]
        lang: Option<String>,
        /// How many hits to show (at most 100)
        #[arg(long, default_value_t = 10, value_parser = parse_limit)]
        limit: usize,
        /// Print the result as JSON
        #[arg(long)]
        json: bool,
        /// Only articles of this alliance (its key in site.toml)
        #[arg(long, value_name = "KEY", value_parser = parse_alliance)]
        alliance: Option<String>,
        /// Only articles about this country (ISO code)
        #[arg(long, value_name = "CC", value_parser = parse_country)]
        country: Option<String>,
        /// Only articles of this year
        #[arg(long, value_name = "YYYY", value_parser = parse_year)]
        year: Option<String>,
        /// The built site [default: ROOT/public]
        #[arg(short, long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Create both halves of a new article
    New {
        /// The article's slug: lower-case ASCII letters, digits and `-`
        slug: String,
        /// Publication date [default: today]
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<NaiveDate>,
    },
}

/// Page rendering and indexing allocate many short-lived strings on several threads;
/// mimalloc does that faster than the system allocator (see the benchmark in the README).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's option numbers (`mi_option_e` in mimalloc.h, the same in its v2 and v3),
/// which the Rust bindings do not name.
const MI_OPTION_ARENA_EAGER_COMMIT: i32 = 4;
const MI_OPTION_PURGE_DELAY: i32 = 15;

/// How long freed memory stays with the process before mimalloc hands it back (ms).
/// At once (0), rendering's short-lived strings were handed back and faulted in again
/// thousands of times a second: the `madvise` calls, the TLB shootdowns they cause on the
/// other core and the page faults after them were 15% of a build's CPU time at 10,000
/// pairs. 50 ms costs about 20 MB more peak memory there, and the same at any size: what a
/// build frees in 50 ms, not what it holds.
const PURGE_DELAY_MS: core::ffi::c_long = 50;

/// A build holds the whole site while it renders: arenas are committed as used and freed
/// memory is handed back soon ([`PURGE_DELAY_MS`]), which keeps the peak close to what is
/// live.
fn tune_allocator() {
    // SAFETY: plain option setters of the allocator this binary links.
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS);
        libmimalloc_sys::mi_option_set(MI_OPTION_ARENA_EAGER_COMMIT, 0);
    }
}

fn main() -> ExitCode {
    tune_allocator();
    let cli = Cli::parse();
    match cli.command {
        Command::Build {
            out,
            drafts,
            base_url,
            timings,
            force,
        } => {
            let opts = BuildOptions {
                root: cli.root,
                out,
                drafts,
                base_url,
                progress: true,
                force,
            };
            build(&opts, timings)
        }
        Command::Check {
            drafts,
            output,
            base_url,
            external,
        } => match output {
            None => check(&cli.root, drafts),
            Some(dir) => {
                let dir = dir.unwrap_or_else(|| cli.root.join(qiao::site_dirs::PUBLIC));
                check_output(&cli.root, &dir, base_url.as_deref(), external)
            }
        },
        Command::New { slug, date } => new(&cli.root, &slug, date),
        Command::Serve {
            port,
            bind,
            open,
            drafts,
            timings,
        } => {
            let opts = qiao::serve::ServeOptions {
                root: cli.root,
                port,
                bind,
                open,
                drafts,
                timings,
            };
            serve(opts)
        }
        Command::Search {
            query,
            lang,
            limit,
            json,
            alliance,
            country,
            year,
            out,
        } => {
            let request = qiao_search::Request {
                query,
                lang,
                alliance,
                country,
                year,
                limit: Some(limit),
            };
            search(
                &out.unwrap_or_else(|| cli.root.join(qiao::site_dirs::PUBLIC)),
                &request,
                json,
            )
        }
    }
}

fn serve(opts: qiao::serve::ServeOptions) -> ExitCode {
    match qiao::serve::run(opts) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("error: {msg}");
            ExitCode::from(1)
        }
    }
}

fn build(opts: &BuildOptions, timings: bool) -> ExitCode {
    match pipeline::build(opts) {
        Ok(report) => {
            print_diagnostics(&report.warnings);
            if timings {
                eprint!("{}", report.timings);
            }
            println!(
                "Built {} pages ({} article pages) and copied {} files into {} in {:.2} s",
                report.pages,
                report.articles,
                report.files,
                report.out.display(),
                report.elapsed.as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprint!("{err}");
            // Content errors stop the build before the output is touched.
            if let BuildError::Content(diags) = &err {
                eprintln!(
                    "error: build failed with {} error(s); {} was left unchanged",
                    diags.error_count(),
                    opts.out_dir().display()
                );
            }
            ExitCode::from(err.exit_code())
        }
    }
}

fn check(root: &Path, drafts: bool) -> ExitCode {
    match pipeline::load(root, drafts, None) {
        Ok(loaded) => {
            print_diagnostics(&loaded.warnings);
            for file in &loaded.single_language {
                println!(
                    "note: {}: published in one language only (no other half)",
                    file.display()
                );
            }
            let zh = loaded.site.articles(qiao::lang::Lang::Zh).len();
            let en = loaded.site.articles(qiao::lang::Lang::En).len();
            println!(
                "ok: {zh} Chinese and {en} English article pages, {} in one language only",
                loaded.single_language.len()
            );
            ExitCode::SUCCESS
        }
        Err(diags) => {
            print_diagnostics(&diags);
            eprintln!("error: check found {} error(s)", diags.error_count());
            ExitCode::from(1)
        }
    }
}

fn check_output(root: &Path, out: &Path, base_url: Option<&str>, external: bool) -> ExitCode {
    let base = match base_url {
        Some(url) => qiao::config::BaseUrl::parse(url).map_err(|m| format!("--base-url: {m}")),
        None => qiao::config::SiteConfig::load(root)
            .map(|c| c.base_url)
            .map_err(|d| d.to_string().trim_end().to_owned()),
    };
    let base = match base {
        Ok(b) => b,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::from(1);
        }
    };
    let report = match qiao::linkcheck::check(out, &base) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    eprint!("{}", qiao::linkcheck::describe(&report));
    if external {
        for url in &report.external {
            println!("external: {url}");
        }
    }
    println!(
        "checked {} links in {} files of {}: {} broken, {} external (not fetched)",
        report.links,
        report.pages,
        qiao::linkcheck::shown(out).display(),
        report.broken.len(),
        report.external.len()
    );
    if report.broken.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn new(root: &Path, slug: &str, date: Option<NaiveDate>) -> ExitCode {
    let Some(slug) = Slug::parse(slug) else {
        eprintln!("error: the slug `{slug}` must be lower-case ASCII letters, digits and `-`");
        return ExitCode::from(2);
    };
    let date = date.unwrap_or_else(|| chrono::Local::now().date_naive());
    match qiao::content::new_article(root, &slug, date) {
        Ok(files) => {
            for f in files {
                println!("created {}", f.display());
            }
            ExitCode::SUCCESS
        }
        Err(msg) => {
            eprintln!("error: {msg}");
            ExitCode::from(1)
        }
    }
}

/// Filter values that cannot match are usage errors, not a silent zero hits.
fn parse_limit(value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err("expected a number of hits, 1 or more".into()),
    }
}

fn parse_year(value: &str) -> Result<String, String> {
    if value.len() == 4 && value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(value.to_owned())
    } else {
        Err("expected a year of four digits, such as 2024".into())
    }
}

fn parse_country(value: &str) -> Result<String, String> {
    if value.len() == 2 && value.bytes().all(|b| b.is_ascii_alphabetic()) {
        Ok(value.to_ascii_uppercase())
    } else {
        Err("expected a two-letter ISO country code, such as KE".into())
    }
}

fn parse_alliance(value: &str) -> Result<String, String> {
    if qiao::segment::is_url_segment(value) {
        Ok(value.to_owned())
    } else {
        Err("expected an alliance key: lower-case ASCII letters, digits and `-`".into())
    }
}

fn search(out: &Path, request: &qiao_search::Request, json: bool) -> ExitCode {
    let response = match qiao::search::query(out, request) {
        Ok(r) => r,
        Err(msg) => {
            eprintln!("error: {msg}");
            return ExitCode::from(1);
        }
    };
    let mut text = String::new();
    if json {
        text = serde_json::to_string_pretty(&response).unwrap_or_default();
        text.push('\n');
    } else {
        use std::fmt::Write as _;
        let _ = writeln!(text, "{} result(s) for {:?}", response.total, request.query);
        if response.truncated {
            let _ = writeln!(
                text,
                "(the query was cut to its first {} characters)",
                qiao_search::engine::MAX_QUERY_CHARS
            );
        }
        if let Some(corrected) = &response.corrected {
            let _ = writeln!(text, "showing results for {corrected:?}");
        }
        for (i, hit) in response.hits.iter().enumerate() {
            let _ = writeln!(
                text,
                "{:>3}. {}  [{}] {}  {}",
                i + 1,
                printable(&hit.title),
                hit.lang,
                hit.date,
                printable(&hit.url)
            );
            let snippet = hit.snippet.replace("<mark>", "[").replace("</mark>", "]");
            let _ = writeln!(
                text,
                "     {}",
                printable(&qiao::html::decode_entities(&snippet))
            );
        }
        let facets = [
            ("alliances", &response.facets.alliances),
            ("countries", &response.facets.countries),
            ("years", &response.facets.years),
        ];
        for (name, counts) in facets {
            if !counts.is_empty() {
                let list: Vec<String> = counts
                    .iter()
                    .map(|(k, n)| format!("{} ({n})", printable(k)))
                    .collect();
                let _ = writeln!(text, "{name}: {}", list.join(", "));
            }
        }
    }
    // A closed pipe (`qiao search x | head`) is not an error worth a panic.
    let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes());
    ExitCode::SUCCESS
}

/// Article text as a terminal may show it: control characters (ESC of colour and
/// screen-clearing sequences, OSC's BEL, C1 codes) would be obeyed, not shown, so they
/// go. JSON needs no such care: serde escapes them.
fn printable(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).collect()
}

fn print_diagnostics(diags: &Diagnostics) {
    for d in diags.iter() {
        eprintln!("{d}");
    }
}
