//! Helpers shared by the tests: free slots, fresh untyped memory, slot paths, error checks.
use atoll_sdk::abi::{ObjectType, slots};
use atoll_sdk::cnode::{self, SlotPath};
use atoll_sdk::invocation::Failure;
use atoll_sdk::runtime::bootinfo;
use core::sync::atomic::{AtomicU64, Ordering};

/// Depth of the root CNode's addresses: its 12 radix bits behind a 52-bit guard.
pub const ROOT_DEPTH: u64 = 64;

static NEXT_SLOT: AtomicU64 = AtomicU64::new(0);
static PARENT_UNTYPED: AtomicU64 = AtomicU64::new(0);

/// A never-used slot of the root CNode.
pub fn alloc_slot() -> u64 {
    let start = bootinfo().empty.start;
    let _ = NEXT_SLOT.compare_exchange(0, start, Ordering::Relaxed, Ordering::Relaxed);
    let slot = NEXT_SLOT.fetch_add(1, Ordering::Relaxed);
    assert!(slot < bootinfo().empty.end, "tests ran out of empty slots");
    slot
}

/// `count` consecutive never-used slots; returns the first.
pub fn alloc_slots(count: u64) -> u64 {
    let first = alloc_slot();
    for _ in 1..count {
        alloc_slot();
    }
    first
}

/// The root CNode slot `index` as a CNode-invocation path.
pub fn root_slot(index: u64) -> SlotPath {
    SlotPath { root: slots::CAP_INIT_THREAD_CNODE, index, depth: ROOT_DEPTH }
}

fn parent_untyped() -> u64 {
    let known = PARENT_UNTYPED.load(Ordering::Relaxed);
    if known != 0 {
        return known;
    }
    // The smallest RAM untyped of at least 32 MiB: big enough for every test, small enough
    // that its first reset (zeroing) is quick.
    let info = bootinfo();
    let count = (info.untyped.end - info.untyped.start) as usize;
    let chosen = info.untyped_list[..count]
        .iter()
        .enumerate()
        .filter(|(_, d)| d.is_device == 0 && d.size_bits >= 25)
        .min_by_key(|(_, d)| d.size_bits)
        .map(|(i, _)| info.untyped.start + i as u64)
        .expect("an untyped of at least 32 MiB");
    PARENT_UNTYPED.store(chosen, Ordering::Relaxed);
    chosen
}

/// A new untyped of `2^bits` bytes in a fresh slot, carved from the tests' parent untyped.
pub fn fresh_untyped(bits: u64) -> u64 {
    let slot = alloc_slot();
    retype(parent_untyped(), ObjectType::Untyped, bits, slot, 1).expect("carving a test untyped");
    slot
}

/// Untyped_Retype into root CNode slots starting at `slot`.
pub fn retype(untyped: u64, ty: ObjectType, size_bits: u64, slot: u64, count: u64) -> Result<(), Failure> {
    cnode::untyped_retype(untyped, ty.value(), size_bits, slots::CAP_INIT_THREAD_CNODE, 0, 0, slot, count)
}

/// A fresh object of type `ty` in a fresh slot, from a fresh untyped.
pub fn new_object(ty: ObjectType, size_bits: u64) -> u64 {
    let untyped = fresh_untyped(16.max(size_bits + 5));
    let slot = alloc_slot();
    retype(untyped, ty, size_bits, slot, 1).expect("creating a test object");
    slot
}
