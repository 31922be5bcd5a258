//! Trap dispatch: what a trap from user mode means, handed to the generic kernel entry, and the
//! kernel's own (fatal) traps.
use super::{csr, timer};
use crate::entry::{self, Exception};

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

/// Entered from `trap_entry` with the user's registers saved in the current TCB (which has also
/// stored the pc as the thread's FaultIP).
pub extern "C" fn handle_user_trap(_context: *mut u64) -> ! {
    let cause = csr::scause();
    if cause & csr::CAUSE_INTERRUPT != 0 {
        match cause & !csr::CAUSE_INTERRUPT {
            SUPERVISOR_TIMER => {
                timer::rearm();
                entry::timer_tick()
            }
            SUPERVISOR_EXTERNAL => entry::device_interrupt(),
            _ => entry::spurious_interrupt(),
        }
    } else if cause == ECALL_FROM_USER {
        entry::syscall()
    } else {
        entry::exception(exception(cause, csr::stval()))
    }
}

/// seL4's mapping of RISC-V exceptions to faults: page and access faults are VM faults
/// reported with the access-fault code; an illegal instruction may be a first FP instruction
/// (lazy FPU switching); everything else is a user exception.
fn exception(cause: u64, value: u64) -> Exception {
    match cause {
        INSTRUCTION_PAGE_FAULT | INSTRUCTION_ACCESS_FAULT => {
            Exception::VmFault { addr: value, instruction: true, fsr: INSTRUCTION_ACCESS_FAULT }
        }
        LOAD_PAGE_FAULT | LOAD_ACCESS_FAULT => {
            Exception::VmFault { addr: value, instruction: false, fsr: LOAD_ACCESS_FAULT }
        }
        STORE_PAGE_FAULT | STORE_ACCESS_FAULT => {
            Exception::VmFault { addr: value, instruction: false, fsr: STORE_ACCESS_FAULT }
        }
        ILLEGAL_INSTRUCTION => Exception::IllegalInstruction { cause },
        _ => Exception::Other { cause },
    }
}

/// A trap while the kernel itself ran is a kernel bug: report it and stop.
pub extern "C" fn handle_kernel_trap() -> ! {
    panic!("trap in kernel mode: scause {:#x} sepc {:#x} stval {:#x}", csr::scause(), csr::sepc(), csr::stval())
}
