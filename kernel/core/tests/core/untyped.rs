//! Unit tests for `untyped_blocks`.

use atoll_kernel_core::{Region, untyped_blocks};

const MIN: u32 = 4;
const MAX: u32 = 38;

fn blocks(start: u64, end: u64, min: u32, max: u32) -> Vec<(u64, u32)> {
    untyped_blocks(Region::new(start, end).unwrap(), min, max).collect()
}

#[test]
fn empty_region() {
    assert!(blocks(0x1000, 0x1000, MIN, MAX).is_empty());
    assert!(untyped_blocks(Region { start: 9, end: 3 }, MIN, MAX).next().is_none());
}

#[test]
fn aligned_power_of_two() {
    assert_eq!(blocks(0x8000_0000, 0x8800_0000, MIN, MAX), [(0x8000_0000, 27)]);
}

#[test]
fn typical_free_ram() {
    // Free RAM after a kernel image ending at 0x8020_5000 on 128 MiB QEMU virt.
    assert_eq!(
        blocks(0x8020_5000, 0x8800_0000, MIN, MAX),
        [
            (0x8020_5000, 12),
            (0x8020_6000, 13),
            (0x8020_8000, 15),
            (0x8021_0000, 16),
            (0x8022_0000, 17),
            (0x8024_0000, 18),
            (0x8028_0000, 19),
            (0x8030_0000, 20),
            (0x8040_0000, 22),
            (0x8080_0000, 23),
            (0x8100_0000, 24),
            (0x8200_0000, 25),
            (0x8400_0000, 26),
        ]
    );
}

#[test]
fn start_zero_is_aligned_for_anything() {
    assert_eq!(blocks(0, 0x30, 0, MAX), [(0, 5), (0x20, 4)]);
    assert_eq!(blocks(0, u64::MAX, 63, 63), [(0, 63)]);
}

#[test]
fn max_bits_caps_block_size() {
    assert_eq!(blocks(0, 1 << 40, MIN, MAX), [(0, 38), (1 << 38, 38), (2 << 38, 38), (3 << 38, 38)]);
    assert_eq!(blocks(0x100, 0x400, 0, 8), [(0x100, 8), (0x200, 8), (0x300, 8)]);
}

#[test]
fn small_pieces_are_skipped() {
    // 0x1 + 0x2 + 0x4 + 0x8 are below 2^4; so are the trailing 0x8 + 0x1.
    assert_eq!(blocks(1, 0x39, MIN, MAX), [(0x10, 4), (0x20, 4)]);
    assert!(blocks(0x10, 0x1f, MIN, MAX).is_empty());
    assert!(blocks(0x11, 0x30, 5, MAX).is_empty());
}

#[test]
fn min_above_max_gives_nothing() {
    assert!(blocks(0, 1 << 20, 12, 10).is_empty());
}

#[test]
fn top_of_address_space() {
    assert_eq!(blocks(u64::MAX - 0xff, u64::MAX, MIN, MAX).len(), 4);
    assert_eq!(blocks(1 << 63, u64::MAX, 62, 63), [(1 << 63, 62)]);
    assert_eq!(blocks(1 << 63, u64::MAX, 0, 100).first(), Some(&(1 << 63, 62)));
    let all = blocks(1, u64::MAX, 0, 64);
    assert_eq!(all.len(), 126);
    assert_eq!(all.first(), Some(&(1, 0)));
    assert_eq!(all.get(62), Some(&(1 << 62, 62)));
    assert_eq!(all.get(63), Some(&(1 << 63, 62)));
    assert_eq!(all.last(), Some(&(u64::MAX - 1, 0)));
}
