//! Capability addressing: resolving a capability pointer through guarded CNodes.
use crate::cap::Cap;
use crate::cte::{CteStore, SlotRef};
use atoll_abi::CapType;
use atoll_abi::object::SLOT_BITS;

/// Why a capability address did not resolve (seL4's lookup failures, with their details).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LookupFault {
    InvalidRoot,
    MissingCapability { bits_left: u32 },
    DepthMismatch { bits_left: u32, bits_found: u32 },
    GuardMismatch { bits_left: u32, guard_found: u64, guard_size: u32 },
}

/// A resolved slot, and how many address bits were left unused when a non-CNode cap ended the
/// walk early.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resolved {
    pub slot: SlotRef,
    pub bits_left: u32,
}

const fn low_bits(value: u64, bits: u32) -> u64 {
    if bits >= 64 { value } else { value & ((1u64 << bits) - 1) }
}

const fn shift_right(value: u64, bits: u32) -> u64 {
    if bits >= 64 { 0 } else { value >> bits }
}

/// Address of slot `index` in the CNode whose slots start at `cnode`.
pub const fn slot_of(cnode: u64, index: u64) -> SlotRef {
    cnode + (index << SLOT_BITS)
}

/// Resolves the top `depth` bits of `cptr` starting at the CNode cap `root`, as seL4's
/// resolveAddressBits does: each level consumes its guard and radix bits; the walk stops at the
/// last level or at a slot that does not hold a CNode cap.
pub fn resolve(store: &impl CteStore, root: Cap, cptr: u64, depth: u32) -> Result<Resolved, LookupFault> {
    if !root.is(CapType::CNode) {
        return Err(LookupFault::InvalidRoot);
    }
    let mut node = root;
    let mut bits_left = depth.min(64);
    loop {
        let radix = node.cnode_radix();
        let guard_size = node.cnode_guard_size();
        let level_bits = radix + guard_size;
        // seL4 checks the guard first: a guard longer than the bits left, or one that does not
        // match, is a guard mismatch reporting the CNode's own guard.
        let guard = node.cnode_guard();
        if guard_size > bits_left || low_bits(shift_right(cptr, bits_left - guard_size), guard_size) != guard {
            return Err(LookupFault::GuardMismatch { bits_left, guard_found: guard, guard_size });
        }
        // A level that consumes no bits could loop forever. seL4 never creates a CNode with no
        // radix bits; refuse it rather than rely on that.
        if level_bits == 0 || level_bits > bits_left {
            return Err(LookupFault::DepthMismatch { bits_left, bits_found: level_bits });
        }
        let index = low_bits(shift_right(cptr, bits_left - level_bits), radix);
        let slot = slot_of(node.paddr(), index);
        if bits_left == level_bits {
            return Ok(Resolved { slot, bits_left: 0 });
        }
        bits_left -= level_bits;
        let next = store.cap(slot);
        if !next.is(CapType::CNode) {
            return Ok(Resolved { slot, bits_left });
        }
        node = next;
    }
}
