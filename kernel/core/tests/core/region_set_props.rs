//! `RegionSet` against a reference model: a set of byte addresses.

use atoll_kernel_core::{Full, Region, RegionSet};
use proptest::prelude::*;
use std::collections::BTreeSet;

const CAP: usize = 4;
/// Model addresses are `base + c` for coordinates `c` in `0..=SPAN`.
const SPAN: u64 = 96;

#[derive(Clone, Debug)]
enum Op {
    Insert(u64, u64),
    Remove(u64, u64),
    Take(u64, u32),
}

fn op() -> impl Strategy<Value = Op> {
    let range = (0..=SPAN, 0..=SPAN).prop_map(|(a, b)| (a.min(b), a.max(b)));
    prop_oneof![
        3 => range.clone().prop_map(|(a, b)| Op::Insert(a, b)),
        2 => range.prop_map(|(a, b)| Op::Remove(a, b)),
        1 => (0..24u64, 0..6u32).prop_map(|(s, al)| Op::Take(s, al)),
    ]
}

fn base() -> impl Strategy<Value = u64> {
    prop_oneof![Just(0), Just(1 << 40), Just(u64::MAX - SPAN), Just(u64::MAX - SPAN - 3)]
}

/// Maximal runs of consecutive addresses.
fn runs(model: &BTreeSet<u64>) -> Vec<(u64, u64)> {
    let mut out: Vec<(u64, u64)> = Vec::new();
    for &x in model {
        match out.last_mut() {
            Some(last) if last.1 == x => last.1 = x + 1,
            _ => out.push((x, x + 1)),
        }
    }
    out
}

fn model_fit(model: &BTreeSet<u64>, size: u64, align_bits: u32) -> Option<u64> {
    if size == 0 {
        return None;
    }
    model.iter().copied().find(|&x| {
        x % (1u64 << align_bits) == 0 && (0..size).all(|i| x.checked_add(i).is_some_and(|y| model.contains(&y)))
    })
}

fn check_invariants(set: &RegionSet<CAP>, model: &BTreeSet<u64>, base: u64) {
    let regions: Vec<Region> = set.iter().collect();
    assert_eq!(regions.len(), set.len());
    assert!(set.len() <= CAP);
    for r in &regions {
        assert!(!r.is_empty());
    }
    for pair in regions.windows(2) {
        assert!(pair[0].end < pair[1].start, "not sorted, disjoint and merged: {regions:?}");
    }
    let got: Vec<(u64, u64)> = regions.iter().map(|r| (r.start, r.end)).collect();
    assert_eq!(got, runs(model));
    assert_eq!(set.total(), model.len() as u64);
    for c in 0..=SPAN {
        assert_eq!(set.contains(base + c), model.contains(&(base + c)));
    }
}

fn apply(set: &mut RegionSet<CAP>, model: &mut BTreeSet<u64>, base: u64, op: &Op) {
    let before = *set;
    match *op {
        Op::Insert(a, b) | Op::Remove(a, b) => {
            let region = Region::new(base + a, base + b).unwrap();
            let mut next = model.clone();
            let inserting = matches!(op, Op::Insert(..));
            for x in region.start..region.end {
                if inserting {
                    next.insert(x);
                } else {
                    next.remove(&x);
                }
            }
            let result = if inserting { set.insert(region) } else { set.remove(region) };
            if runs(&next).len() > CAP {
                assert_eq!(result, Err(Full));
                assert_eq!(*set, before);
            } else {
                assert_eq!(result, Ok(()));
                *model = next;
            }
        }
        Op::Take(size, align_bits) => {
            let fit = model_fit(model, size, align_bits);
            assert_eq!(set.find_fit(size, align_bits), fit);
            let taken = set.take(size, align_bits);
            match fit {
                None => assert_eq!(taken, None),
                Some(start) => {
                    let mut next = model.clone();
                    for x in start..start + size {
                        next.remove(&x);
                    }
                    if runs(&next).len() > CAP {
                        assert_eq!(taken, None);
                        assert_eq!(*set, before);
                    } else {
                        assert_eq!(taken, Some(start));
                        *model = next;
                    }
                }
            }
        }
    }
}

proptest! {
    #[test]
    fn matches_model(base in base(), ops in proptest::collection::vec(op(), 0..40)) {
        let mut set = RegionSet::<CAP>::new();
        let mut model = BTreeSet::new();
        for op in &ops {
            apply(&mut set, &mut model, base, op);
            check_invariants(&set, &model, base);
        }
    }

    #[test]
    fn insert_then_remove_everything(
        ranges in proptest::collection::vec((0..1000u64, 0..1000u64), 0..20),
    ) {
        let mut set = RegionSet::<64>::new();
        for &(a, b) in &ranges {
            set.insert(Region { start: a.min(b), end: a.max(b) }).unwrap();
        }
        let total = set.total();
        let mut removed = 0;
        while let Some(r) = set.iter().next() {
            removed += r.len();
            set.remove(r).unwrap();
        }
        prop_assert_eq!(removed, total);
    }
}
