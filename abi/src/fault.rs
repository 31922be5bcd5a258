//! Fault message labels and layouts, and the RISC-V 64 user register context.

use crate::convert::abi_enum;

abi_enum! {
    /// seL4_FaultType: the label of a fault message sent to a fault handler
    /// (non-MCS RISC-V numbering; 4 is unused because RISC-V has no debug exception).
    pub enum FaultType: u64 {
        /// seL4_Fault_NullFault
        NullFault = 0,
        /// seL4_Fault_CapFault
        CapFault = 1,
        /// seL4_Fault_UnknownSyscall
        UnknownSyscall = 2,
        /// seL4_Fault_UserException
        UserException = 3,
        /// seL4_Fault_VMFault
        VmFault = 5,
    }
}

// Capability fault. The message is 4 to 7 words long depending on the lookup
// failure type; replying (with any message) restarts the faulting thread.

/// seL4_CapFault_IP: address of the faulting instruction.
pub const CAP_FAULT_IP: usize = 0;
/// seL4_CapFault_Addr: the capability address that failed to resolve.
pub const CAP_FAULT_ADDR: usize = 1;
/// seL4_CapFault_InRecvPhase: 1 if the fault happened in the receive phase of a call.
pub const CAP_FAULT_IN_RECV_PHASE: usize = 2;
/// seL4_CapFault_LookupFailureType: a [`crate::LookupFailureType`] value.
pub const CAP_FAULT_LOOKUP_FAILURE_TYPE: usize = 3;
/// seL4_CapFault_BitsLeft: address bits left to resolve (missing capability,
/// depth mismatch and guard mismatch failures).
pub const CAP_FAULT_BITS_LEFT: usize = 4;
/// seL4_CapFault_DepthMismatch_BitsFound
pub const CAP_FAULT_DEPTH_MISMATCH_BITS_FOUND: usize = 5;
/// seL4_CapFault_GuardMismatch_GuardFound
pub const CAP_FAULT_GUARD_MISMATCH_GUARD_FOUND: usize = 5;
/// seL4_CapFault_GuardMismatch_BitsFound
pub const CAP_FAULT_GUARD_MISMATCH_BITS_FOUND: usize = 6;

// Unknown system call. A reply with label 0 resumes the thread after writing
// back up to ten registers, in this message's order, from the reply.

/// seL4_UnknownSyscall_FaultIP
pub const UNKNOWN_SYSCALL_FAULT_IP: usize = 0;
/// seL4_UnknownSyscall_SP
pub const UNKNOWN_SYSCALL_SP: usize = 1;
/// seL4_UnknownSyscall_RA
pub const UNKNOWN_SYSCALL_RA: usize = 2;
/// seL4_UnknownSyscall_A0
pub const UNKNOWN_SYSCALL_A0: usize = 3;
/// seL4_UnknownSyscall_A1
pub const UNKNOWN_SYSCALL_A1: usize = 4;
/// seL4_UnknownSyscall_A2
pub const UNKNOWN_SYSCALL_A2: usize = 5;
/// seL4_UnknownSyscall_A3
pub const UNKNOWN_SYSCALL_A3: usize = 6;
/// seL4_UnknownSyscall_A4
pub const UNKNOWN_SYSCALL_A4: usize = 7;
/// seL4_UnknownSyscall_A5
pub const UNKNOWN_SYSCALL_A5: usize = 8;
/// seL4_UnknownSyscall_A6
pub const UNKNOWN_SYSCALL_A6: usize = 9;
/// seL4_UnknownSyscall_Syscall: the syscall number the thread used (from `a7`).
pub const UNKNOWN_SYSCALL_SYSCALL: usize = 10;
/// seL4_UnknownSyscall_Length
pub const UNKNOWN_SYSCALL_LENGTH: usize = 11;

// User exception (a trap other than a page fault or ecall). A reply with
// label 0 resumes the thread after writing back FaultIP and SP from the reply.

/// seL4_UserException_FaultIP
pub const USER_EXCEPTION_FAULT_IP: usize = 0;
/// seL4_UserException_SP
pub const USER_EXCEPTION_SP: usize = 1;
/// seL4_UserException_Number: the `scause` exception code.
pub const USER_EXCEPTION_NUMBER: usize = 2;
/// seL4_UserException_Code: extra information (0 on RISC-V).
pub const USER_EXCEPTION_CODE: usize = 3;
/// seL4_UserException_Length
pub const USER_EXCEPTION_LENGTH: usize = 4;

// Virtual memory fault.

/// seL4_VMFault_IP
pub const VM_FAULT_IP: usize = 0;
/// seL4_VMFault_Addr: the faulting virtual address.
pub const VM_FAULT_ADDR: usize = 1;
/// seL4_VMFault_PrefetchFault: 1 for an instruction fetch fault.
pub const VM_FAULT_PREFETCH_FAULT: usize = 2;
/// seL4_VMFault_FSR: the trap cause, with page faults reported as the matching
/// access-fault code (1 instruction, 5 load, 7 store).
pub const VM_FAULT_FSR: usize = 3;
/// seL4_VMFault_Length
pub const VM_FAULT_LENGTH: usize = 4;

/// seL4_UserContext for RISC-V 64: the registers read and written by
/// `TCB_ReadRegisters`, `TCB_WriteRegisters` and `TCB_CopyRegisters`.
///
/// The first [`FRAME_REGISTER_COUNT`] fields are the "frame" registers and the
/// remaining [`GP_REGISTER_COUNT`] the "general purpose" ones; the register
/// count those invocations take selects a prefix of this order.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[allow(missing_docs)]
pub struct UserContext {
    pub pc: u64,
    pub ra: u64,
    pub sp: u64,
    pub gp: u64,
    pub s0: u64,
    pub s1: u64,
    pub s2: u64,
    pub s3: u64,
    pub s4: u64,
    pub s5: u64,
    pub s6: u64,
    pub s7: u64,
    pub s8: u64,
    pub s9: u64,
    pub s10: u64,
    pub s11: u64,
    pub a0: u64,
    pub a1: u64,
    pub a2: u64,
    pub a3: u64,
    pub a4: u64,
    pub a5: u64,
    pub a6: u64,
    pub a7: u64,
    pub t0: u64,
    pub t1: u64,
    pub t2: u64,
    pub t3: u64,
    pub t4: u64,
    pub t5: u64,
    pub t6: u64,
    pub tp: u64,
}

/// Number of frame registers (`pc`, `ra`, `sp`, `gp`, `s0`..`s11`).
pub const FRAME_REGISTER_COUNT: usize = 16;
/// Number of general-purpose registers (`a0`..`a7`, `t0`..`t6`, `tp`).
pub const GP_REGISTER_COUNT: usize = 16;
/// Number of words in a [`UserContext`].
pub const USER_CONTEXT_WORDS: usize = FRAME_REGISTER_COUNT + GP_REGISTER_COUNT;

impl UserContext {
    /// The registers as words, in field order.
    pub const fn to_words(&self) -> [u64; USER_CONTEXT_WORDS] {
        [
            self.pc, self.ra, self.sp, self.gp, self.s0, self.s1, self.s2, self.s3, self.s4, self.s5, self.s6, self.s7,
            self.s8, self.s9, self.s10, self.s11, self.a0, self.a1, self.a2, self.a3, self.a4, self.a5, self.a6,
            self.a7, self.t0, self.t1, self.t2, self.t3, self.t4, self.t5, self.t6, self.tp,
        ]
    }

    /// Builds a context from words in field order.
    pub const fn from_words(w: [u64; USER_CONTEXT_WORDS]) -> Self {
        Self {
            pc: w[0],
            ra: w[1],
            sp: w[2],
            gp: w[3],
            s0: w[4],
            s1: w[5],
            s2: w[6],
            s3: w[7],
            s4: w[8],
            s5: w[9],
            s6: w[10],
            s7: w[11],
            s8: w[12],
            s9: w[13],
            s10: w[14],
            s11: w[15],
            a0: w[16],
            a1: w[17],
            a2: w[18],
            a3: w[19],
            a4: w[20],
            a5: w[21],
            a6: w[22],
            a7: w[23],
            t0: w[24],
            t1: w[25],
            t2: w[26],
            t3: w[27],
            t4: w[28],
            t5: w[29],
            t6: w[30],
            tp: w[31],
        }
    }
}

const _: () = assert!(size_of::<UserContext>() == USER_CONTEXT_WORDS * 8);
