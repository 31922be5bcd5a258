//! Invocation labels: the message label that selects an operation on an invoked capability.

use crate::convert::abi_enum;

abi_enum! {
    /// The `invocation_label` numbering for a RISC-V 64, non-MCS, uniprocessor
    /// kernel without the hardware debug API.
    ///
    /// Generic labels come first (after `InvalidInvocation = 0`), then the
    /// 64-bit-mode labels (none on RISC-V 64), then the RISC-V labels. The
    /// generated seL4 header omits labels whose configuration is off, so the
    /// numbers after an omitted label shift down: `TCBSetAffinity` (SMP only),
    /// the four breakpoint labels (hardware debug API) and every MCS-only label
    /// are absent here.
    pub enum InvocationLabel: u64 {
        /// InvalidInvocation
        InvalidInvocation = 0,
        /// UntypedRetype
        UntypedRetype = 1,
        /// TCBReadRegisters
        TcbReadRegisters = 2,
        /// TCBWriteRegisters
        TcbWriteRegisters = 3,
        /// TCBCopyRegisters
        TcbCopyRegisters = 4,
        /// TCBConfigure
        TcbConfigure = 5,
        /// TCBSetPriority
        TcbSetPriority = 6,
        /// TCBSetMCPriority
        TcbSetMcPriority = 7,
        /// TCBSetSchedParams
        TcbSetSchedParams = 8,
        /// TCBSetIPCBuffer
        TcbSetIpcBuffer = 9,
        /// TCBSetSpace
        TcbSetSpace = 10,
        /// TCBSuspend
        TcbSuspend = 11,
        /// TCBResume
        TcbResume = 12,
        /// TCBBindNotification
        TcbBindNotification = 13,
        /// TCBUnbindNotification
        TcbUnbindNotification = 14,
        /// TCBSetTLSBase
        TcbSetTlsBase = 15,
        /// TCBSetFlags
        TcbSetFlags = 16,
        /// CNodeRevoke
        CNodeRevoke = 17,
        /// CNodeDelete
        CNodeDelete = 18,
        /// CNodeCancelBadgedSends
        CNodeCancelBadgedSends = 19,
        /// CNodeCopy
        CNodeCopy = 20,
        /// CNodeMint
        CNodeMint = 21,
        /// CNodeMove
        CNodeMove = 22,
        /// CNodeMutate
        CNodeMutate = 23,
        /// CNodeRotate
        CNodeRotate = 24,
        /// CNodeSaveCaller
        CNodeSaveCaller = 25,
        /// IRQIssueIRQHandler
        IrqIssueIrqHandler = 26,
        /// IRQAckIRQ
        IrqAckIrq = 27,
        /// IRQSetIRQHandler
        IrqSetIrqHandler = 28,
        /// IRQClearIRQHandler
        IrqClearIrqHandler = 29,
        /// DomainSetSet
        DomainSetSet = 30,
        /// RISCVPageTableMap
        RiscvPageTableMap = 31,
        /// RISCVPageTableUnmap
        RiscvPageTableUnmap = 32,
        /// RISCVPageMap
        RiscvPageMap = 33,
        /// RISCVPageUnmap
        RiscvPageUnmap = 34,
        /// RISCVPageGetAddress
        RiscvPageGetAddress = 35,
        /// RISCVASIDControlMakePool
        RiscvAsidControlMakePool = 36,
        /// RISCVASIDPoolAssign
        RiscvAsidPoolAssign = 37,
        /// RISCVIRQIssueIRQHandlerTrigger
        RiscvIrqIssueIrqHandlerTrigger = 38,
    }
}

/// nInvocationLabels: one past the last generic label.
pub const N_INVOCATION_LABELS: u64 = 31;

/// nSeL4ArchInvocationLabels: one past the last mode label (RISC-V 64 has none).
pub const N_SEL4_ARCH_INVOCATION_LABELS: u64 = N_INVOCATION_LABELS;

/// nArchInvocationLabels: one past the last RISC-V label.
pub const N_ARCH_INVOCATION_LABELS: u64 = 39;

impl InvocationLabel {
    /// Whether this is an architecture-specific (RISC-V) label.
    #[inline]
    pub const fn is_arch(self) -> bool {
        (self as u64) >= N_SEL4_ARCH_INVOCATION_LABELS
    }
}
