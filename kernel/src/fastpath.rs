//! The IPC fastpath: Call and ReplyRecv in the common case (message in registers, no caps,
//! the partner already waiting, no lower priority, a valid address space) done in one short
//! path. Every check comes first and changes nothing; if any fails, the general path runs, so
//! the fastpath never changes what user level observes (seL4's fastpath.c does the same).
use crate::cspace::{CteStore, PhysicalSlots};
use crate::ipc;
use crate::object::cap::Cap;
use crate::object::endpoint;
use crate::object::notification;
use crate::object::tcb::{ThreadState, UserContext as Regs, slot, slot_paddr};
use crate::sched::{self, tcb};
use atoll_abi::{CapType, MessageInfo, Syscall};
use atoll_kernel_core::cdt;

const ECALL_LENGTH: u64 = 4;
const REGISTER_MRS: u64 = 4;

/// The endpoint cap `cptr` names in the thread's CSpace, if it resolves to one.
#[inline(always)]
fn endpoint_cap(thread: u64, cptr: u64) -> Option<Cap> {
    let root = PhysicalSlots.cap(slot_paddr(thread, slot::CSPACE_ROOT));
    let (radix, guard_size) = (root.cnode_radix(), root.cnode_guard_size());
    // The usual CSpace: one CNode whose guard and radix cover the whole word. Then the address
    // resolves in one step, exactly as the general walk would do it.
    let slot = if root.is(CapType::CNode) && radix + guard_size == 64 {
        if cptr >> radix != root.cnode_guard() {
            return None;
        }
        atoll_kernel_core::cspace::slot_of(root.paddr(), cptr & ((1 << radix) - 1))
    } else {
        atoll_kernel_core::cspace::resolve(&PhysicalSlots, root, cptr, 64).ok()?.slot
    };
    let cap = PhysicalSlots.cap(slot);
    cap.is(CapType::Endpoint).then_some(cap)
}

/// Moves the message registers and sets badge and message info for the receiver.
#[inline(always)]
fn deliver(from: u64, to: u64, badge: u64, info: MessageInfo) {
    let length = info.length() as usize;
    let (source, destination) = (tcb(from), tcb(to));
    for index in Regs::MR0..Regs::MR0 + length {
        destination.context.regs[index] = source.context.regs[index];
    }
    destination.context.regs[Regs::A0] = badge;
    destination.context.regs[Regs::A1] = MessageInfo::new(info.label(), 0, 0, info.length()).word();
}

/// The satp to switch to if `to` may run in place of `from` without a scheduling decision.
#[inline(always)]
fn may_switch(from: u64, to: u64) -> Option<u64> {
    let (f, t) = (tcb(from), tcb(to));
    if t.priority < f.priority || t.domain != f.domain {
        return None;
    }
    sched::valid_satp(to)
}

/// Takes the fastpath if it applies; does not return then.
pub fn try_fastpath(thread: u64) {
    let t = tcb(thread);
    let number = t.context.regs[Regs::A7] as i64 as isize;
    let info = MessageInfo::from_word(t.context.regs[Regs::A1]);
    if info.extra_caps() != 0 || info.length() > REGISTER_MRS {
        return;
    }
    if number == Syscall::Call.value() {
        call(thread, info);
    } else if number == Syscall::ReplyRecv.value() {
        reply_recv(thread, info);
    }
}

fn call(caller: u64, info: MessageInfo) {
    // A recorded fault (kept by a thread restarted while sending it) makes the general path
    // send the fault message instead of this one.
    if tcb(caller).fault.label != 0 {
        return;
    }
    let Some(cap) = endpoint_cap(caller, tcb(caller).context.regs[Regs::A0]) else { return };
    let rights = cap.endpoint_rights();
    if !rights.send || !(rights.grant || rights.grant_reply) {
        return;
    }
    let Some(server) = endpoint::waiting_receiver(cap.paddr()) else { return };
    let caller_slot = slot_paddr(server, slot::CALLER);
    let Some(satp) = may_switch(caller, server) else { return };
    if !PhysicalSlots.cap(caller_slot).is_null() {
        return;
    }
    // Committed: nothing below can fail.
    endpoint::pop_receiver(cap.paddr());
    let c = tcb(caller);
    c.context.regs[Regs::PC] += ECALL_LENGTH;
    c.state = ThreadState::BlockedOnReply;
    let reply = Cap::reply(caller, false, tcb(server).blocking.can_grant);
    cdt::insert_unrevocable_child(&mut PhysicalSlots, reply, slot_paddr(caller, slot::REPLY), caller_slot);
    deliver(caller, server, cap.badge(), info);
    tcb(server).state = ThreadState::Running;
    sched::switch_to_unqueued(server);
    sched::run_in(server, satp)
}

fn reply_recv(server: u64, info: MessageInfo) {
    let Some(cap) = endpoint_cap(server, tcb(server).context.regs[Regs::A0]) else { return };
    if !cap.endpoint_rights().receive || !endpoint::no_senders(cap.paddr()) {
        return;
    }
    let bound = tcb(server).bound_notification;
    if bound != 0 && notification::is_active(bound) {
        return;
    }
    let caller_slot = slot_paddr(server, slot::CALLER);
    let reply = PhysicalSlots.cap(caller_slot);
    if !reply.is(CapType::Reply) || reply.reply_is_master() {
        return;
    }
    let caller = reply.paddr();
    let c = tcb(caller);
    if c.state != ThreadState::BlockedOnReply || c.fault.label != 0 {
        return;
    }
    let Some(satp) = may_switch(server, caller) else { return };
    // Committed: nothing below can fail.
    tcb(server).context.regs[Regs::PC] += ECALL_LENGTH;
    ipc::delete_one(caller_slot);
    endpoint::block_receiver(cap.paddr(), server, cap.endpoint_rights().grant);
    deliver(server, caller, 0, info);
    tcb(caller).state = ThreadState::Running;
    sched::switch_to_unqueued(caller);
    sched::run_in(caller, satp)
}
