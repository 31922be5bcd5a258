//! Errors reported while validating a flattened device tree.

use core::fmt;

/// Why a blob was rejected.
///
/// [`Fdt::new`](crate::Fdt::new) validates the whole blob up front, so these
/// are the only failures callers see; queries on a validated tree return
/// `Option`s and iterators that simply end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// The buffer is shorter than the header, or than the header's `totalsize`.
    Truncated,
    /// The first word is not the FDT magic `0xd00dfeed`.
    BadMagic,
    /// The blob needs a reader newer than v17, or is older than v16.
    UnsupportedVersion,
    /// A block lies outside `totalsize`, overlaps the header or is misaligned.
    BadLayout,
    /// The memory reservation block has no terminating entry within `totalsize`.
    BadReservationMap,
    /// The structure block holds an unknown token.
    BadToken,
    /// The structure block is unbalanced, has no single root node, a property
    /// outside any node, or ends without `FDT_END`.
    BadStructure,
    /// A property value runs past the end of the structure block.
    BadProperty,
    /// A node or property name is unterminated, not UTF-8, or points outside
    /// the strings block.
    BadName,
    /// Nodes are nested deeper than [`MAX_DEPTH`](crate::MAX_DEPTH).
    TooDeep,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Error::Truncated => "device tree blob is truncated",
            Error::BadMagic => "bad device tree magic",
            Error::UnsupportedVersion => "unsupported device tree version",
            Error::BadLayout => "device tree block outside the blob or misaligned",
            Error::BadReservationMap => "unterminated memory reservation block",
            Error::BadToken => "unknown token in device tree structure block",
            Error::BadStructure => "malformed device tree structure block",
            Error::BadProperty => "device tree property runs past its block",
            Error::BadName => "malformed device tree node or property name",
            Error::TooDeep => "device tree nodes nested too deeply",
        };
        f.write_str(text)
    }
}

impl core::error::Error for Error {}
