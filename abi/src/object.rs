//! Kernel object types for `Untyped_Retype` and the sizes of objects: the generic ones here, the
//! architecture's (its object types, frame and page-table sizes, ASIDs, the user address-space
//! top) in `arch`, re-exported here.

use crate::config::RETYPE_FAN_OUT_LIMIT;

/// seL4_NonArchObjectTypeCount: number of architecture-independent object types.
pub const NON_ARCH_OBJECT_TYPE_COUNT: u64 = if cfg!(feature = "mcs") { 7 } else { 5 };

/// seL4_ModeObjectTypeCount: first architecture object type (one past the mode types).
pub const MODE_OBJECT_TYPE_COUNT: u64 = NON_ARCH_OBJECT_TYPE_COUNT + 1;

/// seL4_ObjectTypeCount: one past the last valid object type (hypervisor builds add the VCPU and
/// the guest root page table).
pub const OBJECT_TYPE_COUNT: u64 = NON_ARCH_OBJECT_TYPE_COUNT + if cfg!(feature = "hyp") { 6 } else { 4 };

/// seL4_UntypedRetypeMaxObjects
pub const UNTYPED_RETYPE_MAX_OBJECTS: usize = RETYPE_FAN_OUT_LIMIT;

/// seL4_WordBits
pub const WORD_BITS: usize = 64;
/// seL4_WordSizeBits: log2 of the word size in bytes.
pub const WORD_SIZE_BITS: usize = 3;

/// seL4_SlotBits: log2 size of a CNode slot.
pub const SLOT_BITS: usize = 5;
/// seL4_TCBBits: log2 size of a TCB object (11 because `CONFIG_HAVE_FPU` is on).
pub const TCB_BITS: usize = 11;
/// seL4_EndpointBits
pub const ENDPOINT_BITS: usize = 4;
/// seL4_NotificationBits (MCS notifications also name a scheduling context)
pub const NOTIFICATION_BITS: usize = if cfg!(feature = "mcs") { 6 } else { 5 };

/// seL4_ReplyBits (MCS)
pub const REPLY_BITS: usize = 5;
/// seL4_MinSchedContextBits (MCS): the smallest scheduling context has room for its core and
/// `(2^7 - CORE_SCHED_CONTEXT_BYTES) / REFILL_SIZE_BYTES` refills.
pub const MIN_SCHED_CONTEXT_BITS: usize = 7;
/// seL4_CoreSchedContextBytes (MCS): the part of a scheduling context that is not refills.
pub const CORE_SCHED_CONTEXT_BYTES: usize = 10 * 8 + 6 * 8;
/// seL4_RefillSizeBytes (MCS): one refill, a release time and an amount.
pub const REFILL_SIZE_BYTES: usize = 2 * 8;

/// seL4_MaxExtraRefills (MCS): how many refills beyond the first a scheduling context of
/// 2^`size_bits` bytes holds.
pub const fn max_extra_refills(size_bits: usize) -> usize {
    ((1 << size_bits) - CORE_SCHED_CONTEXT_BYTES) / REFILL_SIZE_BYTES
}

/// seL4_MinUntypedBits
pub const MIN_UNTYPED_BITS: usize = 4;

pub use crate::arch::object::*;
