//! CNode slots (CTEs) and capability-address resolution through guarded CNodes.
use super::cap::Cap;
use crate::kmem;
use atoll_abi::CapType;

/// A capability table entry: the cap plus its derivation-tree links (seL4's 32-byte slot).
#[derive(Clone, Copy, Default)]
#[repr(C)]
pub struct Cte {
    pub cap: Cap,
    pub mdb: [u64; 2],
}

const _: () = assert!(core::mem::size_of::<Cte>() == 1 << atoll_abi::object::SLOT_BITS);

/// Why a capability address did not resolve (seL4's lookup failures).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LookupFault {
    InvalidRoot,
    MissingCapability { bits_left: u32 },
    DepthMismatch { bits_left: u32, bits_found: u32 },
    GuardMismatch { bits_left: u32, guard_found: u64, guard_size: u32 },
}

fn low_bits(value: u64, bits: u32) -> u64 {
    if bits >= 64 { value } else { value & ((1u64 << bits) - 1) }
}

fn shift_right(value: u64, bits: u32) -> u64 {
    value.checked_shr(bits).unwrap_or(0)
}

/// Physical address of slot `index` of the CNode at `paddr`.
pub fn slot_paddr(cnode_paddr: u64, index: u64) -> u64 {
    cnode_paddr + (index << atoll_abi::object::SLOT_BITS)
}

/// Resolves `cptr` to the physical address of a slot, using its top `depth` bits and starting
/// at `root`, as seL4's resolveAddressBits does.
pub fn resolve(root: Cap, cptr: u64, depth: u32) -> Result<u64, LookupFault> {
    if !root.is(CapType::CNode) {
        return Err(LookupFault::InvalidRoot);
    }
    let mut node = root;
    let mut bits_left = depth.min(64);
    loop {
        let radix = node.cnode_radix();
        let guard_size = node.cnode_guard_size();
        let level_bits = radix + guard_size;
        // A level that consumes no bits could loop forever; seL4 never creates one (CNodes have
        // at least one radix bit), so treat it as a depth error rather than trusting that.
        if level_bits == 0 || level_bits > bits_left {
            return Err(LookupFault::DepthMismatch { bits_left, bits_found: level_bits });
        }
        let guard = low_bits(shift_right(cptr, bits_left - guard_size), guard_size);
        if guard_size > 0 && guard != low_bits(node.cnode_guard(), guard_size) {
            return Err(LookupFault::GuardMismatch { bits_left, guard_found: guard, guard_size });
        }
        let index = low_bits(shift_right(cptr, bits_left - level_bits), radix);
        let slot = slot_paddr(node.paddr(), index);
        if bits_left == level_bits {
            return Ok(slot);
        }
        bits_left -= level_bits;
        // SAFETY: `node` is a CNode cap, so `slot` lies inside a live CNode.
        let next = unsafe { kmem::object::<Cte>(slot) }.cap;
        if !next.is(CapType::CNode) {
            return Ok(slot);
        }
        node = next;
    }
}

/// The cap in the slot at `slot_paddr`.
pub fn cap_at(slot_paddr: u64) -> Cap {
    // SAFETY: slot addresses come from `resolve` or from boot, both inside live CNodes.
    unsafe { kmem::object::<Cte>(slot_paddr) }.cap
}

/// Writes `cap` into the slot at `slot_paddr`.
pub fn set_cap(slot_paddr: u64, cap: Cap) {
    // SAFETY: as for `cap_at`.
    unsafe { kmem::object::<Cte>(slot_paddr) }.cap = cap;
}
