//! CNode and Untyped invocations with libsel4's argument order (seL4_CNode_*, seL4_Untyped_Retype).
use crate::invocation::{Failure, invoke};
use atoll_abi::{CapRights, InvocationLabel as L};

/// A slot named as (CNode root, index, depth), as the CNode invocations take it.
#[derive(Clone, Copy, Debug)]
pub struct SlotPath {
    pub root: u64,
    pub index: u64,
    pub depth: u64,
}

fn unit(result: Result<crate::syscall::Reply, Failure>) -> Result<(), Failure> {
    result.map(|_| ())
}

/// seL4_CNode_Copy.
pub fn copy(dest: SlotPath, src: SlotPath, rights: CapRights) -> Result<(), Failure> {
    unit(invoke(dest.root, L::CNodeCopy, &[dest.index, dest.depth, src.index, src.depth, rights.word()], &[src.root]))
}

/// seL4_CNode_Mint.
pub fn mint(dest: SlotPath, src: SlotPath, rights: CapRights, badge: u64) -> Result<(), Failure> {
    let mrs = [dest.index, dest.depth, src.index, src.depth, rights.word(), badge];
    unit(invoke(dest.root, L::CNodeMint, &mrs, &[src.root]))
}

/// seL4_CNode_Move.
pub fn move_cap(dest: SlotPath, src: SlotPath) -> Result<(), Failure> {
    unit(invoke(dest.root, L::CNodeMove, &[dest.index, dest.depth, src.index, src.depth], &[src.root]))
}

/// seL4_CNode_Mutate.
pub fn mutate(dest: SlotPath, src: SlotPath, badge: u64) -> Result<(), Failure> {
    unit(invoke(dest.root, L::CNodeMutate, &[dest.index, dest.depth, src.index, src.depth, badge], &[src.root]))
}

/// seL4_CNode_Rotate: pivot moves to dest, src moves to pivot.
pub fn rotate(dest: SlotPath, pivot: SlotPath, pivot_badge: u64, src: SlotPath, src_badge: u64) -> Result<(), Failure> {
    let mrs = [dest.index, dest.depth, pivot_badge, pivot.index, pivot.depth, src_badge, src.index, src.depth];
    unit(invoke(dest.root, L::CNodeRotate, &mrs, &[pivot.root, src.root]))
}

/// seL4_CNode_Delete.
pub fn delete(slot: SlotPath) -> Result<(), Failure> {
    unit(invoke(slot.root, L::CNodeDelete, &[slot.index, slot.depth], &[]))
}

/// seL4_CNode_Revoke.
pub fn revoke(slot: SlotPath) -> Result<(), Failure> {
    unit(invoke(slot.root, L::CNodeRevoke, &[slot.index, slot.depth], &[]))
}

/// seL4_CNode_SaveCaller (non-MCS; MCS has reply objects instead).
#[cfg(not(feature = "mcs"))]
pub fn save_caller(slot: SlotPath) -> Result<(), Failure> {
    unit(invoke(slot.root, L::CNodeSaveCaller, &[slot.index, slot.depth], &[]))
}

/// seL4_CNode_CancelBadgedSends.
pub fn cancel_badged_sends(slot: SlotPath) -> Result<(), Failure> {
    unit(invoke(slot.root, L::CNodeCancelBadgedSends, &[slot.index, slot.depth], &[]))
}

/// seL4_Untyped_Retype.
#[allow(clippy::too_many_arguments)]
pub fn untyped_retype(
    untyped: u64,
    object_type: u64,
    size_bits: u64,
    root: u64,
    node_index: u64,
    node_depth: u64,
    node_offset: u64,
    count: u64,
) -> Result<(), Failure> {
    let mrs = [object_type, size_bits, node_index, node_depth, node_offset, count];
    unit(invoke(untyped, L::UntypedRetype, &mrs, &[root]))
}
