//! CSpace addressing (sel4test's CSPACE area and more): multi-level CNodes with guards, resolved
//! at the full 64 bits of depth.
use crate::framework::{Outcome, Test};
use crate::support::{alloc_slot, new_object, root_slot};
use crate::{check_eq, check_err, check_ok};
use atoll_sdk::BootInfo;
use atoll_sdk::abi::{CapRights, CapType, Error, ObjectType, slots};
use atoll_sdk::cnode::{self, SlotPath};
use atoll_sdk::syscall::debug_cap_identify as identify;

pub const TESTS: &[Test] = &[
    Test { name: "cspace::two_levels_resolve_at_64_bits", run: two_levels_resolve_at_64_bits },
    Test { name: "cspace::wrong_guard_on_second_level_fails", run: wrong_guard_on_second_level_fails },
    Test { name: "cspace::lookup_stops_at_a_non_cnode", run: lookup_stops_at_a_non_cnode },
];

/// Builds A (radix 8, 24-bit guard `guard_a`) whose slot `k` holds B (radix 8, 24-bit guard
/// `guard_b`): an address is guard_a(24) k(8) guard_b(24) j(8). Returns A's root-CNode slot.
fn two_level_cspace(k: u64, guard_a: u64, guard_b: u64) -> Result<u64, crate::framework::Failure> {
    let raw_a = new_object(ObjectType::CapTable, 8);
    let raw_b = new_object(ObjectType::CapTable, 8);
    let (a, b) = (alloc_slot(), alloc_slot());
    // CNode cap data: guard << 6 | guard size.
    check_ok!(cnode::mutate(root_slot(a), root_slot(raw_a), guard_a << 6 | 24));
    check_ok!(cnode::mutate(root_slot(b), root_slot(raw_b), guard_b << 6 | 24));
    // Put B into A[k]: address A's slot k through A itself at depth 32.
    let into_a = SlotPath { root: a, index: guard_a << 8 | k, depth: 32 };
    check_ok!(cnode::move_cap(into_a, root_slot(b)));
    Ok(a)
}

fn address(guard_a: u64, k: u64, guard_b: u64, j: u64) -> u64 {
    guard_a << 40 | k << 32 | guard_b << 8 | j
}

fn two_levels_resolve_at_64_bits(_: &'static BootInfo) -> Outcome {
    let (k, j, guard_a, guard_b) = (7, 200, 0xabcdef, 0x123456);
    let a = two_level_cspace(k, guard_a, guard_b)?;
    let deep = SlotPath { root: a, index: address(guard_a, k, guard_b, j), depth: 64 };
    check_ok!(cnode::copy(deep, root_slot(slots::CAP_INIT_THREAD_TCB), CapRights::ALL_RIGHTS));
    // Read it back through the same path into the root CNode.
    let back = alloc_slot();
    check_ok!(cnode::copy(root_slot(back), deep, CapRights::ALL_RIGHTS));
    check_eq!(identify(back), CapType::Thread.value());
    // The slot is occupied now.
    check_err!(cnode::copy(deep, root_slot(slots::CAP_DOMAIN), CapRights::ALL_RIGHTS), Error::DeleteFirst);
    check_ok!(cnode::delete(deep));
    let failure = check_err!(cnode::copy(root_slot(alloc_slot()), deep, CapRights::ALL_RIGHTS), Error::FailedLookup);
    check_eq!(failure.detail(), &[1, 2, 64][..]);
    Ok(())
}

fn wrong_guard_on_second_level_fails(_: &'static BootInfo) -> Outcome {
    let (k, guard_a, guard_b) = (3, 0x111111, 0x222222);
    let a = two_level_cspace(k, guard_a, guard_b)?;
    let bad = SlotPath { root: a, index: address(guard_a, k, 0x222223, 9), depth: 64 };
    let failure = check_err!(cnode::delete(bad), Error::FailedLookup);
    // Guard mismatch at the second level: 32 bits left, B's guard, guard size 24.
    check_eq!(failure.detail(), &[0, 4, 32, 0x222222, 24][..]);
    let wrong_first = SlotPath { root: a, index: address(0x111112, k, guard_b, 9), depth: 64 };
    let failure = check_err!(cnode::delete(wrong_first), Error::FailedLookup);
    check_eq!(failure.detail(), &[0, 4, 64, 0x111111, 24][..]);
    Ok(())
}

fn lookup_stops_at_a_non_cnode(_: &'static BootInfo) -> Outcome {
    let (k, guard_a) = (9, 0x0f0f0f);
    let raw = new_object(ObjectType::CapTable, 8);
    let a = alloc_slot();
    check_ok!(cnode::mutate(root_slot(a), root_slot(raw), guard_a << 6 | 24));
    let into_a = SlotPath { root: a, index: guard_a << 8 | k, depth: 32 };
    check_ok!(cnode::copy(into_a, root_slot(slots::CAP_INIT_THREAD_TCB), CapRights::ALL_RIGHTS));
    // A 64-bit address whose first 32 bits reach the TCB cap: the walk stops there with 32
    // bits unused, which a CNode operation reports as a depth mismatch.
    let through = SlotPath { root: a, index: address(guard_a, k, 0, 0), depth: 64 };
    let failure = check_err!(cnode::delete(through), Error::FailedLookup);
    check_eq!(failure.detail(), &[0, 3, 32, 0][..]);
    Ok(())
}
