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

/// Bytes per cache block. Small enough that a term lookup does not drag in much besides
/// the term, large enough that neighbouring reads share a request.
pub const BLOCK: usize = 4 * 1024;

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
        let data: Vec<u8> = (0..20_000u32).map(|i| (i % 251) as u8).collect();
        let dir = RangeDirectory::new(
            vec![FileEntry {
                name: "a.idx".into(),
                len: data.len(),
            }],
            Memory(vec![data.clone()]),
        );
        let file = dir.get_file_handle(Path::new("a.idx")).unwrap();
        assert_eq!(
            file.read_bytes(100..5000).unwrap().as_slice(),
            &data[100..5000]
        );
        assert_eq!(
            dir.stats(),
            FetchStats {
                requests: 1,
                bytes: 2 * BLOCK
            }
        );
        assert_eq!(
            file.read_bytes(4000..4100).unwrap().as_slice(),
            &data[4000..4100]
        );
        assert_eq!(dir.stats().requests, 1, "cached");
        assert_eq!(
            file.read_bytes(19_990..20_000).unwrap().as_slice(),
            &data[19_990..]
        );
        assert_eq!(
            dir.stats(),
            FetchStats {
                requests: 2,
                bytes: 2 * BLOCK + (20_000 - 4 * BLOCK)
            }
        );
        assert!(file.read_bytes(19_990..20_001).is_err());
        assert!(dir.get_file_handle(Path::new("missing")).is_err());
    }
}
