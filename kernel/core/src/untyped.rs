//! Splitting a free region into untyped blocks the way seL4's boot code does.

use crate::region::Region;

/// Splits `region` into `(paddr, size_bits)` untyped blocks.
///
/// Walks from the start; each step takes the largest power-of-two block
/// that is aligned at the current address (any size at address 0), fits in
/// what remains and is at most `2^max_bits`. Blocks smaller than
/// `2^min_bits` are skipped, but the walk still advances past them. If
/// `min_bits > max_bits` there are no blocks.
pub fn untyped_blocks(region: Region, min_bits: u32, max_bits: u32) -> UntypedBlocks {
    UntypedBlocks {
        next: region.start,
        end: if min_bits > max_bits { region.start } else { region.end },
        min_bits,
        max_bits: max_bits.min(u64::BITS - 1),
    }
}

/// Iterator returned by [`untyped_blocks`].
#[derive(Clone, Debug)]
pub struct UntypedBlocks {
    next: u64,
    end: u64,
    min_bits: u32,
    max_bits: u32,
}

impl UntypedBlocks {
    /// The next step of the walk, skipped or not: `(paddr, size_bits)`.
    fn step(&mut self) -> Option<(u64, u32)> {
        let remaining = self.end.checked_sub(self.next).filter(|&n| n > 0)?;
        let mut bits = remaining.ilog2().min(self.max_bits);
        if self.next != 0 {
            bits = bits.min(self.next.trailing_zeros());
        }
        let paddr = self.next;
        // `2^bits <= remaining`, so this stays within `end`.
        self.next = paddr.checked_add(1u64 << bits)?;
        Some((paddr, bits))
    }
}

impl Iterator for UntypedBlocks {
    type Item = (u64, u32);

    fn next(&mut self) -> Option<(u64, u32)> {
        // Skipped pieces grow (at the start) or shrink (at the end) in size,
        // so at most about 2 * min_bits of them occur in a row.
        loop {
            let (paddr, bits) = self.step()?;
            if bits >= self.min_bits {
                return Some((paddr, bits));
            }
        }
    }
}

impl core::iter::FusedIterator for UntypedBlocks {}
