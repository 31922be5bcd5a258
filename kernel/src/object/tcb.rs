//! Threads: TCB invocations (non-MCS) for registers, configuration, priorities, IPC buffer,
//! spaces, suspend/resume, notification binding, TLS base and flags, with seL4's checks and
//! errors; and seL4's suspend and restart.
use super::delete;
use crate::arch::context::{FRAME_REGISTERS, PC_OF_FAULT, USER_CONTEXT};
use crate::arch::{reg, vspace};
use crate::cspace::cdt;
use crate::cspace::{Cap, Slot};
use crate::error::{Interrupted, SyscallError};
use crate::ipc::notification;
#[cfg(feature = "mcs")]
use crate::memory::SchedContext;
use crate::memory::{Handle, Notification, Tcb, caps, slot};
use crate::message::{self, ExtraCap, Message, Reply};
use crate::sched;
use crate::thread::{restart, suspend};
use atoll_abi::tcb::TCB_FLAG_MASK;
use atoll_abi::{CapType, InvocationLabel as L};
use atoll_kernel_core::rules;

const IPC_BUFFER_ALIGN: u64 = 1 << atoll_abi::ipc_buffer::IPC_BUFFER_SIZE_BITS;

/// A new fault handler: a cptr looked up at each fault without MCS; with MCS a cap (possibly
/// null) copied into the TCB from its slot.
#[cfg(not(feature = "mcs"))]
pub type FaultHandler = u64;
#[cfg(feature = "mcs")]
pub type FaultHandler = (Cap, Slot);

pub struct SpaceUpdate {
    croot: (Cap, Slot),
    vroot: (Cap, Slot),
}

pub struct BufferUpdate {
    addr: u64,
    frame: Option<(Cap, Slot)>,
}

pub enum TcbOp {
    ReadRegisters {
        target: Handle<Tcb>,
        suspend: bool,
        count: usize,
    },
    WriteRegisters {
        target: Handle<Tcb>,
        resume: bool,
        values: [u64; 32],
        count: usize,
    },
    CopyRegisters {
        target: Handle<Tcb>,
        source: Handle<Tcb>,
        suspend: bool,
        resume: bool,
        frame: bool,
        integer: bool,
    },
    Control {
        target: Handle<Tcb>,
        fault_handler: Option<FaultHandler>,
        priority: Option<u8>,
        mcp: Option<u8>,
        space: Option<SpaceUpdate>,
        buffer: Option<BufferUpdate>,
        /// MCS: a new scheduling context (None unbinds the thread's).
        #[cfg(feature = "mcs")]
        sc: Option<Option<Handle<SchedContext>>>,
    },
    /// MCS: a new timeout handler.
    #[cfg(feature = "mcs")]
    TimeoutHandler {
        target: Handle<Tcb>,
        handler: FaultHandler,
    },
    Suspend(Handle<Tcb>),
    Resume(Handle<Tcb>),
    Bind {
        target: Handle<Tcb>,
        notification: Handle<Notification>,
    },
    Unbind(Handle<Tcb>),
    SetTlsBase {
        target: Handle<Tcb>,
        base: u64,
    },
    SetFlags {
        target: Handle<Tcb>,
        clear: u64,
        set: u64,
    },
}

fn arg(message: &Message, index: usize) -> Result<u64, SyscallError> {
    message.arg(index).ok_or(SyscallError::TruncatedMessage)
}

fn extra(message: &Message, index: usize) -> Result<ExtraCap, SyscallError> {
    message.extra_cap(index).ok_or(SyscallError::TruncatedMessage)
}

/// seL4's checkPrio: at most the authority's maximum controlled priority.
fn check_priority(priority: u64, authority: Cap) -> Result<u8, SyscallError> {
    if !authority.is(CapType::Thread) {
        return Err(SyscallError::InvalidCapability { cap: 1 });
    }
    let mcp = caps::thread(authority).max_controlled_priority() as u64;
    if priority > mcp {
        return Err(SyscallError::RangeError { min: 0, max: mcp });
    }
    Ok(priority as u8)
}

fn derive(source: ExtraCap, cap: Cap) -> Result<Cap, SyscallError> {
    let has_children = cdt::first_child(source.slot).is_some();
    rules::derive(cap, has_children).map_err(|error| match error {
        rules::DeriveError::RevokeFirst => SyscallError::RevokeFirst,
        rules::DeriveError::IllegalOperation => SyscallError::IllegalOperation,
    })
}

/// seL4's checkValidIPCBuffer: a non-device frame, the buffer aligned to its size.
fn buffer_update(addr: u64, frame: Option<ExtraCap>) -> Result<BufferUpdate, SyscallError> {
    if addr == 0 {
        return Ok(BufferUpdate { addr, frame: None });
    }
    let frame = frame.ok_or(SyscallError::TruncatedMessage)?;
    let cap = derive(frame, frame.cap)?;
    if !cap.is(CapType::Frame) || cap.frame_is_device() {
        return Err(SyscallError::IllegalOperation);
    }
    if !addr.is_multiple_of(IPC_BUFFER_ALIGN) {
        return Err(SyscallError::AlignmentError);
    }
    Ok(BufferUpdate { addr, frame: Some((cap, frame.slot)) })
}

/// A thread's CSpace or VSpace slot still holds a cap whose deletion could run long.
fn long_running_delete(slot: Slot) -> bool {
    let cap = slot.cap();
    matches!(cap.cap_type(), CapType::Zombie | CapType::Thread | CapType::CNode) && cdt::is_final(slot)
}

fn space_update(
    target: Handle<Tcb>,
    croot: ExtraCap,
    croot_data: u64,
    vroot: ExtraCap,
) -> Result<SpaceUpdate, SyscallError> {
    if long_running_delete(target.slot(slot::CSPACE_ROOT)) || long_running_delete(target.slot(slot::VSPACE_ROOT)) {
        return Err(SyscallError::IllegalOperation);
    }
    let mut croot_cap = croot.cap;
    if croot_data != 0 {
        croot_cap = rules::update_cap_data(false, croot_data, croot_cap);
    }
    let croot_cap = derive(croot, croot_cap)?;
    if !croot_cap.is(CapType::CNode) {
        return Err(SyscallError::IllegalOperation);
    }
    let vroot_cap = vroot.cap;
    if !(vroot_cap.is(CapType::PageTable) && vroot_cap.page_table_is_mapped()) {
        return Err(SyscallError::IllegalOperation);
    }
    let vroot_cap = derive(vroot, vroot_cap)?;
    Ok(SpaceUpdate { croot: (croot_cap, croot.slot), vroot: (vroot_cap, vroot.slot) })
}

/// seL4's validFaultHandler (MCS): no cap, or an endpoint cap that may send and grant.
#[cfg(feature = "mcs")]
fn fault_handler(extra: ExtraCap, number: u64) -> Result<FaultHandler, SyscallError> {
    let rights = extra.cap.endpoint_rights();
    let valid =
        extra.cap.is_null() || (extra.cap.is(CapType::Endpoint) && rights.send && (rights.grant || rights.grant_reply));
    if !valid {
        return Err(SyscallError::InvalidCapability { cap: number });
    }
    Ok((extra.cap, extra.slot))
}

/// Decodes an invocation of the TCB cap `cap` by thread `caller` (seL4's decodeTCBInvocation).
pub fn decode(
    message: &Message,
    cap: Cap,
    caller: Handle<Tcb>,
    #[allow(unused_variables)] slot: Slot,
) -> Result<TcbOp, SyscallError> {
    let target = caps::thread(cap);
    let label = atoll_abi::InvocationLabel::from_value(message.label).ok_or(SyscallError::IllegalOperation)?;
    let control = |fault_handler, priority, mcp, space, buffer| TcbOp::Control {
        target,
        fault_handler,
        priority,
        mcp,
        space,
        buffer,
        #[cfg(feature = "mcs")]
        sc: None,
    };
    match label {
        L::TcbReadRegisters => {
            let (flags, count) = (arg(message, 0)?, arg(message, 1)?);
            if message.length < 2 {
                return Err(SyscallError::TruncatedMessage);
            }
            if count < 1 || count > USER_CONTEXT.len() as u64 {
                return Err(SyscallError::RangeError { min: 1, max: USER_CONTEXT.len() as u64 });
            }
            if target == caller {
                return Err(SyscallError::IllegalOperation);
            }
            Ok(TcbOp::ReadRegisters { target, suspend: flags & 1 != 0, count: count as usize })
        }
        L::TcbWriteRegisters => {
            let (flags, count) = (arg(message, 0)?, arg(message, 1)?);
            if (message.length as u64) - 2 < count {
                return Err(SyscallError::TruncatedMessage);
            }
            if target == caller {
                return Err(SyscallError::IllegalOperation);
            }
            let count = (count as usize).min(USER_CONTEXT.len());
            let mut values = [0u64; 32];
            let registers = message::read_mrs(caller, 2, count);
            values[..count].copy_from_slice(&registers[..count]);
            Ok(TcbOp::WriteRegisters { target, resume: flags & 1 != 0, values, count })
        }
        L::TcbCopyRegisters => {
            let flags = arg(message, 0)?;
            let source = extra(message, 0)?;
            if !source.cap.is(CapType::Thread) {
                return Err(SyscallError::InvalidCapability { cap: 1 });
            }
            Ok(TcbOp::CopyRegisters {
                target,
                source: caps::thread(source.cap),
                suspend: flags & 1 != 0,
                resume: flags & 2 != 0,
                frame: flags & 4 != 0,
                integer: flags & 8 != 0,
            })
        }
        #[cfg(feature = "mcs")]
        L::TcbConfigure => {
            if message.length < 3 || message.extra_cap(2).is_none() {
                return Err(SyscallError::TruncatedMessage);
            }
            let (croot_data, _vroot_data, buffer_addr) = (arg(message, 0)?, arg(message, 1)?, arg(message, 2)?);
            let buffer = buffer_update(buffer_addr, message.extra_cap(2))?;
            let space = space_update(target, extra(message, 0)?, croot_data, extra(message, 1)?)?;
            Ok(control(None, None, None, Some(space), Some(buffer)))
        }
        #[cfg(not(feature = "mcs"))]
        L::TcbConfigure => {
            if message.length < 4 || message.extra_cap(2).is_none() {
                return Err(SyscallError::TruncatedMessage);
            }
            let (fault_handler, croot_data, _vroot_data, buffer_addr) =
                (arg(message, 0)?, arg(message, 1)?, arg(message, 2)?, arg(message, 3)?);
            let buffer = buffer_update(buffer_addr, message.extra_cap(2))?;
            let space = space_update(target, extra(message, 0)?, croot_data, extra(message, 1)?)?;
            Ok(control(Some(fault_handler), None, None, Some(space), Some(buffer)))
        }
        L::TcbSetPriority => {
            let priority = arg(message, 0)?;
            let authority = extra(message, 0)?;
            let priority = check_priority(priority, authority.cap)?;
            Ok(control(None, Some(priority), None, None, None))
        }
        L::TcbSetMcPriority => {
            let mcp = arg(message, 0)?;
            let authority = extra(message, 0)?;
            let mcp = check_priority(mcp, authority.cap)?;
            Ok(control(None, None, Some(mcp), None, None))
        }
        #[cfg(feature = "mcs")]
        L::TcbSetSchedParams => {
            if message.length < 2 || message.extra_cap(2).is_none() {
                return Err(SyscallError::TruncatedMessage);
            }
            let (mcp, priority) = (arg(message, 0)?, arg(message, 1)?);
            let (authority, sc_cap, handler) = (extra(message, 0)?, extra(message, 1)?, extra(message, 2)?);
            let mcp = check_priority(mcp, authority.cap)?;
            let priority = check_priority(priority, authority.cap)?;
            let sc = match sc_cap.cap.cap_type() {
                CapType::SchedContext => {
                    let sc = caps::sched_context(sc_cap.cap);
                    if target.sched_context() != Some(sc) && (target.sched_context().is_some() || sc.tcb().is_some()) {
                        return Err(SyscallError::IllegalOperation);
                    }
                    if is_blocked(target) && !released(sc) {
                        return Err(SyscallError::IllegalOperation);
                    }
                    Some(sc)
                }
                CapType::Null if target == caller => return Err(SyscallError::IllegalOperation),
                CapType::Null => None,
                _ => return Err(SyscallError::InvalidCapability { cap: 2 }),
            };
            let handler = fault_handler(handler, 3)?;
            Ok(TcbOp::Control {
                target,
                fault_handler: Some(handler),
                priority: Some(priority),
                mcp: Some(mcp),
                space: None,
                buffer: None,
                sc: (target.sched_context() != sc).then_some(sc),
            })
        }
        #[cfg(feature = "mcs")]
        L::TcbSetTimeoutEndpoint => {
            let handler = fault_handler(extra(message, 0)?, 1)?;
            Ok(TcbOp::TimeoutHandler { target, handler })
        }
        #[cfg(not(feature = "mcs"))]
        L::TcbSetSchedParams => {
            if message.length < 2 {
                return Err(SyscallError::TruncatedMessage);
            }
            let (mcp, priority) = (arg(message, 0)?, arg(message, 1)?);
            let authority = extra(message, 0)?;
            let mcp = check_priority(mcp, authority.cap)?;
            let priority = check_priority(priority, authority.cap)?;
            Ok(control(None, Some(priority), Some(mcp), None, None))
        }
        L::TcbSetIpcBuffer => {
            let addr = arg(message, 0)?;
            let frame = if addr == 0 { None } else { Some(extra(message, 0)?) };
            let buffer = buffer_update(addr, frame)?;
            Ok(control(None, None, None, None, Some(buffer)))
        }
        #[cfg(feature = "mcs")]
        L::TcbSetSpace => {
            if message.length < 2 || message.extra_cap(2).is_none() {
                return Err(SyscallError::TruncatedMessage);
            }
            let croot_data = arg(message, 0)?;
            let space = space_update(target, extra(message, 1)?, croot_data, extra(message, 2)?)?;
            let handler = fault_handler(extra(message, 0)?, 1)?;
            Ok(control(Some(handler), None, None, Some(space), None))
        }
        #[cfg(not(feature = "mcs"))]
        L::TcbSetSpace => {
            if message.length < 3 || message.extra_cap(1).is_none() {
                return Err(SyscallError::TruncatedMessage);
            }
            let (fault_handler, croot_data) = (arg(message, 0)?, arg(message, 1)?);
            let space = space_update(target, extra(message, 0)?, croot_data, extra(message, 1)?)?;
            Ok(control(Some(fault_handler), None, None, Some(space), None))
        }
        L::TcbSuspend => Ok(TcbOp::Suspend(target)),
        L::TcbResume => Ok(TcbOp::Resume(target)),
        L::TcbBindNotification => {
            let ntfn = extra(message, 0)?;
            if target.bound_notification().is_some() {
                return Err(SyscallError::IllegalOperation);
            }
            if !ntfn.cap.is(CapType::Notification) {
                return Err(SyscallError::IllegalOperation);
            }
            if !ntfn.cap.endpoint_rights().receive {
                return Err(SyscallError::IllegalOperation);
            }
            let ntfn = caps::notification(ntfn.cap);
            if notification::has_waiters(ntfn) || ntfn.bound_tcb().is_some() {
                return Err(SyscallError::IllegalOperation);
            }
            Ok(TcbOp::Bind { target, notification: ntfn })
        }
        L::TcbUnbindNotification => {
            if target.bound_notification().is_none() {
                return Err(SyscallError::IllegalOperation);
            }
            Ok(TcbOp::Unbind(target))
        }
        L::TcbSetTlsBase => Ok(TcbOp::SetTlsBase { target, base: arg(message, 0)? }),
        L::TcbSetFlags => {
            if message.length < 2 {
                return Err(SyscallError::TruncatedMessage);
            }
            Ok(TcbOp::SetFlags { target, clear: arg(message, 0)?, set: arg(message, 1)? })
        }
        _ => Err(SyscallError::IllegalOperation),
    }
}

/// Replaces one of the target's own slots with a derived cap, if its source still holds the
/// same object (seL4's invokeTCB_ThreadControl space and buffer updates).
fn replace_slot(target: Handle<Tcb>, index: usize, new: Option<(Cap, Slot)>) -> Result<(), Interrupted> {
    let slot = target.slot(index);
    if index == slot::VSPACE_ROOT {
        vspace::forget_loaded();
    }
    delete::delete(slot, true)?;
    if let Some((cap, source)) = new {
        let source_cap = source.cap();
        if rules::same_object_as(cap, source_cap) {
            cdt::insert(cap, source, slot);
        }
    }
    Ok(())
}

/// The space and IPC-buffer parts of seL4's invokeTCB_ThreadControl.
fn control_space_and_buffer(
    target: Handle<Tcb>,
    caller: Handle<Tcb>,
    space: Option<SpaceUpdate>,
    buffer: Option<BufferUpdate>,
) -> Result<(), Interrupted> {
    if let Some(space) = space {
        replace_slot(target, slot::CSPACE_ROOT, Some(space.croot))?;
        replace_slot(target, slot::VSPACE_ROOT, Some(space.vroot))?;
    }
    if let Some(buffer) = buffer {
        replace_slot(target, slot::IPC_BUFFER, None)?;
        target.set_ipc_buffer(buffer.addr);
        if let Some((cap, source)) = buffer.frame {
            replace_slot(target, slot::IPC_BUFFER, Some((cap, source)))?;
        }
        if target == caller {
            sched::reschedule_required();
        }
    }
    Ok(())
}

/// MCS setPriority: a blocked thread moves to its new place in its wait queue.
#[cfg(feature = "mcs")]
fn set_priority(target: Handle<Tcb>, priority: u8) {
    sched::set_priority(target, priority);
    crate::ipc::requeue_by_priority(target);
}

/// seL4's isBlocked.
#[cfg(feature = "mcs")]
fn is_blocked(thread: Handle<Tcb>) -> bool {
    use crate::memory::ThreadState::*;
    matches!(thread.state(), BlockedOnReceive | BlockedOnSend | BlockedOnNotification | BlockedOnReply)
}

/// seL4's sc_released: configured, and its budget available now.
#[cfg(feature = "mcs")]
fn released(sc: Handle<SchedContext>) -> bool {
    sc.is_active() && sched::ready_and_sufficient(sc)
}

/// Reads a thread's register for seL4_UserContext position `index`.
fn read_register(thread: Handle<Tcb>, index: usize) -> u64 {
    let register = USER_CONTEXT[index];
    if register == PC_OF_FAULT { thread.fault_ip() } else { thread.reg(register) }
}

fn write_register(thread: Handle<Tcb>, index: usize, value: u64) {
    let register = USER_CONTEXT[index];
    if register == PC_OF_FAULT {
        thread.set_fault_ip(value);
    } else {
        thread.set_reg(register, value);
    }
}

/// The thread resumes at its (possibly new) restart pc (seL4's setNextPC(getRestartPC)).
fn sync_next_pc(thread: Handle<Tcb>) {
    thread.set_reg(reg::PC, thread.fault_ip());
}

/// Performs a decoded TCB invocation.
pub fn invoke(op: TcbOp, caller: Handle<Tcb>) -> Result<Reply, Interrupted> {
    match op {
        TcbOp::ReadRegisters { target, suspend: stop, count } => {
            if stop {
                suspend(target);
            }
            let mut words = [0u64; USER_CONTEXT.len()];
            for (index, word) in words.iter_mut().enumerate().take(count) {
                *word = read_register(target, index);
            }
            let written = message::write_mrs(caller, &words[..count]);
            return Ok(Reply::Written(written));
        }
        TcbOp::WriteRegisters { target, resume, values, count } => {
            for (index, &value) in values.iter().enumerate().take(count) {
                write_register(target, index, value);
            }
            sync_next_pc(target);
            if resume {
                restart(target);
            }
            if target == caller {
                sched::reschedule_required();
            }
        }
        TcbOp::CopyRegisters { target, source, suspend: stop, resume, frame, integer } => {
            if stop {
                suspend(source);
            }
            if resume {
                restart(target);
            }
            let ranges = [(frame, 0..FRAME_REGISTERS), (integer, FRAME_REGISTERS..USER_CONTEXT.len())];
            for (wanted, range) in ranges {
                if wanted {
                    for index in range {
                        write_register(target, index, read_register(source, index));
                    }
                }
            }
            if frame {
                sync_next_pc(target);
            }
            if target == caller {
                sched::reschedule_required();
            }
        }
        #[cfg(not(feature = "mcs"))]
        TcbOp::Control { target, fault_handler, priority, mcp, space, buffer } => {
            if let Some(handler) = fault_handler {
                target.set_fault_handler(handler);
            }
            if let Some(mcp) = mcp {
                target.set_max_controlled_priority(mcp);
            }
            if let Some(priority) = priority {
                sched::set_priority(target, priority);
            }
            control_space_and_buffer(target, caller, space, buffer)?;
        }
        #[cfg(feature = "mcs")]
        TcbOp::Control { target, fault_handler, priority, mcp, space, buffer, sc } => {
            if let Some(handler) = fault_handler {
                replace_slot(target, slot::FAULT_HANDLER, Some(handler).filter(|(cap, _)| !cap.is_null()))?;
            }
            if let Some(mcp) = mcp {
                target.set_max_controlled_priority(mcp);
            }
            if let Some(priority) = priority {
                set_priority(target, priority);
            }
            match sc {
                Some(Some(sc)) => super::sched_context::bind_thread(sc, target),
                Some(None) => {
                    if let Some(sc) = target.sched_context() {
                        super::sched_context::unbind_thread(sc);
                    }
                }
                None => {}
            }
            control_space_and_buffer(target, caller, space, buffer)?;
        }
        #[cfg(feature = "mcs")]
        TcbOp::TimeoutHandler { target, handler } => {
            replace_slot(target, slot::TIMEOUT_HANDLER, Some(handler).filter(|(cap, _)| !cap.is_null()))?;
        }

        TcbOp::Suspend(target) => suspend(target),
        TcbOp::Resume(target) => restart(target),
        TcbOp::Bind { target, notification: ntfn } => {
            notification::bind(ntfn, target);
            super::irq::partition_changed();
        }
        TcbOp::Unbind(target) => {
            notification::unbind(target);
            super::irq::partition_changed();
        }
        TcbOp::SetTlsBase { target, base } => {
            target.set_reg(reg::TLS, base);
            if target == caller {
                sched::reschedule_required();
            }
        }
        TcbOp::SetFlags { target, clear, set } => {
            let flags = ((target.flags() & !clear) | set) & TCB_FLAG_MASK;
            target.set_flags(flags);
            return Ok(Reply::Word(flags));
        }
    }
    Ok(Reply::Empty)
}
