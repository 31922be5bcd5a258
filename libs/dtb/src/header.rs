//! The fixed FDT header, block layout checks and big-endian field access.

use core::ops::Range;

use crate::Error;

/// Magic number at offset 0 of every blob.
pub const FDT_MAGIC: u32 = 0xd00d_feed;
/// Oldest format version this parser reads.
pub const MIN_VERSION: u32 = 16;
/// Newest format version this parser implements.
pub const MAX_VERSION: u32 = 17;

/// Header size for v17 blobs (v16 lacks the final `size_dt_struct` word).
const HEADER_V17_SIZE: usize = 40;
const HEADER_V16_SIZE: usize = 36;

/// Reads a big-endian `u32` at `offset`, if it lies fully inside `bytes`.
pub(crate) fn be_u32(bytes: &[u8], offset: usize) -> Option<u32> {
    let end = offset.checked_add(4)?;
    let word: [u8; 4] = bytes.get(offset..end)?.try_into().ok()?;
    Some(u32::from_be_bytes(word))
}

/// Reads a big-endian `u64` at `offset`, if it lies fully inside `bytes`.
pub(crate) fn be_u64(bytes: &[u8], offset: usize) -> Option<u64> {
    let end = offset.checked_add(8)?;
    let word: [u8; 8] = bytes.get(offset..end)?.try_into().ok()?;
    Some(u64::from_be_bytes(word))
}

fn to_usize(value: u32) -> Result<usize, Error> {
    usize::try_from(value).map_err(|_| Error::BadLayout)
}

/// The header fields of a blob, in host byte order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// Size of the whole blob in bytes.
    pub total_size: u32,
    /// Offset of the structure block.
    pub off_dt_struct: u32,
    /// Offset of the strings block.
    pub off_dt_strings: u32,
    /// Offset of the memory reservation block.
    pub off_mem_rsvmap: u32,
    /// Format version of the blob.
    pub version: u32,
    /// Oldest version this blob is compatible with.
    pub last_comp_version: u32,
    /// Physical id of the boot CPU.
    pub boot_cpuid_phys: u32,
    /// Length of the strings block.
    pub size_dt_strings: u32,
    /// Length of the structure block; present from version 17 on.
    pub size_dt_struct: Option<u32>,
}

/// Byte ranges of the blocks, all within `0..total`.
pub(crate) struct Layout {
    pub total: usize,
    pub structs: Range<usize>,
    pub strings: Range<usize>,
    pub rsvmap_start: usize,
}

/// Checks the magic and returns `totalsize` from the first 8 bytes of a blob.
pub(crate) fn total_size_from_header(header: &[u8]) -> Result<usize, Error> {
    let magic = be_u32(header, 0).ok_or(Error::Truncated)?;
    if magic != FDT_MAGIC {
        return Err(Error::BadMagic);
    }
    let total = to_usize(be_u32(header, 4).ok_or(Error::Truncated)?)?;
    if total < HEADER_V17_SIZE {
        return Err(Error::BadLayout);
    }
    Ok(total)
}

impl Header {
    /// Parses and checks the header at the start of `bytes`.
    pub(crate) fn parse(bytes: &[u8]) -> Result<Header, Error> {
        total_size_from_header(bytes)?;
        let word = |index: usize| be_u32(bytes, index * 4).ok_or(Error::Truncated);
        let version = word(5)?;
        let last_comp_version = word(6)?;
        if version < MIN_VERSION || last_comp_version > MAX_VERSION {
            return Err(Error::UnsupportedVersion);
        }
        Ok(Header {
            total_size: word(1)?,
            off_dt_struct: word(2)?,
            off_dt_strings: word(3)?,
            off_mem_rsvmap: word(4)?,
            version,
            last_comp_version,
            boot_cpuid_phys: word(7)?,
            size_dt_strings: word(8)?,
            size_dt_struct: if version >= 17 { Some(word(9)?) } else { None },
        })
    }

    /// Locates the blocks, checking they sit after the header and inside
    /// `totalsize`, which must itself fit in `available` bytes.
    pub(crate) fn layout(&self, available: usize) -> Result<Layout, Error> {
        let total = to_usize(self.total_size)?;
        if total > available {
            return Err(Error::Truncated);
        }
        let header_size = if self.size_dt_struct.is_some() { HEADER_V17_SIZE } else { HEADER_V16_SIZE };
        let block = |offset: u32, size: Option<u32>| -> Result<Range<usize>, Error> {
            let start = to_usize(offset)?;
            let end = match size {
                Some(size) => start.checked_add(to_usize(size)?).ok_or(Error::BadLayout)?,
                None => total,
            };
            if start < header_size || start > end || end > total {
                return Err(Error::BadLayout);
            }
            Ok(start..end)
        };
        let structs = block(self.off_dt_struct, self.size_dt_struct)?;
        if !structs.start.is_multiple_of(4) {
            return Err(Error::BadLayout);
        }
        let strings = block(self.off_dt_strings, Some(self.size_dt_strings))?;
        let rsvmap_start = block(self.off_mem_rsvmap, None)?.start;
        Ok(Layout { total, structs, strings, rsvmap_start })
    }
}
