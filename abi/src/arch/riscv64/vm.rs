//! Virtual-memory mapping attributes for `Page_Map` and `PageTable_Map`.

/// seL4_RISCV_Default_VMAttributes
pub const RISCV_DEFAULT_VM_ATTRIBUTES: u64 = 0;
/// seL4_RISCV_ExecuteNever: map without execute permission.
pub const RISCV_EXECUTE_NEVER: u64 = 0x1;
