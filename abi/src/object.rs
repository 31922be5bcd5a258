//! Kernel object types for `Untyped_Retype` and the sizes of objects: the generic ones here, the
//! architecture's (its object types, frame and page-table sizes, ASIDs, the user address-space
//! top) in `arch`, re-exported here.

use crate::config::RETYPE_FAN_OUT_LIMIT;

/// seL4_NonArchObjectTypeCount: number of architecture-independent object types.
pub const NON_ARCH_OBJECT_TYPE_COUNT: u64 = 5;

/// seL4_ModeObjectTypeCount: first architecture object type (one past the mode types).
pub const MODE_OBJECT_TYPE_COUNT: u64 = 6;

/// seL4_ObjectTypeCount: one past the last valid object type.
pub const OBJECT_TYPE_COUNT: u64 = 9;

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
/// seL4_NotificationBits (non-MCS value)
pub const NOTIFICATION_BITS: usize = 5;

/// seL4_MinUntypedBits
pub const MIN_UNTYPED_BITS: usize = 4;

pub use crate::arch::object::*;
