//! Traps: what a trap from user mode means (the generic entry asks), and the kernel's own
//! (fatal) traps.
use super::csr;

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

/// What a trap from user mode means.
pub enum Event {
    Syscall,
    Timer,
    DeviceInterrupt,
    SpuriousInterrupt,
    Exception(Exception),
}

/// An exception a user thread took, in seL4's terms.
pub enum Exception {
    VmFault {
        addr: u64,
        instruction: bool,
        fsr: u64,
    },
    /// An illegal instruction: a thread's first FP instruction under lazy FPU switching, or a
    /// real user exception.
    IllegalInstruction {
        cause: u64,
    },
    Other {
        cause: u64,
    },
}

/// The trap the current thread took (its registers are saved in its TCB, and the pc as its
/// FaultIP, by `trap_entry`, which then calls the generic entry by name).
#[inline(always)]
pub fn event() -> Event {
    let cause = csr::scause();
    if cause & csr::CAUSE_INTERRUPT != 0 {
        match cause & !csr::CAUSE_INTERRUPT {
            SUPERVISOR_TIMER => Event::Timer,
            SUPERVISOR_EXTERNAL => Event::DeviceInterrupt,
            _ => Event::SpuriousInterrupt,
        }
    } else if cause == ECALL_FROM_USER {
        Event::Syscall
    } else {
        Event::Exception(exception(cause, csr::stval()))
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
