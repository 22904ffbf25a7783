//! A read-only tantivy [`Directory`] whose bytes come from somewhere slow: in the browser,
//! synchronous HTTP Range requests from a Web Worker. Every fetched piece is kept, so the
//! parts every query touches (footers, term dictionary indexes) are downloaded once, and a
//! read fetches only what is missing of it, in one request per gap. Reads of most files are
//! rounded out to blocks, so that neighbouring small reads share a request; reads of stored
//! documents, postings and positions are fetched exactly (see [`exact`]).
//!
//! The transport is a [`Fetch`] implementation, so the same cache runs natively in tests and
//! in the benchmark, which counts requests and bytes exactly as the browser would see them.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tantivy::HasLen;
use tantivy::directory::error::{DeleteError, LockError, OpenReadError, OpenWriteError};
use tantivy::directory::{
    Directory, DirectoryLock, FileHandle, Lock, OwnedBytes, WatchCallback, WatchHandle, WritePtr,
};

/// Bytes per cache block. Small enough that a term lookup or a stored document does not
/// drag in much besides itself, large enough that neighbouring reads share a request.
/// Measured in Chromium (scripts/search_bench.py, 1,000 pairs), a later query cost 19–53 KB
/// with 1 KB blocks, 26–70 KB with 2 KB and more with 4 KB; runs of blocks still go in one
/// request, so finer blocks add few requests.
pub const BLOCK: usize = 1024;

/// The first bytes of a hot cache file, with its format version.
const HOT_MAGIC: &[u8] = b"qiao-hot3";
/// After the magic: the checksum of the rest, u32 little endian.
const HOT_HEADER: usize = HOT_MAGIC.len() + 4;

/// 32-bit FNV-1a. The browser cannot check a file against the manifest's XXH3, and a
/// damaged hot cache would otherwise be served as index bytes; this finds damage (not
/// tampering) in a few lines of code in the searcher.
fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5, |hash, &b| {
        (hash ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// Whether reads of the file `name` are fetched exactly rather than rounded to blocks.
/// tantivy reads a stored-document block, a term's postings or its positions whole and
/// once, so rounding only brought the neighbours' bytes: measured in Chromium at 10,000
/// pairs, a second request's worth of block for about half the hits, and 1–2 KB per
/// posting list read, in a later query of 27–54 KB.
fn exact(name: &str) -> bool {
    [".store", ".idx", ".pos"]
        .iter()
        .any(|ext| name.ends_with(ext))
}

/// Where the bytes of the index files come from.
pub trait Fetch: Send + Sync + 'static {
    /// Returns exactly the bytes `range` of file number `file` (its index in the
    /// manifest).
    fn fetch(&self, file: usize, range: Range<usize>) -> io::Result<Vec<u8>>;
}

/// One index file as listed in the manifest: tantivy's name and its length.
#[derive(Debug, Clone)]
pub struct FileEntry {
    pub name: String,
    pub len: usize,
}

/// Requests made and bytes received, for the benchmark and tests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct FetchStats {
    pub requests: usize,
    pub bytes: usize,
}

/// Fetched bytes: per file number, disjoint pieces by their first byte.
type Pieces = HashMap<usize, BTreeMap<usize, Arc<[u8]>>>;

#[derive(Clone)]
pub struct RangeDirectory {
    inner: Arc<Inner>,
}

struct Inner {
    files: Vec<FileEntry>,
    by_name: HashMap<PathBuf, usize>,
    fetch: Box<dyn Fetch>,
    pieces: Mutex<Pieces>,
    stats: Mutex<FetchStats>,
}

impl RangeDirectory {
    pub fn new(files: Vec<FileEntry>, fetch: impl Fetch) -> RangeDirectory {
        let by_name = files
            .iter()
            .enumerate()
            .map(|(i, f)| (PathBuf::from(&f.name), i))
            .collect();
        RangeDirectory {
            inner: Arc::new(Inner {
                files,
                by_name,
                fetch: Box::new(fetch),
                pieces: Mutex::new(HashMap::new()),
                stats: Mutex::new(FetchStats::default()),
            }),
        }
    }

    pub fn stats(&self) -> FetchStats {
        *lock(&self.inner.stats)
    }

    /// The pieces fetched so far, as a hot cache file (see [`RangeDirectory::warm`]):
    /// `HOT_MAGIC`, the checksum of what follows (see [`fnv1a`]), then per piece its file
    /// number, first byte and length (u32, little endian) and its bytes, in file and byte
    /// order so the output is deterministic.
    pub fn hot_cache(&self) -> Vec<u8> {
        let pieces = lock(&self.inner.pieces);
        let mut files: Vec<&usize> = pieces.keys().collect();
        files.sort();
        let mut out = HOT_MAGIC.to_vec();
        out.extend_from_slice(&[0; 4]);
        for file in files {
            for (start, bytes) in &pieces[file] {
                for n in [*file, *start, bytes.len()] {
                    out.extend_from_slice(&(n as u32).to_le_bytes());
                }
                out.extend_from_slice(bytes);
            }
        }
        let sum = fnv1a(&out[HOT_HEADER..]);
        out[HOT_MAGIC.len()..HOT_HEADER].copy_from_slice(&sum.to_le_bytes());
        out
    }

    /// Fills the cache from a hot cache file written by [`RangeDirectory::hot_cache`] at
    /// build time: the bytes that opening the index reads, fetched in one compressed
    /// request instead of one range request each. Checks every entry against the manifest
    /// (a piece that does not fit would be served as index bytes), and loads nothing from
    /// a file that fails.
    pub fn warm(&self, hot: &[u8]) -> io::Result<()> {
        let damaged = |why: &str| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("the hot cache is damaged ({why})"),
            )
        };
        let (sum, mut rest) = hot
            .strip_prefix(HOT_MAGIC)
            .and_then(|h| h.split_at_checked(4))
            .ok_or_else(|| damaged("not a hot cache"))?;
        if *sum != fnv1a(rest).to_le_bytes() {
            return Err(damaged("its checksum does not match"));
        }
        let mut entries: Vec<(usize, usize, Arc<[u8]>)> = Vec::new();
        while !rest.is_empty() {
            let (head, tail) = rest
                .split_at_checked(12)
                .ok_or_else(|| damaged("cut short"))?;
            let n = |i: usize| {
                u32::from_le_bytes([head[i], head[i + 1], head[i + 2], head[i + 3]]) as usize
            };
            let (file, start, len) = (n(0), n(4), n(8));
            let file_len = self
                .inner
                .files
                .get(file)
                .ok_or_else(|| damaged("unknown file"))?
                .len;
            // In order and apart, as written: an overlap would serve two versions of a byte.
            let after_previous = match entries.last() {
                Some((f, s, b)) if *f == file => start >= s + b.len(),
                Some((f, ..)) => file > *f,
                None => true,
            };
            if len == 0 || start.saturating_add(len) > file_len || !after_previous {
                return Err(damaged("a piece does not fit its file"));
            }
            let (bytes, tail) = tail
                .split_at_checked(len)
                .ok_or_else(|| damaged("cut short"))?;
            entries.push((file, start, Arc::from(bytes)));
            rest = tail;
        }
        let mut pieces = lock(&self.inner.pieces);
        for (file, start, bytes) in entries {
            pieces.entry(file).or_default().insert(start, bytes);
        }
        Ok(())
    }

    fn file(&self, path: &Path) -> Result<usize, OpenReadError> {
        self.inner
            .by_name
            .get(path)
            .copied()
            .ok_or_else(|| OpenReadError::FileDoesNotExist(path.to_path_buf()))
    }
}

/// A poisoned lock only means another reader panicked; the cache is still consistent
/// (blocks are inserted whole).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Inner {
    fn read(&self, file: usize, range: Range<usize>) -> io::Result<Vec<u8>> {
        let len = self.files[file].len;
        if range.start > range.end || range.end > len {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "read {range:?} past the end of {} ({len} bytes)",
                    self.files[file].name
                ),
            ));
        }
        if range.is_empty() {
            return Ok(Vec::new());
        }
        let want = if exact(&self.files[file].name) {
            range.clone()
        } else {
            range.start / BLOCK * BLOCK..range.end.div_ceil(BLOCK).saturating_mul(BLOCK).min(len)
        };
        let gaps = {
            let pieces = lock(&self.pieces);
            pieces
                .get(&file)
                .map_or_else(|| vec![want.clone()], |p| gaps(p, &want))
        };
        for gap in gaps {
            let bytes = self.fetch.fetch(file, gap.clone())?;
            if bytes.len() != gap.len() {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!(
                        "{}: expected {} bytes, got {}",
                        self.files[file].name,
                        gap.len(),
                        bytes.len()
                    ),
                ));
            }
            {
                let mut stats = lock(&self.stats);
                stats.requests += 1;
                stats.bytes += bytes.len();
            }
            let mut pieces = lock(&self.pieces);
            pieces
                .entry(file)
                .or_default()
                .insert(gap.start, Arc::from(bytes));
        }
        let pieces = lock(&self.pieces);
        let mut out = Vec::with_capacity(range.len());
        for (start, bytes) in overlapping(&pieces[&file], &range) {
            let from = range.start.max(start) - start;
            let to = range.end.min(start + bytes.len()) - start;
            out.extend_from_slice(&bytes[from..to]);
        }
        Ok(out)
    }
}

/// The pieces that hold some byte of `range`, in order.
fn overlapping<'a>(
    pieces: &'a BTreeMap<usize, Arc<[u8]>>,
    range: &Range<usize>,
) -> impl Iterator<Item = (usize, &'a [u8])> {
    let before = pieces.range(..range.start).next_back();
    (before.into_iter())
        .chain(pieces.range(range.start..range.end))
        .map(|(start, bytes)| (*start, &bytes[..]))
        .filter(move |(start, bytes)| start + bytes.len() > range.start)
}

/// The parts of `want` that no piece holds.
fn gaps(pieces: &BTreeMap<usize, Arc<[u8]>>, want: &Range<usize>) -> Vec<Range<usize>> {
    let mut gaps = Vec::new();
    let mut at = want.start;
    for (start, bytes) in overlapping(pieces, want) {
        if start > at {
            gaps.push(at..start);
        }
        at = at.max(start + bytes.len());
    }
    if at < want.end {
        gaps.push(at..want.end);
    }
    gaps
}

struct RangeFile {
    inner: Arc<Inner>,
    file: usize,
}

impl fmt::Debug for RangeFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RangeFile({})", self.inner.files[self.file].name)
    }
}

impl HasLen for RangeFile {
    fn len(&self) -> usize {
        self.inner.files[self.file].len
    }
}

impl FileHandle for RangeFile {
    fn read_bytes(&self, range: Range<usize>) -> io::Result<OwnedBytes> {
        self.inner.read(self.file, range).map(OwnedBytes::new)
    }
}

impl fmt::Debug for RangeDirectory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RangeDirectory({} files)", self.inner.files.len())
    }
}

fn read_only() -> io::Error {
    io::Error::new(io::ErrorKind::Unsupported, "the search index is read-only")
}

impl Directory for RangeDirectory {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        let file = self.file(path)?;
        Ok(Arc::new(RangeFile {
            inner: self.inner.clone(),
            file,
        }))
    }

    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        Err(DeleteError::IoError {
            io_error: Arc::new(read_only()),
            filepath: path.to_path_buf(),
        })
    }

    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        Ok(self.inner.by_name.contains_key(path))
    }

    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        Err(OpenWriteError::IoError {
            io_error: Arc::new(read_only()),
            filepath: path.to_path_buf(),
        })
    }

    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        let file = self.file(path)?;
        let len = self.inner.files[file].len;
        self.inner
            .read(file, 0..len)
            .map_err(|e| OpenReadError::IoError {
                io_error: Arc::new(e),
                filepath: path.to_path_buf(),
            })
    }

    fn atomic_write(&self, _path: &Path, _data: &[u8]) -> io::Result<()> {
        Err(read_only())
    }

    fn sync_directory(&self) -> io::Result<()> {
        Ok(())
    }

    /// Readers take no locks; only a writer would, and there is none.
    fn acquire_lock(&self, _lock: &Lock) -> Result<DirectoryLock, LockError> {
        Ok(DirectoryLock::from(Box::new(())))
    }

    fn watch(&self, _callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        Ok(WatchHandle::empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Memory(Vec<Vec<u8>>);

    impl Fetch for Memory {
        fn fetch(&self, file: usize, range: Range<usize>) -> io::Result<Vec<u8>> {
            Ok(self.0[file][range].to_vec())
        }
    }

    /// A directory of one file, `name`, holding `data`.
    fn one_file(name: &str, data: &[u8]) -> RangeDirectory {
        let entry = FileEntry {
            name: name.into(),
            len: data.len(),
        };
        RangeDirectory::new(vec![entry], Memory(vec![data.to_vec()]))
    }

    #[test]
    fn reads_are_rounded_to_blocks_and_kept() {
        // Five blocks less a few bytes: the last block is short.
        let len = 5 * BLOCK - 10;
        let data: Vec<u8> = (0..len as u32).map(|i| (i % 251) as u8).collect();
        let dir = one_file("a.fast", &data);
        let file = dir.get_file_handle(Path::new("a.fast")).unwrap();
        let across = 100..BLOCK + 100;
        assert_eq!(
            file.read_bytes(across.clone()).unwrap().as_slice(),
            &data[across]
        );
        assert_eq!(
            dir.stats(),
            FetchStats {
                requests: 1,
                bytes: 2 * BLOCK
            }
        );
        let inside = BLOCK - 50..BLOCK + 50;
        assert_eq!(
            file.read_bytes(inside.clone()).unwrap().as_slice(),
            &data[inside]
        );
        assert_eq!(dir.stats().requests, 1, "cached");
        assert_eq!(
            file.read_bytes(len - 10..len).unwrap().as_slice(),
            &data[len - 10..]
        );
        assert_eq!(
            dir.stats(),
            FetchStats {
                requests: 2,
                bytes: 2 * BLOCK + (len - 4 * BLOCK)
            }
        );
        assert!(file.read_bytes(len - 10..len + 1).is_err());
        assert!(dir.get_file_handle(Path::new("missing")).is_err());
    }

    #[test]
    fn stored_documents_and_postings_are_fetched_exactly_and_only_what_is_missing() {
        let data: Vec<u8> = (0..(4 * BLOCK) as u32).map(|i| (i % 241) as u8).collect();
        let dir = one_file("a.store", &data);
        let file = dir.get_file_handle(Path::new("a.store")).unwrap();
        let read = |r: Range<usize>| {
            assert_eq!(file.read_bytes(r.clone()).unwrap().as_slice(), &data[r]);
            dir.stats()
        };
        let stats = |requests, bytes| FetchStats { requests, bytes };
        assert_eq!(read(100..BLOCK + 100), stats(1, BLOCK));
        assert_eq!(read(200..300), stats(1, BLOCK), "held");
        // Only the 50 bytes before and after the piece held are fetched.
        assert_eq!(read(50..BLOCK + 150), stats(3, BLOCK + 100));
        assert_eq!(read(0..4 * BLOCK).requests, 5);
        assert_eq!(dir.stats().bytes, data.len());
    }

    #[test]
    fn a_hot_cache_serves_its_pieces_without_fetching_and_damage_is_refused() {
        let data: Vec<u8> = (0..(3 * BLOCK + 500) as u32)
            .map(|i| (i % 253) as u8)
            .collect();
        let cold = one_file("a.idx", &data);
        let file = cold.get_file_handle(Path::new("a.idx")).unwrap();
        file.read_bytes(3 * BLOCK..data.len()).unwrap();
        let hot = cold.hot_cache();

        let warm = one_file("a.idx", &data);
        warm.warm(&hot).unwrap();
        let file = warm.get_file_handle(Path::new("a.idx")).unwrap();
        assert_eq!(
            file.read_bytes(3 * BLOCK + 100..data.len())
                .unwrap()
                .as_slice(),
            &data[3 * BLOCK + 100..]
        );
        assert_eq!(warm.stats().requests, 0, "served from the hot cache");

        let fresh = || one_file("a.idx", &data);
        let mut flipped = hot.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert!(fresh().warm(&flipped).is_err(), "a damaged byte");
        assert!(fresh().warm(b"something else").is_err(), "not a hot cache");
        // Damage to the structure, with a checksum that fits it: refused all the same.
        let sealed = |mut hot: Vec<u8>| {
            let sum = fnv1a(&hot[HOT_HEADER..]);
            hot[HOT_MAGIC.len()..HOT_HEADER].copy_from_slice(&sum.to_le_bytes());
            hot
        };
        let cut = sealed(hot[..hot.len() - 1].to_vec());
        assert!(fresh().warm(&cut).is_err(), "cut short");
        let mut wrong_file = hot.clone();
        wrong_file[HOT_HEADER] = 7;
        assert!(fresh().warm(&sealed(wrong_file)).is_err(), "unknown file");
        let mut wrong_len = hot.clone();
        wrong_len[HOT_HEADER + 8] ^= 1;
        assert!(
            fresh().warm(&sealed(wrong_len)).is_err(),
            "a piece that does not fit"
        );
        let mut twice = hot.clone();
        twice.extend_from_slice(&hot[HOT_HEADER..]);
        assert!(fresh().warm(&sealed(twice)).is_err(), "pieces that overlap");
    }
}
