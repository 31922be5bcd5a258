//! Trap dispatch: what a trap from user mode means, and the kernel's own (fatal) traps.
use super::{csr, platform};
use crate::fault::{self, Fault};
use crate::{sched, syscall};

const ECALL_FROM_USER: u64 = 8;
const ILLEGAL_INSTRUCTION: u64 = 2;
const SUPERVISOR_TIMER: u64 = 5;
const SUPERVISOR_EXTERNAL: u64 = 9;
const INSTRUCTION_ACCESS_FAULT: u64 = 1;
const LOAD_ACCESS_FAULT: u64 = 5;
const STORE_ACCESS_FAULT: u64 = 7;
const INSTRUCTION_PAGE_FAULT: u64 = 12;
const LOAD_PAGE_FAULT: u64 = 13;
const STORE_PAGE_FAULT: u64 = 15;

/// Entered from `trap_entry` with the user's registers saved in the current TCB.
/// `trap_entry` has also stored the pc as the thread's FaultIP (seL4's: where the thread was when
/// it entered the kernel).
pub extern "C" fn handle_user_trap(_context: *mut u64) -> ! {
    let cause = csr::scause();
    if cause & csr::CAUSE_INTERRUPT != 0 {
        match cause & !csr::CAUSE_INTERRUPT {
            SUPERVISOR_TIMER => {
                platform::rearm_timer();
                sched::timer_tick();
            }
            SUPERVISOR_EXTERNAL => crate::object::irq::handle_external_interrupt(),
            _ => {}
        }
    } else if cause == ECALL_FROM_USER {
        if let Some(thread) = sched::current() {
            crate::fastpath::try_fastpath(thread);
        }
        syscall::handle_syscall();
    } else if let Some(thread) = sched::current()
        && !(cause == ILLEGAL_INSTRUCTION && sched::claim_fpu(thread))
    {
        fault::raise(thread, exception_fault(cause, csr::stval()));
    }
    sched::schedule_and_return()
}

/// seL4's mapping of RISC-V exceptions to faults: page and access faults are VM faults
/// reported with the access-fault code; everything else is a user exception.
fn exception_fault(cause: u64, value: u64) -> Fault {
    match cause {
        INSTRUCTION_PAGE_FAULT | INSTRUCTION_ACCESS_FAULT => {
            Fault::VmFault { addr: value, instruction: true, fsr: INSTRUCTION_ACCESS_FAULT }
        }
        LOAD_PAGE_FAULT | LOAD_ACCESS_FAULT => {
            Fault::VmFault { addr: value, instruction: false, fsr: LOAD_ACCESS_FAULT }
        }
        STORE_PAGE_FAULT | STORE_ACCESS_FAULT => {
            Fault::VmFault { addr: value, instruction: false, fsr: STORE_ACCESS_FAULT }
        }
        _ => Fault::UserException { cause },
    }
}

/// A trap while the kernel itself ran is a kernel bug: report it and stop.
pub extern "C" fn handle_kernel_trap() -> ! {
    panic!("trap in kernel mode: scause {:#x} sepc {:#x} stval {:#x}", csr::scause(), csr::sepc(), csr::stval())
}
