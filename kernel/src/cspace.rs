//! CSpaces: the lookups system calls and invocations make through slots (seL4's lookupSlot,
//! lookupSlotForCNodeOp, ensureEmptySlot, ensureNoChildren, cteDeleteOne). Slots are
//! `memory::Slot`s; the resolution walk is kernel-core's.
use crate::error::SyscallError;
use crate::memory::{Handle, Tcb, resolve, slot};
pub use crate::memory::{Slot, cdt};
use atoll_abi::CapType;
use atoll_abi::object::WORD_BITS;
pub use atoll_kernel_core::cap::Cap;
pub use atoll_kernel_core::cspace::LookupFault;
pub use atoll_kernel_core::cte::Cte;

/// Resolves `cptr` in a thread's CSpace at full depth (seL4's lookupSlot).
pub fn lookup_slot(thread: Handle<Tcb>, cptr: u64) -> Result<Slot, LookupFault> {
    let root = thread.slot(slot::CSPACE_ROOT).cap();
    resolve(root, cptr, WORD_BITS as u32).map(|(slot, _)| slot)
}

/// The cap `cptr` names in a thread's CSpace (seL4's lookupCap), if it resolves.
pub fn lookup_cap(thread: Handle<Tcb>, cptr: u64) -> Option<Cap> {
    lookup_slot(thread, cptr).ok().map(Slot::cap)
}

/// Finds the slot a CNode invocation names (seL4's lookupSlotForCNodeOp): `root` must be a
/// CNode cap, `depth` in 1..=64, and the whole depth must be consumed.
pub fn lookup_slot_for_cnode_op(is_source: bool, root: Cap, cptr: u64, depth: u64) -> Result<Slot, SyscallError> {
    let failed = |fault| SyscallError::FailedLookup { source: is_source, fault };
    if !root.is(CapType::CNode) {
        return Err(failed(LookupFault::InvalidRoot));
    }
    if depth < 1 || depth > WORD_BITS as u64 {
        return Err(SyscallError::RangeError { min: 1, max: WORD_BITS as u64 });
    }
    let (slot, bits_left) = resolve(root, cptr, depth as u32).map_err(failed)?;
    if bits_left != 0 {
        return Err(failed(LookupFault::DepthMismatch { bits_left, bits_found: 0 }));
    }
    Ok(slot)
}

/// seL4's ensureEmptySlot.
pub fn ensure_empty_slot(slot: Slot) -> Result<(), SyscallError> {
    if slot.is_empty() { Ok(()) } else { Err(SyscallError::DeleteFirst) }
}

/// seL4's ensureNoChildren.
#[inline]
pub fn ensure_no_children(slot: Slot) -> Result<(), SyscallError> {
    match cdt::first_child(slot) {
        None => Ok(()),
        Some(_) => Err(SyscallError::RevokeFirst),
    }
}

/// Deletes a cap that never needs a zombie (seL4's cteDeleteOne).
pub fn delete_one(slot: Slot) {
    if !slot.is_empty() {
        cdt::unlink(slot);
    }
}
