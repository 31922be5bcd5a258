//! MCS: answering a call through a reply object (seL4's MCS doReplyTransfer): the message or
//! the fault reply goes to the caller, which runs if its context has budget, is reported to
//! its timeout handler if not, or else waits for its next refill.
use super::{fault, fault_handler, reply, transfer};
use crate::memory::{Handle, Reply, Tcb, ThreadState};
use crate::sched;
use atoll_abi::fault::FaultType;

/// Answers the call waiting on `reply` with `sender`'s message, or the fault reply (seL4's MCS
/// doReplyTransfer).
pub fn do_reply_transfer(sender: Handle<Tcb>, reply: Handle<Reply>, grant: bool) {
    let Some(receiver) = reply.tcb().filter(|t| t.state() == ThreadState::BlockedOnReply) else { return };
    reply::remove(reply, receiver);
    sched::unblock_check(receiver.sched_context());
    let fault_label = receiver.fault().label;
    if fault_label == 0 {
        transfer::transfer(sender, None, 0, grant, receiver);
        sched::set_state(receiver, ThreadState::Running);
    } else {
        let restart = fault::handle_reply(receiver, sender);
        receiver.set_fault(Default::default());
        let state = if restart { ThreadState::Restart } else { ThreadState::Inactive };
        sched::set_state(receiver, state);
    }
    let Some(sc) = receiver.sched_context() else { return };
    if !receiver.state().is_runnable() {
        return;
    }
    if sched::ready_and_sufficient(sc) {
        sched::possible_switch_to(receiver);
    } else if sched::has_timeout_handler(receiver) && fault_label != FaultType::Timeout.value() {
        fault_handler::raise_timeout(receiver);
    } else {
        sched::postpone(sc);
    }
}
