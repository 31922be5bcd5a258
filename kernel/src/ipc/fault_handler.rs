//! Fault handling: a fault goes to the thread's fault endpoint as a message, or stops the thread,
//! as in seL4 (handleFault), and the kernel says why in one line.
use super::endpoint::{self, SendCap};
use super::fault::Fault;
use crate::cspace::Cap;
#[cfg(not(feature = "mcs"))]
use crate::cspace::lookup_cap;
use crate::kprintln;
use crate::memory::{Handle, Tcb, ThreadState};
use crate::sched;
use atoll_abi::CapType;

/// The cap a thread's faults go to: looked up by address in its CSpace without MCS, held in
/// its TCB with MCS.
#[cfg(not(feature = "mcs"))]
fn fault_handler_cap(thread: Handle<Tcb>) -> Option<Cap> {
    lookup_cap(thread, thread.fault_handler())
}

#[cfg(feature = "mcs")]
fn fault_handler_cap(thread: Handle<Tcb>) -> Option<Cap> {
    Some(thread.slot(crate::memory::slot::FAULT_HANDLER).cap())
}

/// Sends `fault` to the endpoint `cap` as a call from `thread`, if the cap allows it (seL4's
/// sendFaultIPC); returns whether it was sent.
fn send_fault(thread: Handle<Tcb>, cap: Cap, fault: Fault, #[allow(unused_variables)] can_donate: bool) -> bool {
    let rights = cap.endpoint_rights();
    if !(cap.is(CapType::Endpoint) && rights.send && (rights.grant || rights.grant_reply)) {
        return false;
    }
    thread.set_fault(fault.record());
    let send = SendCap {
        badge: cap.badge(),
        can_grant: rights.grant,
        can_grant_reply: rights.grant_reply,
        #[cfg(feature = "mcs")]
        can_donate,
    };
    endpoint::send(crate::memory::caps::endpoint(cap), thread, send, true, true);
    true
}

/// MCS: the thread's scheduling context ran out of budget and it has a timeout handler, which
/// is told with a timeout fault; the context is not lent (seL4's handleTimeout).
#[cfg(feature = "mcs")]
pub fn raise_timeout(thread: Handle<Tcb>) {
    let badge = thread.sched_context().map_or(0, |sc| sc.badge());
    let cap = thread.slot(crate::memory::slot::TIMEOUT_HANDLER).cap();
    send_fault(thread, cap, Fault::Timeout { badge }, false);
}

/// Delivers `fault` of `thread` to its fault handler, or stops the thread (seL4's handleFault).
pub fn raise(thread: Handle<Tcb>, fault: Fault) {
    if let Some(cap) = fault_handler_cap(thread)
        && send_fault(thread, cap, fault, true)
    {
        return;
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
        #[cfg(feature = "mcs")]
        Fault::Timeout { badge } => {
            kprintln!("atoll: thread \"{name}\" stopped: timeout fault, badge {badge:#x}, no timeout handler")
        }
        #[cfg(feature = "hyp")]
        Fault::VcpuFault { cause, .. } => {
            kprintln!("atoll: thread \"{name}\" stopped: VCPU fault, cause {cause} at pc {pc:#x}, no fault handler")
        }
    }
    sched::set_state(thread, ThreadState::Inactive);
}
