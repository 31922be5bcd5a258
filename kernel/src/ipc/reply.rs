//! MCS reply objects (seL4's reply.c and MCS doReplyTransfer): a call links the caller to the
//! receiver's reply object; if the caller's scheduling context was lent, the reply joins the
//! context's call stack, so a reply (or a deletion in mid-call) gives it back to the right
//! thread.
use crate::memory::{CallLink, Handle, Reply, Tcb, ThreadState};
use crate::sched;

/// The reply no longer belongs to `thread`, which becomes inactive (seL4's reply_unlink).
pub fn unlink(reply: Handle<Reply>, thread: Handle<Tcb>) {
    let mut blocking = thread.blocking();
    blocking.reply = None;
    thread.set_blocking(blocking);
    reply.set_tcb(None);
    sched::set_state(thread, ThreadState::Inactive);
}

/// `caller` waits on `reply` for `callee`'s answer; if it may, the caller's scheduling context
/// goes to a callee that has none, and the reply becomes the top of that context's call stack
/// (seL4's reply_push).
pub fn push(caller: Handle<Tcb>, callee: Handle<Tcb>, reply: Handle<Reply>, can_donate: bool) {
    reply.set_tcb(Some(caller));
    let mut blocking = caller.blocking();
    blocking.reply = Some(reply);
    blocking.on = crate::memory::WaitingOn::Nothing;
    caller.set_blocking(blocking);
    sched::set_state(caller, ThreadState::BlockedOnReply);
    let Some(sc) = caller.sched_context() else { return };
    if callee.sched_context().is_some() || !can_donate {
        return;
    }
    let older = sc.reply();
    if let Some(older) = older {
        older.set_next(CallLink::Reply(reply));
    }
    reply.set_prev(older);
    reply.set_next(CallLink::Head(sc));
    sc.set_reply(Some(reply));
    sched::donate(sc, callee);
}

/// The reply at the top of a call stack is answered or cancelled: the context goes back to the
/// caller unless it has one again (seL4's reply_pop).
fn pop(reply: Handle<Reply>, thread: Handle<Tcb>, sc: Handle<crate::memory::SchedContext>) {
    let older = reply.prev();
    sc.set_reply(older);
    if let Some(older) = older {
        older.set_next(CallLink::Head(sc));
    }
    reply.set_next(CallLink::None);
    if thread.sched_context().is_none() {
        sched::donate(sc, thread);
    }
    reply.set_prev(None);
    unlink(reply, thread);
}

/// Takes `reply` out of its call stack for `thread`, which waits on it: at the top it is
/// popped, in the middle the stack is broken there (seL4's reply_remove).
pub fn remove(reply: Handle<Reply>, thread: Handle<Tcb>) {
    match reply.next() {
        CallLink::Head(sc) => pop(reply, thread, sc),
        next => {
            if let CallLink::Reply(newer) = next {
                newer.set_prev(None);
            }
            if let Some(older) = reply.prev() {
                older.set_next(CallLink::None);
            }
            reply.set_prev(None);
            reply.set_next(CallLink::None);
            unlink(reply, thread);
        }
    }
}

/// A thread blocked on a reply is cancelled or destroyed: its reply leaves the call stack
/// without giving anything back (seL4's reply_remove_tcb).
pub fn remove_thread(thread: Handle<Tcb>) {
    let Some(reply) = thread.blocking().reply else {
        sched::set_state(thread, ThreadState::Inactive);
        return;
    };
    match reply.next() {
        CallLink::Head(sc) => sc.set_reply(None),
        CallLink::Reply(newer) => newer.set_prev(None),
        CallLink::None => {}
    }
    if let Some(older) = reply.prev() {
        older.set_next(CallLink::None);
    }
    reply.set_prev(None);
    reply.set_next(CallLink::None);
    unlink(reply, thread);
}

/// The last cap to a reply object goes: whoever it belongs to lets go (seL4's finaliseCap for
/// reply caps).
pub fn finalise(reply: Handle<Reply>) {
    let Some(thread) = reply.tcb() else { return };
    match thread.state() {
        ThreadState::BlockedOnReply => remove(reply, thread),
        // A receiver waiting with it stops receiving.
        _ => super::cancel_ipc(thread),
    }
}
