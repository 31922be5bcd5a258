//! The IPC fastpath: Call and ReplyRecv in the common case (message in registers, no caps,
//! the partner already waiting, no lower priority, a valid address space, no recorded fault)
//! done in one short path. Every check comes first and changes nothing; if any fails, the
//! general path runs, so the fastpath never changes what user level observes (seL4's
//! fastpath.c does the same). With MCS the fastpath takes a call to a passive server, which
//! runs on the caller's scheduling context, and the reply that gives it back; the context
//! charged does not change, so no time needs accounting.
use crate::arch::{REGISTER_MRS, SYSCALL_INSTRUCTION_LENGTH, reg, vspace};
use crate::cspace::Cap;
#[cfg(not(feature = "mcs"))]
use crate::cspace::{cdt, delete_one};
use crate::ipc::{endpoint, notification};
#[cfg(feature = "mcs")]
use crate::memory::{Blocking, CallLink};
use crate::memory::{Endpoint, Handle, Tcb, ThreadState, caps, slot};
use crate::sched;
use atoll_abi::object::WORD_BITS;
use atoll_abi::{CapType, MessageInfo, Syscall};

/// The cap `cptr` names in the thread's CSpace, if it resolves to one of type `ty`.
#[inline(always)]
fn cap_of_type(thread: Handle<Tcb>, cptr: u64, ty: CapType) -> Option<Cap> {
    let root = thread.slot(slot::CSPACE_ROOT).cap();
    let (radix, guard_size) = (root.cnode_radix(), root.cnode_guard_size());
    // The usual CSpace: one CNode whose guard and radix cover the whole word. Then the address
    // resolves in one step, exactly as the general walk would do it.
    let slot = if root.is(CapType::CNode) && radix + guard_size == WORD_BITS as u32 {
        if cptr >> radix != root.cnode_guard() {
            return None;
        }
        crate::cspace::Slot::in_cnode(root, cptr & ((1 << radix) - 1))
    } else {
        crate::memory::resolve(root, cptr, WORD_BITS as u32).ok()?.0
    };
    let cap = slot.cap();
    cap.is(ty).then_some(cap)
}

#[inline(always)]
fn endpoint_cap(thread: Handle<Tcb>, cptr: u64) -> Option<Cap> {
    cap_of_type(thread, cptr, CapType::Endpoint)
}

/// Moves the message registers and sets badge and message info for the receiver.
#[inline(always)]
fn deliver(from: Handle<Tcb>, to: Handle<Tcb>, badge: u64, info: MessageInfo) {
    for index in reg::MR0..reg::MR0 + info.length() as usize {
        to.set_reg(index, from.reg(index));
    }
    to.set_reg(reg::BADGE, badge);
    to.set_reg(reg::MSG_INFO, MessageInfo::new(info.label(), 0, 0, info.length()).word());
}

/// The address-space root to switch to if `to` may run in place of `from` without a
/// scheduling decision.
#[inline(always)]
fn may_switch(from: Handle<Tcb>, to: Handle<Tcb>) -> Option<u64> {
    if to.priority() < from.priority() || to.domain() != from.domain() {
        return None;
    }
    vspace::valid_root(to)
}

/// The address-space root to switch to if the caller a reply wakes may run next in place of
/// the server, which is about to block: no ready thread outranks it (seL4's fastpath checks
/// isHighestPrio, so a server replying to a lower-priority caller stays on the fastpath).
#[inline(always)]
fn may_return_to(server: Handle<Tcb>, caller: Handle<Tcb>) -> Option<u64> {
    if caller.domain() != server.domain() {
        return None;
    }
    // A caller at least the running server's priority outranks every ready thread; only a
    // lower one needs the ready queues' bitmap (kept off the common equal-priority path).
    if caller.priority() < server.priority() && !sched::is_highest_ready(caller.priority()) {
        return None;
    }
    vspace::valid_root(caller)
}

/// Takes the fastpath if it applies; does not return then.
#[inline(always)]
pub fn try_fastpath(thread: Handle<Tcb>) {
    let number = thread.reg(reg::SYSCALL) as i64 as isize;
    let info = MessageInfo::from_word(thread.reg(reg::MSG_INFO));
    if info.extra_caps() != 0 || info.length() > REGISTER_MRS as u64 {
        return;
    }
    if number == Syscall::Call.value() {
        call(thread, info);
    } else if number == Syscall::ReplyRecv.value() {
        reply_recv(thread, info);
    }
}

/// The checks every Call fastpath starts with: no recorded fault (a thread restarted while
/// sending one sends the fault message, on the general path), an endpoint cap that may send
/// and grant a reply, a receiver waiting, and one the caller may switch to. Returns the cap,
/// the endpoint, the receiver and its address-space root.
#[inline(always)]
fn call_target(caller: Handle<Tcb>) -> Option<(Cap, Handle<Endpoint>, Handle<Tcb>, u64)> {
    if caller.fault().label != 0 {
        return None;
    }
    let cap = endpoint_cap(caller, caller.reg(reg::CAP))?;
    let rights = cap.endpoint_rights();
    if !rights.send || !(rights.grant || rights.grant_reply) {
        return None;
    }
    let endpoint = caps::endpoint(cap);
    let server = endpoint::waiting_receiver(endpoint)?;
    let root = may_switch(caller, server)?;
    Some((cap, endpoint, server, root))
}

#[cfg(not(feature = "mcs"))]
#[inline(always)]
fn call(caller: Handle<Tcb>, info: MessageInfo) {
    let Some((cap, endpoint, server, root)) = call_target(caller) else { return };
    let caller_slot = server.slot(slot::CALLER);
    if !caller_slot.cap().is_null() {
        return;
    }
    // Committed: nothing below can fail.
    endpoint::pop_receiver(endpoint);
    caller.set_reg(reg::PC, caller.reg(reg::PC) + SYSCALL_INSTRUCTION_LENGTH);
    caller.set_state_only(ThreadState::BlockedOnReply);
    let reply = Cap::reply(caller.paddr(), false, server.blocking().can_grant);
    cdt::insert_unrevocable_child(reply, caller.slot(slot::REPLY), caller_slot);
    deliver(caller, server, cap.badge(), info);
    server.set_state_only(ThreadState::Running);
    sched::switch_to_unqueued(server);
    sched::run_in(server, root)
}

#[cfg(not(feature = "mcs"))]
#[inline(always)]
fn reply_recv(server: Handle<Tcb>, info: MessageInfo) {
    let Some(cap) = endpoint_cap(server, server.reg(reg::CAP)) else { return };
    let endpoint = caps::endpoint(cap);
    if !cap.endpoint_rights().receive || !endpoint::no_senders(endpoint) {
        return;
    }
    if server.bound_notification().is_some_and(notification::is_active) {
        return;
    }
    let caller_slot = server.slot(slot::CALLER);
    let reply = caller_slot.cap();
    if !reply.is(CapType::Reply) || reply.reply_is_master() {
        return;
    }
    let caller = caps::thread(reply);
    if caller.state() != ThreadState::BlockedOnReply || caller.fault().label != 0 {
        return;
    }
    let Some(root) = may_return_to(server, caller) else { return };
    // Committed: nothing below can fail.
    server.set_reg(reg::PC, server.reg(reg::PC) + SYSCALL_INSTRUCTION_LENGTH);
    delete_one(caller_slot);
    endpoint::block_receiver(endpoint, server, cap.endpoint_rights().grant);
    deliver(server, caller, 0, info);
    caller.set_state_only(ThreadState::Running);
    sched::switch_to_unqueued(caller);
    sched::run_in(caller, root)
}

/// MCS Call to a passive server waiting with a reply object: the caller's context goes with
/// the call (seL4's MCS fastpath_call).
#[cfg(feature = "mcs")]
#[inline(always)]
fn call(caller: Handle<Tcb>, info: MessageInfo) {
    let Some((cap, endpoint, server, root)) = call_target(caller) else { return };
    let (Some(reply), Some(sc)) = (server.blocking().reply, caller.sched_context()) else { return };
    if server.sched_context().is_some() {
        return;
    }
    // Committed: nothing below can fail.
    endpoint::pop_receiver(endpoint);
    caller.set_reg(reg::PC, caller.reg(reg::PC) + SYSCALL_INSTRUCTION_LENGTH);
    server.set_blocking(Blocking::default());
    caller.set_blocking(Blocking { reply: Some(reply), ..Blocking::default() });
    caller.set_state_only(ThreadState::BlockedOnReply);
    reply.set_tcb(Some(caller));
    // The reply goes on top of the context's call stack, and the context to the server.
    let older = sc.reply();
    if let Some(older) = older {
        older.set_next(CallLink::Reply(reply));
    }
    reply.set_prev(older);
    reply.set_next(CallLink::Head(sc));
    sc.set_reply(Some(reply));
    caller.set_sched_context(None);
    sc.set_tcb(Some(server));
    server.set_sched_context(Some(sc));
    deliver(caller, server, cap.badge(), info);
    server.set_state_only(ThreadState::Running);
    sched::switch_to_unqueued(server);
    sched::run_in(server, root)
}

/// MCS ReplyRecv answering the call at the top of the running context's call stack, to a
/// caller that gets the context back (seL4's MCS fastpath_reply_recv).
#[cfg(feature = "mcs")]
#[inline(always)]
fn reply_recv(server: Handle<Tcb>, info: MessageInfo) {
    let Some(cap) = endpoint_cap(server, server.reg(reg::CAP)) else { return };
    let endpoint = caps::endpoint(cap);
    if !cap.endpoint_rights().receive || !endpoint::no_senders(endpoint) {
        return;
    }
    let Some(reply_cap) = cap_of_type(server, server.reg(reg::REPLY), CapType::Reply) else { return };
    if server.bound_notification().is_some_and(notification::is_active) {
        return;
    }
    let reply = caps::reply(reply_cap);
    let (Some(caller), Some(sc)) = (reply.tcb(), server.sched_context()) else { return };
    if reply.next() != CallLink::Head(sc) || caller.state() != ThreadState::BlockedOnReply {
        return;
    }
    if caller.fault().label != 0 || caller.sched_context().is_some() {
        return;
    }
    let Some(root) = may_return_to(server, caller) else { return };
    // Committed: nothing below can fail.
    server.set_reg(reg::PC, server.reg(reg::PC) + SYSCALL_INSTRUCTION_LENGTH);
    caller.set_blocking(Blocking::default());
    endpoint::block_receiver(endpoint, server, false);
    server.set_blocking(Blocking { reply: Some(reply), ..server.blocking() });
    reply.set_tcb(Some(server));
    // The reply leaves the top of the call stack; the context goes back to the caller.
    let older = reply.prev();
    sc.set_reply(older);
    if let Some(older) = older {
        older.set_next(CallLink::Head(sc));
    }
    reply.set_prev(None);
    reply.set_next(CallLink::None);
    server.set_sched_context(None);
    sc.set_tcb(Some(caller));
    caller.set_sched_context(Some(sc));
    deliver(server, caller, 0, info);
    caller.set_state_only(ThreadState::Running);
    sched::switch_to_unqueued(caller);
    sched::run_in(caller, root)
}
