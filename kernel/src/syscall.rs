//! System-call entry: decode the syscall number and dispatch, following seL4's RISC-V convention
//! (number in a7, capability in a0, message info in a1, message registers in a2..a5).
//!
//! The caller's TCB is borrowed only briefly, to copy registers in and write results out, so an
//! invocation may change any object, the caller's own TCB included.
use crate::arch::riscv64::platform;
use crate::cspace::{CteStore, PhysicalSlots, SlotRef};
use crate::fault::{self, Fault};
use crate::invocation::{self, ExtraCap, IPC_CAPS_OFFSET, Interrupted, Message, SyscallError};
use crate::object::cap::Cap;
use crate::object::tcb::{Tcb, UserContext as Regs, slot, slots_paddr};
use crate::object::{cnode, untyped};
use crate::{console, kmem, kprintln, preemption, sched};
use atoll_abi::{CapType, InvocationLabel, MessageInfo, Syscall};

const ECALL_LENGTH: u64 = 4;

fn tcb_at(paddr: u64) -> &'static mut Tcb {
    // SAFETY: `paddr` is the current thread's TCB; callers keep the borrow short and never
    // hold two at once.
    unsafe { kmem::object::<Tcb>(paddr) }
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
        return unknown_syscall(caller, number);
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
        Syscall::DebugDumpScheduler => {
            let tcb = tcb_at(caller);
            kprintln!("atoll: thread \"{}\" state {:?} priority {}", tcb.name(), tcb.state, tcb.priority)
        }
        Syscall::Yield => {}
        Syscall::Call => handle_invocation(caller, cptr, true, true),
        Syscall::Send => handle_invocation(caller, cptr, true, false),
        Syscall::NbSend => handle_invocation(caller, cptr, false, false),
        Syscall::Recv | Syscall::NbRecv | Syscall::ReplyRecv => {
            // No endpoints or notifications can be waited on yet (IPC comes with threads).
            restart(caller);
            fault::raise(Fault::CapFault { cptr });
        }
        Syscall::Reply => {}
        _ => unknown_syscall(caller, number),
    }
}

fn restart(caller: u64) {
    tcb_at(caller).context.regs[Regs::PC] -= ECALL_LENGTH;
}

fn unknown_syscall(caller: u64, number: u64) {
    restart(caller);
    fault::raise(Fault::UnknownSyscall { number });
}

/// Resolves `cptr` in the caller's CSpace at full depth (seL4's lookupSlot).
fn lookup_slot(caller: u64, cptr: u64) -> Option<SlotRef> {
    let root = PhysicalSlots.cap(slots_paddr(caller) + (slot::CSPACE_ROOT as u64) * 32);
    atoll_kernel_core::cspace::resolve(&PhysicalSlots, root, cptr, 64).ok().map(|r| r.slot)
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
fn lookup_extra_caps(caller: u64, message: &mut Message, count: u64) -> Result<(), u64> {
    let Some(buffer) = invocation::ipc_buffer(tcb_at(caller), false) else { return Ok(()) };
    let cptrs: [u64; 3] = core::array::from_fn(|i| buffer[IPC_CAPS_OFFSET + i]);
    for (index, &cptr) in cptrs.iter().enumerate().take(count as usize) {
        let slot = lookup_slot(caller, cptr).ok_or(cptr)?;
        message.extra_caps[index] = Some(ExtraCap { cap: PhysicalSlots.cap(slot), slot });
    }
    Ok(())
}

/// Send, NBSend or Call on a capability (seL4's handleInvocation).
fn handle_invocation(caller: u64, cptr: u64, blocking: bool, is_call: bool) {
    let Some(slot) = lookup_slot(caller, cptr) else {
        if blocking {
            restart(caller);
            fault::raise(Fault::CapFault { cptr });
        }
        return;
    };
    let mut message = invocation::read_message(tcb_at(caller));
    let extra = MessageInfo::from_word(tcb_at(caller).context.regs[Regs::A1]).extra_caps();
    if let Err(bad_cptr) = lookup_extra_caps(caller, &mut message, extra) {
        if blocking {
            restart(caller);
            fault::raise(Fault::CapFault { cptr: bad_cptr });
        }
        return;
    }
    let cap = PhysicalSlots.cap(slot);
    let caller_slot = slots_paddr(caller) + (slot::CALLER as u64) * 32;
    match decode_and_invoke(&message, cap, slot, caller_slot) {
        Ok(reply) if is_call => invocation::reply_success(tcb_at(caller), reply.words()),
        Ok(_) => {}
        Err(Outcome::Error(error)) if is_call => invocation::reply_error(tcb_at(caller), error),
        Err(Outcome::Error(_)) => {}
        Err(Outcome::Interrupted(Interrupted::Preempted)) => restart(caller),
    }
}

/// A successful invocation's reply message.
struct ReplyWords {
    words: [u64; 4],
    length: usize,
}

impl ReplyWords {
    const EMPTY: ReplyWords = ReplyWords { words: [0; 4], length: 0 };

    fn one(word: u64) -> ReplyWords {
        ReplyWords { words: [word, 0, 0, 0], length: 1 }
    }

    fn words(&self) -> &[u64] {
        &self.words[..self.length]
    }
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
fn decode_and_invoke(message: &Message, cap: Cap, slot: SlotRef, caller_slot: SlotRef) -> Result<ReplyWords, Outcome> {
    match cap.cap_type() {
        CapType::Null => Err(SyscallError::InvalidCapability { cap: 0 }.into()),
        CapType::CNode => {
            let op = cnode::decode(message, cap)?;
            cnode::invoke(op, caller_slot)?;
            Ok(ReplyWords::EMPTY)
        }
        CapType::Untyped => {
            let retype = untyped::decode(message, cap, slot)?;
            untyped::invoke(retype)?;
            Ok(ReplyWords::EMPTY)
        }
        CapType::Frame if message.label == InvocationLabel::RiscvPageGetAddress.value() => {
            Ok(ReplyWords::one(cap.paddr()))
        }
        _ => Err(SyscallError::IllegalOperation.into()),
    }
}
