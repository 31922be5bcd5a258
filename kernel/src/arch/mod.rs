//! The architecture interface. Generic code reaches the hardware only through the names
//! re-exported here; adding an architecture means adding a folder beside `riscv64` that provides
//! the same names.
//!
//! - `context`: a thread's saved registers and FPU state, the ABI role of each register
//!   (`reg::BADGE`, `reg::MSG_INFO`, `reg::MR0` ...), seL4_UserContext's order, the fault
//!   message register lists;
//! - `layout`: the kernel window (physical to kernel-virtual);
//! - `cpu`: entering user mode, waiting for interrupts, pending-interrupt checks, FPU switching;
//! - `vspace`: address-space roots for threads, the ASID table, unmapping on finalise;
//! - `invocation`: the arch half of object invocations (frames, page tables, ASIDs);
//! - `objects`: the arch object types' sizes and creation;
//! - `trap`: what a trap from user mode means (the trap vector calls the generic
//!   `atoll_handle_user_trap` and `boot_main` by name, so arch imports nothing above it);
//! - `interrupt` and `timer`: the interrupt controller and the kernel tick;
//! - `platform`: the machine's description and power-off; `boot_vspace`: the root task's
//!   address space at boot.
pub mod riscv64;

pub use riscv64::context::{self, FpuState, REGISTER_MRS, SYSCALL_INSTRUCTION_LENGTH, UserContext, reg};
#[cfg(feature = "hyp")]
pub use riscv64::hyp;
pub use riscv64::{boot_vspace, cpu, interrupt, invocation, layout, objects, platform, timer, trap, vspace};
