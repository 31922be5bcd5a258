//! Cell-size bookkeeping and decoding of `reg` properties into regions.

use core::iter::FusedIterator;

/// A physical range: `size` bytes starting at `address`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Region {
    /// First byte.
    pub address: u64,
    /// Length in bytes.
    pub size: u64,
}

impl Region {
    /// One past the last byte, or `None` if that overflows `u64`.
    pub fn end(&self) -> Option<u64> {
        self.address.checked_add(self.size)
    }
}

/// The `#address-cells` / `#size-cells` pair a node sets for its children.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CellSizes {
    /// 32-bit cells per address.
    pub address_cells: u32,
    /// 32-bit cells per size.
    pub size_cells: u32,
}

impl CellSizes {
    /// What the specification assumes when the properties are absent.
    pub const DEFAULT: CellSizes = CellSizes { address_cells: 2, size_cells: 1 };
}

impl Default for CellSizes {
    fn default() -> Self {
        CellSizes::DEFAULT
    }
}

/// Folds big-endian 32-bit cells into a `u64`; `None` if the value needs
/// more than 64 bits. Zero cells decode as 0.
pub(crate) fn cells_to_u64(bytes: &[u8]) -> Option<u64> {
    let mut value: u64 = 0;
    for cell in bytes.chunks_exact(4) {
        if value >> 32 != 0 {
            return None;
        }
        let word = u32::from_be_bytes(cell.try_into().ok()?);
        value = (value << 32) | u64::from(word);
    }
    Some(value)
}

fn cell_bytes(cells: u32) -> Option<usize> {
    usize::try_from(cells).ok()?.checked_mul(4)
}

/// Iterator over the (address, size) entries of a `reg` property.
///
/// It ends at the first incomplete entry, or at the first value wider than
/// 64 bits; it is empty when both cell counts are zero.
#[derive(Clone, Debug)]
pub struct Reg<'a> {
    data: &'a [u8],
    cells: CellSizes,
}

impl<'a> Reg<'a> {
    pub(crate) fn new(data: &'a [u8], cells: CellSizes) -> Self {
        Reg { data, cells }
    }

    /// The cell sizes used for decoding (the parent node's).
    pub fn cell_sizes(&self) -> CellSizes {
        self.cells
    }
}

impl Iterator for Reg<'_> {
    type Item = Region;

    fn next(&mut self) -> Option<Region> {
        let data = core::mem::take(&mut self.data);
        let address_len = cell_bytes(self.cells.address_cells)?;
        let size_len = cell_bytes(self.cells.size_cells)?;
        let entry_len = address_len.checked_add(size_len)?;
        if entry_len == 0 {
            return None;
        }
        let address = cells_to_u64(data.get(..address_len)?)?;
        let size = cells_to_u64(data.get(address_len..entry_len)?)?;
        self.data = data.get(entry_len..)?;
        Some(Region { address, size })
    }
}

impl FusedIterator for Reg<'_> {}
