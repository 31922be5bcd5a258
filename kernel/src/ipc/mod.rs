//! Inter-process communication: endpoints, notifications, message and capability transfer,
//! reply caps, and fault messages; and cancelling whatever IPC a thread is blocked in.
pub mod endpoint;
pub mod fault;
pub mod fault_handler;
pub mod notification;
pub mod transfer;

use crate::memory::{Handle, Tcb, ThreadState, WaitingOn};
use crate::sched;

/// Stops whatever IPC a thread is blocked in (seL4's cancelIPC); it becomes Inactive.
pub fn cancel_ipc(thread: Handle<Tcb>) {
    match thread.state() {
        ThreadState::BlockedOnSend | ThreadState::BlockedOnReceive => {
            if let WaitingOn::Endpoint(endpoint) = thread.waiting_on() {
                endpoint::dequeue(endpoint, thread);
            }
        }
        ThreadState::BlockedOnNotification => {
            if let WaitingOn::Notification(notification) = thread.waiting_on() {
                notification::dequeue(notification, thread);
            }
        }
        ThreadState::BlockedOnReply => transfer::cancel_reply(thread),
        _ => return,
    }
    sched::set_state(thread, ThreadState::Inactive);
}
