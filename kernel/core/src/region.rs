//! Half-open physical address ranges.

/// The physical range `[start, end)`.
///
/// The fields are public; a value with `end <= start` behaves as empty in
/// every method. [`Region::new`] only builds values with `start <= end`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Region {
    /// First address in the range.
    pub start: u64,
    /// First address past the range.
    pub end: u64,
}

/// `addr` rounded down to a multiple of `2^bits`.
pub(crate) const fn align_down(addr: u64, bits: u32) -> u64 {
    if bits >= u64::BITS { 0 } else { addr & !((1u64 << bits) - 1) }
}

/// `addr` rounded up to a multiple of `2^bits`, or `None` on overflow.
pub(crate) const fn align_up(addr: u64, bits: u32) -> Option<u64> {
    let down = align_down(addr, bits);
    if down == addr {
        Some(addr)
    } else if bits >= u64::BITS {
        None
    } else {
        down.checked_add(1u64 << bits)
    }
}

impl Region {
    /// The empty region at address 0.
    pub const EMPTY: Region = Region { start: 0, end: 0 };

    /// `[start, end)`, or `None` if `start > end`.
    pub const fn new(start: u64, end: u64) -> Option<Region> {
        if start <= end { Some(Region { start, end }) } else { None }
    }

    /// `[base, base + size)`, or `None` if the end overflows.
    pub const fn from_base_size(base: u64, size: u64) -> Option<Region> {
        match base.checked_add(size) {
            Some(end) => Some(Region { start: base, end }),
            None => None,
        }
    }

    /// Number of bytes in the region.
    pub const fn len(&self) -> u64 {
        self.end.saturating_sub(self.start)
    }

    /// Whether the region holds no address.
    pub const fn is_empty(&self) -> bool {
        self.end <= self.start
    }

    /// Whether `addr` lies in the region.
    pub const fn contains(&self, addr: u64) -> bool {
        self.start <= addr && addr < self.end
    }

    /// Whether every address of `other` lies in `self` (true if `other` is empty).
    pub const fn contains_region(&self, other: &Region) -> bool {
        other.is_empty() || (self.start <= other.start && other.end <= self.end)
    }

    /// Whether the regions share at least one address.
    pub const fn overlaps(&self, other: &Region) -> bool {
        !self.is_empty() && !other.is_empty() && self.start < other.end && other.start < self.end
    }

    /// Whether the regions overlap or are adjacent, so their union is one region.
    pub const fn touches(&self, other: &Region) -> bool {
        !self.is_empty() && !other.is_empty() && self.start <= other.end && other.start <= self.end
    }

    /// The addresses in both regions, or `None` if they do not overlap.
    pub fn intersect(&self, other: &Region) -> Option<Region> {
        let start = self.start.max(other.start);
        let end = self.end.min(other.end);
        (start < end).then_some(Region { start, end })
    }

    /// The smallest region covering both, or `None` if they do not touch
    /// (an empty operand yields the other one).
    pub fn merge(&self, other: &Region) -> Option<Region> {
        if other.is_empty() {
            return (!self.is_empty()).then_some(*self);
        }
        if self.is_empty() {
            return Some(*other);
        }
        self.touches(other).then(|| Region { start: self.start.min(other.start), end: self.end.max(other.end) })
    }

    /// Shrinks to `2^page_bits`-aligned bounds; `None` if nothing is left.
    pub fn align_in(&self, page_bits: u32) -> Option<Region> {
        let start = align_up(self.start, page_bits)?;
        let end = align_down(self.end, page_bits);
        (start < end).then_some(Region { start, end })
    }

    /// Grows to `2^page_bits`-aligned bounds; `None` if the region is empty
    /// or its aligned end does not fit in a `u64`.
    pub fn align_out(&self, page_bits: u32) -> Option<Region> {
        if self.is_empty() {
            return None;
        }
        let start = align_down(self.start, page_bits);
        let end = align_up(self.end, page_bits)?;
        Some(Region { start, end })
    }
}
