//! Inter-process communication: endpoints, notifications, message and capability transfer,
//! reply caps, and fault messages; and cancelling whatever IPC a thread is blocked in.
pub mod endpoint;
pub mod fault;
pub mod fault_handler;
pub mod notification;
#[cfg(feature = "mcs")]
pub mod reply;
#[cfg(feature = "mcs")]
pub mod reply_transfer;
pub mod transfer;

use crate::memory::{Handle, Tcb, ThreadState, WaitingOn};
use crate::sched;

/// Stops whatever IPC a thread is blocked in (seL4's cancelIPC); it becomes Inactive. With
/// MCS a recorded fault is dropped too, and the thread's reply object lets go of it.
pub fn cancel_ipc(thread: Handle<Tcb>) {
    #[cfg(feature = "mcs")]
    thread.set_fault(Default::default());
    match thread.state() {
        ThreadState::BlockedOnSend | ThreadState::BlockedOnReceive => {
            if let WaitingOn::Endpoint(endpoint) = thread.waiting_on() {
                endpoint::dequeue(endpoint, thread);
            }
            #[cfg(feature = "mcs")]
            if let Some(reply) = thread.blocking().reply.filter(|_| thread.state() == ThreadState::BlockedOnReceive) {
                reply::unlink(reply, thread);
            }
        }
        ThreadState::BlockedOnNotification => {
            if let WaitingOn::Notification(notification) = thread.waiting_on() {
                notification::dequeue(notification, thread);
            }
        }
        #[cfg(not(feature = "mcs"))]
        ThreadState::BlockedOnReply => transfer::cancel_reply(thread),
        #[cfg(feature = "mcs")]
        ThreadState::BlockedOnReply => reply::remove_thread(thread),
        _ => return,
    }
    sched::set_state(thread, ThreadState::Inactive);
}

/// MCS: a blocked thread's priority changed; its wait queue is reordered.
#[cfg(feature = "mcs")]
pub fn requeue_by_priority(thread: Handle<Tcb>) {
    match (thread.state(), thread.waiting_on()) {
        (ThreadState::BlockedOnSend | ThreadState::BlockedOnReceive, WaitingOn::Endpoint(endpoint)) => {
            endpoint::requeue(endpoint, thread)
        }
        (ThreadState::BlockedOnNotification, WaitingOn::Notification(ntfn)) => notification::requeue(ntfn, thread),
        _ => {}
    }
}
