//! Trap dispatch: what a trap from user mode means, and the kernel's own (fatal) traps.
use super::{csr, platform};
use crate::{fault, sched, syscall};

const ECALL_FROM_USER: u64 = 8;
const SUPERVISOR_TIMER: u64 = 5;

/// Entered from `trap_entry` with the user's registers saved in `context`.
pub extern "C" fn handle_user_trap(_context: *mut u64) -> ! {
    let cause = csr::scause();
    if cause & csr::CAUSE_INTERRUPT != 0 {
        if cause & !csr::CAUSE_INTERRUPT == SUPERVISOR_TIMER {
            platform::rearm_timer();
        }
    } else if cause == ECALL_FROM_USER {
        syscall::handle_syscall();
    } else {
        fault::handle_user_exception(cause, csr::stval());
    }
    sched::schedule_and_return()
}

/// A trap while the kernel itself ran is a kernel bug: report it and stop.
pub extern "C" fn handle_kernel_trap() -> ! {
    panic!(
        "trap in kernel mode: scause {:#x} sepc {:#x} stval {:#x}",
        csr::scause(),
        csr::sepc(),
        csr::stval()
    )
}
