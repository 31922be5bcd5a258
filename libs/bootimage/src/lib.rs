//! The payload format shared by the image builder (host) and the boot loader (target).
//!
//! A boot image is the loader's ELF plus one extra loadable segment, the payload, placed at the
//! loader's `_payload` symbol. The payload starts with a [`PayloadHeader`] that says where the
//! kernel ELF and the root-task ELF lie inside it. Nothing here is seL4 ABI: it is private to
//! Atoll's loader, so the kernel never sees it.
#![no_std]
#![forbid(unsafe_code)]

/// First eight bytes of every payload.
pub const MAGIC: [u8; 8] = *b"ATOLLIMG";
/// Layout version; bump when [`PayloadHeader`] changes.
pub const VERSION: u32 = 2;

/// [`PayloadHeader::flags`]: hand the kernel no device tree (a4 = a5 = 0), as seL4 Microkit's
/// loader does; the kernel then uses the board description built into it.
pub const FLAG_NO_DEVICE_TREE: u64 = 1;
/// Size of the encoded header; the first file starts at or after it.
pub const HEADER_SIZE: usize = 64;
/// Files inside the payload start on this alignment so ELF parsing sees aligned data.
pub const FILE_ALIGN: usize = 4096;

/// Where the two ELF files lie, as byte ranges from the start of the payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PayloadHeader {
    /// Length of the whole payload, header included.
    pub total_size: u64,
    pub kernel: FileRange,
    pub root_task: FileRange,
    /// `FLAG_*` bits: how the loader hands over.
    pub flags: u64,
}

/// A byte range inside the payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileRange {
    pub offset: u64,
    pub size: u64,
}

/// Why a payload was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    TooShort,
    BadMagic,
    BadVersion(u32),
    FileOutOfBounds,
}

impl FileRange {
    /// The bytes of this file inside `payload`, if they lie within it.
    pub fn slice<'a>(&self, payload: &'a [u8]) -> Result<&'a [u8], Error> {
        let start = usize::try_from(self.offset).map_err(|_| Error::FileOutOfBounds)?;
        let size = usize::try_from(self.size).map_err(|_| Error::FileOutOfBounds)?;
        let end = start.checked_add(size).ok_or(Error::FileOutOfBounds)?;
        payload.get(start..end).ok_or(Error::FileOutOfBounds)
    }
}

fn read_u64(bytes: &[u8], at: usize) -> Result<u64, Error> {
    let field = bytes.get(at..at + 8).ok_or(Error::TooShort)?;
    let mut word = [0u8; 8];
    word.copy_from_slice(field);
    Ok(u64::from_le_bytes(word))
}

/// Reads the payload's total length from its first [`HEADER_SIZE`] bytes, so a loader that only
/// has a pointer knows how large a slice to make before decoding.
pub fn payload_len(first_bytes: &[u8]) -> Result<u64, Error> {
    if first_bytes.len() < HEADER_SIZE {
        return Err(Error::TooShort);
    }
    if first_bytes[0..8] != MAGIC {
        return Err(Error::BadMagic);
    }
    read_u64(first_bytes, 16)
}

impl PayloadHeader {
    /// Encodes the header into its fixed little-endian form.
    pub fn encode(&self) -> [u8; HEADER_SIZE] {
        let mut out = [0u8; HEADER_SIZE];
        out[0..8].copy_from_slice(&MAGIC);
        out[8..12].copy_from_slice(&VERSION.to_le_bytes());
        let fields = [
            self.total_size,
            self.kernel.offset,
            self.kernel.size,
            self.root_task.offset,
            self.root_task.size,
            self.flags,
        ];
        for (index, value) in fields.iter().enumerate() {
            let at = 8 + (index + 1) * 8;
            out[at..at + 8].copy_from_slice(&value.to_le_bytes());
        }
        out
    }

    /// Decodes and checks a header; both files must lie within `payload`.
    pub fn decode(payload: &[u8]) -> Result<Self, Error> {
        if payload.len() < HEADER_SIZE {
            return Err(Error::TooShort);
        }
        if payload[0..8] != MAGIC {
            return Err(Error::BadMagic);
        }
        let version = u32::from_le_bytes([payload[8], payload[9], payload[10], payload[11]]);
        if version != VERSION {
            return Err(Error::BadVersion(version));
        }
        let header = PayloadHeader {
            total_size: read_u64(payload, 16)?,
            kernel: FileRange { offset: read_u64(payload, 24)?, size: read_u64(payload, 32)? },
            root_task: FileRange { offset: read_u64(payload, 40)?, size: read_u64(payload, 48)? },
            flags: read_u64(payload, 56)?,
        };
        if header.total_size > payload.len() as u64 {
            return Err(Error::FileOutOfBounds);
        }
        header.kernel.slice(payload)?;
        header.root_task.slice(payload)?;
        Ok(header)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> PayloadHeader {
        PayloadHeader {
            total_size: 8242,
            kernel: FileRange { offset: 4096, size: 100 },
            root_task: FileRange { offset: 8192, size: 50 },
            flags: FLAG_NO_DEVICE_TREE,
        }
    }

    #[test]
    fn round_trip() {
        let mut payload = [0u8; 8242];
        payload[..HEADER_SIZE].copy_from_slice(&sample().encode());
        assert_eq!(PayloadHeader::decode(&payload), Ok(sample()));
        assert_eq!(payload_len(&payload), Ok(8242));
    }

    #[test]
    fn rejects_bad_magic_version_and_bounds() {
        let mut payload = [0u8; 8242];
        payload[..HEADER_SIZE].copy_from_slice(&sample().encode());
        let mut bad = payload;
        bad[0] = b'X';
        assert_eq!(PayloadHeader::decode(&bad), Err(Error::BadMagic));
        let mut bad = payload;
        bad[8] = 9;
        assert_eq!(PayloadHeader::decode(&bad), Err(Error::BadVersion(9)));
        assert_eq!(PayloadHeader::decode(&payload[..8241]), Err(Error::FileOutOfBounds));
        assert_eq!(PayloadHeader::decode(&payload[..10]), Err(Error::TooShort));
    }

    #[test]
    fn huge_ranges_do_not_overflow() {
        let range = FileRange { offset: u64::MAX, size: 2 };
        assert_eq!(range.slice(&[0u8; 4]), Err(Error::FileOutOfBounds));
    }
}
