//! Unit tests for `Region`.

use atoll_kernel_core::Region;

fn r(start: u64, end: u64) -> Region {
    Region::new(start, end).unwrap()
}

#[test]
fn construction() {
    assert_eq!(Region::new(5, 4), None);
    assert_eq!(Region::new(4, 4), Some(Region { start: 4, end: 4 }));
    assert_eq!(Region::from_base_size(0x1000, 0x10), Some(r(0x1000, 0x1010)));
    assert_eq!(Region::from_base_size(u64::MAX, 1), None);
    assert_eq!(Region::from_base_size(u64::MAX, 0), Some(r(u64::MAX, u64::MAX)));
    assert_eq!(Region::default(), Region::EMPTY);
}

#[test]
fn len_and_empty() {
    assert_eq!(r(3, 10).len(), 7);
    assert!(r(3, 3).is_empty());
    assert!(!r(0, u64::MAX).is_empty());
    assert_eq!(r(0, u64::MAX).len(), u64::MAX);
    // Inverted values built from the public fields behave as empty.
    let bad = Region { start: 10, end: 3 };
    assert!(bad.is_empty());
    assert_eq!(bad.len(), 0);
    assert!(!bad.contains(5));
    assert!(!bad.overlaps(&r(0, 100)));
}

#[test]
fn contains() {
    let a = r(0x1000, 0x2000);
    assert!(a.contains(0x1000) && a.contains(0x1fff));
    assert!(!a.contains(0xfff) && !a.contains(0x2000));
    assert!(r(0, u64::MAX).contains(u64::MAX - 1));
    assert!(!r(0, u64::MAX).contains(u64::MAX));
    assert!(a.contains_region(&r(0x1000, 0x2000)));
    assert!(a.contains_region(&r(0x1800, 0x1900)));
    assert!(!a.contains_region(&r(0x1800, 0x2001)));
    assert!(a.contains_region(&r(7, 7)));
}

#[test]
fn overlaps_and_touches() {
    let a = r(10, 20);
    assert!(a.overlaps(&r(19, 30)));
    assert!(!a.overlaps(&r(20, 30)));
    assert!(a.touches(&r(20, 30)));
    assert!(r(0, 10).touches(&a));
    assert!(!r(0, 9).touches(&a));
    assert!(!a.overlaps(&r(15, 15)));
    assert!(!a.touches(&r(15, 15)));
    assert!(a.overlaps(&r(0, 100)));
}

#[test]
fn intersect() {
    let a = r(10, 20);
    assert_eq!(a.intersect(&r(15, 30)), Some(r(15, 20)));
    assert_eq!(a.intersect(&r(0, 100)), Some(a));
    assert_eq!(a.intersect(&r(20, 30)), None);
    assert_eq!(a.intersect(&r(12, 12)), None);
    assert_eq!(r(0, u64::MAX).intersect(&r(u64::MAX - 1, u64::MAX)), Some(r(u64::MAX - 1, u64::MAX)));
}

#[test]
fn merge() {
    let a = r(10, 20);
    assert_eq!(a.merge(&r(20, 25)), Some(r(10, 25)));
    assert_eq!(a.merge(&r(0, 15)), Some(r(0, 20)));
    assert_eq!(a.merge(&r(21, 25)), None);
    assert_eq!(a.merge(&r(30, 30)), Some(a));
    assert_eq!(r(30, 30).merge(&a), Some(a));
    assert_eq!(r(30, 30).merge(&r(1, 1)), None);
}

#[test]
fn align_in() {
    assert_eq!(r(0x1001, 0x3fff).align_in(12), Some(r(0x2000, 0x3000)));
    assert_eq!(r(0x1000, 0x3000).align_in(12), Some(r(0x1000, 0x3000)));
    assert_eq!(r(0x1001, 0x2fff).align_in(12), None);
    assert_eq!(r(0x1001, 0x1002).align_in(12), None);
    assert_eq!(r(5, 9).align_in(0), Some(r(5, 9)));
    assert_eq!(r(u64::MAX - 5, u64::MAX).align_in(12), None);
    assert_eq!(r(1, u64::MAX).align_in(12), Some(r(0x1000, !0xfff)));
    assert_eq!(r(0, u64::MAX).align_in(63), Some(r(0, 1 << 63)));
    assert_eq!(r(0, u64::MAX).align_in(64), None);
    assert_eq!(r(1, u64::MAX).align_in(200), None);
}

#[test]
fn align_out() {
    assert_eq!(r(0x1001, 0x2fff).align_out(12), Some(r(0x1000, 0x3000)));
    assert_eq!(r(0x1000, 0x2000).align_out(12), Some(r(0x1000, 0x2000)));
    assert_eq!(r(0x1000, 0x1000).align_out(12), None);
    assert_eq!(r(0x1000, u64::MAX).align_out(12), None);
    assert_eq!(r(0, 1).align_out(63), Some(r(0, 1 << 63)));
    assert_eq!(r(0, 1).align_out(64), None);
}
