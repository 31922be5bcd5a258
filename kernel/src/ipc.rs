//! Message transfer between threads: message registers, capabilities, badges, fault messages,
//! and the non-MCS reply capability (seL4's doIPCTransfer, doNormalTransfer, transferCaps,
//! setupCallerCap, doReplyTransfer).
use crate::cspace::{CteStore, PhysicalSlots, SlotRef, lookup_slot_for_cnode_op};
use crate::fault;
use crate::invocation::{self, IPC_CAPS_OFFSET, REGISTER_MRS};
use crate::object::cap::Cap;
use crate::object::tcb::{ThreadState, UserContext as Regs, slot, slot_paddr};
use crate::sched::{self, tcb};
use atoll_abi::message::{MSG_MAX_EXTRA_CAPS, MSG_MAX_LENGTH};
use atoll_abi::{CapType, MessageInfo};
use atoll_kernel_core::{cdt, cte::Cte, rules};

/// IPC buffer word indexes of the receive-slot description.
const RECEIVE_CNODE: usize = 125;
const RECEIVE_INDEX: usize = 126;
const RECEIVE_DEPTH: usize = 127;

/// A non-blocking receive found nobody: badge 0 (seL4's doNBRecvFailedTransfer).
pub fn nb_receive_failed(thread: u64) {
    tcb(thread).context.regs[Regs::A0] = 0;
}

/// Moves a message (or a fault message) from `sender` to `receiver`.
pub fn transfer(sender: u64, endpoint: Option<u64>, badge: u64, grant: bool, receiver: u64) {
    if tcb(sender).fault.label == 0 {
        normal_transfer(sender, endpoint, badge, grant, receiver);
    } else {
        fault::transfer(sender, receiver, badge);
    }
}

/// Copies `length` message registers: registers first, then IPC buffer words when both
/// threads have buffers (seL4's copyMRs). Returns how many were copied.
fn copy_mrs(sender: u64, receiver: u64, length: usize) -> usize {
    let mut copied = 0;
    while copied < length && copied < REGISTER_MRS {
        let word = tcb(sender).context.regs[Regs::MR0 + copied];
        tcb(receiver).context.regs[Regs::MR0 + copied] = word;
        copied += 1;
    }
    let (Some(send_buffer), Some(receive_buffer)) =
        (invocation::ipc_buffer(tcb(sender), false), invocation::ipc_buffer(tcb(receiver), true))
    else {
        return copied;
    };
    while copied < length && copied < MSG_MAX_LENGTH {
        receive_buffer[1 + copied] = send_buffer[1 + copied];
        copied += 1;
    }
    copied
}

/// The slot the receiver named for a capability it may receive (seL4's getReceiveSlots).
fn receive_slot(receiver: u64) -> Option<SlotRef> {
    let buffer = invocation::ipc_buffer(tcb(receiver), false)?;
    let (root, index, depth) = (buffer[RECEIVE_CNODE], buffer[RECEIVE_INDEX], buffer[RECEIVE_DEPTH]);
    let root_slot = crate::syscall::lookup_slot(receiver, root)?;
    let root_cap = PhysicalSlots.cap(root_slot);
    let slot = lookup_slot_for_cnode_op(false, root_cap, index, depth).ok()?;
    PhysicalSlots.cap(slot).is_null().then_some(slot)
}

/// Looks up the sender's extra caps named in its IPC buffer; None if any lookup fails.
fn sender_caps(sender: u64, count: usize) -> Option<[Option<SlotRef>; MSG_MAX_EXTRA_CAPS]> {
    let mut slots = [None; MSG_MAX_EXTRA_CAPS];
    let buffer = invocation::ipc_buffer(tcb(sender), false)?;
    for (index, entry) in slots.iter_mut().enumerate().take(count.min(MSG_MAX_EXTRA_CAPS)) {
        *entry = Some(crate::syscall::lookup_slot(sender, buffer[IPC_CAPS_OFFSET + index])?);
    }
    Some(slots)
}

/// Transfers caps (seL4's transferCaps); returns (extra caps, unwrapped mask).
fn transfer_caps(caps: [Option<SlotRef>; MSG_MAX_EXTRA_CAPS], endpoint: Option<u64>, receiver: u64) -> (u64, u64) {
    let Some(receive_buffer) = invocation::ipc_buffer(tcb(receiver), true) else { return (0, 0) };
    let mut dest = receive_slot(receiver);
    let mut store = PhysicalSlots;
    let (mut count, mut unwrapped) = (0u64, 0u64);
    for src in caps.iter().map_while(|c| *c) {
        let cap = store.cap(src);
        if cap.is(CapType::Endpoint) && Some(cap.paddr()) == endpoint {
            receive_buffer[IPC_CAPS_OFFSET + count as usize] = cap.badge();
            unwrapped |= 1 << count;
        } else {
            let Some(slot) = dest else { break };
            let has_children = cdt::first_child(&store, src).is_some();
            let derived = match rules::derive(cap, has_children) {
                Ok(derived) if !derived.is_null() => derived,
                _ => break,
            };
            cdt::insert(&mut store, derived, src, slot);
            dest = None;
        }
        count += 1;
    }
    (count, unwrapped)
}

/// seL4's doNormalTransfer.
fn normal_transfer(sender: u64, endpoint: Option<u64>, badge: u64, grant: bool, receiver: u64) {
    let info = MessageInfo::from_word(tcb(sender).context.regs[Regs::A1]).with_clamped_length();
    let caps = if grant && info.extra_caps() > 0 {
        sender_caps(sender, info.extra_caps() as usize).unwrap_or_default()
    } else {
        [None; MSG_MAX_EXTRA_CAPS]
    };
    let length = copy_mrs(sender, receiver, info.length() as usize);
    let (extra, unwrapped) = transfer_caps(caps, endpoint, receiver);
    let received = MessageInfo::new(info.label(), unwrapped, extra, length as u64);
    let r = tcb(receiver);
    r.context.regs[Regs::A1] = received.word();
    r.context.regs[Regs::A0] = badge;
}

/// Writes the master reply cap into a thread's reply slot if it has none (seL4's
/// setupReplyMaster).
pub fn setup_reply_master(thread: u64) {
    let slot = slot_paddr(thread, slot::REPLY);
    if PhysicalSlots.cap(slot).is_null() {
        let mut cte = Cte { cap: Cap::reply(thread, true, true), ..Cte::default() };
        cte.mdb.set_revocable(true);
        cte.mdb.set_first_badged(true);
        PhysicalSlots.write(slot, cte);
    }
}

/// Blocks a caller on reply and gives the receiver a reply cap to it (seL4's setupCallerCap).
pub fn setup_caller_cap(sender: u64, receiver: u64, can_grant: bool) {
    sched::set_state(sender, ThreadState::BlockedOnReply);
    let reply_slot = slot_paddr(sender, slot::REPLY);
    let caller_slot = slot_paddr(receiver, slot::CALLER);
    let mut store = PhysicalSlots;
    if !store.cap(caller_slot).is_null() {
        delete_one(caller_slot);
    }
    // A reply cap is never a revocable parent, so the general insertion rules have nothing to do.
    cdt::insert_unrevocable_child(&mut store, Cap::reply(sender, false, can_grant), reply_slot, caller_slot);
}

/// Deletes a cap that never needs a zombie (seL4's cteDeleteOne).
pub fn delete_one(slot: SlotRef) {
    if !PhysicalSlots.cap(slot).is_null() {
        cdt::unlink(&mut PhysicalSlots, slot);
    }
}

/// A thread blocked on reply is cancelled: its fault is dropped and the reply cap that
/// points at it goes (seL4's cancelIPC, BlockedOnReply case).
pub fn cancel_reply(thread: u64) {
    tcb(thread).fault = Default::default();
    let reply_slot = slot_paddr(thread, slot::REPLY);
    let child = PhysicalSlots.mdb(reply_slot).next();
    if child != 0 && cdt::is_parent_of(&PhysicalSlots, reply_slot, child) {
        delete_one(child);
    }
}

/// seL4_Reply from the current thread (seL4's handleReply, non-MCS).
pub fn reply(replier: u64) {
    let caller_slot = slot_paddr(replier, slot::CALLER);
    let cap = PhysicalSlots.cap(caller_slot);
    if cap.is(CapType::Reply) && !cap.reply_is_master() {
        reply_with(replier, caller_slot, cap);
    }
}

/// Replies through the reply cap `cap` in `caller_slot` (seL4's doReplyTransfer).
pub fn reply_with(replier: u64, caller_slot: SlotRef, cap: Cap) {
    let caller = cap.paddr();
    if tcb(caller).state != ThreadState::BlockedOnReply {
        return;
    }
    if tcb(caller).fault.label == 0 {
        transfer(replier, None, 0, cap.reply_can_grant(), caller);
        delete_one(caller_slot);
        sched::set_state(caller, ThreadState::Running);
        sched::possible_switch_to(caller);
    } else {
        delete_one(caller_slot);
        let restart = fault::handle_reply(caller, replier);
        tcb(caller).fault = Default::default();
        if restart {
            sched::set_state(caller, ThreadState::Restart);
            sched::possible_switch_to(caller);
        } else {
            sched::set_state(caller, ThreadState::Inactive);
        }
    }
}
