//! Fault handling: a fault goes to the thread's fault endpoint as a message, or stops the thread,
//! as in seL4 (handleFault), and the kernel says why in one line.
use super::endpoint::{self, SendCap};
use super::fault::Fault;
use crate::cspace::lookup_cap;
use crate::kprintln;
use crate::memory::{Handle, Tcb, ThreadState};
use crate::sched;
use atoll_abi::CapType;

/// Delivers `fault` of `thread` to its fault handler, or stops the thread (seL4's handleFault).
pub fn raise(thread: Handle<Tcb>, fault: Fault) {
    if let Some(cap) = lookup_cap(thread, thread.fault_handler()) {
        let rights = cap.endpoint_rights();
        if cap.is(CapType::Endpoint) && rights.send && (rights.grant || rights.grant_reply) {
            thread.set_fault(fault.record());
            let send = SendCap { badge: cap.badge(), can_grant: rights.grant, can_grant_reply: rights.grant_reply };
            endpoint::send(crate::memory::caps::endpoint(cap), thread, send, true, true);
            return;
        }
    }
    let (name, pc) = (thread.name_text(), thread.fault_ip());
    match fault {
        Fault::CapFault { cptr, .. } => {
            kprintln!(
                "atoll: thread \"{name}\" stopped: capability fault on cptr {cptr:#x} at pc {pc:#x}, no fault handler"
            )
        }
        Fault::UnknownSyscall { number } => {
            let number = number as i64;
            kprintln!("atoll: thread \"{name}\" stopped: unknown syscall {number} at pc {pc:#x}, no fault handler")
        }
        Fault::UserException { cause } => {
            kprintln!("atoll: thread \"{name}\" stopped: user exception {cause} at pc {pc:#x}, no fault handler")
        }
        Fault::VmFault { addr, .. } => {
            kprintln!("atoll: thread \"{name}\" stopped: VM fault at {addr:#x}, pc {pc:#x}, no fault handler")
        }
    }
    sched::set_state(thread, ThreadState::Inactive);
}
