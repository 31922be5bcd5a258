//! Invocation labels: the message label that selects an operation on an invoked capability.

use crate::convert::abi_enum;

abi_enum! {
    /// The `invocation_label` numbering of seL4 16.0.0 for a RISC-V 64 uniprocessor kernel
    /// without the hardware debug API, in the non-MCS or (feature `mcs`) the MCS configuration.
    ///
    /// As in seL4's generated header, labels are numbered in interface order and a label whose
    /// configuration is off is left out, so the ones after it move down: `TCBSetAffinity` (SMP
    /// only) and the four breakpoint labels (hardware debug API) are never here, the MCS labels
    /// only with `mcs`, and `CNodeSaveCaller` only without.
    pub enum InvocationLabel: u64 {
        /// InvalidInvocation
        InvalidInvocation = 0,
        /// UntypedRetype
        UntypedRetype,
        /// TCBReadRegisters
        TcbReadRegisters,
        /// TCBWriteRegisters
        TcbWriteRegisters,
        /// TCBCopyRegisters
        TcbCopyRegisters,
        /// TCBConfigure (the MCS form takes a fault endpoint and a timeout endpoint)
        TcbConfigure,
        /// TCBSetPriority
        TcbSetPriority,
        /// TCBSetMCPriority
        TcbSetMcPriority,
        /// TCBSetSchedParams (the MCS form takes a scheduling context and a fault endpoint)
        TcbSetSchedParams,
        /// TCBSetTimeoutEndpoint
        #[cfg(feature = "mcs")]
        TcbSetTimeoutEndpoint,
        /// TCBSetIPCBuffer
        TcbSetIpcBuffer,
        /// TCBSetSpace (the MCS form takes no fault endpoint)
        TcbSetSpace,
        /// TCBSuspend
        TcbSuspend,
        /// TCBResume
        TcbResume,
        /// TCBBindNotification
        TcbBindNotification,
        /// TCBUnbindNotification
        TcbUnbindNotification,
        /// TCBSetTLSBase
        TcbSetTlsBase,
        /// TCBSetFlags
        TcbSetFlags,
        /// CNodeRevoke
        CNodeRevoke,
        /// CNodeDelete
        CNodeDelete,
        /// CNodeCancelBadgedSends
        CNodeCancelBadgedSends,
        /// CNodeCopy
        CNodeCopy,
        /// CNodeMint
        CNodeMint,
        /// CNodeMove
        CNodeMove,
        /// CNodeMutate
        CNodeMutate,
        /// CNodeRotate
        CNodeRotate,
        /// CNodeSaveCaller
        #[cfg(not(feature = "mcs"))]
        CNodeSaveCaller,
        /// IRQIssueIRQHandler
        IrqIssueIrqHandler,
        /// IRQAckIRQ
        IrqAckIrq,
        /// IRQSetIRQHandler
        IrqSetIrqHandler,
        /// IRQClearIRQHandler
        IrqClearIrqHandler,
        /// DomainSetSet
        DomainSetSet,
        /// DomainScheduleConfigure (new in seL4 16.0.0)
        DomainScheduleConfigure,
        /// DomainScheduleSetStart (new in seL4 16.0.0)
        DomainScheduleSetStart,
        /// SchedControlConfigureFlags
        #[cfg(feature = "mcs")]
        SchedControlConfigureFlags,
        /// SchedContextBind
        #[cfg(feature = "mcs")]
        SchedContextBind,
        /// SchedContextUnbind
        #[cfg(feature = "mcs")]
        SchedContextUnbind,
        /// SchedContextUnbindObject
        #[cfg(feature = "mcs")]
        SchedContextUnbindObject,
        /// SchedContextConsumed
        #[cfg(feature = "mcs")]
        SchedContextConsumed,
        /// SchedContextYieldTo
        #[cfg(feature = "mcs")]
        SchedContextYieldTo,
        /// RISCVPageTableMap
        RiscvPageTableMap,
        /// RISCVPageTableUnmap
        RiscvPageTableUnmap,
        /// RISCVPageMap
        RiscvPageMap,
        /// RISCVPageUnmap
        RiscvPageUnmap,
        /// RISCVPageGetAddress
        RiscvPageGetAddress,
        /// RISCVASIDControlMakePool
        RiscvAsidControlMakePool,
        /// RISCVASIDPoolAssign
        RiscvAsidPoolAssign,
        /// RISCVIRQIssueIRQHandlerTrigger
        RiscvIrqIssueIrqHandlerTrigger,
        /// RISCVVCPUSetTCB (hypervisor builds): binds a VCPU to a thread
        #[cfg(feature = "hyp")]
        RiscvVcpuSetTcb,
        /// RISCVVCPUReadReg
        #[cfg(feature = "hyp")]
        RiscvVcpuReadReg,
        /// RISCVVCPUWriteReg
        #[cfg(feature = "hyp")]
        RiscvVcpuWriteReg,
    }
}

/// nInvocationLabels: one past the last generic label.
#[cfg(not(feature = "mcs"))]
pub const N_INVOCATION_LABELS: u64 = InvocationLabel::DomainScheduleSetStart as u64 + 1;
/// nInvocationLabels: one past the last generic label.
#[cfg(feature = "mcs")]
pub const N_INVOCATION_LABELS: u64 = InvocationLabel::SchedContextYieldTo as u64 + 1;

/// nSeL4ArchInvocationLabels: one past the last mode label (RISC-V 64 has none).
pub const N_SEL4_ARCH_INVOCATION_LABELS: u64 = N_INVOCATION_LABELS;

/// nArchInvocationLabels: one past the last RISC-V label.
#[cfg(not(feature = "hyp"))]
pub const N_ARCH_INVOCATION_LABELS: u64 = InvocationLabel::RiscvIrqIssueIrqHandlerTrigger as u64 + 1;
/// nArchInvocationLabels: one past the last RISC-V label.
#[cfg(feature = "hyp")]
pub const N_ARCH_INVOCATION_LABELS: u64 = InvocationLabel::RiscvVcpuWriteReg as u64 + 1;

impl InvocationLabel {
    /// Whether this is an architecture-specific (RISC-V) label.
    #[inline]
    pub const fn is_arch(self) -> bool {
        (self as u64) >= N_SEL4_ARCH_INVOCATION_LABELS
    }
}
