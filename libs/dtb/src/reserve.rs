//! The memory reservation block: (address, size) pairs ended by a zero entry.

use core::iter::FusedIterator;

use crate::Error;
use crate::header::be_u64;
use crate::reg::Region;

const ENTRY_SIZE: usize = 16;

/// Returns the reservation entries starting at `start`, without the
/// terminator, or an error if no terminator lies within `blob`.
pub(crate) fn reservation_block(blob: &[u8], start: usize) -> Result<&[u8], Error> {
    let entries = blob.get(start..).ok_or(Error::BadReservationMap)?;
    for (index, entry) in entries.chunks_exact(ENTRY_SIZE).enumerate() {
        if entry.iter().all(|&byte| byte == 0) {
            let len = index * ENTRY_SIZE;
            return entries.get(..len).ok_or(Error::BadReservationMap);
        }
    }
    Err(Error::BadReservationMap)
}

/// Iterator over the memory reservation block, see
/// [`Fdt::memory_reservations`](crate::Fdt::memory_reservations).
#[derive(Clone, Debug)]
pub struct MemoryReservations<'a> {
    entries: &'a [u8],
}

impl<'a> MemoryReservations<'a> {
    pub(crate) fn new(entries: &'a [u8]) -> Self {
        MemoryReservations { entries }
    }
}

impl Iterator for MemoryReservations<'_> {
    type Item = Region;

    fn next(&mut self) -> Option<Region> {
        let address = be_u64(self.entries, 0);
        let size = be_u64(self.entries, 8);
        self.entries = self.entries.get(ENTRY_SIZE..).unwrap_or(&[]);
        Some(Region { address: address?, size: size? })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.entries.len() / ENTRY_SIZE;
        (n, Some(n))
    }
}

impl ExactSizeIterator for MemoryReservations<'_> {}
impl FusedIterator for MemoryReservations<'_> {}
