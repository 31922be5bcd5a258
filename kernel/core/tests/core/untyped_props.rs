//! Properties of `untyped_blocks` on random regions.

use atoll_kernel_core::{Region, untyped_blocks};
use proptest::prelude::*;

/// Reference walk: every step of the greedy rule, skipped or not, in `u128`.
fn reference_steps(start: u64, end: u64, max_bits: u32) -> Vec<(u64, u32)> {
    let (mut at, end) = (u128::from(start), u128::from(end));
    let mut steps = Vec::new();
    while at < end {
        let mut bits = max_bits.min(63);
        while (1u128 << bits) > end - at || (at != 0 && at % (1u128 << bits) != 0) {
            bits -= 1;
        }
        steps.push((at as u64, bits));
        at += 1u128 << bits;
    }
    steps
}

/// Fewest aligned power-of-two blocks of `2^min..=2^max` bytes tiling
/// `[start, end)`, by dynamic programming over `2^min`-byte units.
fn min_tiling(start: u64, end: u64, min: u32, max: u32) -> Option<usize> {
    let unit = 1u64 << min;
    let units = ((end - start) / unit) as usize;
    let mut best = vec![None; units + 1];
    best[units] = Some(0usize);
    for k in (0..units).rev() {
        let addr = start + k as u64 * unit;
        for j in 0..=(max - min) {
            let n = 1usize << j;
            if k + n > units || !addr.is_multiple_of(unit << j) {
                continue;
            }
            if let Some(rest) = best[k + n] {
                best[k] = Some(best[k].map_or(rest + 1, |b: usize| b.min(rest + 1)));
            }
        }
    }
    best[0]
}

fn check(region: Region, min: u32, max: u32) -> Vec<(u64, u32)> {
    let blocks: Vec<(u64, u32)> = untyped_blocks(region, min, max).collect();
    let top = max.min(63);
    for &(paddr, bits) in &blocks {
        assert!(bits >= min && bits <= top, "size out of range: {bits}");
        assert_eq!(paddr % (1u64 << bits), 0, "misaligned block {paddr:#x}/{bits}");
        let end = paddr.checked_add(1u64 << bits).unwrap();
        assert!(region.start <= paddr && end <= region.end);
    }
    for pair in blocks.windows(2) {
        let (a, a_bits) = pair[0];
        let (b, b_bits) = pair[1];
        // In order, disjoint and (between blocks) gap-free.
        assert_eq!(a + (1u64 << a_bits), b);
        // Never two equal neighbours that form one allowed aligned block.
        let merged = a_bits + 1;
        assert!(!(a_bits == b_bits && merged <= top && a % (1u64 << merged) == 0));
    }
    if min > max {
        assert!(blocks.is_empty());
        return blocks;
    }
    let steps = reference_steps(region.start, region.end, max);
    let expected: Vec<(u64, u32)> = steps.iter().copied().filter(|&(_, b)| b >= min).collect();
    assert_eq!(blocks, expected);
    // What is skipped is under 2^min at either end and nothing in between.
    let covered: u128 = blocks.iter().map(|&(_, b)| 1u128 << b).sum();
    let skipped = u128::from(region.len()) - covered;
    if let (Some(&(first, _)), Some(&(last, last_bits))) = (blocks.first(), blocks.last()) {
        assert!(u128::from(first - region.start) < 1u128 << min);
        let tail = u128::from(region.end) - (u128::from(last) + (1u128 << last_bits));
        assert!(tail < 1u128 << min);
        assert_eq!(skipped, u128::from(first - region.start) + tail);
    }
    blocks
}

fn start() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(0u64),
        0u64..0x1_0000,
        any::<u64>(),
        (0u64..0x1_0000).prop_map(|x| u64::MAX - x),
        (0u32..64).prop_map(|b| 1u64 << b),
        any::<u64>().prop_map(|x| x & !0xfff),
    ]
}

/// A region, `min` and `max`, with lengths kept to a few thousand blocks.
fn case() -> impl Strategy<Value = (Region, u32, u32)> {
    (start(), any::<u64>(), 0u32..20, 0u32..50, 0u32..10).prop_map(|(s, raw, min, span, cut)| {
        let max = (min + span).min(70);
        let len_bits = (max.min(63) + 8).saturating_sub(cut).min(64);
        let len = if len_bits >= 64 { raw } else { raw & ((1u64 << len_bits) - 1) };
        let end = s.saturating_add(len);
        (Region { start: s, end }, min, max)
    })
}

proptest! {
    #[test]
    fn blocks_are_valid_and_greedy((region, min, max) in case()) {
        check(region, min, max);
    }

    #[test]
    fn min_above_max((region, _min, max) in case()) {
        prop_assert_eq!(untyped_blocks(region, max + 1, max).count(), 0);
    }

    #[test]
    fn block_count_is_minimal(
        start in 0u64..0x2000,
        len in 0u64..0x2000,
        min in 0u32..5,
        span in 0u32..10,
    ) {
        let max = min + span;
        let region = Region { start, end: start + len };
        let blocks = check(region, min, max);
        if let (Some(&(first, _)), Some(&(last, bits))) = (blocks.first(), blocks.last()) {
            let end = last + (1u64 << bits);
            prop_assert_eq!(Some(blocks.len()), min_tiling(first, end, min, max));
        }
    }

    #[test]
    fn sel4_parameters(
        start in start(),
        len in prop_oneof![0u64..0x10_0000, any::<u64>().prop_map(|x| x >> 18)],
    ) {
        let region = Region { start, end: start.saturating_add(len) };
        let blocks = check(region, 4, 38);
        // At most ~2 blocks per size class plus whole 2^38 blocks.
        prop_assert!(blocks.len() <= 2 * 39 + (region.len() >> 38) as usize);
    }
}
