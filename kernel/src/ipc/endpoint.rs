//! Endpoints: synchronous IPC rendezvous with FIFO queues of blocked senders or receivers
//! (seL4's sendIPC, receiveIPC, cancelAllIPC, cancelBadgedSends).
use super::{notification, transfer};
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

/// What a sender brings: its cap's badge and rights.
#[derive(Clone, Copy)]
pub struct SendCap {
    pub badge: u64,
    pub can_grant: bool,
    pub can_grant_reply: bool,
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
                });
                sched::set_state(thread, ThreadState::BlockedOnSend);
                queue.append(thread);
                set(endpoint, queue, EpState::Send);
            }
        }
        EpState::Recv => {
            let Some(receiver) = queue.pop() else { return };
            set(endpoint, queue, EpState::Recv);
            transfer::transfer(thread, Some(endpoint), cap.badge, cap.can_grant, receiver);
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
    }
}

/// seL4's receiveIPC. `can_grant` is the receiving cap's grant right.
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
                queue.append(thread);
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
    queue.append(thread);
    set(endpoint, queue, EpState::Recv);
}

/// Takes a blocked thread off the endpoint it waits on (part of seL4's cancelIPC).
pub fn dequeue(endpoint: Handle<Endpoint>, thread: Handle<Tcb>) {
    let (mut queue, ep_state) = state(endpoint);
    queue.remove(thread);
    set(endpoint, queue, ep_state);
}

/// Restarts every waiting thread (seL4's cancelAllIPC): the endpoint is going away.
pub fn cancel_all(endpoint: Handle<Endpoint>) {
    let (mut queue, _) = state(endpoint);
    set(endpoint, ThreadQueue::EMPTY, EpState::Idle);
    while let Some(thread) = queue.pop() {
        sched::set_state(thread, ThreadState::Restart);
        sched::enqueue(thread);
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
            sched::set_state(thread, ThreadState::Restart);
            sched::enqueue(thread);
        }
    }
    set(endpoint, queue, EpState::Send);
    sched::reschedule_required();
}
