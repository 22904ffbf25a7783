//! The `.lzma` format (xz's `--format=lzma`) for the files a reader's browser fetches whole
//! and qiao's search worker unpacks (`unlzma` in static/search/worker.js): the searcher
//! and the hot cache. A static host sends them gzipped; this format is 15–25% smaller.
//! build.rs uses this file too (for the searcher), through `#[path]`.

use std::io::{self, Write};

use liblzma::stream::{LzmaOptions, PRESET_EXTREME, Stream};

/// Bytes 5..13 of the header: the uncompressed size, little endian.
const SIZE: std::ops::Range<usize> = 5..13;

/// `bytes` compressed with xz's strongest preset. The header carries the real size
/// where the encoder writes "unknown", so the worker allocates the output once; the end
/// marker stays, which decoders accept after a known size.
pub fn compress(bytes: &[u8]) -> Vec<u8> {
    let mut options = LzmaOptions::new_preset(9 | PRESET_EXTREME).expect("xz's preset 9e exists");
    // The preset's 64 MiB dictionary would make the encoder take about 670 MiB; one as
    // large as the input compresses the same.
    options.dict_size((bytes.len() as u32).next_power_of_two().max(4096));
    let stream = Stream::new_lzma_encoder(&options).expect("an LZMA encoder");
    let mut encoder = liblzma::write::XzEncoder::new_stream(Vec::new(), stream);
    encoder.write_all(bytes).expect("compressing into memory");
    let mut packed = encoder.finish().expect("compressing into memory");
    packed[SIZE].copy_from_slice(&(bytes.len() as u64).to_le_bytes());
    packed
}

/// The bytes `packed` holds; an error if it is not a whole `.lzma` stream.
pub fn decompress(packed: &[u8]) -> io::Result<Vec<u8>> {
    // The size as the header states it, bounded so that a damaged header cannot ask for
    // more memory than LZMA can expand the input to.
    let size = packed
        .get(SIZE)
        .map(|b| u64::from_le_bytes(b.try_into().unwrap_or_default()))
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "not an LZMA file"))?;
    let stream = Stream::new_lzma_decoder(u64::MAX).map_err(io::Error::other)?;
    let mut decoder = liblzma::write::XzDecoder::new_stream(
        Vec::with_capacity(size.min(packed.len() as u64 * 8) as usize),
        stream,
    );
    decoder.write_all(packed)?;
    let out = decoder.finish()?;
    if out.len() as u64 != size {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{} bytes, the header says {size}", out.len()),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_damage() {
        let text: Vec<u8> = (0..50_000u32)
            .flat_map(|i| (i % 977).to_le_bytes())
            .collect();
        let packed = compress(&text);
        assert!(packed.len() < text.len() / 4);
        assert_eq!(decompress(&packed).unwrap(), text);
        assert!(
            decompress(&packed[..packed.len() / 2]).is_err(),
            "cut short"
        );
        assert!(decompress(b"qiao").is_err(), "not LZMA");
    }
}
