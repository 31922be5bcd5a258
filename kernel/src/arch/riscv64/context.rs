//! A thread's saved user registers and what seL4's RISC-V ABI puts in them.
//!
//! Generic code names registers by their ABI role ([`reg`]), never by RISC-V name.

/// Saved user registers: index 0 is the program counter to resume at, index n is register xn
/// (the layout `entry`'s trap vector writes).
#[derive(Clone, Copy)]
#[repr(C)]
pub struct UserContext {
    pub regs: [u64; 32],
}

/// Floating-point registers (F and D extensions) and fcsr.
#[derive(Clone, Copy)]
#[repr(C)]
pub struct FpuState {
    pub f: [u64; 32],
    pub fcsr: u64,
}

/// Register indexes into [`UserContext::regs`] by their role in seL4's system-call ABI.
pub mod reg {
    /// The pc the thread resumes at.
    pub const PC: usize = 0;
    pub const SP: usize = 2;
    /// The thread's TLS base (seL4_TCB_SetTLSBase).
    pub const TLS: usize = 4;
    /// The capability a system call names (a0).
    pub const CAP: usize = 10;
    /// The badge a receiver gets (a0).
    pub const BADGE: usize = 10;
    /// The message info word (a1).
    pub const MSG_INFO: usize = 11;
    /// Message register 0 (a2); message registers 1..3 follow.
    pub const MR0: usize = 12;
    /// The system-call number (a7).
    pub const SYSCALL: usize = 17;
    /// MCS: the reply object a receive uses (a6; seL4's replyRegister).
    #[cfg(feature = "mcs")]
    pub const REPLY: usize = 16;
    /// MCS: where NBSendRecv sends (t0; seL4's nbsendRecvDest).
    #[cfg(feature = "mcs")]
    pub const NB_SEND_RECV_DEST: usize = 5;
}

/// Message registers passed in registers; the rest live in the IPC buffer (seL4_MsgMaxLength
/// is the whole message).
pub const REGISTER_MRS: usize = 4;

/// Length of the system-call instruction, which a completed call steps over.
pub const SYSCALL_INSTRUCTION_LENGTH: u64 = 4;

/// seL4_UserContext order (pc, ra, sp, gp, s0-s11, a0-a7, t0-t6, tp) as register indexes.
pub const USER_CONTEXT: [usize; 32] = [
    0, 1, 2, 3, 8, 9, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, // pc ra sp gp s0..s11
    10, 11, 12, 13, 14, 15, 16, 17, 5, 6, 7, 28, 29, 30, 31, 4, // a0..a7 t0..t6 tp
];
/// seL4's frame registers: the first 16 of seL4_UserContext; the rest are its gpRegisters.
pub const FRAME_REGISTERS: usize = 16;

/// Registers an UnknownSyscall fault message carries and its reply may set, in seL4's order
/// (FaultIP, SP, RA, A0..A6).
pub const UNKNOWN_SYSCALL_REGISTERS: [usize; 10] = [PC_OF_FAULT, reg::SP, 1, 10, 11, 12, 13, 14, 15, 16];
/// Hypervisor builds: the registers a VCPU fault message carries after cause and stval, and its
/// reply may set: FaultIP, then a0..a7.
#[cfg(feature = "hyp")]
pub const VCPU_FAULT_REGISTERS: [usize; 9] = [PC_OF_FAULT, 10, 11, 12, 13, 14, 15, 16, 17];
/// Registers a UserException fault message carries and its reply may set: FaultIP and SP.
pub const USER_EXCEPTION_REGISTERS: [usize; 2] = [PC_OF_FAULT, reg::SP];
/// In the fault register lists: the thread's FaultIP (the pc it entered the kernel at).
pub const PC_OF_FAULT: usize = reg::PC;
