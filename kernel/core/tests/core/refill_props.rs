//! MCS refills (seL4's sporadic servers): the budget is conserved, refills stay in order, and a
//! thread that runs whenever its budget allows never gets more than its budget in any period.
use atoll_kernel_core::refill::{MIN_BUDGET, MIN_REFILLS, Refill, RefillRing, Refills};
use proptest::prelude::*;

const MAX: usize = 8;

fn fresh(max: usize, budget: u64, period: u64, now: u64) -> (RefillRing, [Refill; MAX]) {
    let mut ring = RefillRing::default();
    let mut buffer = [Refill::default(); MAX];
    Refills { ring: &mut ring, buffer: &mut buffer }.configure_new(max, budget, period, now);
    (ring, buffer)
}

#[test]
fn new_context_has_one_full_refill_now() {
    let (mut ring, mut buffer) = fresh(4, 500, 1000, 77);
    let r = Refills { ring: &mut ring, buffer: &mut buffer };
    assert_eq!(r.len(), 1);
    assert_eq!(r.head(), Refill { time: 77, amount: 500 });
    assert!(r.ready(77) && !r.ready(76));
    assert!(r.sufficient(500 - MIN_BUDGET) && !r.sufficient(500 - MIN_BUDGET + 1));
}

#[test]
fn round_robin_context_keeps_an_empty_tail_and_never_moves() {
    let (mut ring, mut buffer) = fresh(MIN_REFILLS, 500, 0, 5);
    let mut r = Refills { ring: &mut ring, buffer: &mut buffer };
    assert!(r.is_round_robin());
    assert_eq!(r.len(), 2);
    assert_eq!(r.sum(), 500);
    assert!(!r.unblock_check(1_000));
    assert_eq!(r.head(), Refill { time: 5, amount: 500 });
}

#[test]
fn round_robin_use_moves_budget_to_the_tail_and_a_refill_brings_it_all_back() {
    let (mut ring, mut buffer) = fresh(MIN_REFILLS, 500, 0, 5);
    let mut r = Refills { ring: &mut ring, buffer: &mut buffer };
    r.round_robin_use(120);
    assert_eq!(r.head(), Refill { time: 5, amount: 380 });
    assert_eq!(r.sum(), 500);
    r.round_robin_use(1_000);
    assert_eq!(r.head().amount, 0, "never more than the head holds");
    assert_eq!(r.sum(), 500);
    r.round_robin_refill();
    assert_eq!(r.head(), Refill { time: 5, amount: 500 });
    assert_eq!(r.len(), 2);
}

#[test]
fn partial_use_comes_back_one_period_later() {
    let (mut ring, mut buffer) = fresh(4, 1000, 5000, 0);
    let mut r = Refills { ring: &mut ring, buffer: &mut buffer };
    r.charge(300);
    assert_eq!(r.head(), Refill { time: 300, amount: 700 });
    let mut all = Vec::new();
    r.for_each(|x| all.push(x));
    assert_eq!(all, [Refill { time: 300, amount: 700 }, Refill { time: 5000, amount: 300 }]);
}

#[test]
fn overrun_of_the_whole_budget_moves_it_a_period_on() {
    let (mut ring, mut buffer) = fresh(4, 1000, 5000, 0);
    let mut r = Refills { ring: &mut ring, buffer: &mut buffer };
    r.charge(1000);
    assert_eq!(r.len(), 1);
    assert_eq!(r.head(), Refill { time: 5000, amount: 1000 });
    assert!(!r.ready(4999));
}

#[test]
fn a_head_below_the_minimum_merges_into_the_next_refill() {
    let (mut ring, mut buffer) = fresh(4, 1000, 5000, 0);
    let mut r = Refills { ring: &mut ring, buffer: &mut buffer };
    r.charge(1000 - MIN_BUDGET + 1);
    // The head would keep MIN_BUDGET - 1, too little to run on: it joins the used refill.
    assert_eq!(r.len(), 1);
    assert_eq!(r.head().amount, 1000);
    assert_eq!(r.sum(), 1000);
}

#[test]
fn unblock_merges_overlapping_refills_into_a_head_that_starts_now() {
    let (mut ring, mut buffer) = fresh(4, 1000, 2000, 0);
    let mut r = Refills { ring: &mut ring, buffer: &mut buffer };
    r.charge(400); // head 400+600, used 400 back at 2000
    assert!(r.unblock_check(1900));
    // Head now [1900, 2500) overlaps the refill at 2000: they merge.
    assert_eq!(r.len(), 1);
    assert_eq!(r.head(), Refill { time: 1900, amount: 1000 });
}

#[test]
fn reconfigure_to_a_bigger_budget_adds_the_difference_a_period_later() {
    let (mut ring, mut buffer) = fresh(4, 1000, 5000, 0);
    let mut r = Refills { ring: &mut ring, buffer: &mut buffer };
    r.reconfigure(8000, 3000, 6, 100);
    let mut all = Vec::new();
    r.for_each(|x| all.push(x));
    assert_eq!(all, [Refill { time: 100, amount: 1000 }, Refill { time: 8100, amount: 2000 }]);
    r.reconfigure(8000, 400, 6, 200);
    assert_eq!(r.len(), 1);
    assert_eq!(r.head(), Refill { time: 200, amount: 400 });
}

/// Runs a thread that uses its budget whenever it can, in slices the strategy picks, and
/// checks the refills after every step. Returns the intervals it ran.
fn simulate(max: usize, budget: u64, period: u64, slices: &[(u64, u64)]) -> Result<Vec<(u64, u64)>, TestCaseError> {
    let (mut ring, mut buffer) = fresh(max, budget, period, 0);
    let mut r = Refills { ring: &mut ring, buffer: &mut buffer };
    let mut now = 0u64;
    let mut ran = Vec::new();
    for &(slice, pause) in slices {
        // Blocked for a while, then woken (as a sporadic thread is on unblock).
        now += pause;
        r.unblock_check(now);
        if !r.ready(now) {
            now = r.head().time;
        }
        prop_assert!(r.sufficient(0), "a ready head holds at least MIN_BUDGET");
        // Run for part of the head refill, never past it (the timer fires at its end).
        let usage = 1 + slice % r.head().amount;
        ran.push((now, now + usage));
        now += usage;
        r.charge(usage);
        prop_assert_eq!(r.sum(), budget);
        prop_assert!(r.is_ordered());
        prop_assert!(r.len() <= max);
        prop_assert!(r.head().amount >= MIN_BUDGET);
    }
    Ok(ran)
}

proptest! {
    #[test]
    fn budget_is_conserved_and_never_exceeded_in_any_period(
        max in MIN_REFILLS..=MAX,
        budget in MIN_BUDGET..5_000,
        extra in 0u64..20_000,
        slices in proptest::collection::vec((0u64..10_000, 0u64..3_000), 1..60),
    ) {
        let period = budget + extra;
        let ran = simulate(max, budget, period, &slices)?;
        // In every window of one period that starts where a run starts, at most the budget.
        for &(start, _) in &ran {
            let end = start + period;
            let used: u64 = ran.iter().map(|&(a, b)| b.min(end).saturating_sub(a.max(start))).sum();
            prop_assert!(used <= budget, "{used} > {budget} in [{start}, {end})");
        }
    }
}
