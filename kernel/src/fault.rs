//! Faults: delivering them as seL4 fault messages to the thread's fault endpoint, and applying
//! the handler's reply. A thread whose fault cannot be delivered stops, as in seL4, and the
//! kernel says why in one line.
use crate::cspace::{CteStore, LookupFault, PhysicalSlots};
use crate::invocation::{self, lookup_fault_words};
use crate::kprintln;
use crate::object::endpoint::{self, SendCap};
use crate::object::tcb::{FaultRecord, ThreadState, UserContext as Regs};
use crate::sched::{self, tcb};
use atoll_abi::{CapType, MessageInfo};

/// seL4's fault labels.
const CAP_FAULT: u64 = 1;
const UNKNOWN_SYSCALL: u64 = 2;
const USER_EXCEPTION: u64 = 3;
const VM_FAULT: u64 = 5;

/// Registers an UnknownSyscall message carries and its reply may set, in seL4's order.
const SYSCALL_MESSAGE: [usize; 10] = [0, Regs::SP, 1, 10, 11, 12, 13, 14, 15, 16];
/// Registers a UserException reply may set: pc and sp.
const EXCEPTION_MESSAGE: [usize; 2] = [0, Regs::SP];

/// What went wrong, in seL4's fault vocabulary (hence CapFault and VmFault, as seL4 names them).
#[derive(Clone, Copy, Debug)]
#[allow(clippy::enum_variant_names)]
pub enum Fault {
    CapFault { cptr: u64, in_receive: bool, lookup: LookupFault },
    UnknownSyscall { number: u64 },
    UserException { cause: u64 },
    VmFault { addr: u64, instruction: bool, fsr: u64 },
}

impl Fault {
    fn record(&self) -> FaultRecord {
        let mut record = FaultRecord::default();
        match *self {
            Fault::CapFault { cptr, in_receive, lookup } => {
                record.label = CAP_FAULT;
                record.words[0] = cptr;
                record.words[1] = in_receive as u64;
                lookup_fault_words(lookup, &mut record.lookup);
            }
            Fault::UnknownSyscall { number } => {
                record.label = UNKNOWN_SYSCALL;
                record.words[0] = number;
            }
            Fault::UserException { cause } => {
                record.label = USER_EXCEPTION;
                record.words[0] = cause;
            }
            Fault::VmFault { addr, instruction, fsr } => {
                record.label = VM_FAULT;
                record.words = [addr, instruction as u64, fsr, 0];
            }
        }
        record
    }
}

/// Delivers `fault` of `thread` to its fault handler, or stops the thread (seL4's handleFault).
pub fn raise(thread: u64, fault: Fault) {
    let handler_cptr = tcb(thread).fault_handler;
    let handler = crate::syscall::lookup_slot(thread, handler_cptr).map(|slot| PhysicalSlots.cap(slot));
    if let Some(cap) = handler {
        let rights = cap.endpoint_rights();
        if cap.is(CapType::Endpoint) && rights.send && (rights.grant || rights.grant_reply) {
            tcb(thread).fault = fault.record();
            let send = SendCap { badge: cap.badge(), can_grant: rights.grant, can_grant_reply: rights.grant_reply };
            endpoint::send(cap.paddr(), thread, send, true, true);
            return;
        }
    }
    let t = tcb(thread);
    let pc = t.fault_ip;
    match fault {
        Fault::CapFault { cptr, .. } => {
            kprintln!(
                "atoll: thread \"{}\" stopped: capability fault on cptr {cptr:#x} at pc {pc:#x}, no fault handler",
                t.name()
            )
        }
        Fault::UnknownSyscall { number } => {
            kprintln!(
                "atoll: thread \"{}\" stopped: unknown syscall {} at pc {pc:#x}, no fault handler",
                t.name(),
                number as i64
            )
        }
        Fault::UserException { cause } => {
            kprintln!("atoll: thread \"{}\" stopped: user exception {cause} at pc {pc:#x}, no fault handler", t.name())
        }
        Fault::VmFault { addr, .. } => {
            kprintln!("atoll: thread \"{}\" stopped: VM fault at {addr:#x}, pc {pc:#x}, no fault handler", t.name())
        }
    }
    sched::set_state(thread, ThreadState::Inactive);
}

/// Writes the fault message of `sender` to `receiver` (seL4's doFaultTransfer).
pub fn transfer(sender: u64, receiver: u64, badge: u64) {
    let s = tcb(sender);
    let record = s.fault;
    let mut words = [0u64; 11];
    let length = match record.label {
        CAP_FAULT => {
            words[..3].copy_from_slice(&[s.fault_ip, record.words[0], record.words[1]]);
            let lookup_length = match record.lookup[0] {
                1 => 1,
                2 => 2,
                3 => 3,
                _ => 4,
            };
            words[3..3 + lookup_length].copy_from_slice(&record.lookup[..lookup_length]);
            3 + lookup_length
        }
        UNKNOWN_SYSCALL => {
            for (index, &register) in SYSCALL_MESSAGE.iter().enumerate() {
                words[index] = if register == 0 { s.fault_ip } else { s.context.regs[register] };
            }
            words[10] = record.words[0];
            11
        }
        USER_EXCEPTION => {
            words[..4].copy_from_slice(&[s.fault_ip, s.context.regs[Regs::SP], record.words[0], 0]);
            4
        }
        _ => {
            words[..4].copy_from_slice(&[s.fault_ip, record.words[0], record.words[1], record.words[2]]);
            4
        }
    };
    let r = tcb(receiver);
    let sent = invocation::write_mrs(r, &words[..length]);
    r.context.regs[Regs::A1] = MessageInfo::new(record.label, 0, 0, sent as u64).word();
    r.context.regs[Regs::A0] = badge;
}

/// Applies a fault handler's reply; returns whether the faulting thread restarts (seL4's
/// handleFaultReply).
pub fn handle_reply(faulter: u64, replier: u64) -> bool {
    let info = MessageInfo::from_word(tcb(replier).context.regs[Regs::A1]);
    let registers: &[usize] = match tcb(faulter).fault.label {
        UNKNOWN_SYSCALL => &SYSCALL_MESSAGE,
        USER_EXCEPTION => &EXCEPTION_MESSAGE,
        _ => return true,
    };
    let count = (info.length() as usize).min(registers.len());
    let buffer = invocation::ipc_buffer(tcb(replier), false);
    for (index, &register) in registers.iter().enumerate().take(count) {
        let word = if index < invocation::REGISTER_MRS {
            tcb(replier).context.regs[Regs::MR0 + index]
        } else {
            match buffer.as_ref() {
                Some(buffer) => buffer[1 + index],
                None => break,
            }
        };
        let f = tcb(faulter);
        if register == 0 {
            f.fault_ip = word;
            f.context.regs[Regs::PC] = word;
        } else {
            f.context.regs[register] = word;
        }
    }
    info.label() == 0
}
