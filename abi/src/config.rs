//! The seL4 build configuration this ABI is fixed to (RISC-V 64, Sv39, uniprocessor, debug;
//! non-MCS, or MCS with the `mcs` feature).
//!
//! Several seL4 ABI values depend on kernel build options. Atoll implements
//! exactly one configuration; the values below record it so that code can
//! assert on it instead of silently assuming it.

/// `CONFIG_KERNEL_MCS`: the mixed-criticality API (scheduling contexts, reply objects).
pub const KERNEL_MCS: bool = cfg!(feature = "mcs");

/// `CONFIG_TIMER_FREQUENCY` (exported by seL4 16.0.0): the timebase of QEMU `virt`, in Hz; MCS
/// times (budgets, periods, consumed time) are counted in it.
pub const TIMER_FREQUENCY: u64 = 10_000_000;

/// `CONFIG_HAVE_FPU`: on by default on RISC-V 64 (F and D extensions); makes TCBs 2^11 bytes.
pub const HAVE_FPU: bool = true;

/// `CONFIG_PT_LEVELS`: three page-table levels, i.e. Sv39.
pub const PT_LEVELS: usize = 3;

/// `CONFIG_MAX_NUM_NODES`: a single core, so `CONFIG_ENABLE_SMP_SUPPORT` is off.
pub const MAX_NUM_NODES: usize = 1;

/// `CONFIG_ENABLE_SMP_SUPPORT`: off, which removes `TCBSetAffinity` from the invocation labels.
pub const ENABLE_SMP_SUPPORT: bool = false;

/// `CONFIG_HARDWARE_DEBUG_API`: unsupported on RISC-V, which removes the breakpoint invocations.
pub const HARDWARE_DEBUG_API: bool = false;

/// `CONFIG_DEBUG_BUILD`: the debug system calls (`DebugHalt`, `DebugCapIdentify`, ...) exist.
pub const DEBUG_BUILD: bool = true;

/// `CONFIG_PRINTING`: `DebugPutChar` and `DebugDumpScheduler` exist.
pub const PRINTING: bool = true;

/// `CONFIG_NUM_PRIORITIES`: priority levels per domain.
pub const NUM_PRIORITIES: usize = 256;

/// `CONFIG_RETYPE_FAN_OUT_LIMIT`: most objects one `Untyped_Retype` call may create.
pub const RETYPE_FAN_OUT_LIMIT: usize = 256;

/// `CONFIG_MAX_NUM_BOOTINFO_UNTYPED_CAPS`: length of `BootInfo::untyped_list`.
pub const MAX_NUM_BOOTINFO_UNTYPED_CAPS: usize = 230;
