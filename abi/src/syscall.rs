//! System call numbers (passed in `a7`) and the RISC-V register convention for `ecall`.

use crate::convert::abi_enum;

abi_enum! {
    /// seL4_Syscall_ID (seL4 16.0.0): the value placed in `a7` before `ecall`.
    ///
    /// The API calls count down from -1 in the order of seL4's list for the configuration
    /// (eight non-MCS, eleven MCS); the debug and benchmark calls continue the count, each
    /// numbered whether or not the kernel is built with it. Which of them a kernel accepts
    /// depends on its configuration.
    pub enum Syscall: isize {
        /// seL4_SysCall
        Call = -1,
        /// seL4_SysReplyRecv (MCS: with an explicit reply object in `a6`)
        ReplyRecv = -2,
        /// seL4_SysNBSendRecv
        #[cfg(feature = "mcs")]
        NbSendRecv = -3,
        /// seL4_SysNBSendWait
        #[cfg(feature = "mcs")]
        NbSendWait = -4,
        /// seL4_SysSend
        #[cfg(not(feature = "mcs"))]
        Send = -3,
        /// seL4_SysSend
        #[cfg(feature = "mcs")]
        Send = -5,
        /// seL4_SysNBSend
        #[cfg(not(feature = "mcs"))]
        NbSend = -4,
        /// seL4_SysNBSend
        #[cfg(feature = "mcs")]
        NbSend = -6,
        /// seL4_SysRecv
        #[cfg(not(feature = "mcs"))]
        Recv = -5,
        /// seL4_SysRecv
        #[cfg(feature = "mcs")]
        Recv = -7,
        /// seL4_SysReply
        #[cfg(not(feature = "mcs"))]
        Reply = -6,
        /// seL4_SysYield
        #[cfg(not(feature = "mcs"))]
        Yield = -7,
        /// seL4_SysNBRecv
        NbRecv = -8,
        /// seL4_SysWait
        #[cfg(feature = "mcs")]
        Wait = -9,
        /// seL4_SysNBWait
        #[cfg(feature = "mcs")]
        NbWait = -10,
        /// seL4_SysYield
        #[cfg(feature = "mcs")]
        Yield = -11,
        /// seL4_SysDebugPutChar (`CONFIG_PRINTING`)
        DebugPutChar = API_SYSCALL_MIN - 1,
        /// seL4_SysDebugDumpScheduler (`CONFIG_PRINTING`)
        DebugDumpScheduler = API_SYSCALL_MIN - 2,
        /// seL4_SysDebugHalt (`CONFIG_DEBUG_BUILD`)
        DebugHalt = API_SYSCALL_MIN - 3,
        /// seL4_SysDebugCapIdentify (`CONFIG_DEBUG_BUILD`); returns a [`crate::CapType`] tag in `a0`
        DebugCapIdentify = API_SYSCALL_MIN - 4,
        /// seL4_SysDebugSnapshot (`CONFIG_DEBUG_BUILD`)
        DebugSnapshot = API_SYSCALL_MIN - 5,
        /// seL4_SysDebugNameThread (`CONFIG_DEBUG_BUILD`); the name is a NUL-terminated string in the IPC buffer's `msg`
        DebugNameThread = API_SYSCALL_MIN - 6,
        /// seL4_SysDebugSendIPI (debug and SMP only)
        DebugSendIpi = API_SYSCALL_MIN - 7,
        /// seL4_SysDebugGetThreadAffinity (debug and SMP only; new in seL4 16.0.0)
        DebugGetThreadAffinity = API_SYSCALL_MIN - 8,
        /// seL4_SysDebugRun (`CONFIG_DANGEROUS_CODE_INJECTION`)
        DebugRun = API_SYSCALL_MIN - 9,
        /// seL4_SysBenchmarkFlushCaches (`CONFIG_ENABLE_BENCHMARKS`)
        BenchmarkFlushCaches = API_SYSCALL_MIN - 10,
        /// seL4_SysBenchmarkResetLog (`CONFIG_ENABLE_BENCHMARKS`)
        BenchmarkResetLog = API_SYSCALL_MIN - 11,
        /// seL4_SysBenchmarkFinalizeLog (`CONFIG_ENABLE_BENCHMARKS`)
        BenchmarkFinalizeLog = API_SYSCALL_MIN - 12,
        /// seL4_SysBenchmarkSetLogBuffer (`CONFIG_ENABLE_BENCHMARKS`)
        BenchmarkSetLogBuffer = API_SYSCALL_MIN - 13,
        /// seL4_SysBenchmarkNullSyscall (`CONFIG_ENABLE_BENCHMARKS`)
        BenchmarkNullSyscall = API_SYSCALL_MIN - 14,
        /// seL4_SysBenchmarkGetThreadUtilisation (`CONFIG_BENCHMARK_TRACK_UTILISATION`)
        BenchmarkGetThreadUtilisation = API_SYSCALL_MIN - 15,
        /// seL4_SysBenchmarkResetThreadUtilisation (`CONFIG_BENCHMARK_TRACK_UTILISATION`)
        BenchmarkResetThreadUtilisation = API_SYSCALL_MIN - 16,
        /// seL4_SysBenchmarkDumpAllThreadsUtilisation (debug + utilisation tracking)
        BenchmarkDumpAllThreadsUtilisation = API_SYSCALL_MIN - 17,
        /// seL4_SysBenchmarkResetAllThreadsUtilisation (debug + utilisation tracking)
        BenchmarkResetAllThreadsUtilisation = API_SYSCALL_MIN - 18,
        /// seL4_SysX86DangerousWRMSR (x86 only)
        X86DangerousWrmsr = API_SYSCALL_MIN - 19,
        /// seL4_SysX86DangerousRDMSR (x86 only)
        X86DangerousRdmsr = API_SYSCALL_MIN - 20,
        /// seL4_SysVMEnter (x86 VT-x only)
        VmEnter = API_SYSCALL_MIN - 21,
        /// seL4_SysSetTLSBase (`CONFIG_SET_TLS_BASE_SELF`; off by default)
        SetTlsBase = API_SYSCALL_MIN - 22,
    }
}

/// Lowest (most negative) number of an API system call; API calls are `API_SYSCALL_MIN..=-1`.
#[cfg(not(feature = "mcs"))]
pub const API_SYSCALL_MIN: isize = -8;
/// Lowest (most negative) number of an API system call; API calls are `API_SYSCALL_MIN..=-1`.
#[cfg(feature = "mcs")]
pub const API_SYSCALL_MIN: isize = -11;

/// Highest API system call number.
pub const API_SYSCALL_MAX: isize = -1;

impl Syscall {
    /// Decodes the raw `a7` register value (a sign-extended word).
    #[inline]
    pub const fn from_word(word: u64) -> Option<Self> {
        Self::from_value(word as i64 as isize)
    }

    /// The raw register value to load into `a7`.
    #[inline]
    pub const fn word(self) -> u64 {
        self as isize as i64 as u64
    }

    /// Whether this is one of the API calls (as opposed to a debug or benchmark call,
    /// which the kernel dispatches on its unknown-syscall path).
    #[inline]
    pub const fn is_api(self) -> bool {
        let n = self as isize;
        n >= API_SYSCALL_MIN && n <= API_SYSCALL_MAX
    }
}

/// RISC-V integer register numbers (`xN`) used by the system-call convention.
pub mod reg {
    /// `a0`: capability address on entry, sender badge on return (`capRegister` / `badgeRegister`).
    pub const CAP: u8 = 10;
    /// `a0`: badge of the sender, returned by receive-phase calls.
    pub const BADGE: u8 = 10;
    /// `a1`: message info word, in and out (`msgInfoRegister`).
    pub const MSG_INFO: u8 = 11;
    /// `a2`..`a5`: the first four message registers.
    pub const MSG: [u8; super::FAST_MESSAGE_REGISTERS] = [12, 13, 14, 15];
    /// `a6`: reply object capability (MCS kernels only).
    pub const REPLY: u8 = 16;
    /// `a7`: system call number.
    pub const SYSCALL: u8 = 17;
}

/// Number of message registers carried in CPU registers (`n_msgRegisters`); the rest live in the IPC buffer.
pub const FAST_MESSAGE_REGISTERS: usize = 4;
