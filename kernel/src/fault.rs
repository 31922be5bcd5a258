//! Faults raised by user threads. Without a fault handler the thread stops, as in seL4, and the
//! kernel says why in one line. Delivery to fault endpoints comes with IPC.
use crate::kprintln;
use crate::object::tcb::ThreadState;
use crate::sched;

/// What went wrong, in seL4's fault vocabulary.
pub enum Fault {
    CapFault { cptr: u64 },
    UnknownSyscall { number: u64 },
    UserException { cause: u64, value: u64 },
}

/// Handles a fault of the current thread.
pub fn raise(fault: Fault) {
    let Some(tcb) = sched::current_tcb() else { return };
    let pc = tcb.context.regs[0];
    match fault {
        Fault::CapFault { cptr } => {
            kprintln!("atoll: thread \"{}\" stopped: capability fault on cptr {cptr:#x} at pc {pc:#x}, no fault handler", tcb.name())
        }
        Fault::UnknownSyscall { number } => {
            kprintln!("atoll: thread \"{}\" stopped: unknown syscall {} at pc {pc:#x}, no fault handler", tcb.name(), number as i64)
        }
        Fault::UserException { cause, value } => {
            kprintln!("atoll: thread \"{}\" stopped: user exception {cause} (value {value:#x}) at pc {pc:#x}, no fault handler", tcb.name())
        }
    }
    tcb.state = ThreadState::Inactive;
}

/// A synchronous exception from user mode other than `ecall`.
pub fn handle_user_exception(cause: u64, value: u64) {
    raise(Fault::UserException { cause, value });
}
