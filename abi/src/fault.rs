//! Fault message labels and layouts; the user register context is the architecture's (in
//! `arch`, re-exported here).

use crate::convert::abi_enum;

abi_enum! {
    /// seL4_FaultType: the label of a fault message sent to a fault handler (RISC-V
    /// numbering; 4 is unused because RISC-V has no debug exception, and MCS puts its timeout
    /// fault at 5 and moves the VM fault to 6).
    pub enum FaultType: u64 {
        /// seL4_Fault_NullFault
        NullFault = 0,
        /// seL4_Fault_CapFault
        CapFault = 1,
        /// seL4_Fault_UnknownSyscall
        UnknownSyscall = 2,
        /// seL4_Fault_UserException
        UserException = 3,
        /// seL4_Fault_Timeout (MCS): a thread ran out of budget and has a timeout handler
        #[cfg(feature = "mcs")]
        Timeout = 5,
        /// seL4_Fault_VMFault
        #[cfg(not(feature = "mcs"))]
        VmFault = 5,
        /// seL4_Fault_VMFault
        #[cfg(feature = "mcs")]
        VmFault = 6,
        /// seL4_Fault_VCPUFault (hypervisor builds): a guest trapped to the hypervisor for
        /// something other than a guest page fault
        #[cfg(all(feature = "hyp", not(feature = "mcs")))]
        VcpuFault = 6,
        /// seL4_Fault_VCPUFault (hypervisor builds)
        #[cfg(all(feature = "hyp", feature = "mcs"))]
        VcpuFault = 7,
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

// Timeout fault (MCS), sent to the thread's timeout endpoint.

/// seL4_Timeout_Data: the badge of the scheduling context that ran out.
pub const TIMEOUT_DATA: usize = 0;
/// seL4_Timeout_Consumed: time the scheduling context consumed since last asked (timebase).
pub const TIMEOUT_CONSUMED: usize = 1;
/// seL4_Timeout_Length
pub const TIMEOUT_LENGTH: usize = 2;

pub use crate::arch::context::*;
