//! Endpoints: synchronous IPC rendezvous with FIFO queues of blocked senders or receivers
//! (seL4's sendIPC, receiveIPC, cancelIPC, cancelAllIPC, cancelBadgedSends).
use super::notification;
use super::tcb::{Blocking, ThreadState};
use crate::ipc;
use crate::kmem;
use crate::sched::{self, tcb};
use atoll_kernel_core::queue::{Links, Queue};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum EpState {
    Idle = 0,
    Send = 1,
    Recv = 2,
}

/// The 16-byte endpoint object: the wait queue, with the state in the tail's low bits (TCBs
/// are 2 KiB aligned).
#[repr(C)]
pub struct Endpoint {
    head: u64,
    tail_and_state: u64,
}

const STATE_MASK: u64 = 0b11;

impl Endpoint {
    fn state(&self) -> EpState {
        match self.tail_and_state & STATE_MASK {
            1 => EpState::Send,
            2 => EpState::Recv,
            _ => EpState::Idle,
        }
    }

    fn queue(&self) -> Queue {
        Queue { head: self.head, tail: self.tail_and_state & !STATE_MASK }
    }

    fn set(&mut self, queue: Queue, state: EpState) {
        let state = if queue.is_empty() { EpState::Idle } else { state };
        self.head = queue.head;
        self.tail_and_state = queue.tail | state as u64;
    }
}

pub fn endpoint(paddr: u64) -> &'static mut Endpoint {
    kmem::endpoint(paddr)
}

/// The endpoint/notification wait-queue link fields of TCBs.
pub struct EpLinks;

impl Links for EpLinks {
    fn next(&self, node: u64) -> u64 {
        tcb(node).ep_next
    }
    fn prev(&self, node: u64) -> u64 {
        tcb(node).ep_prev
    }
    fn set_next(&mut self, node: u64, next: u64) {
        tcb(node).ep_next = next;
    }
    fn set_prev(&mut self, node: u64, prev: u64) {
        tcb(node).ep_prev = prev;
    }
}

/// What a sender brings: its cap's badge and rights.
#[derive(Clone, Copy)]
pub struct SendCap {
    pub badge: u64,
    pub can_grant: bool,
    pub can_grant_reply: bool,
}

/// seL4's sendIPC.
pub fn send(ep_paddr: u64, thread: u64, cap: SendCap, blocking: bool, is_call: bool) {
    let ep = endpoint(ep_paddr);
    match ep.state() {
        EpState::Idle | EpState::Send => {
            if blocking {
                let t = tcb(thread);
                t.blocking = Blocking {
                    object: ep_paddr,
                    badge: cap.badge,
                    can_grant: cap.can_grant,
                    can_grant_reply: cap.can_grant_reply,
                    is_call,
                };
                sched::set_state(thread, ThreadState::BlockedOnSend);
                let mut queue = ep.queue();
                queue.append(&mut EpLinks, thread);
                ep.set(queue, EpState::Send);
            }
        }
        EpState::Recv => {
            let mut queue = ep.queue();
            let Some(receiver) = queue.pop(&mut EpLinks) else { return };
            ep.set(queue, EpState::Recv);
            ipc::transfer(thread, Some(ep_paddr), cap.badge, cap.can_grant, receiver);
            let reply_can_grant = tcb(receiver).blocking.can_grant;
            sched::set_state(receiver, ThreadState::Running);
            sched::possible_switch_to(receiver);
            if is_call {
                if cap.can_grant || cap.can_grant_reply {
                    ipc::setup_caller_cap(thread, receiver, reply_can_grant);
                } else {
                    sched::set_state(thread, ThreadState::Inactive);
                }
            }
        }
    }
}

/// seL4's receiveIPC. `can_grant` is the receiving cap's grant right.
pub fn receive(ep_paddr: u64, thread: u64, can_grant: bool, blocking: bool) {
    let bound = tcb(thread).bound_notification;
    if bound != 0 && notification::is_active(bound) {
        notification::complete_signal(bound, thread);
        return;
    }
    let ep = endpoint(ep_paddr);
    match ep.state() {
        EpState::Idle | EpState::Recv => {
            if blocking {
                tcb(thread).blocking = Blocking { object: ep_paddr, can_grant, ..Blocking::default() };
                sched::set_state(thread, ThreadState::BlockedOnReceive);
                let mut queue = ep.queue();
                queue.append(&mut EpLinks, thread);
                ep.set(queue, EpState::Recv);
            } else {
                ipc::nb_receive_failed(thread);
            }
        }
        EpState::Send => {
            let mut queue = ep.queue();
            let Some(sender) = queue.pop(&mut EpLinks) else { return };
            ep.set(queue, EpState::Send);
            let sent = tcb(sender).blocking;
            ipc::transfer(sender, Some(ep_paddr), sent.badge, sent.can_grant, thread);
            if sent.is_call {
                if sent.can_grant || sent.can_grant_reply {
                    ipc::setup_caller_cap(sender, thread, can_grant);
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
pub fn waiting_receiver(ep_paddr: u64) -> Option<u64> {
    let ep = endpoint(ep_paddr);
    (ep.state() == EpState::Recv).then_some(ep.head)
}

/// Fastpath: whether a receive would block (nobody is sending).
pub fn no_senders(ep_paddr: u64) -> bool {
    endpoint(ep_paddr).state() != EpState::Send
}

/// Fastpath: takes the head receiver off (it must be `waiting_receiver`).
#[inline(always)]
pub fn pop_receiver(ep_paddr: u64) {
    let ep = endpoint(ep_paddr);
    let mut queue = ep.queue();
    queue.pop(&mut EpLinks);
    ep.set(queue, EpState::Recv);
}

/// Fastpath: blocks `thread` receiving on the endpoint (it must have no senders).
#[inline(always)]
pub fn block_receiver(ep_paddr: u64, thread: u64, can_grant: bool) {
    tcb(thread).blocking = Blocking { object: ep_paddr, can_grant, ..Blocking::default() };
    tcb(thread).state = ThreadState::BlockedOnReceive;
    let ep = endpoint(ep_paddr);
    let mut queue = ep.queue();
    queue.append(&mut EpLinks, thread);
    ep.set(queue, EpState::Recv);
}

/// Takes a blocked thread off the endpoint it waits on (part of seL4's cancelIPC).
pub fn dequeue(ep_paddr: u64, thread: u64) {
    let ep = endpoint(ep_paddr);
    let state = ep.state();
    let mut queue = ep.queue();
    queue.remove(&mut EpLinks, thread);
    ep.set(queue, state);
}

/// Restarts every waiting thread (seL4's cancelAllIPC): the endpoint is going away.
pub fn cancel_all(ep_paddr: u64) {
    let ep = endpoint(ep_paddr);
    let mut queue = ep.queue();
    ep.set(Queue::EMPTY, EpState::Idle);
    while let Some(thread) = queue.pop(&mut EpLinks) {
        sched::set_state(thread, ThreadState::Restart);
        sched::enqueue(thread);
    }
    sched::reschedule_required();
}

/// Restarts the senders waiting with `badge` (seL4's cancelBadgedSends).
pub fn cancel_badged_sends(ep_paddr: u64, badge: u64) {
    let ep = endpoint(ep_paddr);
    if ep.state() != EpState::Send {
        return;
    }
    let mut queue = ep.queue();
    let mut node = queue.head;
    while node != 0 {
        let next = tcb(node).ep_next;
        if tcb(node).blocking.badge == badge {
            queue.remove(&mut EpLinks, node);
            sched::set_state(node, ThreadState::Restart);
            sched::enqueue(node);
        }
        node = next;
    }
    ep.set(queue, EpState::Send);
    sched::reschedule_required();
}
