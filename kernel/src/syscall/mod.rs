//! System calls: decode the number and dispatch, following seL4's convention (number, capability,
//! message info and message registers in the registers `arch::reg` names); the fastpath takes
//! Call and ReplyRecv in their common case first.
pub mod fastpath;

use crate::arch::{SYSCALL_INSTRUCTION_LENGTH, invocation as arch_invocation, platform, reg};
use crate::cspace::{Cap, LookupFault, Slot, lookup_cap, lookup_slot};
use crate::error::{Interrupted, SyscallError};
use crate::ipc::endpoint::{self, SendCap};
use crate::ipc::fault::Fault;
use crate::ipc::fault_handler::raise as raise_fault;
use crate::ipc::notification;
#[cfg(not(feature = "mcs"))]
use crate::ipc::transfer;
use crate::memory::{Handle, Tcb, ThreadState, caps};
use crate::message::{self, ExtraCap, Message, Reply, ipc_buffer, word};
#[cfg(feature = "mcs")]
use crate::object::sched_context;
use crate::object::{cnode, domain, irq, tcb, untyped};
use crate::{console, kprintln, preemption, sched};
use atoll_abi::{CapType, Syscall};

/// Handles a system call from the current thread (the general path). Inlined into the trap
/// handler, and the decoder into `handle_invocation`, as the call depth costs every system call.
#[inline(always)]
pub fn handle_syscall() {
    let Some(caller) = sched::current() else { return };
    preemption::reset();
    caller.set_reg(reg::PC, caller.reg(reg::PC) + SYSCALL_INSTRUCTION_LENGTH);
    let (number, cptr) = (caller.reg(reg::SYSCALL), caller.reg(reg::CAP));
    let Some(syscall) = Syscall::from_value(number as i64 as isize) else {
        return raise_fault(caller, Fault::UnknownSyscall { number });
    };
    match syscall {
        Syscall::DebugPutChar => console::putchar(cptr as u8),
        Syscall::DebugHalt => {
            kprintln!("atoll: halting (seL4_DebugHalt)");
            platform::power_off(false)
        }
        Syscall::DebugCapIdentify => {
            let tag = lookup_cap(caller, cptr).map_or(0, |cap| cap.tag());
            caller.set_reg(reg::BADGE, tag);
        }
        Syscall::DebugNameThread => debug_name_thread(caller, cptr),
        Syscall::DebugDumpScheduler => sched::dump(),
        // Atoll has no capDL snapshot to print; the call exists in debug builds and does nothing.
        Syscall::DebugSnapshot => {}
        #[cfg(not(feature = "mcs"))]
        Syscall::Yield => sched::yield_current(),
        #[cfg(feature = "mcs")]
        Syscall::Yield => sched::charge_yield(),
        Syscall::Call => {
            handle_invocation(caller, cptr, Mode::CALL);
        }
        Syscall::Send => {
            handle_invocation(caller, cptr, Mode::SEND);
        }
        Syscall::NbSend => {
            handle_invocation(caller, cptr, Mode::NB_SEND);
        }
        Syscall::Recv => handle_receive(caller, cptr, true, true),
        Syscall::NbRecv => handle_receive(caller, cptr, false, true),
        #[cfg(not(feature = "mcs"))]
        Syscall::Reply => transfer::reply(caller),
        #[cfg(not(feature = "mcs"))]
        Syscall::ReplyRecv => {
            transfer::reply(caller);
            handle_receive(caller, cptr, true, true);
        }
        #[cfg(feature = "mcs")]
        Syscall::ReplyRecv => {
            if handle_invocation(caller, caller.reg(reg::REPLY), Mode::FIRST_PHASE) {
                handle_receive(caller, cptr, true, true);
            }
        }
        #[cfg(feature = "mcs")]
        Syscall::NbSendRecv => {
            if handle_invocation(caller, caller.reg(reg::NB_SEND_RECV_DEST), Mode::FIRST_PHASE) {
                handle_receive(caller, cptr, true, true);
            }
        }
        #[cfg(feature = "mcs")]
        Syscall::NbSendWait => {
            if handle_invocation(caller, caller.reg(reg::REPLY), Mode::FIRST_PHASE) {
                handle_receive(caller, cptr, true, false);
            }
        }
        #[cfg(feature = "mcs")]
        Syscall::Wait => handle_receive(caller, cptr, true, false),
        #[cfg(feature = "mcs")]
        Syscall::NbWait => handle_receive(caller, cptr, false, false),
        #[allow(unreachable_patterns)]
        _ => raise_fault(caller, Fault::UnknownSyscall { number }),
    }
}

/// Recv, NBRecv and the receive half of ReplyRecv (seL4's handleRecv). With MCS, `can_reply`
/// says the thread names a reply object (in `reg::REPLY`) to receive a call with.
fn handle_receive(caller: Handle<Tcb>, cptr: u64, blocking: bool, #[allow(unused_variables)] can_reply: bool) {
    let missing = LookupFault::MissingCapability { bits_left: 0 };
    let cap = match lookup_slot(caller, cptr) {
        Ok(slot) => slot.cap(),
        Err(fault) => {
            return raise_fault(caller, Fault::CapFault { cptr, in_receive: true, lookup: fault });
        }
    };
    match cap.cap_type() {
        #[cfg(not(feature = "mcs"))]
        CapType::Endpoint if cap.endpoint_rights().receive => {
            crate::cspace::delete_one(caller.slot(crate::memory::slot::CALLER));
            endpoint::receive(caps::endpoint(cap), caller, cap.endpoint_rights().grant, blocking);
        }
        #[cfg(feature = "mcs")]
        CapType::Endpoint if cap.endpoint_rights().receive => {
            let reply = if can_reply {
                let reply_cptr = caller.reg(reg::REPLY);
                match lookup_cap(caller, reply_cptr) {
                    Some(reply) if reply.is(CapType::Reply) => Some(caps::reply(reply)),
                    Some(_) => {
                        let fault = Fault::CapFault { cptr: reply_cptr, in_receive: true, lookup: missing };
                        return raise_fault(caller, fault);
                    }
                    None => {
                        let lookup = lookup_slot(caller, reply_cptr).err().unwrap_or(missing);
                        return raise_fault(caller, Fault::CapFault { cptr: reply_cptr, in_receive: true, lookup });
                    }
                }
            } else {
                None
            };
            endpoint::receive(caps::endpoint(cap), caller, blocking, reply);
        }
        CapType::Notification if cap.endpoint_rights().receive => {
            let ntfn = caps::notification(cap);
            if ntfn.bound_tcb().is_some_and(|bound| bound != caller) {
                return raise_fault(caller, Fault::CapFault { cptr, in_receive: true, lookup: missing });
            }
            notification::wait(ntfn, caller, blocking);
        }
        _ => raise_fault(caller, Fault::CapFault { cptr, in_receive: true, lookup: missing }),
    }
}

fn debug_name_thread(caller: Handle<Tcb>, cptr: u64) {
    let Some(target) = lookup_cap(caller, cptr).filter(|cap| cap.is(CapType::Thread)) else {
        kprintln!("atoll: seL4_DebugNameThread: cap {cptr:#x} is not a thread");
        return;
    };
    let mut name = [0u8; 32];
    if let Some(buffer) = ipc_buffer(caller, false) {
        // The name is a C string in the message words after the tag word.
        for (index, byte) in name.iter_mut().enumerate() {
            *byte = (buffer.get(word::MSG + index / 8).unwrap_or(0) >> (8 * (index % 8))) as u8;
        }
    }
    let len = name.iter().position(|&b| b == 0).unwrap_or(name.len());
    caps::thread(target).set_name(&name[..len]);
}

/// Looks up the extra caps named in the caller's IPC buffer (seL4's lookupExtraCaps).
fn lookup_extra_caps(
    caller: Handle<Tcb>,
    caps: &mut [Option<ExtraCap>; 3],
    count: u64,
) -> Result<(), (u64, LookupFault)> {
    if count == 0 {
        return Ok(());
    }
    let Some(buffer) = ipc_buffer(caller, false) else { return Ok(()) };
    for (index, entry) in caps.iter_mut().enumerate().take(count as usize) {
        let cptr = buffer.get(word::CAPS_OR_BADGES + index).unwrap_or(0);
        let slot = lookup_slot(caller, cptr).map_err(|fault| (cptr, fault))?;
        *entry = Some(ExtraCap { cap: slot.cap(), slot });
    }
    Ok(())
}

/// How a capability is invoked: Send, NBSend, Call, or the send phase of ReplyRecv,
/// NBSendRecv and NBSendWait (MCS), which may donate but may not invoke objects.
#[derive(Clone, Copy)]
struct Mode {
    blocking: bool,
    is_call: bool,
    #[cfg(feature = "mcs")]
    can_donate: bool,
    #[cfg(feature = "mcs")]
    first_phase: bool,
}

impl Mode {
    const SEND: Mode = Mode::new(true, false, false);
    const NB_SEND: Mode = Mode::new(false, false, false);
    const CALL: Mode = Mode::new(true, true, true);
    #[cfg(feature = "mcs")]
    const FIRST_PHASE: Mode = Mode { blocking: false, is_call: false, can_donate: true, first_phase: true };

    #[allow(unused_variables)]
    const fn new(blocking: bool, is_call: bool, can_donate: bool) -> Mode {
        Mode {
            blocking,
            is_call,
            #[cfg(feature = "mcs")]
            can_donate,
            #[cfg(feature = "mcs")]
            first_phase: false,
        }
    }
}

/// Send, NBSend or Call on a capability (seL4's handleInvocation). Returns false when the
/// invocation was preempted, so a second phase must not run.
fn handle_invocation(caller: Handle<Tcb>, cptr: u64, mode: Mode) -> bool {
    let (blocking, is_call) = (mode.blocking, mode.is_call);
    let slot = match lookup_slot(caller, cptr) {
        Ok(slot) => slot,
        Err(lookup) => {
            if blocking {
                raise_fault(caller, Fault::CapFault { cptr, in_receive: false, lookup });
            }
            return true;
        }
    };
    let mut message = Message::read(caller);
    if let Err((bad_cptr, lookup)) = lookup_extra_caps(caller, &mut message.extra_caps, message.extra_count) {
        if blocking {
            raise_fault(caller, Fault::CapFault { cptr: bad_cptr, in_receive: false, lookup });
        }
        return true;
    }
    let cap = slot.cap();
    sched::set_state(caller, ThreadState::Restart);
    let call = CallInfo { caller, slot, mode };
    match decode_and_invoke(cap, call, &message) {
        Ok(reply) => {
            if caller.state() == ThreadState::Restart {
                if is_call {
                    match reply {
                        Reply::Empty => message::reply_success(caller, &[]),
                        Reply::Word(word) => message::reply_success(caller, &[word]),
                        Reply::Written(length) => message::reply_written(caller, length),
                    }
                }
                sched::set_state(caller, ThreadState::Running);
            }
        }
        Err(Outcome::Error(error)) => {
            if is_call {
                message::reply_error(caller, error);
            }
            sched::set_state(caller, ThreadState::Running);
        }
        Err(Outcome::Interrupted(Interrupted::Preempted)) => return false,
    }
    true
}

/// Who invoked, and how.
struct CallInfo {
    caller: Handle<Tcb>,
    slot: Slot,
    mode: Mode,
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
#[inline(always)]
fn decode_and_invoke(cap: Cap, call: CallInfo, message: &Message) -> Result<Reply, Outcome> {
    let invalid = SyscallError::InvalidCapability { cap: 0 };
    let empty = Reply::Empty;
    match cap.cap_type() {
        CapType::Null | CapType::Zombie => Err(invalid.into()),
        CapType::Endpoint => {
            let rights = cap.endpoint_rights();
            if !rights.send {
                return Err(invalid.into());
            }
            let send = SendCap {
                badge: cap.badge(),
                can_grant: rights.grant,
                can_grant_reply: rights.grant_reply,
                #[cfg(feature = "mcs")]
                can_donate: call.mode.can_donate,
            };
            endpoint::send(caps::endpoint(cap), call.caller, send, call.mode.blocking, call.mode.is_call);
            Ok(empty)
        }
        CapType::Notification => {
            if !cap.endpoint_rights().send {
                return Err(invalid.into());
            }
            notification::signal(caps::notification(cap), cap.badge());
            Ok(empty)
        }
        #[cfg(not(feature = "mcs"))]
        CapType::Reply => {
            if cap.reply_is_master() {
                return Err(invalid.into());
            }
            transfer::reply_with(call.caller, call.slot, cap);
            Ok(empty)
        }
        #[cfg(feature = "mcs")]
        CapType::Reply => {
            crate::ipc::reply_transfer::do_reply_transfer(call.caller, caps::reply(cap), cap.reply_can_grant());
            Ok(empty)
        }
        // MCS: the send phase of ReplyRecv and NBSendRecv may not invoke objects.
        #[cfg(feature = "mcs")]
        CapType::Thread | CapType::Domain | CapType::CNode | CapType::SchedControl | CapType::SchedContext
            if call.mode.first_phase =>
        {
            Err(invalid.into())
        }
        #[cfg(feature = "mcs")]
        CapType::SchedControl => {
            sched_context::invoke_control(sched_context::decode_control(message, cap)?);
            Ok(empty)
        }
        #[cfg(feature = "mcs")]
        CapType::SchedContext => {
            sched_context::decode_and_invoke(message, caps::sched_context(cap), call.caller, call.mode.is_call)?;
            Ok(empty)
        }
        CapType::CNode => {
            let op = cnode::decode(message, cap)?;
            cnode::invoke(op, call.caller)?;
            Ok(empty)
        }
        CapType::Untyped => {
            let retype = untyped::decode(message, cap, call.slot)?;
            untyped::invoke(retype)?;
            Ok(empty)
        }
        CapType::Thread => {
            let op = tcb::decode(message, cap, call.caller, call.slot)?;
            Ok(tcb::invoke(op, call.caller)?)
        }
        CapType::IrqControl => {
            irq::invoke(irq::decode_control(message, call.slot)?);
            Ok(empty)
        }
        CapType::IrqHandler => {
            irq::invoke(irq::decode_handler(message, cap)?);
            Ok(empty)
        }
        CapType::Domain => {
            domain::decode_and_invoke(message)?;
            Ok(empty)
        }
        // Every other cap type is the architecture's (frames, page tables, ASIDs).
        ty => Ok(match arch_invocation::decode_and_invoke(message, cap, ty, call.slot)? {
            Some(word) => Reply::Word(word),
            None => empty,
        }),
    }
}
