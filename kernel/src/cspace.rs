//! CSpaces: slots in physical memory and the lookups invocations make through them.
use crate::kmem;
pub use atoll_kernel_core::cspace::{LookupFault, slot_of};
pub use atoll_kernel_core::cte::{Cte, CteStore, SlotRef};

/// The kernel's slot store: slots are named by their physical address.
pub struct PhysicalSlots;

impl CteStore for PhysicalSlots {
    fn read(&self, slot: SlotRef) -> Cte {
        *kmem::slot(slot)
    }

    fn write(&mut self, slot: SlotRef, cte: Cte) {
        *kmem::slot(slot) = cte;
    }

    // Field-level access: the hot paths touch only the half of a slot they need.

    #[inline(always)]
    fn cap(&self, slot: SlotRef) -> Cap {
        kmem::slot(slot).cap
    }

    #[inline(always)]
    fn set_cap(&mut self, slot: SlotRef, cap: Cap) {
        kmem::slot(slot).cap = cap;
    }

    #[inline(always)]
    fn mdb(&self, slot: SlotRef) -> atoll_kernel_core::cte::Mdb {
        kmem::slot(slot).mdb
    }

    #[inline(always)]
    fn update_mdb(&mut self, slot: SlotRef, change: impl FnOnce(&mut atoll_kernel_core::cte::Mdb)) {
        change(&mut kmem::slot(slot).mdb);
    }
}

use crate::invocation::SyscallError;
use crate::object::cap::Cap;
use atoll_abi::CapType;
use atoll_abi::object::WORD_BITS;
use atoll_kernel_core::{cdt, cspace};

/// Finds the slot a CNode invocation names (seL4's lookupSlotForCNodeOp): `root` must be a
/// CNode cap, `depth` in 1..=64, and the whole depth must be consumed.
pub fn lookup_slot_for_cnode_op(is_source: bool, root: Cap, cptr: u64, depth: u64) -> Result<SlotRef, SyscallError> {
    let failed = |fault| SyscallError::FailedLookup { source: is_source, fault };
    if !root.is(CapType::CNode) {
        return Err(failed(LookupFault::InvalidRoot));
    }
    if depth < 1 || depth > WORD_BITS as u64 {
        return Err(SyscallError::RangeError { min: 1, max: WORD_BITS as u64 });
    }
    let resolved = cspace::resolve(&PhysicalSlots, root, cptr, depth as u32).map_err(failed)?;
    if resolved.bits_left != 0 {
        return Err(failed(LookupFault::DepthMismatch { bits_left: resolved.bits_left, bits_found: 0 }));
    }
    Ok(resolved.slot)
}

/// seL4's ensureEmptySlot.
pub fn ensure_empty_slot(slot: SlotRef) -> Result<(), SyscallError> {
    if PhysicalSlots.cap(slot).is_null() { Ok(()) } else { Err(SyscallError::DeleteFirst) }
}

/// seL4's ensureNoChildren.
pub fn ensure_no_children(slot: SlotRef) -> Result<(), SyscallError> {
    match cdt::first_child(&PhysicalSlots, slot) {
        None => Ok(()),
        Some(_) => Err(SyscallError::RevokeFirst),
    }
}
