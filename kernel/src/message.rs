//! Messages through registers and IPC buffers: the invocation a caller sent (read on demand),
//! the kernel's replies, and the IPC buffer as user memory (seL4's lookupIPCBuffer, getMRs,
//! setMRs, replyFromKernel).
use crate::arch::{REGISTER_MRS, reg};
use crate::cspace::{Cap, Slot};
use crate::error::SyscallError;
use crate::memory::{Handle, Tcb, UserWords, slot};
use atoll_abi::ipc_buffer::{IPC_BUFFER_SIZE_BITS, IpcBuffer};
use atoll_abi::message::MSG_MAX_LENGTH;
use atoll_abi::{CapType, MessageInfo};
use atoll_kernel_core::cap::VmRights;
use core::mem::offset_of;

/// IPC buffer word indexes (from libsel4's seL4_IPCBuffer layout in `abi`).
pub mod word {
    use super::*;
    /// Message register 0; message register i is at `MSG + i`.
    pub const MSG: usize = offset_of!(IpcBuffer, msg) / 8;
    /// caps_or_badges[0].
    pub const CAPS_OR_BADGES: usize = offset_of!(IpcBuffer, caps_or_badges) / 8;
    pub const RECEIVE_CNODE: usize = offset_of!(IpcBuffer, receive_cnode) / 8;
    pub const RECEIVE_INDEX: usize = offset_of!(IpcBuffer, receive_index) / 8;
    pub const RECEIVE_DEPTH: usize = offset_of!(IpcBuffer, receive_depth) / 8;
}

/// The thread's IPC buffer, if it has a usable one (seL4's lookupIPCBuffer): a non-device frame
/// cap in its IPC-buffer slot, with the rights the access needs.
pub fn ipc_buffer(thread: Handle<Tcb>, for_writing: bool) -> Option<UserWords> {
    let frame = thread.slot(slot::IPC_BUFFER).cap();
    if !frame.is(CapType::Frame) || frame.frame_is_device() {
        return None;
    }
    let usable = match frame.frame_rights() {
        VmRights::ReadWrite => true,
        VmRights::ReadOnly => !for_writing,
        VmRights::KernelOnly => false,
    };
    if !usable {
        return None;
    }
    UserWords::block_in_frame(frame, thread.ipc_buffer(), IPC_BUFFER_SIZE_BITS as u32)
}

/// An extra capability sent with the message, already looked up in the caller's CSpace.
#[derive(Clone, Copy)]
pub struct ExtraCap {
    pub cap: Cap,
    pub slot: Slot,
}

/// The invocation as the caller sent it. Arguments are read from the caller's registers and
/// IPC buffer when asked for, so nothing is copied that the decoder does not use.
pub struct Message {
    pub label: u64,
    pub length: usize,
    /// How many extra caps the caller named (looked up into `extra_caps` by the dispatcher).
    pub extra_count: u64,
    caller: Handle<Tcb>,
    buffer: Option<UserWords>,
    pub extra_caps: [Option<ExtraCap>; 3],
}

impl Message {
    /// The message thread `caller` sent: label and length (clamped as seL4 does), arguments on
    /// demand.
    pub fn read(caller: Handle<Tcb>) -> Message {
        let info = MessageInfo::from_word(caller.reg(reg::MSG_INFO));
        let mut length = info.length().min(MSG_MAX_LENGTH as u64) as usize;
        // The IPC buffer matters only for messages longer than the registers.
        let buffer = if length > REGISTER_MRS { ipc_buffer(caller, false) } else { None };
        if buffer.is_none() {
            length = length.min(REGISTER_MRS);
        }
        Message { label: info.label(), length, extra_count: info.extra_caps(), caller, buffer, extra_caps: [None; 3] }
    }

    /// Message register `index`, if the message is that long.
    pub fn arg(&self, index: usize) -> Option<u64> {
        if index >= self.length {
            return None;
        }
        if index < REGISTER_MRS {
            return Some(self.caller.reg(reg::MR0 + index));
        }
        // `length` was clamped to the registers when there is no buffer.
        self.buffer?.get(word::MSG + index)
    }

    pub fn extra_cap(&self, index: usize) -> Option<ExtraCap> {
        self.extra_caps.get(index).copied().flatten()
    }
}

/// Message registers `first .. first + count` of the thread's current message (registers,
/// then IPC buffer; 0 where it has none).
pub fn read_mrs(thread: Handle<Tcb>, first: usize, count: usize) -> [u64; 32] {
    let buffer = ipc_buffer(thread, false);
    let mut words = [0u64; 32];
    for (offset, word) in words.iter_mut().enumerate().take(count.min(32)) {
        let index = first + offset;
        *word = if index < REGISTER_MRS {
            thread.reg(reg::MR0 + index)
        } else {
            buffer.and_then(|b| b.get(word::MSG + index)).unwrap_or(0)
        };
    }
    words
}

/// Writes message registers: registers first, then the IPC buffer; returns how many were
/// written.
pub fn write_mrs(thread: Handle<Tcb>, words: &[u64]) -> usize {
    let in_registers = words.len().min(REGISTER_MRS);
    for (index, &value) in words[..in_registers].iter().enumerate() {
        thread.set_reg(reg::MR0 + index, value);
    }
    if words.len() == in_registers {
        return in_registers;
    }
    let Some(buffer) = ipc_buffer(thread, true) else { return in_registers };
    let mut written = in_registers;
    while written < words.len() && buffer.set(word::MSG + written, words[written]) {
        written += 1;
    }
    written
}

/// Sets the badge and message info a thread receives.
#[inline(always)]
pub fn set_received(thread: Handle<Tcb>, badge: u64, info: MessageInfo) {
    thread.set_reg(reg::BADGE, badge);
    thread.set_reg(reg::MSG_INFO, info.word());
}

/// What a successful invocation replies.
pub enum Reply {
    Empty,
    Word(u64),
    /// The invocation wrote this many message registers of the caller itself.
    Written(usize),
}

/// The kernel's reply to a Call: badge 0, label 0, and `words` as the message.
pub fn reply_success(thread: Handle<Tcb>, words: &[u64]) {
    let length = write_mrs(thread, words);
    reply_written(thread, length);
}

/// The kernel's reply to a Call whose `length` message registers the invocation wrote itself.
pub fn reply_written(thread: Handle<Tcb>, length: usize) {
    set_received(thread, 0, MessageInfo::new(0, 0, 0, length as u64));
}

/// The kernel's error reply to a Call: the error code as label, its details as the message.
pub fn reply_error(thread: Handle<Tcb>, error: SyscallError) {
    let mut detail = [0u64; 6];
    let count = error.detail(&mut detail);
    let length = write_mrs(thread, &detail[..count]);
    set_received(thread, 0, MessageInfo::new(error.code().value(), 0, 0, length as u64));
}
