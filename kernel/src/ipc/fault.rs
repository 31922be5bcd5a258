//! Fault messages: what a fault records, the message a handler receives (seL4's
//! doFaultTransfer), and applying the handler's reply (handleFaultReply).
use crate::arch::context::{PC_OF_FAULT, UNKNOWN_SYSCALL_REGISTERS, USER_EXCEPTION_REGISTERS};
use crate::arch::{REGISTER_MRS, reg};
use crate::cspace::LookupFault;
use crate::error::lookup_fault_words;
use crate::memory::{FaultRecord, Handle, Tcb};
use crate::message::{self, ipc_buffer, word};
use atoll_abi::fault::{self as layout, FaultType};
use atoll_abi::{LookupFailureType, MessageInfo};

/// What went wrong, in seL4's fault vocabulary (hence CapFault and VmFault, as seL4 names them).
#[derive(Clone, Copy, Debug)]
#[allow(clippy::enum_variant_names)]
pub enum Fault {
    CapFault {
        cptr: u64,
        in_receive: bool,
        lookup: LookupFault,
    },
    UnknownSyscall {
        number: u64,
    },
    UserException {
        cause: u64,
    },
    VmFault {
        addr: u64,
        instruction: bool,
        fsr: u64,
    },
    /// MCS: a scheduling context with this badge ran out of budget.
    #[cfg(feature = "mcs")]
    Timeout {
        badge: u64,
    },
    /// Hypervisor builds: a guest trapped for its VMM (an SBI call, a virtual instruction).
    #[cfg(feature = "hyp")]
    VcpuFault {
        cause: u64,
        data: u64,
    },
}

impl Fault {
    pub fn record(&self) -> FaultRecord {
        let mut record = FaultRecord::default();
        match *self {
            Fault::CapFault { cptr, in_receive, lookup } => {
                record.label = FaultType::CapFault.value();
                record.words[0] = cptr;
                record.words[1] = in_receive as u64;
                lookup_fault_words(lookup, &mut record.lookup);
            }
            Fault::UnknownSyscall { number } => {
                record.label = FaultType::UnknownSyscall.value();
                record.words[0] = number;
            }
            Fault::UserException { cause } => {
                record.label = FaultType::UserException.value();
                record.words[0] = cause;
            }
            Fault::VmFault { addr, instruction, fsr } => {
                record.label = FaultType::VmFault.value();
                record.words = [addr, instruction as u64, fsr, 0];
            }
            #[cfg(feature = "mcs")]
            Fault::Timeout { badge } => {
                record.label = FaultType::Timeout.value();
                record.words[0] = badge;
            }
            #[cfg(feature = "hyp")]
            Fault::VcpuFault { cause, data } => {
                record.label = FaultType::VcpuFault.value();
                record.words[0] = cause;
                record.words[1] = data;
            }
        }
        record
    }
}

/// A register of `thread` as a fault message names it (its FaultIP for the pc).
fn fault_register(thread: Handle<Tcb>, register: usize) -> u64 {
    if register == PC_OF_FAULT { thread.fault_ip() } else { thread.reg(register) }
}

/// Writes the fault message of `sender` to `receiver` (seL4's doFaultTransfer).
pub fn transfer(sender: Handle<Tcb>, receiver: Handle<Tcb>, badge: u64) {
    let record = sender.fault();
    let mut words = [0u64; layout::UNKNOWN_SYSCALL_LENGTH];
    let label = FaultType::from_value(record.label);
    let length = match label {
        Some(FaultType::CapFault) => {
            words[..3].copy_from_slice(&[sender.fault_ip(), record.words[0], record.words[1]]);
            let lookup_length = match LookupFailureType::from_value(record.lookup[0]) {
                Some(LookupFailureType::InvalidRoot) => 1,
                Some(LookupFailureType::MissingCapability) => 2,
                Some(LookupFailureType::DepthMismatch) => 3,
                _ => 4,
            };
            let start = layout::CAP_FAULT_LOOKUP_FAILURE_TYPE;
            words[start..start + lookup_length].copy_from_slice(&record.lookup[..lookup_length]);
            start + lookup_length
        }
        Some(FaultType::UnknownSyscall) => {
            for (index, &register) in UNKNOWN_SYSCALL_REGISTERS.iter().enumerate() {
                words[index] = fault_register(sender, register);
            }
            words[layout::UNKNOWN_SYSCALL_SYSCALL] = record.words[0];
            layout::UNKNOWN_SYSCALL_LENGTH
        }
        Some(FaultType::UserException) => {
            words[layout::USER_EXCEPTION_FAULT_IP] = sender.fault_ip();
            words[layout::USER_EXCEPTION_SP] = sender.reg(reg::SP);
            words[layout::USER_EXCEPTION_NUMBER] = record.words[0];
            layout::USER_EXCEPTION_LENGTH
        }
        #[cfg(feature = "mcs")]
        Some(FaultType::Timeout) => {
            words[layout::TIMEOUT_DATA] = record.words[0];
            match sender.sched_context() {
                Some(sc) => {
                    words[layout::TIMEOUT_CONSUMED] = crate::sched::take_consumed_us(sc);
                    layout::TIMEOUT_LENGTH
                }
                None => layout::TIMEOUT_DATA + 1,
            }
        }
        #[cfg(feature = "hyp")]
        Some(FaultType::VcpuFault) => {
            use atoll_abi::arch::vcpu::{VCPU_FAULT_CAUSE, VCPU_FAULT_DATA, VCPU_FAULT_LENGTH, VCPU_FAULT_PC};
            words[VCPU_FAULT_CAUSE] = record.words[0];
            words[VCPU_FAULT_DATA] = record.words[1];
            for (index, &register) in crate::arch::context::VCPU_FAULT_REGISTERS.iter().enumerate() {
                words[VCPU_FAULT_PC + index] = fault_register(sender, register);
            }
            VCPU_FAULT_LENGTH
        }
        _ => {
            words[..layout::VM_FAULT_LENGTH].copy_from_slice(&[
                sender.fault_ip(),
                record.words[0],
                record.words[1],
                record.words[2],
            ]);
            layout::VM_FAULT_LENGTH
        }
    };
    let sent = message::write_mrs(receiver, &words[..length]);
    message::set_received(receiver, badge, MessageInfo::new(record.label, 0, 0, sent as u64));
}

/// Applies a fault handler's reply; returns whether the faulting thread restarts (seL4's
/// handleFaultReply).
pub fn handle_reply(faulter: Handle<Tcb>, replier: Handle<Tcb>) -> bool {
    let info = MessageInfo::from_word(replier.reg(reg::MSG_INFO));
    let registers: &[usize] = match FaultType::from_value(faulter.fault().label) {
        Some(FaultType::UnknownSyscall) => &UNKNOWN_SYSCALL_REGISTERS,
        Some(FaultType::UserException) => &USER_EXCEPTION_REGISTERS,
        // The timeout reply may set every register (seL4's timeoutMessage).
        #[cfg(feature = "mcs")]
        Some(FaultType::Timeout) => &crate::arch::context::USER_CONTEXT,
        #[cfg(feature = "hyp")]
        Some(FaultType::VcpuFault) => &crate::arch::context::VCPU_FAULT_REGISTERS,
        _ => return true,
    };
    let count = (info.length() as usize).min(registers.len());
    let buffer = ipc_buffer(replier, false);
    for (index, &register) in registers.iter().enumerate().take(count) {
        let value = if index < REGISTER_MRS {
            replier.reg(reg::MR0 + index)
        } else {
            match buffer.and_then(|b| b.get(word::MSG + index)) {
                Some(value) => value,
                None => break,
            }
        };
        if register == PC_OF_FAULT {
            faulter.set_fault_ip(value);
        }
        faulter.set_reg(register, value);
    }
    info.label() == 0
}
