//! qiao's searcher for the browser: the shared [`qiao_search::Engine`] behind a plain C ABI,
//! reading the index through synchronous range reads that the Web Worker performs (one
//! imported function), so no JavaScript bindings generator is needed.
//!
//! Protocol, all strings UTF-8 in linear memory:
//! - `qiao_alloc(len) -> ptr`, `qiao_free(ptr, len)`: buffers for the arguments below.
//! - `qiao_open(manifest, len, hot, hot_len) -> 0 | -1`: the index files as
//!   `name\tlength\n` lines, in the order the worker numbers them for `qiao_fetch`, and
//!   the hot cache file's bytes (`hot_len` 0 when there is none).
//! - `qiao_search(request, len) -> ptr`: a JSON request; the result is a little-endian
//!   `u32` length followed by that many bytes of JSON, valid until the next call.
//! - imported `env.qiao_fetch(file, start, len, dst) -> 0 | negative`: copy bytes
//!   `start..start+len` of file number `file` to `dst`.

use std::cell::RefCell;
use std::io;
use std::ops::Range;

use qiao_search::directory::{Fetch, FileEntry, RangeDirectory};
use qiao_search::{Engine, Request};
use tantivy::Index;

#[cfg(target_arch = "wasm32")]
#[link(wasm_import_module = "env")]
unsafe extern "C" {
    fn qiao_fetch(file: u32, start: u32, len: u32, dst: *mut u8) -> i32;
}

/// On the host there is no worker to call; the crate is only ever built for wasm32, but
/// this keeps `cargo check --workspace` meaningful.
#[cfg(not(target_arch = "wasm32"))]
unsafe fn qiao_fetch(_file: u32, _start: u32, _len: u32, _dst: *mut u8) -> i32 {
    -1
}

struct WorkerFetch;

impl Fetch for WorkerFetch {
    fn fetch(&self, file: usize, range: Range<usize>) -> io::Result<Vec<u8>> {
        let mut buf = vec![0u8; range.len()];
        // SAFETY: `buf` is a live allocation of exactly `range.len()` bytes, which is all
        // the worker writes.
        let status = unsafe {
            qiao_fetch(
                file as u32,
                range.start as u32,
                range.len() as u32,
                buf.as_mut_ptr(),
            )
        };
        if status == 0 {
            Ok(buf)
        } else {
            Err(io::Error::other(format!(
                "fetching index file {file} failed ({status})"
            )))
        }
    }
}

thread_local! {
    static ENGINE: RefCell<Option<Engine>> = const { RefCell::new(None) };
    static RESULT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

#[unsafe(no_mangle)]
pub extern "C" fn qiao_alloc(len: usize) -> *mut u8 {
    let mut buf = Vec::<u8>::with_capacity(len.max(1));
    let ptr = buf.as_mut_ptr();
    std::mem::forget(buf);
    ptr
}

/// # Safety
/// `ptr` and `len` must come from one `qiao_alloc` call, freed once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qiao_free(ptr: *mut u8, len: usize) {
    // SAFETY: guaranteed by the caller, per the function's contract.
    drop(unsafe { Vec::from_raw_parts(ptr, 0, len.max(1)) });
}

/// # Safety
/// `ptr..ptr+len` must be readable memory (a `qiao_alloc` buffer).
unsafe fn text<'a>(ptr: *const u8, len: usize) -> &'a str {
    // SAFETY: guaranteed by the caller.
    let bytes = unsafe { std::slice::from_raw_parts(ptr, len) };
    std::str::from_utf8(bytes).unwrap_or("")
}

/// # Safety
/// `ptr..ptr+len` must be readable memory holding the manifest lines, and
/// `hot..hot+hot_len` readable memory holding the hot cache (or `hot_len` 0).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qiao_open(
    ptr: *const u8,
    len: usize,
    hot: *const u8,
    hot_len: usize,
) -> i32 {
    // SAFETY: guaranteed by the caller.
    let manifest = unsafe { text(ptr, len) };
    let hot: &[u8] = if hot_len == 0 {
        &[]
    } else {
        // SAFETY: guaranteed by the caller.
        unsafe { std::slice::from_raw_parts(hot, hot_len) }
    };
    let files = manifest
        .lines()
        .filter_map(|line| {
            let (name, len) = line.split_once('\t')?;
            Some(FileEntry {
                name: name.to_owned(),
                len: len.trim().parse().ok()?,
            })
        })
        .collect();
    let directory = RangeDirectory::new(files, WorkerFetch);
    let warmed = if hot.is_empty() {
        Ok(())
    } else {
        directory.warm(hot)
    };
    let opened = warmed
        .map_err(tantivy::TantivyError::from)
        .and_then(|()| Index::open(directory))
        .and_then(Engine::open);
    match opened {
        Ok(engine) => {
            ENGINE.with(|e| *e.borrow_mut() = Some(engine));
            0
        }
        Err(e) => {
            set_result(&serde_json::json!({ "error": e.to_string() }).to_string());
            -1
        }
    }
}

/// # Safety
/// `ptr..ptr+len` must be readable memory holding a JSON [`Request`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn qiao_search(ptr: *const u8, len: usize) -> *const u8 {
    // SAFETY: guaranteed by the caller.
    let request = unsafe { text(ptr, len) };
    let json = match serde_json::from_str::<Request>(request) {
        Err(e) => serde_json::json!({ "error": format!("bad request: {e}") }).to_string(),
        Ok(request) => ENGINE.with(|e| match e.borrow().as_ref() {
            None => serde_json::json!({ "error": "the index is not open" }).to_string(),
            Some(engine) => match engine.search(&request) {
                Ok(response) => serde_json::to_string(&response).unwrap_or_default(),
                Err(err) => serde_json::json!({ "error": err.to_string() }).to_string(),
            },
        }),
    };
    set_result(&json)
}

/// The last error or result, as returned by `qiao_search`.
#[unsafe(no_mangle)]
pub extern "C" fn qiao_result() -> *const u8 {
    RESULT.with(|r| r.borrow().as_ptr())
}

fn set_result(json: &str) -> *const u8 {
    RESULT.with(|r| {
        let mut r = r.borrow_mut();
        r.clear();
        r.extend_from_slice(&(json.len() as u32).to_le_bytes());
        r.extend_from_slice(json.as_bytes());
        r.as_ptr()
    })
}
