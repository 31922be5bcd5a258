//! Object invocations: the message a caller sends, the errors seL4 defines, and the reply.
//!
//! Every invocation is decoded first (all checks, no side effects) and then performed; the
//! decoder returns a [`SyscallError`] carrying seL4's details instead of setting a global.
use crate::cspace::{LookupFault, SlotRef};
use crate::kmem;
use crate::object::cap::Cap;
use crate::object::tcb::{Tcb, UserContext};
use atoll_abi::{Error, MessageInfo};

/// Message registers carried in registers a2..a5; the rest live in the IPC buffer.
pub const REGISTER_MRS: usize = 4;
const FIRST_MR_REGISTER: usize = 12;
/// IPC buffer word index of message register 0 (after the tag word).
const IPC_MSG_OFFSET: usize = 1;
/// IPC buffer word index of caps_or_badges[0].
pub const IPC_CAPS_OFFSET: usize = 1 + 120 + 1;

/// seL4's syscall errors with their details.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyscallError {
    InvalidArgument { argument: u64 },
    InvalidCapability { cap: u64 },
    IllegalOperation,
    RangeError { min: u64, max: u64 },
    AlignmentError,
    FailedLookup { source: bool, fault: LookupFault },
    TruncatedMessage,
    DeleteFirst,
    RevokeFirst,
    NotEnoughMemory { available: u64 },
}

/// Why an invocation stopped before finishing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interrupted {
    /// An interrupt is pending: restart the system call once it is handled.
    Preempted,
}

impl SyscallError {
    fn code(&self) -> Error {
        match self {
            SyscallError::InvalidArgument { .. } => Error::InvalidArgument,
            SyscallError::InvalidCapability { .. } => Error::InvalidCapability,
            SyscallError::IllegalOperation => Error::IllegalOperation,
            SyscallError::RangeError { .. } => Error::RangeError,
            SyscallError::AlignmentError => Error::AlignmentError,
            SyscallError::FailedLookup { .. } => Error::FailedLookup,
            SyscallError::TruncatedMessage => Error::TruncatedMessage,
            SyscallError::DeleteFirst => Error::DeleteFirst,
            SyscallError::RevokeFirst => Error::RevokeFirst,
            SyscallError::NotEnoughMemory { .. } => Error::NotEnoughMemory,
        }
    }

    /// The message registers that describe the error (seL4's setMRs_syscall_error).
    fn detail(&self, out: &mut [u64; 6]) -> usize {
        let mut put = |words: &[u64]| {
            out[..words.len()].copy_from_slice(words);
            words.len()
        };
        match *self {
            SyscallError::InvalidArgument { argument } => put(&[argument]),
            SyscallError::InvalidCapability { cap } => put(&[cap]),
            SyscallError::RangeError { min, max } => put(&[min, max]),
            SyscallError::NotEnoughMemory { available } => put(&[available]),
            SyscallError::FailedLookup { source, fault } => {
                out[0] = source as u64;
                1 + lookup_fault_words(fault, &mut out[1..])
            }
            _ => 0,
        }
    }
}

/// A lookup failure as message words: its type, then its details.
pub fn lookup_fault_words(fault: LookupFault, out: &mut [u64]) -> usize {
    let words: &[u64] = match fault {
        LookupFault::InvalidRoot => &[1],
        LookupFault::MissingCapability { bits_left } => &[2, bits_left as u64],
        LookupFault::DepthMismatch { bits_left, bits_found } => &[3, bits_left as u64, bits_found as u64],
        LookupFault::GuardMismatch { bits_left, guard_found, guard_size } => {
            &[4, bits_left as u64, guard_found, guard_size as u64]
        }
    };
    out[..words.len()].copy_from_slice(words);
    words.len()
}

/// An extra capability sent with the message, already looked up in the caller's CSpace.
#[derive(Clone, Copy)]
pub struct ExtraCap {
    pub cap: Cap,
    pub slot: SlotRef,
}

/// The invocation as the caller sent it. Arguments are read from the caller's registers and
/// IPC buffer when asked for, so nothing is copied that the decoder does not use.
pub struct Message {
    pub label: u64,
    pub length: usize,
    caller: u64,
    /// Physical address of the caller's IPC buffer words, 0 if it has none.
    buffer: u64,
    pub extra_caps: [Option<ExtraCap>; 3],
}

impl Message {
    /// Message register `index`, if the message is that long.
    pub fn arg(&self, index: usize) -> Option<u64> {
        if index >= self.length {
            return None;
        }
        if index < REGISTER_MRS {
            return Some(crate::sched::tcb(self.caller).context.regs[FIRST_MR_REGISTER + index]);
        }
        // `buffer` is the caller's IPC buffer, and `length` was clamped to it.
        kmem::ipc_words(self.buffer).get(IPC_MSG_OFFSET + index).copied()
    }

    pub fn extra_cap(&self, index: usize) -> Option<ExtraCap> {
        self.extra_caps.get(index).copied().flatten()
    }
}

/// The thread's IPC buffer as words, if it has a usable one (seL4's lookupIPCBuffer).
pub fn ipc_buffer(tcb: &Tcb, for_writing: bool) -> Option<&'static mut [u64; 128]> {
    Some(kmem::ipc_words(ipc_buffer_paddr(tcb, for_writing)?))
}

/// Physical address of the thread's IPC buffer, if it has a usable one.
fn ipc_buffer_paddr(tcb: &Tcb, for_writing: bool) -> Option<u64> {
    use atoll_abi::CapType;
    use atoll_kernel_core::cap::VmRights;
    let frame = tcb.slots[crate::object::tcb::slot::IPC_BUFFER].cap;
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
    let offset = tcb.ipc_buffer & ((1u64 << frame.frame_size().bits()) - 1) & !0x3ff;
    Some(frame.paddr() + offset)
}

/// The message thread `caller` sent: label and length (clamped as seL4 does), arguments on
/// demand.
pub fn read_message(caller: u64) -> Message {
    let tcb = crate::sched::tcb(caller);
    let info = MessageInfo::from_word(tcb.context.regs[UserContext::A1]);
    let mut length = info.length().min(atoll_abi::message::MSG_MAX_LENGTH as u64) as usize;
    // The IPC buffer matters only for messages longer than the registers.
    let buffer = if length > REGISTER_MRS { ipc_buffer_paddr(tcb, false) } else { None };
    if buffer.is_none() {
        length = length.min(REGISTER_MRS);
    }
    Message { label: info.label(), length, caller, buffer: buffer.unwrap_or(0), extra_caps: [None; 3] }
}

/// Message registers `first .. first + count` of the thread's current message (registers,
/// then IPC buffer).
pub fn read_message_words(tcb: &Tcb, first: usize, count: usize) -> [u64; 32] {
    let buffer = ipc_buffer(tcb, false);
    let mut words = [0u64; 32];
    for (offset, word) in words.iter_mut().enumerate().take(count.min(32)) {
        let index = first + offset;
        *word = if index < REGISTER_MRS {
            tcb.context.regs[FIRST_MR_REGISTER + index]
        } else {
            buffer.as_ref().map_or(0, |b| b[IPC_MSG_OFFSET + index])
        };
    }
    words
}

/// Writes message registers for a reply: registers first, then the IPC buffer; returns how
/// many were written.
pub fn write_mrs(tcb: &mut Tcb, words: &[u64]) -> usize {
    let mut buffer = ipc_buffer(tcb, true);
    let mut written = 0;
    for (index, &word) in words.iter().enumerate() {
        if index < REGISTER_MRS {
            tcb.context.regs[FIRST_MR_REGISTER + index] = word;
        } else if let Some(buffer) = buffer.as_mut() {
            buffer[IPC_MSG_OFFSET + index] = word;
        } else {
            break;
        }
        written += 1;
    }
    written
}

/// The kernel's reply to a Call: badge 0, label 0, and `words` as the message.
pub fn reply_success(tcb: &mut Tcb, words: &[u64]) {
    let length = write_mrs(tcb, words);
    tcb.context.regs[UserContext::A0] = 0;
    tcb.context.regs[UserContext::A1] = MessageInfo::new(0, 0, 0, length as u64).word();
}

/// The kernel's reply to a Call whose `length` message registers the invocation wrote itself.
pub fn reply_written(tcb: &mut Tcb, length: usize) {
    tcb.context.regs[UserContext::A0] = 0;
    tcb.context.regs[UserContext::A1] = MessageInfo::new(0, 0, 0, length as u64).word();
}

/// The kernel's error reply to a Call: the error code as label, its details as the message.
pub fn reply_error(tcb: &mut Tcb, error: SyscallError) {
    let mut detail = [0u64; 6];
    let count = error.detail(&mut detail);
    let length = write_mrs(tcb, &detail[..count]);
    tcb.context.regs[UserContext::A0] = 0;
    tcb.context.regs[UserContext::A1] = MessageInfo::new(error.code().value(), 0, 0, length as u64).word();
}
