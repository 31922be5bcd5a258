//! Unit tests for `RegionSet`.

use atoll_kernel_core::{Full, Region, RegionSet};

fn r(start: u64, end: u64) -> Region {
    Region::new(start, end).unwrap()
}

fn regions<const N: usize>(set: &RegionSet<N>) -> Vec<(u64, u64)> {
    set.iter().map(|r| (r.start, r.end)).collect()
}

#[test]
fn empty_set() {
    let set = RegionSet::<4>::new();
    assert!(set.is_empty());
    assert_eq!(set.len(), 0);
    assert_eq!(set.capacity(), 4);
    assert_eq!(set.total(), 0);
    assert_eq!(set.find_fit(1, 0), None);
    assert!(!set.contains(0));
    assert_eq!(RegionSet::<4>::default(), set);
}

#[test]
fn insert_sorts_and_merges() {
    let mut set = RegionSet::<4>::new();
    set.insert(r(50, 60)).unwrap();
    set.insert(r(10, 20)).unwrap();
    set.insert(r(30, 40)).unwrap();
    assert_eq!(regions(&set), [(10, 20), (30, 40), (50, 60)]);
    set.insert(r(20, 30)).unwrap(); // adjacent on both sides
    assert_eq!(regions(&set), [(10, 40), (50, 60)]);
    set.insert(r(35, 55)).unwrap(); // overlapping
    assert_eq!(regions(&set), [(10, 60)]);
    set.insert(r(0, 100)).unwrap(); // covering
    assert_eq!(regions(&set), [(0, 100)]);
    set.insert(r(5, 5)).unwrap(); // empty: no-op
    set.insert(r(200, 200)).unwrap();
    assert_eq!(regions(&set), [(0, 100)]);
    assert_eq!(set.total(), 100);
}

#[test]
fn insert_when_full() {
    let mut set = RegionSet::<2>::new();
    set.insert(r(10, 20)).unwrap();
    set.insert(r(30, 40)).unwrap();
    let before = set;
    assert_eq!(set.insert(r(50, 60)), Err(Full));
    assert_eq!(set.insert(r(0, 5)), Err(Full));
    assert_eq!(set, before);
    // Merging still works when full.
    set.insert(r(40, 50)).unwrap();
    set.insert(r(20, 30)).unwrap();
    assert_eq!(regions(&set), [(10, 50)]);
}

#[test]
fn remove_trims_splits_and_deletes() {
    let mut set = RegionSet::<4>::new();
    set.insert(r(0, 100)).unwrap();
    set.remove(r(40, 60)).unwrap();
    assert_eq!(regions(&set), [(0, 40), (60, 100)]);
    set.remove(r(0, 10)).unwrap();
    set.remove(r(90, 100)).unwrap();
    assert_eq!(regions(&set), [(10, 40), (60, 90)]);
    set.remove(r(30, 70)).unwrap();
    assert_eq!(regions(&set), [(10, 30), (70, 90)]);
    set.remove(r(200, 300)).unwrap();
    set.remove(r(30, 70)).unwrap();
    set.remove(r(50, 50)).unwrap();
    assert_eq!(regions(&set), [(10, 30), (70, 90)]);
    set.remove(r(0, 1000)).unwrap();
    assert!(set.is_empty());
}

#[test]
fn remove_split_when_full() {
    let mut set = RegionSet::<2>::new();
    set.insert(r(0, 100)).unwrap();
    set.insert(r(200, 300)).unwrap();
    let before = set;
    assert_eq!(set.remove(r(40, 60)), Err(Full));
    assert_eq!(set, before);
    // Trimming needs no extra slot.
    set.remove(r(50, 250)).unwrap();
    assert_eq!(regions(&set), [(0, 50), (250, 300)]);
}

#[test]
fn extreme_addresses() {
    let mut set = RegionSet::<4>::new();
    set.insert(r(0, u64::MAX)).unwrap();
    assert_eq!(set.total(), u64::MAX);
    set.remove(r(u64::MAX - 1, u64::MAX)).unwrap();
    set.remove(r(0, 1)).unwrap();
    assert_eq!(regions(&set), [(1, u64::MAX - 1)]);
    assert!(set.contains(1) && !set.contains(0) && !set.contains(u64::MAX - 1));
    assert_eq!(set.find_fit(u64::MAX, 0), None);
    assert_eq!(set.find_fit(u64::MAX - 2, 0), Some(1));
    assert_eq!(set.find_fit(1, 63), Some(1 << 63));
    assert_eq!(set.find_fit(1, 64), None);
    assert_eq!(set.find_fit(1 << 63, 63), None);
}

#[test]
fn find_fit_and_take() {
    let mut set = RegionSet::<4>::new();
    set.insert(r(0x1100, 0x1800)).unwrap();
    set.insert(r(0x3000, 0x9000)).unwrap();
    assert_eq!(set.find_fit(0, 0), None);
    assert_eq!(set.find_fit(0x100, 0), Some(0x1100));
    assert_eq!(set.find_fit(0x100, 12), Some(0x3000));
    assert_eq!(set.find_fit(0x700, 0), Some(0x1100));
    assert_eq!(set.find_fit(0x701, 0), Some(0x3000));
    assert_eq!(set.find_fit(0x2000, 13), Some(0x4000));
    assert_eq!(set.find_fit(0x4000, 14), Some(0x4000));
    assert_eq!(set.find_fit(0x4000, 15), None);
    assert_eq!(set.take(0x2000, 13), Some(0x4000));
    assert_eq!(regions(&set), [(0x1100, 0x1800), (0x3000, 0x4000), (0x6000, 0x9000)]);
    assert_eq!(set.take(0x700, 0), Some(0x1100));
    assert_eq!(regions(&set), [(0x3000, 0x4000), (0x6000, 0x9000)]);
    assert_eq!(set.take(0x10000, 0), None);
    assert_eq!(set.total(), 0x4000);
}

#[test]
fn take_that_would_split_a_full_set() {
    let mut set = RegionSet::<1>::new();
    set.insert(r(0x100, 0x10000)).unwrap();
    let before = set;
    assert_eq!(set.take(0x1000, 12), None);
    assert_eq!(set, before);
    assert_eq!(set.take(0x100, 8), Some(0x100));
    assert_eq!(regions(&set), [(0x200, 0x10000)]);
}

#[test]
fn zero_capacity() {
    let mut set = RegionSet::<0>::new();
    assert_eq!(set.insert(r(0, 1)), Err(Full));
    set.insert(r(1, 1)).unwrap();
    set.remove(r(0, 10)).unwrap();
    assert!(set.is_empty());
}

#[test]
fn iteration_and_clear() {
    let mut set = RegionSet::<4>::new();
    set.insert(r(1, 2)).unwrap();
    set.insert(r(5, 9)).unwrap();
    assert_eq!((&set).into_iter().count(), 2);
    assert_eq!(set.as_slice(), &[r(1, 2), r(5, 9)]);
    set.clear();
    assert!(set.is_empty());
    assert_eq!(format!("{Full}"), "region set is full");
}
