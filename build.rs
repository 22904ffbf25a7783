//! Builds the WebAssembly searcher (`crates/qiao-search-wasm`) for `wasm32-unknown-unknown`
//! and leaves it in OUT_DIR, where `src/search.rs` embeds it: `cargo build` yields a `qiao`
//! that carries its own searcher, with no second build step and no opaque binary in git.
//!
//! The default templates and static files are embedded with `include_dir!`, which cannot
//! tell cargo about the files it reads; the `rerun-if-changed` lines make edits rebuild.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

const WASM_TARGET: &str = "wasm32-unknown-unknown";

fn main() {
    for path in [
        "templates",
        "static",
        "crates/qiao-search/src",
        "crates/qiao-search/Cargo.toml",
        "crates/qiao-search-wasm/src",
        "crates/qiao-search-wasm/Cargo.toml",
        "Cargo.lock",
        ".cargo/config.toml",
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
    let mut cmd = Command::new(cargo);
    cmd.current_dir(&manifest_dir)
        .args([
            "build",
            "--package",
            "qiao-search-wasm",
            "--profile",
            "wasm",
            "--target",
            WASM_TARGET,
        ])
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
    copy(&wasm, &out_dir.join("qiao_search.wasm"));
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
