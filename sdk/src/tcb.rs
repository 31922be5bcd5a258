//! TCB invocations with libsel4's argument order (seL4_TCB_*), and starting helper threads.
use crate::invocation::{Failure, invoke, reply_mr};
use atoll_abi::InvocationLabel as L;

fn unit<T>(result: Result<T, Failure>) -> Result<(), Failure> {
    result.map(|_| ())
}

/// seL4_TCB_Configure (non-MCS), with seL4's eight arguments.
#[cfg(not(feature = "mcs"))]
#[allow(clippy::too_many_arguments)]
pub fn configure(
    tcb: u64,
    fault_ep: u64,
    cspace_root: u64,
    cspace_root_data: u64,
    vspace_root: u64,
    vspace_root_data: u64,
    buffer: u64,
    buffer_frame: u64,
) -> Result<(), Failure> {
    let mrs = [fault_ep, cspace_root_data, vspace_root_data, buffer];
    unit(invoke(tcb, L::TcbConfigure, &mrs, &[cspace_root, vspace_root, buffer_frame]))
}

pub fn set_priority(tcb: u64, authority: u64, priority: u64) -> Result<(), Failure> {
    unit(invoke(tcb, L::TcbSetPriority, &[priority], &[authority]))
}

pub fn set_mc_priority(tcb: u64, authority: u64, mcp: u64) -> Result<(), Failure> {
    unit(invoke(tcb, L::TcbSetMcPriority, &[mcp], &[authority]))
}

#[cfg(not(feature = "mcs"))]
pub fn set_sched_params(tcb: u64, authority: u64, mcp: u64, priority: u64) -> Result<(), Failure> {
    unit(invoke(tcb, L::TcbSetSchedParams, &[mcp, priority], &[authority]))
}

/// seL4_TCB_Configure (MCS): no fault endpoint (that is SetSchedParams' or SetSpace's).
#[cfg(feature = "mcs")]
pub fn configure(
    tcb: u64,
    cspace_root: u64,
    cspace_root_data: u64,
    vspace_root: u64,
    vspace_root_data: u64,
    buffer: u64,
    buffer_frame: u64,
) -> Result<(), Failure> {
    let mrs = [cspace_root_data, vspace_root_data, buffer];
    unit(invoke(tcb, L::TcbConfigure, &mrs, &[cspace_root, vspace_root, buffer_frame]))
}

/// seL4_TCB_SetSchedParams (MCS): priorities, the scheduling context (0: none) and the fault
/// endpoint (0: none), whose caps are copied into the TCB.
#[cfg(feature = "mcs")]
pub fn set_sched_params(
    tcb: u64,
    authority: u64,
    mcp: u64,
    priority: u64,
    sched_context: u64,
    fault_ep: u64,
) -> Result<(), Failure> {
    unit(invoke(tcb, L::TcbSetSchedParams, &[mcp, priority], &[authority, sched_context, fault_ep]))
}

/// seL4_TCB_SetTimeoutEndpoint (MCS).
#[cfg(feature = "mcs")]
pub fn set_timeout_endpoint(tcb: u64, timeout_ep: u64) -> Result<(), Failure> {
    unit(invoke(tcb, L::TcbSetTimeoutEndpoint, &[], &[timeout_ep]))
}

pub fn set_ipc_buffer(tcb: u64, buffer: u64, frame: u64) -> Result<(), Failure> {
    unit(invoke(tcb, L::TcbSetIpcBuffer, &[buffer], &[frame]))
}

/// seL4_TCB_SetSpace. Without MCS the fault endpoint is a cptr the kernel looks up at each
/// fault; with MCS it is a cap copied into the TCB.
pub fn set_space(
    tcb: u64,
    fault_ep: u64,
    cspace_root: u64,
    cspace_data: u64,
    vspace_root: u64,
    vspace_data: u64,
) -> Result<(), Failure> {
    if cfg!(feature = "mcs") {
        unit(invoke(tcb, L::TcbSetSpace, &[cspace_data, vspace_data], &[fault_ep, cspace_root, vspace_root]))
    } else {
        unit(invoke(tcb, L::TcbSetSpace, &[fault_ep, cspace_data, vspace_data], &[cspace_root, vspace_root]))
    }
}

pub fn suspend(tcb: u64) -> Result<(), Failure> {
    unit(invoke(tcb, L::TcbSuspend, &[], &[]))
}

pub fn resume(tcb: u64) -> Result<(), Failure> {
    unit(invoke(tcb, L::TcbResume, &[], &[]))
}

pub fn bind_notification(tcb: u64, notification: u64) -> Result<(), Failure> {
    unit(invoke(tcb, L::TcbBindNotification, &[], &[notification]))
}

pub fn unbind_notification(tcb: u64) -> Result<(), Failure> {
    unit(invoke(tcb, L::TcbUnbindNotification, &[], &[]))
}

pub fn set_tls_base(tcb: u64, base: u64) -> Result<(), Failure> {
    unit(invoke(tcb, L::TcbSetTlsBase, &[base], &[]))
}

/// seL4_TCB_SetFlags: returns the flags now in force.
pub fn set_flags(tcb: u64, clear: u64, set: u64) -> Result<u64, Failure> {
    invoke(tcb, L::TcbSetFlags, &[clear, set], &[]).map(|reply| reply.mrs[0])
}

/// seL4_TCB_ReadRegisters into `out` (seL4_UserContext order); reads `out.len()` registers.
pub fn read_registers(tcb: u64, suspend_source: bool, out: &mut [u64]) -> Result<(), Failure> {
    let reply = invoke(tcb, L::TcbReadRegisters, &[suspend_source as u64, out.len() as u64], &[])?;
    for (index, word) in out.iter_mut().enumerate() {
        *word = reply_mr(&reply, index);
    }
    Ok(())
}

/// seL4_TCB_WriteRegisters from `values` (seL4_UserContext order).
pub fn write_registers(tcb: u64, resume_target: bool, values: &[u64]) -> Result<(), Failure> {
    let mut mrs = [0u64; 34];
    let count = values.len().min(32);
    mrs[0] = resume_target as u64;
    mrs[1] = count as u64;
    mrs[2..2 + count].copy_from_slice(&values[..count]);
    unit(invoke(tcb, L::TcbWriteRegisters, &mrs[..2 + count], &[]))
}

/// seL4_TCB_CopyRegisters.
pub fn copy_registers(
    dest: u64,
    src: u64,
    suspend_source: bool,
    resume_target: bool,
    frame: bool,
    integer: bool,
) -> Result<(), Failure> {
    let flags = suspend_source as u64 | (resume_target as u64) << 1 | (frame as u64) << 2 | (integer as u64) << 3;
    unit(invoke(dest, L::TcbCopyRegisters, &[flags], &[src]))
}

/// seL4_UserContext word indexes.
pub mod context {
    pub const PC: usize = 0;
    pub const RA: usize = 1;
    pub const SP: usize = 2;
    pub const S0: usize = 4;
    pub const S3: usize = 7;
    pub const A0: usize = 16;
    pub const A1: usize = 17;
    pub const A2: usize = 18;
    pub const A3: usize = 19;
    pub const A4: usize = 20;
    pub const A5: usize = 21;
    pub const A6: usize = 22;
    pub const A7: usize = 23;
    pub const T0: usize = 24;
    pub const T3: usize = 27;
    pub const TP: usize = 31;
}

/// Starts `entry(arg)` on the thread `tcb` in the caller's CSpace and VSpace, with the given
/// stack top, IPC buffer (address and frame cap) and priority. The thread finds its IPC
/// buffer through `tp`. (Non-MCS: with MCS a thread also needs a scheduling context.)
#[cfg(not(feature = "mcs"))]
#[allow(clippy::too_many_arguments)]
pub fn start_thread(
    tcb: u64,
    cspace: u64,
    vspace: u64,
    authority: u64,
    priority: u64,
    entry: extern "C" fn(u64) -> !,
    arg: u64,
    stack_top: u64,
    ipc_buffer: u64,
    ipc_frame: u64,
    fault_ep: u64,
) -> Result<(), Failure> {
    configure(tcb, fault_ep, cspace, 0, vspace, 0, ipc_buffer, ipc_frame)?;
    set_priority(tcb, authority, priority)?;
    let mut regs = [0u64; 32];
    regs[context::PC] = entry as usize as u64;
    regs[context::SP] = stack_top;
    regs[context::A0] = arg;
    regs[context::TP] = ipc_buffer;
    write_registers(tcb, true, &regs)
}
