//! Untyped memory: Retype, the only way kernel objects come into being after boot.
use super::create::{create_object, is_frame_type, object_size_bits};
use crate::cspace::cdt;
use crate::cspace::{Cap, Slot, ensure_empty_slot, ensure_no_children, lookup_slot_for_cnode_op};
use crate::error::{Interrupted, SyscallError};
use crate::message::Message;
use crate::{memory, preemption};
use atoll_abi::config::RETYPE_FAN_OUT_LIMIT;
use atoll_abi::object::{MAX_UNTYPED_BITS, MIN_UNTYPED_BITS, WORD_BITS};
use atoll_abi::{CapType, InvocationLabel, ObjectType};

/// Zeroing granularity when an untyped is reset (seL4's CONFIG_RESET_CHUNK_BITS).
const RESET_CHUNK_BITS: u32 = 8;

/// A checked Retype request.
pub struct Retype {
    untyped_slot: Slot,
    reset: bool,
    /// Where the first object goes.
    base: u64,
    ty: ObjectType,
    user_bits: u64,
    object_bits: u64,
    dest_cnode: Cap,
    dest_offset: u64,
    count: u64,
}

/// Decodes an untyped invocation (seL4's decodeUntypedInvocation); no side effects.
pub fn decode(message: &Message, cap: Cap, slot: Slot) -> Result<Retype, SyscallError> {
    if message.label != InvocationLabel::UntypedRetype.value() {
        return Err(SyscallError::IllegalOperation);
    }
    let (Some(ty), Some(user_bits), Some(node_index), Some(node_depth), Some(node_offset), Some(count), Some(root)) = (
        message.arg(0),
        message.arg(1),
        message.arg(2),
        message.arg(3),
        message.arg(4),
        message.arg(5),
        message.extra_cap(0),
    ) else {
        return Err(SyscallError::TruncatedMessage);
    };
    let Some(ty) = ObjectType::from_value(ty) else {
        return Err(SyscallError::InvalidArgument { argument: 0 });
    };
    let object_bits = object_size_bits(ty, user_bits);
    if user_bits >= WORD_BITS as u64 || object_bits > MAX_UNTYPED_BITS as u64 {
        return Err(SyscallError::RangeError { min: 0, max: MAX_UNTYPED_BITS as u64 });
    }
    if ty == ObjectType::CapTable && user_bits == 0 {
        return Err(SyscallError::InvalidArgument { argument: 1 });
    }
    if ty == ObjectType::Untyped && user_bits < MIN_UNTYPED_BITS as u64 {
        return Err(SyscallError::InvalidArgument { argument: 1 });
    }
    #[cfg(feature = "mcs")]
    if ty == ObjectType::SchedContext && user_bits < atoll_abi::object::MIN_SCHED_CONTEXT_BITS as u64 {
        return Err(SyscallError::InvalidArgument { argument: 1 });
    }
    let dest_cnode = if node_depth == 0 {
        root.cap
    } else {
        let slot = lookup_slot_for_cnode_op(false, root.cap, node_index, node_depth)?;
        slot.cap()
    };
    if !dest_cnode.is(CapType::CNode) {
        return Err(SyscallError::FailedLookup {
            source: false,
            fault: crate::cspace::LookupFault::MissingCapability { bits_left: node_depth as u32 },
        });
    }
    let node_size = 1u64 << dest_cnode.cnode_radix();
    if node_offset > node_size - 1 {
        return Err(SyscallError::RangeError { min: 0, max: node_size - 1 });
    }
    if count < 1 || count > RETYPE_FAN_OUT_LIMIT as u64 {
        return Err(SyscallError::RangeError { min: 1, max: RETYPE_FAN_OUT_LIMIT as u64 });
    }
    if count > node_size - node_offset {
        return Err(SyscallError::RangeError { min: 1, max: node_size - node_offset });
    }
    for index in node_offset..node_offset + count {
        ensure_empty_slot(Slot::in_cnode(dest_cnode, index))?;
    }
    let reset = ensure_no_children(slot).is_ok();
    let free_index = if reset { 0 } else { cap.untyped_free_index() };
    let block_bytes = 1u64 << cap.untyped_size_bits();
    let free_bytes = block_bytes - free_index.min(block_bytes);
    if object_bits >= WORD_BITS as u64 || (free_bytes >> object_bits) < count {
        return Err(SyscallError::NotEnoughMemory { available: free_bytes });
    }
    let is_device = cap.untyped_is_device();
    if is_device && !is_frame_type(ty) && ty != ObjectType::Untyped {
        return Err(SyscallError::InvalidArgument { argument: 1 });
    }
    let first_free = cap.paddr() + free_index;
    let align = 1u64 << object_bits;
    let base = first_free.div_ceil(align) * align;
    Ok(Retype {
        untyped_slot: slot,
        reset,
        base,
        ty,
        user_bits,
        object_bits,
        dest_cnode,
        dest_offset: node_offset,
        count,
    })
}

/// Zeroes an untyped with no children from its watermark down, chunk by chunk, so that a
/// preempted reset resumes where it stopped (seL4's resetUntypedCap).
fn reset(slot: Slot) -> Result<(), Interrupted> {
    let cap = slot.cap();
    let size_bits = cap.untyped_size_bits();
    let used = cap.untyped_free_index();
    if used == 0 {
        return Ok(());
    }
    if cap.untyped_is_device() || size_bits < RESET_CHUNK_BITS {
        if !cap.untyped_is_device() {
            // The untyped has no children, so nothing lives in its memory.
            memory::clear_untyped(cap, 0, used);
        }
        slot.set_cap(cap.with_free_index(0));
        return Ok(());
    }
    let chunk = 1u64 << RESET_CHUNK_BITS;
    let mut offset = (used - 1) / chunk * chunk;
    loop {
        memory::clear_untyped(cap, offset, chunk);
        slot.set_cap(cap.with_free_index(offset));
        if offset == 0 {
            return Ok(());
        }
        offset -= chunk;
        preemption::point()?;
    }
}

/// Performs a decoded Retype (seL4's invokeUntyped_Retype).
#[inline(always)]
pub fn invoke(retype: Retype) -> Result<(), Interrupted> {
    if retype.reset {
        reset(retype.untyped_slot)?;
    }
    let untyped = retype.untyped_slot.cap();
    let end = retype.base + (retype.count << retype.object_bits);
    retype.untyped_slot.set_cap(untyped.with_free_index(end - untyped.paddr()));
    for index in 0..retype.count {
        let paddr = retype.base + (index << retype.object_bits);
        let cap = create_object(retype.ty, paddr, retype.user_bits, untyped.untyped_is_device());
        cdt::insert_new_object(cap, retype.untyped_slot, Slot::in_cnode(retype.dest_cnode, retype.dest_offset + index));
    }
    Ok(())
}
