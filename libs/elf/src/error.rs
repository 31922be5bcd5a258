//! Errors reported while parsing an ELF file.

use core::fmt;

/// Why an ELF file (or a part of it) was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// The input is shorter than the 64-byte ELF64 file header.
    TooShort,
    /// The first four bytes are not `\x7fELF`.
    BadMagic,
    /// `EI_CLASS` is not `ELFCLASS64`.
    NotElf64,
    /// `EI_DATA` is not `ELFDATA2LSB`.
    NotLittleEndian,
    /// `EI_VERSION` or `e_version` is not `EV_CURRENT` (1).
    BadVersion,
    /// `e_phentsize` is not 56 although program headers are present.
    BadPhentsize,
    /// The program header table does not lie within the input.
    PhdrOutOfBounds,
    /// A segment's file contents do not lie within the input.
    SegmentOutOfBounds,
    /// A segment's `p_filesz` is larger than its `p_memsz`.
    FileSizeExceedsMemSize,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let msg = match self {
            Error::TooShort => "input shorter than the ELF64 header",
            Error::BadMagic => "bad ELF magic",
            Error::NotElf64 => "not an ELFCLASS64 file",
            Error::NotLittleEndian => "not a little-endian ELF file",
            Error::BadVersion => "unsupported ELF version",
            Error::BadPhentsize => "program header entry size is not 56",
            Error::PhdrOutOfBounds => "program header table out of bounds",
            Error::SegmentOutOfBounds => "segment data out of bounds",
            Error::FileSizeExceedsMemSize => "segment file size exceeds memory size",
        };
        f.write_str(msg)
    }
}

impl core::error::Error for Error {}
