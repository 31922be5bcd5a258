//! Notifications: a word of badges OR-ed together by signals, with waiting threads and an
//! optional bound TCB (seL4's sendSignal, receiveSignal, completeSignal, cancelAllSignals).
//! With MCS a notification may carry a scheduling context, lent to a passive thread that it
//! wakes and taken back when that thread waits again.
use crate::arch::reg;
use crate::memory::{Blocking, Handle, Notification, Tcb, ThreadQueue, ThreadState, WaitingOn};
use crate::sched;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum NtfnState {
    Idle = 0,
    Waiting = 1,
    Active = 2,
}

fn state(ntfn: Handle<Notification>) -> (ThreadQueue, NtfnState) {
    let (queue, state) = ntfn.wait_queue();
    let state = match state {
        1 => NtfnState::Waiting,
        2 => NtfnState::Active,
        _ => NtfnState::Idle,
    };
    (queue, state)
}

fn set(ntfn: Handle<Notification>, queue: ThreadQueue, state: NtfnState) {
    ntfn.set_wait_queue(queue, state as u64);
}

#[inline(always)]
pub fn is_active(ntfn: Handle<Notification>) -> bool {
    state(ntfn).1 == NtfnState::Active
}

/// Whether threads wait on it (binding is refused then).
pub fn has_waiters(ntfn: Handle<Notification>) -> bool {
    !state(ntfn).0.is_empty()
}

fn deliver(thread: Handle<Tcb>, badge: u64) {
    thread.set_reg(reg::BADGE, badge);
}

/// A woken thread runs if it can: with MCS a passive one first gets the notification's
/// scheduling context (seL4's maybeDonateSchedContext), and a sporadic context is unblocked.
fn wake(ntfn: Handle<Notification>, thread: Handle<Tcb>) {
    #[cfg(feature = "mcs")]
    donate_sched_context(ntfn, thread);
    #[cfg(not(feature = "mcs"))]
    let _ = ntfn;
    if sched::is_schedulable(thread) {
        sched::possible_switch_to(thread);
    }
    #[cfg(feature = "mcs")]
    sched::unblock_check(thread.sched_context());
}

#[cfg(feature = "mcs")]
fn donate_sched_context(ntfn: Handle<Notification>, thread: Handle<Tcb>) {
    if thread.sched_context().is_none()
        && let Some(sc) = ntfn.sched_context()
        && sc.tcb().is_none()
    {
        sched::donate(sc, thread);
        sched::resume(Some(sc));
    }
}

/// A thread that waits again gives back the notification's scheduling context it was lent
/// (seL4's maybeReturnSchedContext).
#[cfg(feature = "mcs")]
pub fn return_sched_context(ntfn: Handle<Notification>, thread: Handle<Tcb>) {
    if let Some(sc) = ntfn.sched_context()
        && thread.sched_context() == Some(sc)
    {
        thread.set_sched_context(None);
        sc.set_tcb(None);
        if Some(thread) == sched::current() {
            sched::reschedule_required();
        }
    }
}

/// seL4's sendSignal.
pub fn signal(ntfn: Handle<Notification>, badge: u64) {
    let (mut queue, ntfn_state) = state(ntfn);
    match ntfn_state {
        NtfnState::Idle => {
            if let Some(bound) = ntfn.bound_tcb()
                && bound.state() == ThreadState::BlockedOnReceive
            {
                // A bound thread waiting on an endpoint takes the signal instead.
                super::cancel_ipc(bound);
                sched::set_state(bound, ThreadState::Running);
                deliver(bound, badge);
                wake(ntfn, bound);
            } else {
                ntfn.set_word(badge);
                set(ntfn, ThreadQueue::EMPTY, NtfnState::Active);
            }
        }
        NtfnState::Waiting => {
            let Some(thread) = queue.pop() else { return };
            let next = if queue.is_empty() { NtfnState::Idle } else { NtfnState::Waiting };
            set(ntfn, queue, next);
            sched::set_state(thread, ThreadState::Running);
            deliver(thread, badge);
            wake(ntfn, thread);
        }
        NtfnState::Active => ntfn.set_word(ntfn.word() | badge),
    }
}

/// seL4's receiveSignal (Wait, or Poll when not blocking).
pub fn wait(ntfn: Handle<Notification>, thread: Handle<Tcb>, blocking: bool) {
    let (mut queue, ntfn_state) = state(ntfn);
    match ntfn_state {
        NtfnState::Idle | NtfnState::Waiting => {
            if blocking {
                thread.set_blocking(Blocking { on: WaitingOn::Notification(ntfn), ..Blocking::default() });
                sched::set_state(thread, ThreadState::BlockedOnNotification);
                queue.join(thread);
                set(ntfn, queue, NtfnState::Waiting);
                #[cfg(feature = "mcs")]
                return_sched_context(ntfn, thread);
            } else {
                deliver(thread, 0);
            }
        }
        NtfnState::Active => {
            complete_signal(ntfn, thread);
            #[cfg(feature = "mcs")]
            {
                donate_sched_context(ntfn, thread);
                sched::unblock_check(thread.sched_context());
            }
        }
    }
}

/// Delivers a pending signal to a thread about to receive (seL4's completeSignal).
pub fn complete_signal(ntfn: Handle<Notification>, thread: Handle<Tcb>) {
    deliver(thread, ntfn.word());
    ntfn.set_word(0);
    set(ntfn, ThreadQueue::EMPTY, NtfnState::Idle);
}

/// Takes a waiting thread off the notification's queue.
pub fn dequeue(ntfn: Handle<Notification>, thread: Handle<Tcb>) {
    let (mut queue, _) = state(ntfn);
    queue.remove(thread);
    let next = if queue.is_empty() { NtfnState::Idle } else { NtfnState::Waiting };
    set(ntfn, queue, next);
}

/// Restarts every waiting thread (seL4's cancelAllSignals).
pub fn cancel_all(ntfn: Handle<Notification>) {
    let (mut queue, ntfn_state) = state(ntfn);
    if ntfn_state != NtfnState::Waiting {
        return;
    }
    set(ntfn, ThreadQueue::EMPTY, NtfnState::Idle);
    while let Some(thread) = queue.pop() {
        sched::set_state(thread, ThreadState::Restart);
        #[cfg(not(feature = "mcs"))]
        sched::enqueue(thread);
        #[cfg(feature = "mcs")]
        {
            sched::unblock_check(thread.sched_context());
            sched::possible_switch_to(thread);
        }
    }
    sched::reschedule_required();
}

pub fn bind(ntfn: Handle<Notification>, thread: Handle<Tcb>) {
    ntfn.set_bound_tcb(Some(thread));
    thread.set_bound_notification(Some(ntfn));
}

/// Unbinds the thread bound to this notification, if any (seL4's unbindMaybeNotification).
pub fn unbind_any(ntfn: Handle<Notification>) {
    if let Some(bound) = ntfn.bound_tcb() {
        unbind(bound);
    }
}

/// Unbinds a thread from its notification (seL4's unbindNotification).
pub fn unbind(thread: Handle<Tcb>) {
    if let Some(ntfn) = thread.bound_notification() {
        ntfn.set_bound_tcb(None);
        thread.set_bound_notification(None);
    }
}

/// MCS: the notification lends `sc` to passive threads it wakes (SchedContext_Bind).
#[cfg(feature = "mcs")]
pub fn bind_sched_context(ntfn: Handle<Notification>, sc: Handle<crate::memory::SchedContext>) {
    ntfn.set_sched_context(Some(sc));
    sc.set_notification(Some(ntfn));
}

/// MCS: the notification no longer has a scheduling context (seL4's schedContext_unbindNtfn).
#[cfg(feature = "mcs")]
pub fn unbind_sched_context(ntfn: Handle<Notification>) {
    if let Some(sc) = ntfn.sched_context() {
        ntfn.set_sched_context(None);
        sc.set_notification(None);
    }
}

/// MCS: a waiting thread's priority changed; it moves to its new place (seL4's reorderNTFN).
#[cfg(feature = "mcs")]
pub fn requeue(ntfn: Handle<Notification>, thread: Handle<Tcb>) {
    let (mut queue, ntfn_state) = state(ntfn);
    queue.remove(thread);
    queue.join(thread);
    set(ntfn, queue, ntfn_state);
}
