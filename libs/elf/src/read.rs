//! Bounds-checked little-endian field readers.

/// `N` bytes at `off`, or `None` if they are not all inside `bytes`.
fn array<const N: usize>(bytes: &[u8], off: usize) -> Option<[u8; N]> {
    bytes.get(off..)?.first_chunk::<N>().copied()
}

pub(crate) fn u16_at(bytes: &[u8], off: usize) -> Option<u16> {
    array(bytes, off).map(u16::from_le_bytes)
}

pub(crate) fn u32_at(bytes: &[u8], off: usize) -> Option<u32> {
    array(bytes, off).map(u32::from_le_bytes)
}

pub(crate) fn u64_at(bytes: &[u8], off: usize) -> Option<u64> {
    array(bytes, off).map(u64::from_le_bytes)
}

/// The sub-slice `[off, off + len)` given as file-level `u64`s, if in bounds.
pub(crate) fn range(bytes: &[u8], off: u64, len: u64) -> Option<&[u8]> {
    let start = usize::try_from(off).ok()?;
    let len = usize::try_from(len).ok()?;
    bytes.get(start..start.checked_add(len)?)
}
