//! Message transfer between threads: message registers, capabilities, badges, fault messages,
//! and the non-MCS reply capability (seL4's doIPCTransfer, doNormalTransfer, transferCaps,
//! setupCallerCap, doReplyTransfer).
use super::fault;
use crate::arch::{REGISTER_MRS, reg};
use crate::cspace::cdt;
#[cfg(not(feature = "mcs"))]
use crate::cspace::{Cap, delete_one};
use crate::cspace::{Slot, lookup_slot, lookup_slot_for_cnode_op};
use crate::memory::{Endpoint, Handle, Tcb};
#[cfg(not(feature = "mcs"))]
use crate::memory::{ThreadState, slot};
use crate::message::{self, ipc_buffer, word};
#[cfg(not(feature = "mcs"))]
use crate::sched;
use atoll_abi::message::{MSG_MAX_EXTRA_CAPS, MSG_MAX_LENGTH};
use atoll_abi::{CapType, MessageInfo};
#[cfg(not(feature = "mcs"))]
use atoll_kernel_core::cte::Cte;
use atoll_kernel_core::rules;

/// A non-blocking receive found nobody: badge 0 (seL4's doNBRecvFailedTransfer).
pub fn nb_receive_failed(thread: Handle<Tcb>) {
    thread.set_reg(reg::BADGE, 0);
}

/// Moves a message (or a fault message) from `sender` to `receiver`.
pub fn transfer(
    sender: Handle<Tcb>,
    endpoint: Option<Handle<Endpoint>>,
    badge: u64,
    grant: bool,
    receiver: Handle<Tcb>,
) {
    if sender.fault().label == 0 {
        normal_transfer(sender, endpoint, badge, grant, receiver);
    } else {
        fault::transfer(sender, receiver, badge);
    }
}

/// Copies `length` message registers: registers first, then IPC buffer words when both
/// threads have buffers (seL4's copyMRs). Returns how many were copied. Each word is copied
/// out of the sender's buffer and into the receiver's, so the two may be the same memory.
fn copy_mrs(sender: Handle<Tcb>, receiver: Handle<Tcb>, length: usize) -> usize {
    let mut copied = 0;
    while copied < length && copied < REGISTER_MRS {
        receiver.set_reg(reg::MR0 + copied, sender.reg(reg::MR0 + copied));
        copied += 1;
    }
    let (Some(from), Some(to)) = (ipc_buffer(sender, false), ipc_buffer(receiver, true)) else {
        return copied;
    };
    while copied < length && copied < MSG_MAX_LENGTH {
        let Some(value) = from.get(word::MSG + copied) else { break };
        to.set(word::MSG + copied, value);
        copied += 1;
    }
    copied
}

/// The slot the receiver named for a capability it may receive (seL4's getReceiveSlots).
fn receive_slot(receiver: Handle<Tcb>) -> Option<Slot> {
    let buffer = ipc_buffer(receiver, false)?;
    let (root, index, depth) =
        (buffer.get(word::RECEIVE_CNODE)?, buffer.get(word::RECEIVE_INDEX)?, buffer.get(word::RECEIVE_DEPTH)?);
    let root_cap = lookup_slot(receiver, root).ok()?.cap();
    let slot = lookup_slot_for_cnode_op(false, root_cap, index, depth).ok()?;
    slot.cap().is_null().then_some(slot)
}

/// Looks up the sender's extra caps named in its IPC buffer; None if any lookup fails.
fn sender_caps(sender: Handle<Tcb>, count: usize) -> Option<[Option<Slot>; MSG_MAX_EXTRA_CAPS]> {
    let mut slots = [None; MSG_MAX_EXTRA_CAPS];
    let buffer = ipc_buffer(sender, false)?;
    for (index, entry) in slots.iter_mut().enumerate().take(count.min(MSG_MAX_EXTRA_CAPS)) {
        *entry = Some(lookup_slot(sender, buffer.get(word::CAPS_OR_BADGES + index)?).ok()?);
    }
    Some(slots)
}

/// Transfers caps (seL4's transferCaps); returns (extra caps, unwrapped mask).
fn transfer_caps(
    caps: [Option<Slot>; MSG_MAX_EXTRA_CAPS],
    endpoint: Option<Handle<Endpoint>>,
    receiver: Handle<Tcb>,
) -> (u64, u64) {
    let Some(receive_buffer) = ipc_buffer(receiver, true) else { return (0, 0) };
    let mut dest = receive_slot(receiver);
    let (mut count, mut unwrapped) = (0u64, 0u64);
    for src in caps.iter().map_while(|c| *c) {
        let cap = src.cap();
        if cap.is(CapType::Endpoint) && Some(cap.paddr()) == endpoint.map(Handle::paddr) {
            receive_buffer.set(word::CAPS_OR_BADGES + count as usize, cap.badge());
            unwrapped |= 1 << count;
        } else {
            let Some(slot) = dest else { break };
            let has_children = cdt::first_child(src).is_some();
            let derived = match rules::derive(cap, has_children) {
                Ok(derived) if !derived.is_null() => derived,
                _ => break,
            };
            cdt::insert(derived, src, slot);
            dest = None;
        }
        count += 1;
    }
    (count, unwrapped)
}

/// seL4's doNormalTransfer.
fn normal_transfer(
    sender: Handle<Tcb>,
    endpoint: Option<Handle<Endpoint>>,
    badge: u64,
    grant: bool,
    receiver: Handle<Tcb>,
) {
    let info = MessageInfo::from_word(sender.reg(reg::MSG_INFO)).with_clamped_length();
    let caps = if grant && info.extra_caps() > 0 {
        sender_caps(sender, info.extra_caps() as usize).unwrap_or_default()
    } else {
        [None; MSG_MAX_EXTRA_CAPS]
    };
    let length = copy_mrs(sender, receiver, info.length() as usize);
    let (extra, unwrapped) = transfer_caps(caps, endpoint, receiver);
    message::set_received(receiver, badge, MessageInfo::new(info.label(), unwrapped, extra, length as u64));
}

#[cfg(not(feature = "mcs"))]
/// Writes the master reply cap into a thread's reply slot if it has none (seL4's
/// setupReplyMaster).
pub fn setup_reply_master(thread: Handle<Tcb>) {
    let slot = thread.slot(slot::REPLY);
    if slot.cap().is_null() {
        let mut cte = Cte { cap: Cap::reply(thread.paddr(), true, true), ..Cte::default() };
        cte.mdb.set_revocable(true);
        cte.mdb.set_first_badged(true);
        slot.write(cte);
    }
}

#[cfg(not(feature = "mcs"))]
/// Blocks a caller on reply and gives the receiver a reply cap to it (seL4's setupCallerCap).
pub fn setup_caller_cap(sender: Handle<Tcb>, receiver: Handle<Tcb>, can_grant: bool) {
    sched::set_state(sender, ThreadState::BlockedOnReply);
    let reply_slot = sender.slot(slot::REPLY);
    let caller_slot = receiver.slot(slot::CALLER);
    if !caller_slot.cap().is_null() {
        delete_one(caller_slot);
    }
    // A reply cap is never a revocable parent, so the general insertion rules have nothing to do.
    cdt::insert_unrevocable_child(Cap::reply(sender.paddr(), false, can_grant), reply_slot, caller_slot);
}

#[cfg(not(feature = "mcs"))]
/// A thread blocked on reply is cancelled: its fault is dropped and the reply cap that
/// points at it goes (seL4's cancelIPC, BlockedOnReply case).
pub fn cancel_reply(thread: Handle<Tcb>) {
    thread.set_fault(Default::default());
    let reply_slot = thread.slot(slot::REPLY);
    if let Some(child) = reply_slot.next_in_tree()
        && cdt::is_parent_of(reply_slot, child)
    {
        delete_one(child);
    }
}

#[cfg(not(feature = "mcs"))]
/// seL4_Reply from the current thread (seL4's handleReply, non-MCS).
pub fn reply(replier: Handle<Tcb>) {
    let caller_slot = replier.slot(slot::CALLER);
    let cap = caller_slot.cap();
    if cap.is(CapType::Reply) && !cap.reply_is_master() {
        reply_with(replier, caller_slot, cap);
    }
}

#[cfg(not(feature = "mcs"))]
/// Replies through the reply cap `cap` in `caller_slot` (seL4's doReplyTransfer).
pub fn reply_with(replier: Handle<Tcb>, caller_slot: Slot, cap: Cap) {
    let caller = crate::memory::caps::thread(cap);
    if caller.state() != ThreadState::BlockedOnReply {
        return;
    }
    if caller.fault().label == 0 {
        transfer(replier, None, 0, cap.reply_can_grant(), caller);
        delete_one(caller_slot);
        sched::set_state(caller, ThreadState::Running);
        sched::possible_switch_to(caller);
    } else {
        delete_one(caller_slot);
        let restart = fault::handle_reply(caller, replier);
        caller.set_fault(Default::default());
        if restart {
            sched::set_state(caller, ThreadState::Restart);
            sched::possible_switch_to(caller);
        } else {
            sched::set_state(caller, ThreadState::Inactive);
        }
    }
}
