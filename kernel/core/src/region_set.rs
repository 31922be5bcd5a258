//! Fixed-capacity sorted set of disjoint regions, used to track free RAM.

use crate::region::{Region, align_up};
use core::fmt;

/// The set would need more than its capacity of regions; it is unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Full;

impl fmt::Display for Full {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("region set is full")
    }
}

impl core::error::Error for Full {}

/// Up to `N` non-empty, disjoint, non-adjacent regions sorted by address.
///
/// Inserting merges overlapping and adjacent regions; removing subtracts a
/// range and may split one region in two. Operations that would need more
/// than `N` regions fail with [`Full`] and leave the set unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RegionSet<const N: usize> {
    regions: [Region; N],
    /// Invariant: `len <= N`.
    len: usize,
}

impl<const N: usize> Default for RegionSet<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> RegionSet<N> {
    /// An empty set.
    pub const fn new() -> Self {
        RegionSet { regions: [Region::EMPTY; N], len: 0 }
    }

    /// The regions, sorted by address.
    pub fn as_slice(&self) -> &[Region] {
        self.regions.get(..self.len).unwrap_or(&[])
    }

    /// Iterates over the regions in address order.
    pub fn iter(&self) -> core::iter::Copied<core::slice::Iter<'_, Region>> {
        self.as_slice().iter().copied()
    }

    /// Number of regions.
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Whether the set holds no region.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Maximum number of regions.
    pub const fn capacity(&self) -> usize {
        N
    }

    /// Removes every region.
    pub fn clear(&mut self) {
        self.len = 0;
    }

    /// Total number of bytes covered.
    pub fn total(&self) -> u64 {
        self.iter().fold(0, |sum, r| sum.saturating_add(r.len()))
    }

    /// Whether `addr` lies in one of the regions.
    pub fn contains(&self, addr: u64) -> bool {
        let live = self.as_slice();
        let i = live.partition_point(|r| r.end <= addr);
        live.get(i).is_some_and(|r| r.contains(addr))
    }

    /// Adds the addresses of `region`, merging with overlapping or adjacent
    /// regions. Adding an empty region does nothing.
    pub fn insert(&mut self, region: Region) -> Result<(), Full> {
        if region.is_empty() {
            return Ok(());
        }
        let live = self.as_slice();
        // Regions `first..last` overlap or are adjacent to `region`.
        let first = live.partition_point(|r| r.end < region.start);
        let last = live.partition_point(|r| r.start <= region.end);
        let mut merged = region;
        for r in live.get(first..last).unwrap_or(&[]) {
            merged.start = merged.start.min(r.start);
            merged.end = merged.end.max(r.end);
        }
        self.splice(first, last, &[merged])
    }

    /// Removes the addresses of `region`. Fails only if a region would have
    /// to be split in two while the set is full.
    pub fn remove(&mut self, region: Region) -> Result<(), Full> {
        if region.is_empty() {
            return Ok(());
        }
        let live = self.as_slice();
        // Regions `first..last` overlap `region`.
        let first = live.partition_point(|r| r.end <= region.start);
        let last = live.partition_point(|r| r.start < region.end);
        if first >= last {
            return Ok(());
        }
        let (Some(lo), Some(hi)) = (live.get(first), live.get(last - 1)) else {
            return Ok(());
        };
        let left = Region { start: lo.start, end: region.start };
        let right = Region { start: region.end, end: hi.end };
        match (left.is_empty(), right.is_empty()) {
            (true, true) => self.splice(first, last, &[]),
            (false, true) => self.splice(first, last, &[left]),
            (true, false) => self.splice(first, last, &[right]),
            (false, false) => self.splice(first, last, &[left, right]),
        }
    }

    /// Lowest `2^align_bits`-aligned address `a` such that `[a, a + size)`
    /// lies within one region. `None` if there is none or `size` is 0.
    pub fn find_fit(&self, size: u64, align_bits: u32) -> Option<u64> {
        if size == 0 {
            return None;
        }
        self.iter().find_map(|r| {
            let start = align_up(r.start, align_bits)?;
            let end = start.checked_add(size)?;
            (end <= r.end).then_some(start)
        })
    }

    /// Like [`find_fit`](Self::find_fit), then removes the block found.
    ///
    /// Returns `None` (set unchanged) if no block fits, or if the block
    /// would split a region while the set is full.
    pub fn take(&mut self, size: u64, align_bits: u32) -> Option<u64> {
        let start = self.find_fit(size, align_bits)?;
        let block = Region::from_base_size(start, size)?;
        self.remove(block).ok()?;
        Some(start)
    }

    /// Replaces the regions at indices `first..last` with `pieces`.
    fn splice(&mut self, first: usize, last: usize, pieces: &[Region]) -> Result<(), Full> {
        let len = self.len;
        if first > last || last > len {
            // Unreachable given how callers compute the indices.
            return Ok(());
        }
        let new_len = len - (last - first) + pieces.len();
        if new_len > N {
            return Err(Full);
        }
        let dest = first + pieces.len();
        if dest != last {
            // `last..len` moves to `dest..new_len`; both lie within `0..N`.
            self.regions.copy_within(last..len, dest);
        }
        if let Some(slots) = self.regions.get_mut(first..dest) {
            slots.copy_from_slice(pieces);
        }
        self.len = new_len;
        Ok(())
    }
}

impl<'a, const N: usize> IntoIterator for &'a RegionSet<N> {
    type Item = Region;
    type IntoIter = core::iter::Copied<core::slice::Iter<'a, Region>>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}
