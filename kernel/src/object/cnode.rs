//! CNode invocations: Copy, Mint, Move, Mutate, Rotate, Delete, Revoke, SaveCaller (not with
//! MCS) and CancelBadgedSends, decoded with seL4's checks in seL4's order, then performed.
use super::delete;
use crate::cspace::cdt;
use crate::cspace::{Cap, LookupFault, Slot, ensure_empty_slot, lookup_slot_for_cnode_op};
use crate::error::{Interrupted, SyscallError};
use crate::memory::{Handle, Tcb, caps};
use crate::message::Message;
use atoll_abi::{CapRights, CapType, InvocationLabel};
use atoll_kernel_core::rules;

/// A checked CNode operation.
pub enum CNodeOp {
    Insert {
        cap: Cap,
        src: Slot,
        dest: Slot,
    },
    Move {
        cap: Cap,
        src: Slot,
        dest: Slot,
    },
    Rotate {
        src_cap: Cap,
        pivot_cap: Cap,
        src: Slot,
        pivot: Slot,
        dest: Slot,
    },
    Delete(Slot),
    Revoke(Slot),
    #[cfg(not(feature = "mcs"))]
    SaveCaller(Slot),
    CancelBadgedSends(Cap),
}

fn missing(source: bool, depth: u64) -> SyscallError {
    SyscallError::FailedLookup { source, fault: LookupFault::MissingCapability { bits_left: depth as u32 } }
}

fn arg(message: &Message, index: usize) -> Result<u64, SyscallError> {
    message.arg(index).ok_or(SyscallError::TruncatedMessage)
}

fn derive(slot: Slot, cap: Cap) -> Result<Cap, SyscallError> {
    let has_children = cdt::first_child(slot).is_some();
    rules::derive(cap, has_children).map_err(|error| match error {
        rules::DeriveError::RevokeFirst => SyscallError::RevokeFirst,
        rules::DeriveError::IllegalOperation => SyscallError::IllegalOperation,
    })
}

/// Decodes a CNode invocation on `cnode` (seL4's decodeCNodeInvocation).
pub fn decode(message: &Message, cnode: Cap) -> Result<CNodeOp, SyscallError> {
    use InvocationLabel as L;
    #[cfg(not(feature = "mcs"))]
    let last = L::CNodeSaveCaller;
    #[cfg(feature = "mcs")]
    let last = L::CNodeRotate;
    let label = InvocationLabel::from_value(message.label)
        .filter(|l| (L::CNodeRevoke.value()..=last.value()).contains(&l.value()))
        .ok_or(SyscallError::IllegalOperation)?;
    if message.length < 2 {
        return Err(SyscallError::TruncatedMessage);
    }
    let dest = lookup_slot_for_cnode_op(false, cnode, arg(message, 0)?, arg(message, 1)?)?;
    match label {
        L::CNodeCopy | L::CNodeMint | L::CNodeMove | L::CNodeMutate => {
            let (Some(src_index), Some(src_depth), Some(src_root)) =
                (message.arg(2), message.arg(3), message.extra_cap(0))
            else {
                return Err(SyscallError::TruncatedMessage);
            };
            ensure_empty_slot(dest)?;
            let src = lookup_slot_for_cnode_op(true, src_root.cap, src_index, src_depth)?;
            let src_cap = src.cap();
            if src_cap.is_null() {
                return Err(missing(true, src_depth));
            }
            let (cap, is_move) = match label {
                L::CNodeCopy => {
                    let rights = CapRights::from_word(arg(message, 4)?);
                    (derive(src, rules::mask_rights(src_cap, rights))?, false)
                }
                L::CNodeMint => {
                    let rights = CapRights::from_word(arg(message, 4)?);
                    let data = arg(message, 5)?;
                    let masked = rules::mask_rights(src_cap, rights);
                    (derive(src, rules::update_cap_data(false, data, masked))?, false)
                }
                L::CNodeMove => (src_cap, true),
                _ => (rules::update_cap_data(true, arg(message, 4)?, src_cap), true),
            };
            if cap.is_null() {
                return Err(SyscallError::IllegalOperation);
            }
            Ok(if is_move { CNodeOp::Move { cap, src, dest } } else { CNodeOp::Insert { cap, src, dest } })
        }
        L::CNodeRevoke => Ok(CNodeOp::Revoke(dest)),
        L::CNodeDelete => Ok(CNodeOp::Delete(dest)),
        #[cfg(not(feature = "mcs"))]
        L::CNodeSaveCaller => {
            ensure_empty_slot(dest)?;
            Ok(CNodeOp::SaveCaller(dest))
        }
        L::CNodeCancelBadgedSends => {
            let cap = dest.cap();
            let rights = cap.endpoint_rights();
            let full = rights.send && rights.receive && rights.grant && rights.grant_reply;
            if !cap.is(CapType::Endpoint) || !full {
                return Err(SyscallError::IllegalOperation);
            }
            Ok(CNodeOp::CancelBadgedSends(cap))
        }
        L::CNodeRotate => {
            let (Some(_), Some(pivot_root), Some(src_root)) =
                (message.arg(7), message.extra_cap(0), message.extra_cap(1))
            else {
                return Err(SyscallError::TruncatedMessage);
            };
            let [pivot_data, pivot_index, pivot_depth, src_data, src_index, src_depth] =
                [2, 3, 4, 5, 6, 7].map(|i| message.arg(i).unwrap_or(0));
            let src = lookup_slot_for_cnode_op(true, src_root.cap, src_index, src_depth)?;
            let pivot = lookup_slot_for_cnode_op(true, pivot_root.cap, pivot_index, pivot_depth)?;
            if pivot == src || pivot == dest {
                return Err(SyscallError::IllegalOperation);
            }
            if src != dest {
                ensure_empty_slot(dest)?;
            }
            if src.cap().is_null() {
                return Err(missing(true, src_depth));
            }
            if pivot.cap().is_null() {
                return Err(missing(false, pivot_depth));
            }
            let src_cap = rules::update_cap_data(true, src_data, src.cap());
            let pivot_cap = rules::update_cap_data(true, pivot_data, pivot.cap());
            if src_cap.is_null() || pivot_cap.is_null() {
                return Err(SyscallError::IllegalOperation);
            }
            Ok(CNodeOp::Rotate { src_cap, pivot_cap, src, pivot, dest })
        }
        _ => Err(SyscallError::IllegalOperation),
    }
}

/// Performs a decoded CNode operation for `caller` (whose reply slot SaveCaller empties).
#[inline(always)]
pub fn invoke(op: CNodeOp, #[allow(unused_variables)] caller: Handle<Tcb>) -> Result<(), Interrupted> {
    match op {
        CNodeOp::Insert { cap, src, dest } => cdt::insert(cap, src, dest),
        CNodeOp::Move { cap, src, dest } => cdt::move_to(cap, src, dest),
        CNodeOp::Rotate { src_cap, pivot_cap, src, pivot, dest } => {
            if src == dest {
                cdt::swap(src_cap, src, pivot_cap, pivot);
            } else {
                cdt::move_to(pivot_cap, pivot, dest);
                cdt::move_to(src_cap, src, pivot);
            }
        }
        CNodeOp::Delete(slot) => delete::delete(slot, true)?,
        CNodeOp::Revoke(slot) => delete::revoke(slot)?,
        #[cfg(not(feature = "mcs"))]
        CNodeOp::SaveCaller(dest) => {
            let caller_slot = caller.slot(crate::memory::slot::CALLER);
            let caller = caller_slot.cap();
            if caller.is(CapType::Reply) {
                cdt::move_to(caller, caller_slot, dest);
            }
        }
        // Badge 0 names no particular sender: nothing to cancel (as in seL4).
        CNodeOp::CancelBadgedSends(cap) => {
            if cap.badge() != 0 {
                crate::ipc::endpoint::cancel_badged_sends(caps::endpoint(cap), cap.badge());
            }
        }
    }
    Ok(())
}
