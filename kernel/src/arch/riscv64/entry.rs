//! Assembly entry points: the boot entry from the loader, the trap vector, the return to user.
//!
//! A thread's saved registers (`UserContext`) are 32 words: slot 0 holds the program counter
//! and slot n holds register xn. While a thread runs in user mode, `sscratch` points at its
//! context; while the kernel runs, `sscratch` is 0, which is how the trap vector tells a trap
//! from user mode from one inside the kernel.
//!
//! ```text
//!   context + 0    pc (sepc)
//!   context + 8    x1  ra
//!   context + 16   x2  sp
//!   ...
//!   context + 248  x31 t6
//! ```
//!
//! The trap entry also stores the pc as the TCB's FaultIP (`Tcb::fault_ip`), as seL4's does.
use super::trap::handle_kernel_trap;
use crate::memory::{FAULT_IP_OFFSET_FROM_CONTEXT, Handle, Tcb};

core::arch::global_asm!(
    ".section .text.entry",
    ".global _start",
    "_start:",
    // a0..a7 are seL4's hand-off registers; pass them straight on.
    "   la sp, _kernel_stack_top",
    "   csrw sscratch, zero",
    "   call boot_main",
    "1: j 1b",
    "",
    ".section .text",
    ".balign 4",
    ".global trap_entry",
    "trap_entry:",
    "   csrrw t6, sscratch, t6",
    "   beqz t6, 2f",
    "   .irp n, 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30",
    "   sd x\\n, (\\n * 8)(t6)",
    "   .endr",
    "   csrr t5, sscratch",
    "   sd t5, (31 * 8)(t6)",
    "   csrw sscratch, zero",
    "   csrr t5, sepc",
    "   sd t5, 0(t6)",
    "   sd t5, {fault_ip}(t6)",
    "   la sp, _kernel_stack_top",
    "   mv a0, t6",
    "   call atoll_handle_user_trap",
    "3: j 3b",
    "2:",
    // A trap inside the kernel: put t6 back (sscratch returns to 0) and report it.
    "   csrrw t6, sscratch, t6",
    "   call {handle_kernel_trap}",
    "4: j 4b",
    "",
    ".global restore_user_context",
    "restore_user_context:",
    // sret returns to user mode with interrupts on: sstatus.SPP = 0 and SPIE = 1 hold after
    // every trap from user mode and were set at boot; sstatus.FS was set by the scheduler.
    "   csrw sscratch, a0",
    "   ld t0, 0(a0)",
    "   csrw sepc, t0",
    "   mv t6, a0",
    "   .irp n, 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30",
    "   ld x\\n, (\\n * 8)(t6)",
    "   .endr",
    "   ld t6, (31 * 8)(t6)",
    "   sret",
    fault_ip = const FAULT_IP_OFFSET_FROM_CONTEXT,
    handle_kernel_trap = sym handle_kernel_trap,
);

unsafe extern "C" {
    fn trap_entry();
    fn restore_user_context(context: *const u64) -> !;
}

/// Points the trap vector at `trap_entry` (direct mode).
pub fn install_trap_vector() {
    super::csr::write_stvec(trap_entry as *const () as u64);
}

/// Enters user mode with `thread`'s saved registers (callers have loaded satp with its address
/// space).
#[inline(always)]
pub fn enter_user(thread: Handle<Tcb>) -> ! {
    // SAFETY: the context is a live TCB's (a Handle names a live TCB), so it stays valid while
    // the thread runs; the trap entry saves into it through sscratch, which
    // restore_user_context sets to it.
    unsafe { restore_user_context(thread.context_ptr() as *const u64) }
}
