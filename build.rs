//! Builds the WebAssembly searcher (`crates/qiao-search-wasm`) for `wasm32-unknown-unknown`
//! and leaves it in OUT_DIR, where `src/search.rs` embeds it: `cargo build` yields a `qiao`
//! that carries its own searcher, with no second build step and no opaque binary in git.
//!
//! The default templates and static files are embedded with `include_dir!`, which cannot
//! tell cargo about the files it reads; the `rerun-if-changed` lines make edits rebuild.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

// The searcher is published compressed (see src/lzma.rs); build.rs only compresses.
#[path = "src/lzma.rs"]
#[allow(dead_code)]
mod lzma;

const WASM_TARGET: &str = "wasm32-unknown-unknown";

fn main() {
    for path in [
        "templates",
        "static",
        "crates/qiao-search/src",
        "crates/qiao-search/Cargo.toml",
        "crates/qiao-search-wasm/src",
        "crates/qiao-search-wasm/Cargo.toml",
        "crates/qiao-search-wasm/Cargo.lock",
        "Cargo.lock",
        ".cargo/config.toml",
        "src/lzma.rs",
    ] {
        println!("cargo:rerun-if-changed={path}");
    }
    let manifest_dir =
        PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    // OUT_DIR is <target>/[<triple>/]<profile>/build/<pkg>/out; the searcher gets its own
    // target folder beside the profiles, shared by debug and release builds.
    let target_dir = out_dir
        .ancestors()
        .find(|p| p.file_name().is_some_and(|n| n == "build"))
        .and_then(|build| build.parent())
        .and_then(|profile| profile.parent())
        .map(|t| t.join("qiao-wasm"))
        .unwrap_or_else(|| out_dir.join("qiao-wasm"));

    ensure_target();
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let Tantivy { patched, registry } = patched_tantivy(&cargo, &manifest_dir, &target_dir);
    let mut cmd = Command::new(&cargo);
    cmd.current_dir(&manifest_dir)
        .args(["build", "--locked", "--manifest-path"])
        .arg(manifest_dir.join("crates/qiao-search-wasm/Cargo.toml"))
        .args(["--profile", "wasm", "--target", WASM_TARGET])
        .arg("--config")
        .arg(format!(
            "patch.crates-io.tantivy.path={}",
            toml_string(&patched.to_string_lossy())
        ))
        // rustc sees the shared crate, the patched tantivy and the registry's crates by
        // absolute paths, which end up in the module (panic locations): the published bytes
        // would depend on where the repository was cloned and where cargo keeps its files.
        .arg("--config")
        .arg(format!(
            "target.{WASM_TARGET}.rustflags=[{}]",
            [
                (manifest_dir.as_path(), "."),
                (registry.as_path(), "registry"),
                (patched.as_path(), "tantivy"),
            ]
            .map(|(from, to)| toml_string(&format!("--remap-path-prefix={}={to}", from.display())))
            .join(", ")
        ))
        .arg("--target-dir")
        .arg(&target_dir);
    // The outer build's flags are for the host; the searcher takes its flags from
    // .cargo/config.toml, which RUSTFLAGS would override.
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
    ] {
        cmd.env_remove(var);
    }
    let status = cmd
        .status()
        .unwrap_or_else(|e| panic!("cannot run cargo to build the search module: {e}"));
    if !status.success() {
        panic!(
            "building the WebAssembly search module (crates/qiao-search-wasm, for {WASM_TARGET}) \
             failed; cargo's messages above say why"
        );
    }
    let wasm = target_dir
        .join(WASM_TARGET)
        .join("wasm")
        .join("qiao_search_wasm.wasm");
    let wasm = optimise(&manifest_dir, &wasm);
    let bytes =
        std::fs::read(&wasm).unwrap_or_else(|e| panic!("cannot read {}: {e}", wasm.display()));
    let packed = out_dir.join("qiao_search.wasm.lzma");
    std::fs::write(&packed, lzma::compress(&bytes))
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", packed.display()));
}

/// Features rustc's wasm32-unknown-unknown output uses, which wasm-opt must accept.
const WASM_FEATURES: &[&str] = &[
    "--enable-bulk-memory",
    "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
];

/// Shrinks the searcher with binaryen's `wasm-opt -Oz` when it is installed (on PATH, as
/// `QIAO_WASM_OPT`, or where `.ci/run` puts it: `target/tools`): readers download it, and
/// it saves about 6% after gzip. It takes minutes, so its output is kept beside the input,
/// named by the input's hash, and reused until the searcher changes. Without wasm-opt, or
/// if it fails, the searcher is used as rustc wrote it: larger, never wrong.
fn optimise(manifest_dir: &Path, wasm: &Path) -> PathBuf {
    println!("cargo:rerun-if-env-changed=QIAO_WASM_OPT");
    let Ok(bytes) = std::fs::read(wasm) else {
        return wasm.to_path_buf();
    };
    // A cache key, not a published name: std's hasher is stable enough within one toolchain.
    let mut hasher = std::hash::DefaultHasher::new();
    std::hash::Hash::hash(&bytes, &mut hasher);
    let optimised = wasm.with_extension(format!(
        "{:016x}.opt.wasm",
        std::hash::Hasher::finish(&hasher)
    ));
    if optimised.is_file() {
        return optimised;
    }
    let candidates = [
        env::var_os("QIAO_WASM_OPT").map(PathBuf::from),
        Some(manifest_dir.join("target/tools/node_modules/.bin/wasm-opt")),
        Some(PathBuf::from("wasm-opt")),
    ];
    // Written under another name first: an interrupted run must not leave a half file
    // that a later build would take for the cached result.
    let partial = optimised.with_extension("partial");
    for tool in candidates.into_iter().flatten() {
        let status = Command::new(&tool)
            .arg("-Oz")
            .args(WASM_FEATURES)
            .arg(wasm)
            .arg("-o")
            .arg(&partial)
            .status();
        match status {
            Ok(s) if s.success() && std::fs::rename(&partial, &optimised).is_ok() => {
                remove_stale(&optimised);
                return optimised;
            }
            Ok(s) => println!(
                "cargo:warning={} failed on the search module ({s}); using it unoptimised",
                tool.display()
            ),
            Err(_) => continue,
        }
        let _ = std::fs::remove_file(&partial);
        return wasm.to_path_buf();
    }
    println!(
        "cargo:warning=wasm-opt (binaryen) not found: the search module is not size-optimised; \
         `npm install --prefix target/tools binaryen` or set QIAO_WASM_OPT"
    );
    wasm.to_path_buf()
}

/// What build.rs changes in tantivy for the searcher: `Facet`'s `Display` escapes slashes
/// with a regex, and every `Query` is `Debug` (so the vtables reach `Term`'s `Debug`, which
/// prints facets), which links the whole regex engine and its Unicode tables into the
/// module although the searcher never builds a regex: 172 KB of a reader's first search
/// after gzip. The replacement escapes the same two characters by hand.
const FACET_PATCH: [(&str, &str); 2] = [
    ("use once_cell::sync::Lazy;\nuse regex::Regex;\n", ""),
    (
        r#"    static SLASH_PTN: Lazy<Regex> = Lazy::new(|| Regex::new(r"[\\/]").unwrap());
    SLASH_PTN.replace_all(s, "\\/")"#,
        r#"    if !s.contains(['\\', '/']) {
        return Cow::Borrowed(s);
    }
    let mut escaped = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        if c == '\\' || c == '/' {
            escaped.push('\\');
            escaped.push('/');
        } else {
            escaped.push(c);
        }
    }
    Cow::Owned(escaped)"#,
    ),
];

struct Tantivy {
    /// The patched copy.
    patched: PathBuf,
    /// The folder of cargo's registry sources that holds tantivy (and the other crates).
    registry: PathBuf,
}

/// A copy of the tantivy source the main workspace locks, with [`FACET_PATCH`] applied,
/// in the searcher's target folder: the searcher's own workspace builds against it through
/// a `[patch]` given on the command line, so the main workspace keeps the registry's
/// tantivy and its Cargo.lock. Made once per tantivy version and patch.
fn patched_tantivy(cargo: &str, manifest_dir: &Path, target_dir: &Path) -> Tantivy {
    let metadata = Command::new(cargo)
        .current_dir(manifest_dir)
        // Only the host's packages: without the filter, cargo downloads every platform's.
        .args([
            "metadata",
            "--locked",
            "--format-version",
            "1",
            "--filter-platform",
        ])
        .arg(env::var("TARGET").expect("cargo sets TARGET"))
        .output()
        .unwrap_or_else(|e| panic!("cannot run cargo metadata: {e}"));
    assert!(
        metadata.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&metadata.stderr)
    );
    let metadata: serde_json::Value =
        serde_json::from_slice(&metadata.stdout).expect("cargo metadata prints JSON");
    let package = metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["name"] == "tantivy")
        .expect("the workspace depends on tantivy");
    let source = Path::new(package["manifest_path"].as_str().expect("a manifest path"))
        .parent()
        .expect("a manifest has a folder")
        .to_path_buf();
    let registry = source.parent().unwrap_or(&source).to_path_buf();
    let version = package["version"].as_str().expect("a version");
    let patched = target_dir.join(format!("tantivy-{version}-patched"));
    // The copy is remade when the patch changes, not only when tantivy does.
    let stamp = format!("{version} {FACET_PATCH:?}");
    let done = patched.join(".qiao-patched");
    if std::fs::read_to_string(&done).is_ok_and(|s| s == stamp) {
        return Tantivy { patched, registry };
    }
    let _ = std::fs::remove_dir_all(&patched);
    copy_tree(&source, &patched);
    let facet = patched.join("src/schema/facet.rs");
    let mut text = std::fs::read_to_string(&facet)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", facet.display()));
    for (from, to) in FACET_PATCH {
        assert!(
            text.contains(from),
            "tantivy {version}'s src/schema/facet.rs is not what build.rs patches; update \
             FACET_PATCH for this version"
        );
        text = text.replacen(from, to, 1);
    }
    std::fs::write(&facet, text)
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", facet.display()));
    std::fs::write(&done, stamp).unwrap_or_else(|e| panic!("cannot write {}: {e}", done.display()));
    Tantivy { patched, registry }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("cannot create {}: {e}", to.display()));
    for entry in std::fs::read_dir(from)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", from.display()))
        .flatten()
    {
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        if src.is_dir() {
            copy_tree(&src, &dst);
        } else {
            copy(&src, &dst);
        }
    }
}

/// A TOML basic string, for a path given to `cargo --config`.
fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Makes sure the standard library for wasm32 is installed, adding it through rustup when
/// it is missing. `rust-toolchain.toml` lists the target, but rustup installs listed
/// targets only when it installs the toolchain itself, never for a toolchain already there
/// when `RUSTUP_AUTO_INSTALL=0`, and `cargo install` from a package does not read the file
/// at all: without this, a newcomer's first `cargo run` ends in "can't find crate for `std`".
fn ensure_target() {
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let sysroot = Command::new(&rustc)
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    let installed = |root: &Path| root.join("lib/rustlib").join(WASM_TARGET).is_dir();
    if sysroot.as_deref().is_some_and(installed) {
        return;
    }
    // The toolchain cargo runs under; rustup's proxies name it in RUSTUP_TOOLCHAIN.
    let toolchain = env::var("RUSTUP_TOOLCHAIN").ok();
    let mut add = Command::new("rustup");
    add.args(["target", "add", WASM_TARGET]);
    if let Some(t) = &toolchain {
        add.args(["--toolchain", t]);
    }
    println!(
        "cargo:warning=the {WASM_TARGET} target (needed for the search module) is missing; \
         running `rustup target add {WASM_TARGET}`{}",
        toolchain
            .as_deref()
            .map(|t| format!(" for toolchain {t}"))
            .unwrap_or_default()
    );
    match add.status() {
        Ok(status) if status.success() => {}
        Ok(status) => panic!(
            "`rustup target add {WASM_TARGET}` failed ({status}); qiao's search module is \
             compiled to WebAssembly and needs that target: add it by hand and build again"
        ),
        Err(_) => panic!(
            "qiao's search module is compiled to WebAssembly, but this Rust has no \
             {WASM_TARGET} standard library and rustup is not there to add it. Install the \
             target with the tool that installed Rust (for example the Rust package of your \
             distribution for wasm32), or install Rust with rustup (https://rustup.rs) and \
             build again"
        ),
    }
}

/// Removes the optimised modules of earlier searchers, which no build will use again.
fn remove_stale(current: &Path) {
    let Some(dir) = current.parent() else { return };
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        if path != current && name.is_some_and(|n| n.ends_with(".opt.wasm")) {
            let _ = std::fs::remove_file(path);
        }
    }
}

fn copy(from: &Path, to: &Path) {
    std::fs::copy(from, to).unwrap_or_else(|e| panic!("cannot copy {}: {e}", from.display()));
}
