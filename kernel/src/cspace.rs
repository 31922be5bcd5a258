//! CSpaces: the lookups system calls and invocations make through slots (seL4's lookupSlot,
//! lookupSlotForCNodeOp, ensureEmptySlot, ensureNoChildren). The slots themselves are
//! kernel-core's layout in physical memory (`memory::PhysicalSlots`).
use crate::error::SyscallError;
pub use crate::memory::PhysicalSlots;
use crate::memory::{Handle, Tcb, slot};
use atoll_abi::CapType;
use atoll_abi::object::WORD_BITS;
pub use atoll_kernel_core::cap::Cap;
pub use atoll_kernel_core::cspace::{LookupFault, slot_of};
pub use atoll_kernel_core::cte::{Cte, CteStore, SlotRef};
use atoll_kernel_core::{cdt, cspace};

/// Resolves `cptr` in a thread's CSpace at full depth (seL4's lookupSlot).
pub fn lookup_slot(thread: Handle<Tcb>, cptr: u64) -> Result<SlotRef, LookupFault> {
    let root = PhysicalSlots.cap(thread.slot(slot::CSPACE_ROOT));
    cspace::resolve(&PhysicalSlots, root, cptr, WORD_BITS as u32).map(|r| r.slot)
}

/// The cap `cptr` names in a thread's CSpace (seL4's lookupCap), if it resolves.
pub fn lookup_cap(thread: Handle<Tcb>, cptr: u64) -> Option<Cap> {
    lookup_slot(thread, cptr).ok().map(|slot| PhysicalSlots.cap(slot))
}

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
#[inline]
pub fn ensure_no_children(slot: SlotRef) -> Result<(), SyscallError> {
    match cdt::first_child(&PhysicalSlots, slot) {
        None => Ok(()),
        Some(_) => Err(SyscallError::RevokeFirst),
    }
}

/// Deletes a cap that never needs a zombie (seL4's cteDeleteOne).
pub fn delete_one(slot: SlotRef) {
    if !PhysicalSlots.cap(slot).is_null() {
        cdt::unlink(&mut PhysicalSlots, slot);
    }
}
