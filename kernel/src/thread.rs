//! A thread's life cycle as TCB invocations and deletion drive it: seL4's suspend and restart.
use crate::arch::reg;
use crate::ipc;
#[cfg(not(feature = "mcs"))]
use crate::ipc::transfer;
use crate::memory::{Handle, Tcb, ThreadState};
use crate::sched;

/// Stops a thread (seL4's suspend).
pub fn suspend(thread: Handle<Tcb>) {
    ipc::cancel_ipc(thread);
    if thread.state() == ThreadState::Running {
        // It will resume after what it last did, not re-do it.
        thread.set_fault_ip(thread.reg(reg::PC));
    }
    sched::set_state(thread, ThreadState::Inactive);
    sched::forget(thread);
    #[cfg(feature = "mcs")]
    sched::cancel_yield_to(thread);
}

/// Starts a stopped thread again (seL4's restart): a thread blocked on send, receive, a
/// notification or a reply leaves that queue or call first; it runs from its restart pc.
pub fn restart(thread: Handle<Tcb>) {
    if thread.state().is_stopped() {
        ipc::cancel_ipc(thread);
        #[cfg(not(feature = "mcs"))]
        {
            transfer::setup_reply_master(thread);
            sched::set_state(thread, ThreadState::Restart);
            sched::enqueue(thread);
            sched::possible_switch_to(thread);
        }
        #[cfg(feature = "mcs")]
        {
            sched::set_state(thread, ThreadState::Restart);
            sched::unblock_check(thread.sched_context());
            sched::resume(thread.sched_context());
            if sched::is_schedulable(thread) {
                sched::possible_switch_to(thread);
            }
        }
    }
}
