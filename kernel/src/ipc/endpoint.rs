//! Endpoints: synchronous IPC rendezvous with queues of blocked senders or receivers, FIFO
//! without MCS and by priority with it (seL4's sendIPC, receiveIPC, cancelAllIPC,
//! cancelBadgedSends). With MCS a call links the caller to the receiver's reply object and may
//! lend it the caller's scheduling context.
#[cfg(feature = "mcs")]
use super::reply;
use super::{notification, transfer};
#[cfg(feature = "mcs")]
use crate::memory::Reply;
use crate::memory::{Blocking, Endpoint, Handle, Tcb, ThreadQueue, ThreadState, WaitingOn};
use crate::sched;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum EpState {
    Idle = 0,
    Send = 1,
    Recv = 2,
}

fn state(endpoint: Handle<Endpoint>) -> (ThreadQueue, EpState) {
    let (queue, state) = endpoint.wait_queue();
    let state = match state {
        1 => EpState::Send,
        2 => EpState::Recv,
        _ => EpState::Idle,
    };
    (queue, state)
}

fn set(endpoint: Handle<Endpoint>, queue: ThreadQueue, state: EpState) {
    let state = if queue.is_empty() { EpState::Idle } else { state };
    endpoint.set_wait_queue(queue, state as u64);
}

/// What a sender brings: its cap's badge and rights, and (MCS) whether a call may lend its
/// scheduling context.
#[derive(Clone, Copy)]
pub struct SendCap {
    pub badge: u64,
    pub can_grant: bool,
    pub can_grant_reply: bool,
    #[cfg(feature = "mcs")]
    pub can_donate: bool,
}

/// seL4's sendIPC.
pub fn send(endpoint: Handle<Endpoint>, thread: Handle<Tcb>, cap: SendCap, blocking: bool, is_call: bool) {
    let (mut queue, ep_state) = state(endpoint);
    match ep_state {
        EpState::Idle | EpState::Send => {
            if blocking {
                thread.set_blocking(Blocking {
                    on: WaitingOn::Endpoint(endpoint),
                    badge: cap.badge,
                    can_grant: cap.can_grant,
                    can_grant_reply: cap.can_grant_reply,
                    is_call,
                    #[cfg(feature = "mcs")]
                    reply: None,
                });
                sched::set_state(thread, ThreadState::BlockedOnSend);
                queue.join(thread);
                set(endpoint, queue, EpState::Send);
            }
        }
        EpState::Recv => {
            let Some(receiver) = queue.pop() else { return };
            set(endpoint, queue, EpState::Recv);
            transfer::transfer(thread, Some(endpoint), cap.badge, cap.can_grant, receiver);
            #[cfg(not(feature = "mcs"))]
            {
                let reply_can_grant = receiver.blocking().can_grant;
                sched::set_state(receiver, ThreadState::Running);
                sched::possible_switch_to(receiver);
                if is_call {
                    if cap.can_grant || cap.can_grant_reply {
                        transfer::setup_caller_cap(thread, receiver, reply_can_grant);
                    } else {
                        sched::set_state(thread, ThreadState::Inactive);
                    }
                }
            }
            #[cfg(feature = "mcs")]
            {
                let reply = receiver.blocking().reply;
                if let Some(reply) = reply {
                    reply::unlink(reply, receiver);
                }
                if is_call || thread.fault().label != 0 {
                    match reply {
                        Some(reply) if cap.can_grant || cap.can_grant_reply => {
                            reply::push(thread, receiver, reply, cap.can_donate)
                        }
                        _ => sched::set_state(thread, ThreadState::Inactive),
                    }
                } else if cap.can_donate
                    && receiver.sched_context().is_none()
                    && let Some(sc) = thread.sched_context()
                {
                    sched::donate(sc, receiver);
                }
                sched::set_state(receiver, ThreadState::Running);
                sched::unblock_check(receiver.sched_context());
                sched::possible_switch_to(receiver);
            }
        }
    }
}

/// seL4's receiveIPC (MCS): `reply` is the reply object a call will be linked to.
#[cfg(feature = "mcs")]
pub fn receive(endpoint: Handle<Endpoint>, thread: Handle<Tcb>, blocking: bool, reply: Option<Handle<Reply>>) {
    if let Some(reply) = reply
        && let Some(other) = reply.tcb()
        && other != thread
    {
        super::cancel_ipc(other);
    }
    let bound = thread.bound_notification();
    if let Some(bound) = bound
        && notification::is_active(bound)
    {
        notification::complete_signal(bound, thread);
        return;
    }
    if let Some(bound) = bound
        && blocking
    {
        notification::return_sched_context(bound, thread);
    }
    let (mut queue, ep_state) = state(endpoint);
    match ep_state {
        EpState::Idle | EpState::Recv => {
            if blocking {
                thread.set_blocking(Blocking { on: WaitingOn::Endpoint(endpoint), reply, ..Blocking::default() });
                sched::set_state(thread, ThreadState::BlockedOnReceive);
                if let Some(reply) = reply {
                    reply.set_tcb(Some(thread));
                }
                queue.join(thread);
                set(endpoint, queue, EpState::Recv);
            } else {
                transfer::nb_receive_failed(thread);
            }
        }
        EpState::Send => {
            let Some(sender) = queue.pop() else { return };
            set(endpoint, queue, EpState::Send);
            let sent = sender.blocking();
            transfer::transfer(sender, Some(endpoint), sent.badge, sent.can_grant, thread);
            sched::unblock_check(sender.sched_context());
            let fault = sender.fault().label;
            if sent.is_call || fault != 0 {
                match reply {
                    Some(reply) if sent.can_grant || sent.can_grant_reply => {
                        let timeout = fault == atoll_abi::fault::FaultType::Timeout.value();
                        let can_donate = sender.sched_context().is_some() && !timeout;
                        reply::push(sender, thread, reply, can_donate);
                    }
                    _ => sched::set_state(sender, ThreadState::Inactive),
                }
            } else {
                sched::set_state(sender, ThreadState::Running);
                sched::possible_switch_to(sender);
            }
        }
    }
}

/// seL4's receiveIPC. `can_grant` is the receiving cap's grant right.
#[cfg(not(feature = "mcs"))]
pub fn receive(endpoint: Handle<Endpoint>, thread: Handle<Tcb>, can_grant: bool, blocking: bool) {
    if let Some(bound) = thread.bound_notification()
        && notification::is_active(bound)
    {
        notification::complete_signal(bound, thread);
        return;
    }
    let (mut queue, ep_state) = state(endpoint);
    match ep_state {
        EpState::Idle | EpState::Recv => {
            if blocking {
                thread.set_blocking(Blocking { on: WaitingOn::Endpoint(endpoint), can_grant, ..Blocking::default() });
                sched::set_state(thread, ThreadState::BlockedOnReceive);
                queue.join(thread);
                set(endpoint, queue, EpState::Recv);
            } else {
                transfer::nb_receive_failed(thread);
            }
        }
        EpState::Send => {
            let Some(sender) = queue.pop() else { return };
            set(endpoint, queue, EpState::Send);
            let sent = sender.blocking();
            transfer::transfer(sender, Some(endpoint), sent.badge, sent.can_grant, thread);
            if sent.is_call {
                if sent.can_grant || sent.can_grant_reply {
                    transfer::setup_caller_cap(sender, thread, can_grant);
                } else {
                    sched::set_state(sender, ThreadState::Inactive);
                }
            } else {
                sched::set_state(sender, ThreadState::Running);
                sched::possible_switch_to(sender);
            }
        }
    }
}

/// Fastpath: the first waiting receiver, if the endpoint is in the receive state.
#[inline(always)]
pub fn waiting_receiver(endpoint: Handle<Endpoint>) -> Option<Handle<Tcb>> {
    let (queue, ep_state) = state(endpoint);
    if ep_state == EpState::Recv { queue.head() } else { None }
}

/// Fastpath: whether a receive would block (nobody is sending).
#[inline(always)]
pub fn no_senders(endpoint: Handle<Endpoint>) -> bool {
    state(endpoint).1 != EpState::Send
}

/// Fastpath: takes the head receiver off (it must be `waiting_receiver`).
#[inline(always)]
pub fn pop_receiver(endpoint: Handle<Endpoint>) {
    let (mut queue, _) = state(endpoint);
    queue.pop();
    set(endpoint, queue, EpState::Recv);
}

/// Fastpath: blocks `thread` receiving on the endpoint (it must have no senders).
#[inline(always)]
pub fn block_receiver(endpoint: Handle<Endpoint>, thread: Handle<Tcb>, can_grant: bool) {
    thread.set_blocking(Blocking { on: WaitingOn::Endpoint(endpoint), can_grant, ..Blocking::default() });
    thread.set_state_only(ThreadState::BlockedOnReceive);
    let (mut queue, _) = state(endpoint);
    queue.join(thread);
    set(endpoint, queue, EpState::Recv);
}

/// Takes a blocked thread off the endpoint it waits on (part of seL4's cancelIPC).
pub fn dequeue(endpoint: Handle<Endpoint>, thread: Handle<Tcb>) {
    let (mut queue, ep_state) = state(endpoint);
    queue.remove(thread);
    set(endpoint, queue, ep_state);
}

/// A waiting thread whose IPC was cancelled runs again (it re-does its system call); with
/// MCS one with a recorded fault stops instead, and a receiver lets go of its reply object.
fn restart_cancelled(thread: Handle<Tcb>) {
    #[cfg(not(feature = "mcs"))]
    {
        sched::set_state(thread, ThreadState::Restart);
        sched::enqueue(thread);
    }
    #[cfg(feature = "mcs")]
    {
        if thread.state() == ThreadState::BlockedOnReceive
            && let Some(reply) = thread.blocking().reply
        {
            reply::unlink(reply, thread);
        }
        if thread.fault().label == 0 {
            sched::set_state(thread, ThreadState::Restart);
            sched::unblock_check(thread.sched_context());
            sched::possible_switch_to(thread);
        } else {
            sched::set_state(thread, ThreadState::Inactive);
        }
    }
}

/// Restarts every waiting thread (seL4's cancelAllIPC): the endpoint is going away.
pub fn cancel_all(endpoint: Handle<Endpoint>) {
    let (mut queue, ep_state) = state(endpoint);
    if ep_state == EpState::Idle {
        return;
    }
    set(endpoint, ThreadQueue::EMPTY, EpState::Idle);
    while let Some(thread) = queue.pop() {
        restart_cancelled(thread);
    }
    sched::reschedule_required();
}

/// Restarts the senders waiting with `badge` (seL4's cancelBadgedSends).
pub fn cancel_badged_sends(endpoint: Handle<Endpoint>, badge: u64) {
    let (mut queue, ep_state) = state(endpoint);
    if ep_state != EpState::Send {
        return;
    }
    let mut node = queue.head();
    while let Some(thread) = node {
        node = queue.next(thread);
        if thread.blocking().badge == badge {
            queue.remove(thread);
            restart_cancelled(thread);
        }
    }
    set(endpoint, queue, EpState::Send);
    sched::reschedule_required();
}

/// MCS: a waiting thread's priority changed; it moves to its new place (seL4's reorderEP).
#[cfg(feature = "mcs")]
pub fn requeue(endpoint: Handle<Endpoint>, thread: Handle<Tcb>) {
    let (mut queue, ep_state) = state(endpoint);
    queue.remove(thread);
    queue.join(thread);
    set(endpoint, queue, ep_state);
}
