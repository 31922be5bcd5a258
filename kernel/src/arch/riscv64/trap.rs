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
    /// Hypervisor builds: a guest's trap for its VMM other than a guest page fault (an SBI
    /// call, a virtual-instruction trap); `data` is stval.
    #[cfg(feature = "hyp")]
    Vcpu {
        cause: u64,
        data: u64,
    },
}

/// The trap the current thread took (its registers are saved in its TCB, and the pc as its
/// FaultIP, by `trap_entry`, which then calls the generic entry by name).
#[inline(always)]
pub fn event() -> Event {
    let cause = csr::scause();
    #[cfg(feature = "hyp")]
    if super::hyp::trapped_from_guest() {
        super::hyp::note_guest_trap();
        if cause & csr::CAUSE_INTERRUPT == 0 {
            return Event::Exception(guest_exception(cause, csr::stval()));
        }
    }
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

/// A guest's exception (the ones it handles itself are delegated to it and never come here):
/// guest page faults are VM faults at the guest-physical address with the cause as FSR;
/// everything else goes to the VMM as a VCPU fault.
#[cfg(feature = "hyp")]
fn guest_exception(cause: u64, value: u64) -> Exception {
    use atoll_abi::arch::vcpu::{GUEST_INSTRUCTION_PAGE_FAULT, GUEST_LOAD_PAGE_FAULT, GUEST_STORE_PAGE_FAULT};
    match cause {
        GUEST_INSTRUCTION_PAGE_FAULT | GUEST_LOAD_PAGE_FAULT | GUEST_STORE_PAGE_FAULT => Exception::VmFault {
            addr: super::hyp::guest_fault_address(value),
            instruction: cause == GUEST_INSTRUCTION_PAGE_FAULT,
            fsr: cause,
        },
        _ => Exception::Vcpu { cause, data: value },
    }
}

/// A trap while the kernel itself ran is a kernel bug: report it and stop.
pub extern "C" fn handle_kernel_trap() -> ! {
    panic!("trap in kernel mode: scause {:#x} sepc {:#x} stval {:#x}", csr::scause(), csr::sepc(), csr::stval())
}
