//! A read-only tantivy [`Directory`] whose bytes come from somewhere slow: in the browser,
//! synchronous HTTP Range requests from a Web Worker. Reads are rounded to blocks, runs of
//! missing blocks are fetched in one request, and every fetched block is kept, so the parts
//! every query touches (footers, term dictionary indexes) are downloaded once.
//!
//! The transport is a [`Fetch`] implementation, so the same cache runs natively in tests and
//! in the benchmark, which counts requests and bytes exactly as the browser would see them.

use std::collections::HashMap;
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
const HOT_MAGIC: &[u8] = b"qiao-hot1";

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

/// Fetched blocks by `(file, block number)`.
type BlockCache = HashMap<(usize, usize), Arc<[u8]>>;

#[derive(Clone)]
pub struct RangeDirectory {
    inner: Arc<Inner>,
}

struct Inner {
    files: Vec<FileEntry>,
    by_name: HashMap<PathBuf, usize>,
    fetch: Box<dyn Fetch>,
    blocks: Mutex<BlockCache>,
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
                blocks: Mutex::new(HashMap::new()),
                stats: Mutex::new(FetchStats::default()),
            }),
        }
    }

    pub fn stats(&self) -> FetchStats {
        *lock(&self.inner.stats)
    }

    /// The blocks fetched so far of the files whose names `keep` accepts, as a hot cache
    /// file (see [`RangeDirectory::warm`]): `HOT_MAGIC`, then per block its file number,
    /// block number and length (u32, little endian) and its bytes, in file and block
    /// order so the output is deterministic.
    pub fn hot_cache(&self, keep: impl Fn(&str) -> bool) -> Vec<u8> {
        let blocks = lock(&self.inner.blocks);
        let mut keys: Vec<&(usize, usize)> = blocks
            .keys()
            .filter(|(file, _)| keep(&self.inner.files[*file].name))
            .collect();
        keys.sort();
        let mut out = HOT_MAGIC.to_vec();
        for key in keys {
            let bytes = &blocks[key];
            for n in [key.0, key.1, bytes.len()] {
                out.extend_from_slice(&(n as u32).to_le_bytes());
            }
            out.extend_from_slice(bytes);
        }
        out
    }

    /// Fills the cache from a hot cache file written by [`RangeDirectory::hot_cache`] at
    /// build time: the blocks that opening the index reads, fetched in one compressed
    /// request instead of one range request each. Checks every entry against the manifest
    /// (a block that does not fit would be served as index bytes), and loads nothing from
    /// a file that fails.
    pub fn warm(&self, hot: &[u8]) -> io::Result<()> {
        let damaged = |why: &str| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("the hot cache is damaged ({why})"),
            )
        };
        let mut rest = hot
            .strip_prefix(HOT_MAGIC)
            .ok_or_else(|| damaged("not a hot cache"))?;
        let mut entries = Vec::new();
        while !rest.is_empty() {
            let (head, tail) = rest
                .split_at_checked(12)
                .ok_or_else(|| damaged("cut short"))?;
            let n = |i: usize| {
                u32::from_le_bytes([head[i], head[i + 1], head[i + 2], head[i + 3]]) as usize
            };
            let (file, block, len) = (n(0), n(4), n(8));
            let file_len = self
                .inner
                .files
                .get(file)
                .ok_or_else(|| damaged("unknown file"))?
                .len;
            let expected = file_len
                .saturating_sub(block.saturating_mul(BLOCK))
                .min(BLOCK);
            if len == 0 || len != expected {
                return Err(damaged("a block does not fit its file"));
            }
            let (bytes, tail) = tail
                .split_at_checked(len)
                .ok_or_else(|| damaged("cut short"))?;
            entries.push(((file, block), Arc::from(bytes)));
            rest = tail;
        }
        lock(&self.inner.blocks).extend(entries);
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
        let first = range.start / BLOCK;
        let last = (range.end - 1) / BLOCK;
        let missing: Vec<usize> = {
            let blocks = lock(&self.blocks);
            (first..=last)
                .filter(|b| !blocks.contains_key(&(file, *b)))
                .collect()
        };
        // One request per run of consecutive missing blocks.
        let mut i = 0;
        while i < missing.len() {
            let mut j = i;
            while j + 1 < missing.len() && missing[j + 1] == missing[j] + 1 {
                j += 1;
            }
            let start = missing[i] * BLOCK;
            let end = ((missing[j] + 1) * BLOCK).min(len);
            let bytes = self.fetch.fetch(file, start..end)?;
            if bytes.len() != end - start {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!(
                        "{}: expected {} bytes, got {}",
                        self.files[file].name,
                        end - start,
                        bytes.len()
                    ),
                ));
            }
            {
                let mut stats = lock(&self.stats);
                stats.requests += 1;
                stats.bytes += bytes.len();
            }
            let mut blocks = lock(&self.blocks);
            for (k, chunk) in bytes.chunks(BLOCK).enumerate() {
                blocks.insert((file, missing[i] + k), Arc::from(chunk));
            }
            i = j + 1;
        }
        let blocks = lock(&self.blocks);
        let mut out = Vec::with_capacity(range.len());
        for b in first..=last {
            let block = &blocks[&(file, b)];
            let block_start = b * BLOCK;
            let from = range.start.max(block_start) - block_start;
            let to = range.end.min(block_start + block.len()) - block_start;
            out.extend_from_slice(&block[from..to]);
        }
        Ok(out)
    }
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

    #[test]
    fn reads_are_cached_by_block_and_runs_fetched_together() {
        // Five blocks less a few bytes: the last block is short.
        let len = 5 * BLOCK - 10;
        let data: Vec<u8> = (0..len as u32).map(|i| (i % 251) as u8).collect();
        let dir = RangeDirectory::new(
            vec![FileEntry {
                name: "a.idx".into(),
                len: data.len(),
            }],
            Memory(vec![data.clone()]),
        );
        let file = dir.get_file_handle(Path::new("a.idx")).unwrap();
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
    fn a_hot_cache_serves_its_blocks_without_fetching_and_damage_is_refused() {
        let data: Vec<u8> = (0..(3 * BLOCK + 500) as u32)
            .map(|i| (i % 253) as u8)
            .collect();
        let entries = || {
            vec![FileEntry {
                name: "a.idx".into(),
                len: data.len(),
            }]
        };
        let cold = RangeDirectory::new(entries(), Memory(vec![data.clone()]));
        let file = cold.get_file_handle(Path::new("a.idx")).unwrap();
        file.read_bytes(3 * BLOCK..data.len()).unwrap();
        let hot = cold.hot_cache(|_| true);

        let warm = RangeDirectory::new(entries(), Memory(vec![data.clone()]));
        warm.warm(&hot).unwrap();
        let file = warm.get_file_handle(Path::new("a.idx")).unwrap();
        assert_eq!(
            file.read_bytes(3 * BLOCK + 100..data.len())
                .unwrap()
                .as_slice(),
            &data[3 * BLOCK + 100..]
        );
        assert_eq!(warm.stats().requests, 0, "served from the hot cache");

        let fresh = || RangeDirectory::new(entries(), Memory(vec![data.clone()]));
        assert!(fresh().warm(&hot[..hot.len() - 1]).is_err(), "cut short");
        assert!(fresh().warm(b"something else").is_err(), "not a hot cache");
        let mut wrong_file = hot.clone();
        wrong_file[HOT_MAGIC.len()] = 7;
        assert!(fresh().warm(&wrong_file).is_err(), "unknown file");
        let mut wrong_len = hot.clone();
        wrong_len[HOT_MAGIC.len() + 8] ^= 1;
        assert!(
            fresh().warm(&wrong_len).is_err(),
            "a block that does not fit"
        );
    }
}
