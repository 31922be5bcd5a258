//! Thread-related ABI values: priority bounds and `TCB_SetFlags` flags.

use crate::config::NUM_PRIORITIES;

/// seL4_InvalidPrio
pub const INVALID_PRIO: i64 = -1;
/// seL4_MinPrio
pub const MIN_PRIO: u64 = 0;
/// seL4_MaxPrio
pub const MAX_PRIO: u64 = NUM_PRIORITIES as u64 - 1;

/// seL4_TCBFlag_NoFlag
pub const TCB_FLAG_NO_FLAG: u64 = 0x0;
/// seL4_TCBFlag_fpuDisabled: run the thread with the FPU off.
pub const TCB_FLAG_FPU_DISABLED: u64 = 0x1;
/// seL4_TCBFlag_MASK: flags this kernel accepts (the FPU flag, as `CONFIG_HAVE_FPU` is on).
pub const TCB_FLAG_MASK: u64 = TCB_FLAG_FPU_DISABLED;
