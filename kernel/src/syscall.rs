//! System-call entry: decode the syscall number and dispatch, following seL4's RISC-V convention
//! (number in a7, capability in a0, message info in a1, message registers in a2..a5).
//!
//! The caller's TCB is borrowed only briefly, to copy registers in and write results out, so an
//! invocation may change any object, the caller's own TCB included.
use crate::arch::riscv64::invocation as arch_invocation;
use crate::arch::riscv64::platform;
use crate::cspace::LookupFault;
use crate::cspace::{CteStore, PhysicalSlots, SlotRef};
use crate::fault::{self, Fault};
use crate::invocation::{self, ExtraCap, IPC_CAPS_OFFSET, Interrupted, Message, SyscallError};
use crate::ipc;
use crate::object::cap::Cap;
use crate::object::endpoint::{self, SendCap};
use crate::object::tcb::{Tcb, ThreadState, UserContext as Regs, slot, slot_paddr};
use crate::object::{cnode, domain, irq, notification, tcb_invocation, untyped};
use crate::{console, kmem, kprintln, preemption, sched};
use atoll_abi::{CapType, MessageInfo, Syscall};

const ECALL_LENGTH: u64 = 4;

fn tcb_at(paddr: u64) -> &'static mut Tcb {
    kmem::tcb(paddr)
}

/// Handles `ecall` from the current thread.
pub fn handle_syscall() {
    let Some(caller) = sched::current() else { return };
    preemption::reset();
    let (number, cptr) = {
        let tcb = tcb_at(caller);
        tcb.context.regs[Regs::PC] += ECALL_LENGTH;
        (tcb.context.regs[Regs::A7], tcb.context.regs[Regs::A0])
    };
    let Some(syscall) = Syscall::from_value(number as i64 as isize) else {
        return fault::raise(caller, Fault::UnknownSyscall { number });
    };
    match syscall {
        Syscall::DebugPutChar => console::putchar(cptr as u8),
        Syscall::DebugHalt => {
            kprintln!("atoll: halting (seL4_DebugHalt)");
            platform::power_off(false)
        }
        Syscall::DebugCapIdentify => {
            let tag = lookup_slot(caller, cptr).map_or(0, |slot| PhysicalSlots.cap(slot).tag());
            tcb_at(caller).context.regs[Regs::A0] = tag;
        }
        Syscall::DebugNameThread => debug_name_thread(caller, cptr),
        Syscall::DebugDumpScheduler => sched::dump(),
        // Atoll has no capDL snapshot to print; the call exists in debug builds and does nothing.
        Syscall::DebugSnapshot => {}
        Syscall::Yield => sched::yield_current(),
        Syscall::Call => handle_invocation(caller, cptr, true, true),
        Syscall::Send => handle_invocation(caller, cptr, true, false),
        Syscall::NbSend => handle_invocation(caller, cptr, false, false),
        Syscall::Recv => handle_receive(caller, cptr, true),
        Syscall::NbRecv => handle_receive(caller, cptr, false),
        Syscall::Reply => ipc::reply(caller),
        Syscall::ReplyRecv => {
            ipc::reply(caller);
            handle_receive(caller, cptr, true);
        }
        _ => fault::raise(caller, Fault::UnknownSyscall { number }),
    }
}

/// Recv, NBRecv and the receive half of ReplyRecv (seL4's handleRecv).
fn handle_receive(caller: u64, cptr: u64, blocking: bool) {
    let missing = LookupFault::MissingCapability { bits_left: 0 };
    let lookup = match lookup_slot_detailed(caller, cptr) {
        Ok(slot) => PhysicalSlots.cap(slot),
        Err(fault) => {
            return fault::raise(caller, Fault::CapFault { cptr, in_receive: true, lookup: fault });
        }
    };
    match lookup.cap_type() {
        CapType::Endpoint if lookup.endpoint_rights().receive => {
            ipc::delete_one(slot_paddr(caller, slot::CALLER));
            endpoint::receive(lookup.paddr(), caller, lookup.endpoint_rights().grant, blocking);
        }
        CapType::Notification if lookup.endpoint_rights().receive => {
            let bound = notification::bound_tcb(lookup.paddr());
            if bound != 0 && bound != caller {
                return fault::raise(caller, Fault::CapFault { cptr, in_receive: true, lookup: missing });
            }
            notification::wait(lookup.paddr(), caller, blocking);
        }
        _ => fault::raise(caller, Fault::CapFault { cptr, in_receive: true, lookup: missing }),
    }
}

/// Resolves `cptr` in a thread's CSpace at full depth (seL4's lookupSlot).
pub fn lookup_slot_detailed(thread: u64, cptr: u64) -> Result<SlotRef, LookupFault> {
    let root = PhysicalSlots.cap(slot_paddr(thread, slot::CSPACE_ROOT));
    atoll_kernel_core::cspace::resolve(&PhysicalSlots, root, cptr, 64).map(|r| r.slot)
}

pub fn lookup_slot(thread: u64, cptr: u64) -> Option<SlotRef> {
    lookup_slot_detailed(thread, cptr).ok()
}

fn debug_name_thread(caller: u64, cptr: u64) {
    let target = lookup_slot(caller, cptr).map(|slot| PhysicalSlots.cap(slot));
    let Some(target) = target.filter(|cap| cap.is(CapType::Thread)) else {
        kprintln!("atoll: seL4_DebugNameThread: cap {cptr:#x} is not a thread");
        return;
    };
    let mut name = [0u8; 32];
    if let Some(buffer) = invocation::ipc_buffer(tcb_at(caller), false) {
        // The name is a C string in the message words after the tag word.
        for (index, byte) in name.iter_mut().enumerate() {
            *byte = (buffer[1 + index / 8] >> (8 * (index % 8))) as u8;
        }
    }
    let len = name.iter().position(|&b| b == 0).unwrap_or(name.len());
    tcb_at(target.paddr()).set_name(&name[..len]);
}

/// Looks up the extra caps named in the caller's IPC buffer (seL4's lookupExtraCaps).
fn lookup_extra_caps(caller: u64, caps: &mut [Option<ExtraCap>; 3], count: u64) -> Result<(), (u64, LookupFault)> {
    if count == 0 {
        return Ok(());
    }
    let Some(buffer) = invocation::ipc_buffer(tcb_at(caller), false) else { return Ok(()) };
    let cptrs: [u64; 3] = core::array::from_fn(|i| buffer[IPC_CAPS_OFFSET + i]);
    for (index, &cptr) in cptrs.iter().enumerate().take(count as usize) {
        let slot = lookup_slot_detailed(caller, cptr).map_err(|fault| (cptr, fault))?;
        caps[index] = Some(ExtraCap { cap: PhysicalSlots.cap(slot), slot });
    }
    Ok(())
}

/// Send, NBSend or Call on a capability (seL4's handleInvocation).
fn handle_invocation(caller: u64, cptr: u64, blocking: bool, is_call: bool) {
    let slot = match lookup_slot_detailed(caller, cptr) {
        Ok(slot) => slot,
        Err(lookup) => {
            if blocking {
                fault::raise(caller, Fault::CapFault { cptr, in_receive: false, lookup });
            }
            return;
        }
    };
    let extra = MessageInfo::from_word(tcb_at(caller).context.regs[Regs::A1]).extra_caps();
    let mut message = invocation::read_message(caller);
    if let Err((bad_cptr, lookup)) = lookup_extra_caps(caller, &mut message.extra_caps, extra) {
        if blocking {
            fault::raise(caller, Fault::CapFault { cptr: bad_cptr, in_receive: false, lookup });
        }
        return;
    }
    let cap = PhysicalSlots.cap(slot);
    sched::set_state(caller, ThreadState::Restart);
    let call = CallInfo { caller, slot, blocking, is_call };
    match decode_and_invoke(cap, call, &message) {
        Ok(reply) => {
            if tcb_at(caller).state == ThreadState::Restart {
                if is_call {
                    match reply {
                        Reply::Empty => invocation::reply_success(tcb_at(caller), &[]),
                        Reply::Word(word) => invocation::reply_success(tcb_at(caller), &[word]),
                        Reply::Written(length) => invocation::reply_written(tcb_at(caller), length),
                    }
                }
                sched::set_state(caller, ThreadState::Running);
            }
        }
        Err(Outcome::Error(error)) => {
            if is_call {
                invocation::reply_error(tcb_at(caller), error);
            }
            sched::set_state(caller, ThreadState::Running);
        }
        Err(Outcome::Interrupted(Interrupted::Preempted)) => {}
    }
}

/// Who invoked, and how.
struct CallInfo {
    caller: u64,
    slot: SlotRef,
    blocking: bool,
    is_call: bool,
}

/// A successful invocation's reply message.
pub enum Reply {
    Empty,
    Word(u64),
    /// The invocation wrote this many message registers of the caller itself.
    Written(usize),
}

enum Outcome {
    Error(SyscallError),
    Interrupted(Interrupted),
}

impl From<SyscallError> for Outcome {
    fn from(error: SyscallError) -> Self {
        Outcome::Error(error)
    }
}

impl From<Interrupted> for Outcome {
    fn from(interrupted: Interrupted) -> Self {
        Outcome::Interrupted(interrupted)
    }
}

/// Decodes by cap type, then performs (seL4's decodeInvocation).
fn decode_and_invoke(cap: Cap, call: CallInfo, message: &Message) -> Result<Reply, Outcome> {
    let invalid = SyscallError::InvalidCapability { cap: 0 };
    match cap.cap_type() {
        CapType::Null | CapType::Zombie => Err(invalid.into()),
        CapType::Endpoint => {
            let rights = cap.endpoint_rights();
            if !rights.send {
                return Err(invalid.into());
            }
            let send = SendCap { badge: cap.badge(), can_grant: rights.grant, can_grant_reply: rights.grant_reply };
            endpoint::send(cap.paddr(), call.caller, send, call.blocking, call.is_call);
            Ok(Reply::Empty)
        }
        CapType::Notification => {
            if !cap.endpoint_rights().send {
                return Err(invalid.into());
            }
            notification::signal(cap.paddr(), cap.badge());
            Ok(Reply::Empty)
        }
        CapType::Reply => {
            if cap.reply_is_master() {
                return Err(invalid.into());
            }
            ipc::reply_with(call.caller, call.slot, cap);
            Ok(Reply::Empty)
        }
        CapType::CNode => {
            let op = cnode::decode(message, cap)?;
            cnode::invoke(op, slot_paddr(call.caller, slot::CALLER))?;
            Ok(Reply::Empty)
        }
        CapType::Untyped => {
            let retype = untyped::decode(message, cap, call.slot)?;
            untyped::invoke(retype)?;
            Ok(Reply::Empty)
        }
        CapType::Thread => {
            let op = tcb_invocation::decode(message, cap, call.caller)?;
            Ok(tcb_invocation::invoke(op, call.caller)?)
        }
        CapType::IrqControl => {
            irq::invoke(irq::decode_control(message, call.slot)?);
            Ok(Reply::Empty)
        }
        CapType::IrqHandler => {
            irq::invoke(irq::decode_handler(message, cap)?);
            Ok(Reply::Empty)
        }
        CapType::Domain => {
            domain::decode_and_set(message)?;
            Ok(Reply::Empty)
        }
        CapType::Frame | CapType::PageTable | CapType::AsidControl | CapType::AsidPool => {
            let op = arch_invocation::decode(message, cap, call.slot)?;
            Ok(match arch_invocation::invoke(op) {
                Some(word) => Reply::Word(word),
                None => Reply::Empty,
            })
        }
    }
}
