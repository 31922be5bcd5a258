//! Notifications: a word of badges OR-ed together by signals, with waiting threads and an
//! optional bound TCB (seL4's sendSignal, receiveSignal, completeSignal, cancelAllSignals).
use super::endpoint::{self, EpLinks};
use super::tcb::{Blocking, ThreadState, UserContext};
use crate::kmem;
use crate::sched::{self, tcb};
use atoll_kernel_core::queue::Queue;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum NtfnState {
    Idle = 0,
    Waiting = 1,
    Active = 2,
}

/// The 32-byte notification object.
#[repr(C)]
pub struct Notification {
    head: u64,
    tail_and_state: u64,
    word: u64,
    bound_tcb: u64,
}

const STATE_MASK: u64 = 0b11;

impl Notification {
    fn state(&self) -> NtfnState {
        match self.tail_and_state & STATE_MASK {
            1 => NtfnState::Waiting,
            2 => NtfnState::Active,
            _ => NtfnState::Idle,
        }
    }
    fn queue(&self) -> Queue {
        Queue { head: self.head, tail: self.tail_and_state & !STATE_MASK }
    }
    fn set(&mut self, queue: Queue, state: NtfnState) {
        self.head = queue.head;
        self.tail_and_state = queue.tail | state as u64;
    }
}

pub fn notification(paddr: u64) -> &'static mut Notification {
    kmem::notification(paddr)
}

pub fn is_active(paddr: u64) -> bool {
    notification(paddr).state() == NtfnState::Active
}

/// Whether threads wait on it (binding is refused then).
pub fn has_waiters(paddr: u64) -> bool {
    !notification(paddr).queue().is_empty()
}

pub fn bound_tcb(paddr: u64) -> u64 {
    notification(paddr).bound_tcb
}

fn deliver(thread: u64, badge: u64) {
    tcb(thread).context.regs[UserContext::A0] = badge;
}

/// seL4's sendSignal.
pub fn signal(paddr: u64, badge: u64) {
    let ntfn = notification(paddr);
    match ntfn.state() {
        NtfnState::Idle => {
            let bound = ntfn.bound_tcb;
            if bound != 0 && tcb(bound).state == ThreadState::BlockedOnReceive {
                // A bound thread waiting on an endpoint takes the signal instead.
                cancel_ipc(bound);
                sched::set_state(bound, ThreadState::Running);
                deliver(bound, badge);
                sched::possible_switch_to(bound);
            } else {
                ntfn.word = badge;
                ntfn.set(Queue::EMPTY, NtfnState::Active);
            }
        }
        NtfnState::Waiting => {
            let mut queue = ntfn.queue();
            let Some(thread) = queue.pop(&mut EpLinks) else { return };
            let state = if queue.is_empty() { NtfnState::Idle } else { NtfnState::Waiting };
            ntfn.set(queue, state);
            sched::set_state(thread, ThreadState::Running);
            deliver(thread, badge);
            sched::possible_switch_to(thread);
        }
        NtfnState::Active => {
            ntfn.word |= badge;
        }
    }
}

/// seL4's receiveSignal (Wait, or Poll when not blocking).
pub fn wait(paddr: u64, thread: u64, blocking: bool) {
    let ntfn = notification(paddr);
    match ntfn.state() {
        NtfnState::Idle | NtfnState::Waiting => {
            if blocking {
                tcb(thread).blocking = Blocking { object: paddr, ..Blocking::default() };
                sched::set_state(thread, ThreadState::BlockedOnNotification);
                let mut queue = ntfn.queue();
                queue.append(&mut EpLinks, thread);
                ntfn.set(queue, NtfnState::Waiting);
            } else {
                deliver(thread, 0);
            }
        }
        NtfnState::Active => {
            deliver(thread, ntfn.word);
            ntfn.word = 0;
            ntfn.set(Queue::EMPTY, NtfnState::Idle);
        }
    }
}

/// Delivers a pending signal to a bound thread about to receive (seL4's completeSignal).
pub fn complete_signal(paddr: u64, thread: u64) {
    let ntfn = notification(paddr);
    deliver(thread, ntfn.word);
    ntfn.word = 0;
    ntfn.set(Queue::EMPTY, NtfnState::Idle);
}

/// Takes a waiting thread off the notification's queue.
pub fn dequeue(paddr: u64, thread: u64) {
    let ntfn = notification(paddr);
    let mut queue = ntfn.queue();
    queue.remove(&mut EpLinks, thread);
    let state = if queue.is_empty() { NtfnState::Idle } else { NtfnState::Waiting };
    ntfn.set(queue, state);
}

/// Restarts every waiting thread (seL4's cancelAllSignals).
pub fn cancel_all(paddr: u64) {
    let ntfn = notification(paddr);
    if ntfn.state() != NtfnState::Waiting {
        return;
    }
    let mut queue = ntfn.queue();
    ntfn.set(Queue::EMPTY, NtfnState::Idle);
    while let Some(thread) = queue.pop(&mut EpLinks) {
        sched::set_state(thread, ThreadState::Restart);
        sched::enqueue(thread);
    }
    sched::reschedule_required();
}

pub fn bind(paddr: u64, thread: u64) {
    notification(paddr).bound_tcb = thread;
    tcb(thread).bound_notification = paddr;
}

/// Unbinds the thread bound to this notification, if any (seL4's unbindMaybeNotification).
pub fn unbind_any(paddr: u64) {
    let bound = notification(paddr).bound_tcb;
    if bound != 0 {
        unbind(bound);
    }
}

/// Unbinds a thread from its notification (seL4's unbindNotification).
pub fn unbind(thread: u64) {
    let paddr = tcb(thread).bound_notification;
    if paddr != 0 {
        notification(paddr).bound_tcb = 0;
        tcb(thread).bound_notification = 0;
    }
}

/// Stops whatever IPC a thread is blocked in (seL4's cancelIPC for the non-reply states).
pub fn cancel_ipc(thread: u64) {
    let t = tcb(thread);
    let object = t.blocking.object;
    match t.state {
        ThreadState::BlockedOnSend | ThreadState::BlockedOnReceive => endpoint::dequeue(object, thread),
        ThreadState::BlockedOnNotification => dequeue(object, thread),
        ThreadState::BlockedOnReply => crate::ipc::cancel_reply(thread),
        _ => return,
    }
    sched::set_state(thread, ThreadState::Inactive);
}
