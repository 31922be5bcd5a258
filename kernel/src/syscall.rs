//! System-call entry: decode the syscall number and dispatch, following seL4's RISC-V convention
//! (number in a7, capability in a0, message info in a1, message registers in a2..a5).
use crate::arch::riscv64::platform;
use crate::fault::{self, Fault};
use crate::object::cap::Cap;
use crate::object::cnode::{Cte, CteStore, PhysicalSlots};
use crate::object::tcb::{Tcb, UserContext as Regs, slot};
use crate::{console, kmem, kprintln, sched};
use atoll_abi::{CapType, Error, InvocationLabel, MessageInfo, Syscall};

const ECALL_LENGTH: u64 = 4;
/// First message register (a2).
const MR0: usize = 12;

/// Handles `ecall` from the current thread.
pub fn handle_syscall() {
    let Some(tcb) = sched::current_tcb() else { return };
    let number = tcb.context.regs[Regs::A7];
    tcb.context.regs[Regs::PC] += ECALL_LENGTH;
    let Some(syscall) = Syscall::from_value(number as i64 as isize) else {
        tcb.context.regs[Regs::PC] -= ECALL_LENGTH;
        return fault::raise(Fault::UnknownSyscall { number });
    };
    let cptr = tcb.context.regs[Regs::A0];
    match syscall {
        Syscall::DebugPutChar => console::putchar(cptr as u8),
        Syscall::DebugHalt => {
            kprintln!("atoll: halting (seL4_DebugHalt)");
            platform::power_off(false)
        }
        Syscall::DebugCapIdentify => {
            tcb.context.regs[Regs::A0] = lookup_cap(tcb, cptr).map_or(0, |cap| cap.tag());
        }
        Syscall::DebugNameThread => debug_name_thread(tcb, cptr),
        Syscall::DebugDumpScheduler => {
            kprintln!("atoll: thread \"{}\" state {:?} priority {}", tcb.name(), tcb.state, tcb.priority)
        }
        Syscall::Yield => {}
        Syscall::Call => invoke(tcb, cptr, true, true),
        Syscall::Send => invoke(tcb, cptr, true, false),
        Syscall::NbSend => invoke(tcb, cptr, false, false),
        Syscall::Recv | Syscall::NbRecv | Syscall::ReplyRecv => {
            // No endpoints or notifications exist yet, so any cap is the wrong kind to wait on.
            fault::raise(Fault::CapFault { cptr });
        }
        Syscall::Reply => {}
        _ => {
            tcb.context.regs[Regs::PC] -= ECALL_LENGTH;
            fault::raise(Fault::UnknownSyscall { number });
        }
    }
}

/// Looks up `cptr` in the thread's CSpace at full depth, as seL4's lookupCapAndSlot does.
fn lookup_slot(tcb: &Tcb, cptr: u64) -> Option<u64> {
    let root = tcb.slots[slot::CSPACE_ROOT].cap;
    atoll_kernel_core::cspace::resolve(&PhysicalSlots, root, cptr, 64).ok().map(|r| r.slot)
}

fn lookup_cap(tcb: &Tcb, cptr: u64) -> Option<Cap> {
    lookup_slot(tcb, cptr).map(|slot| PhysicalSlots.cap(slot)).filter(|cap| !cap.is(CapType::Null))
}

/// Reads the thread's IPC buffer, if it has a mapped one.
fn ipc_buffer_paddr(tcb: &Tcb) -> Option<u64> {
    let frame: &Cte = &tcb.slots[slot::IPC_BUFFER];
    if !frame.cap.is(CapType::Frame) {
        return None;
    }
    Some(frame.cap.paddr() + (tcb.ipc_buffer & 0xfff))
}

fn debug_name_thread(tcb: &mut Tcb, cptr: u64) {
    let Some(target) = lookup_cap(tcb, cptr).filter(|cap| cap.is(CapType::Thread)) else {
        kprintln!("atoll: seL4_DebugNameThread: cap {cptr:#x} is not a thread");
        return;
    };
    let Some(buffer) = ipc_buffer_paddr(tcb) else { return };
    // The name is a C string in the IPC buffer's message words (after the tag word).
    // SAFETY: the IPC buffer is a whole 1 KiB-aligned block inside a live frame.
    let name = unsafe { kmem::bytes(buffer + 8, 32) };
    let len = name.iter().position(|&b| b == 0).unwrap_or(name.len());
    let mut copy = [0u8; 32];
    copy[..len].copy_from_slice(&name[..len]);
    // SAFETY: a thread cap names a live TCB.
    unsafe { kmem::object::<Tcb>(target.paddr()) }.set_name(&copy[..len]);
}

/// Send, NBSend or Call on a capability: an object invocation.
fn invoke(tcb: &mut Tcb, cptr: u64, blocking: bool, is_call: bool) {
    let Some(cap) = lookup_cap(tcb, cptr) else {
        if blocking {
            tcb.context.regs[Regs::PC] -= ECALL_LENGTH;
            fault::raise(Fault::CapFault { cptr });
        }
        return;
    };
    let info = MessageInfo::from_word(tcb.context.regs[Regs::A1]);
    let label = InvocationLabel::from_value(info.label());
    let result = match (Some(cap.cap_type()), label) {
        (Some(CapType::Frame), Some(InvocationLabel::RiscvPageGetAddress)) => Ok(Some(cap.paddr())),
        _ => Err(Error::IllegalOperation),
    };
    if !is_call {
        return;
    }
    tcb.context.regs[Regs::A0] = 0;
    let reply = match result {
        Ok(Some(word)) => {
            tcb.context.regs[MR0] = word;
            MessageInfo::new(0, 0, 0, 1)
        }
        Ok(None) => MessageInfo::new(0, 0, 0, 0),
        Err(error) => MessageInfo::new(error.value(), 0, 0, 0),
    };
    tcb.context.regs[Regs::A1] = reply.word();
}
