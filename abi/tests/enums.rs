//! Host tests: exact seL4 numbering of every ABI enum and `TryFrom` round trips.

use atoll_abi::{
    BootInfoId, CapType, Error, FaultType, InvocationLabel, LookupFailureType, ObjectType, Syscall, UnknownValue,
};
use proptest::prelude::*;

/// Checks that `ALL` has the expected (variant, value) pairs, that each value
/// decodes back to its variant, and that the listed values are distinct.
macro_rules! check_table {
    ($ty:ty, $repr:ty, [$(($variant:ident, $value:expr)),+ $(,)?]) => {{
        let table: &[($ty, $repr)] = &[$((<$ty>::$variant, $value)),+];
        assert_eq!(<$ty>::ALL.len(), table.len(), "ALL has every variant");
        for (i, &(v, n)) in table.iter().enumerate() {
            assert_eq!(<$ty>::ALL[i], v);
            assert_eq!(v.value(), n, "{v:?}");
            assert_eq!(<$repr>::from(v), n);
            assert_eq!(<$ty>::try_from(n), Ok(v));
            assert_eq!(<$ty>::from_value(n), Some(v));
        }
        for (i, a) in table.iter().enumerate() {
            for b in &table[i + 1..] {
                assert_ne!(a.1, b.1);
            }
        }
    }};
}

/// Every value in `range` decodes iff it is a variant's value.
fn check_range_u64<T>(range: core::ops::RangeInclusive<u64>, all: &[T])
where
    T: Copy + PartialEq + core::fmt::Debug + TryFrom<u64, Error = UnknownValue<u64>> + Into<u64>,
{
    for n in range {
        match T::try_from(n) {
            Ok(v) => assert_eq!(v.into(), n),
            Err(e) => {
                assert_eq!(e, UnknownValue(n));
                assert!(all.iter().all(|v| (*v).into() != n));
            }
        }
    }
    for n in [u64::MAX, u64::MAX - 1, 1 << 32, 1 << 63] {
        assert!(T::try_from(n).is_err());
    }
}

/// seL4 16.0.0's generated `syscall.h`, non-MCS.
#[cfg(not(feature = "mcs"))]
#[test]
fn syscall_numbers() {
    check_table!(
        Syscall,
        isize,
        [
            (Call, -1),
            (ReplyRecv, -2),
            (Send, -3),
            (NbSend, -4),
            (Recv, -5),
            (Reply, -6),
            (Yield, -7),
            (NbRecv, -8),
            (DebugPutChar, -9),
            (DebugDumpScheduler, -10),
            (DebugHalt, -11),
            (DebugCapIdentify, -12),
            (DebugSnapshot, -13),
            (DebugNameThread, -14),
            (DebugSendIpi, -15),
            (DebugGetThreadAffinity, -16),
            (DebugRun, -17),
            (BenchmarkFlushCaches, -18),
            (BenchmarkResetLog, -19),
            (BenchmarkFinalizeLog, -20),
            (BenchmarkSetLogBuffer, -21),
            (BenchmarkNullSyscall, -22),
            (BenchmarkGetThreadUtilisation, -23),
            (BenchmarkResetThreadUtilisation, -24),
            (BenchmarkDumpAllThreadsUtilisation, -25),
            (BenchmarkResetAllThreadsUtilisation, -26),
            (X86DangerousWrmsr, -27),
            (X86DangerousRdmsr, -28),
            (VmEnter, -29),
            (SetTlsBase, -30),
        ]
    );
    check_syscall_range(-30, 8);
}

/// seL4 16.0.0's generated `syscall.h`, MCS.
#[cfg(feature = "mcs")]
#[test]
fn syscall_numbers() {
    check_table!(
        Syscall,
        isize,
        [
            (Call, -1),
            (ReplyRecv, -2),
            (NbSendRecv, -3),
            (NbSendWait, -4),
            (Send, -5),
            (NbSend, -6),
            (Recv, -7),
            (NbRecv, -8),
            (Wait, -9),
            (NbWait, -10),
            (Yield, -11),
            (DebugPutChar, -12),
            (DebugDumpScheduler, -13),
            (DebugHalt, -14),
            (DebugCapIdentify, -15),
            (DebugSnapshot, -16),
            (DebugNameThread, -17),
            (DebugSendIpi, -18),
            (DebugGetThreadAffinity, -19),
            (DebugRun, -20),
            (BenchmarkFlushCaches, -21),
            (BenchmarkResetLog, -22),
            (BenchmarkFinalizeLog, -23),
            (BenchmarkSetLogBuffer, -24),
            (BenchmarkNullSyscall, -25),
            (BenchmarkGetThreadUtilisation, -26),
            (BenchmarkResetThreadUtilisation, -27),
            (BenchmarkDumpAllThreadsUtilisation, -28),
            (BenchmarkResetAllThreadsUtilisation, -29),
            (X86DangerousWrmsr, -30),
            (X86DangerousRdmsr, -31),
            (VmEnter, -32),
            (SetTlsBase, -33),
        ]
    );
    check_syscall_range(-33, 11);
}

/// Exactly `lowest..=-1` decode, the first `api` of them are API calls, and words round-trip.
fn check_syscall_range(lowest: isize, api: usize) {
    for n in -100isize..=100 {
        assert_eq!(Syscall::try_from(n).is_ok(), (lowest..=-1).contains(&n), "{n}");
        if let Err(e) = Syscall::try_from(n) {
            assert_eq!(e, UnknownValue(n));
        }
    }
    assert!(Syscall::try_from(isize::MIN).is_err());
    assert!(Syscall::try_from(isize::MAX).is_err());
    for &s in Syscall::ALL {
        assert_eq!(Syscall::from_word(s.word()), Some(s));
        assert_eq!(s.word(), (s.value() as i64) as u64);
        assert_eq!(s.is_api(), s.value() >= -(api as isize));
    }
    assert_eq!(Syscall::Call.word(), u64::MAX);
    assert_eq!(Syscall::from_word(0), None);
    assert_eq!(Syscall::from_word(1), None);
    assert_eq!(Syscall::ALL.iter().filter(|s| s.is_api()).count(), api);
}

#[test]
fn error_numbers() {
    check_table!(
        Error,
        u64,
        [
            (NoError, 0),
            (InvalidArgument, 1),
            (InvalidCapability, 2),
            (IllegalOperation, 3),
            (RangeError, 4),
            (AlignmentError, 5),
            (FailedLookup, 6),
            (TruncatedMessage, 7),
            (DeleteFirst, 8),
            (RevokeFirst, 9),
            (NotEnoughMemory, 10),
        ]
    );
    check_range_u64::<Error>(0..=1000, Error::ALL);
    assert_eq!(Error::ALL.len(), atoll_abi::error::NUM_ERRORS);
}

#[test]
fn lookup_failure_numbers() {
    check_table!(
        LookupFailureType,
        u64,
        [(NoFailure, 0), (InvalidRoot, 1), (MissingCapability, 2), (DepthMismatch, 3), (GuardMismatch, 4),]
    );
    check_range_u64::<LookupFailureType>(0..=1000, LookupFailureType::ALL);
}

#[cfg(not(any(feature = "mcs", feature = "hyp")))]
#[test]
fn object_type_numbers() {
    use atoll_abi::object::*;
    check_table!(
        ObjectType,
        u64,
        [
            (Untyped, 0),
            (Tcb, 1),
            (Endpoint, 2),
            (Notification, 3),
            (CapTable, 4),
            (RiscvGigaPage, 5),
            (Riscv4KPage, 6),
            (RiscvMegaPage, 7),
            (RiscvPageTable, 8),
        ]
    );
    check_range_u64::<ObjectType>(0..=1000, ObjectType::ALL);
    assert_eq!(ObjectType::ALL.len() as u64, OBJECT_TYPE_COUNT);
    assert!(ObjectType::try_from(RISCV_TERA_PAGE).is_err());
    assert_eq!(ObjectType::RiscvGigaPage.value(), NON_ARCH_OBJECT_TYPE_COUNT);
    assert_eq!(ObjectType::Riscv4KPage.value(), MODE_OBJECT_TYPE_COUNT);

    assert_eq!(object_size_bits(ObjectType::Untyped), None);
    assert_eq!(object_size_bits(ObjectType::CapTable), None);
    assert_eq!(object_size_bits(ObjectType::Tcb), Some(11));
    assert_eq!(object_size_bits(ObjectType::Endpoint), Some(4));
    assert_eq!(object_size_bits(ObjectType::Notification), Some(5));
    assert_eq!(object_size_bits(ObjectType::Riscv4KPage), Some(12));
    assert_eq!(object_size_bits(ObjectType::RiscvMegaPage), Some(21));
    assert_eq!(object_size_bits(ObjectType::RiscvGigaPage), Some(30));
    assert_eq!(object_size_bits(ObjectType::RiscvPageTable), Some(12));
    assert_eq!(ObjectType::Untyped.size_bits(17), 17);
    assert_eq!(ObjectType::CapTable.size_bits(12), 17);
    assert_eq!(ObjectType::Tcb.size_bits(99), TCB_BITS);
    let frames: Vec<_> = ObjectType::ALL.iter().filter(|t| t.is_frame()).collect();
    assert_eq!(frames.len(), 3);
    assert_eq!(ObjectType::ALL.iter().filter(|t| t.is_generic()).count(), 5);
}

#[test]
fn object_size_constants() {
    use atoll_abi::object::*;
    assert_eq!(WORD_BITS, 64);
    assert_eq!(1 << WORD_SIZE_BITS, 8);
    assert_eq!(SLOT_BITS, 5);
    assert_eq!(PAGE_TABLE_ENTRY_BITS + PAGE_TABLE_INDEX_BITS, PAGE_TABLE_BITS);
    assert_eq!(PAGE_BITS + PAGE_TABLE_INDEX_BITS, LARGE_PAGE_BITS);
    assert_eq!(LARGE_PAGE_BITS + PAGE_TABLE_INDEX_BITS, HUGE_PAGE_BITS);
    assert_eq!(HUGE_PAGE_BITS + PAGE_TABLE_INDEX_BITS, TERA_PAGE_BITS);
    assert_eq!(VSPACE_BITS, 12);
    assert_eq!(NUM_ASID_POOLS_BITS + ASID_POOL_INDEX_BITS, 16);
    assert_eq!(ASID_POOL_BITS, ASID_POOL_INDEX_BITS + WORD_SIZE_BITS);
    assert_eq!((MIN_UNTYPED_BITS, MAX_UNTYPED_BITS), (4, 38));
    assert_eq!(USER_TOP, (1 << 38) - 4096);
    assert_eq!(UNTYPED_RETYPE_MAX_OBJECTS, 256);
}

/// seL4 16.0.0's generated `invocation.h`, `sel4_arch_invocation.h` and `arch_invocation.h`
/// for RISC-V 64, non-MCS.
#[cfg(not(any(feature = "mcs", feature = "hyp")))]
#[test]
fn invocation_label_numbers() {
    use atoll_abi::invocation::*;
    check_table!(
        InvocationLabel,
        u64,
        [
            (InvalidInvocation, 0),
            (UntypedRetype, 1),
            (TcbReadRegisters, 2),
            (TcbWriteRegisters, 3),
            (TcbCopyRegisters, 4),
            (TcbConfigure, 5),
            (TcbSetPriority, 6),
            (TcbSetMcPriority, 7),
            (TcbSetSchedParams, 8),
            (TcbSetIpcBuffer, 9),
            (TcbSetSpace, 10),
            (TcbSuspend, 11),
            (TcbResume, 12),
            (TcbBindNotification, 13),
            (TcbUnbindNotification, 14),
            (TcbSetTlsBase, 15),
            (TcbSetFlags, 16),
            (CNodeRevoke, 17),
            (CNodeDelete, 18),
            (CNodeCancelBadgedSends, 19),
            (CNodeCopy, 20),
            (CNodeMint, 21),
            (CNodeMove, 22),
            (CNodeMutate, 23),
            (CNodeRotate, 24),
            (CNodeSaveCaller, 25),
            (IrqIssueIrqHandler, 26),
            (IrqAckIrq, 27),
            (IrqSetIrqHandler, 28),
            (IrqClearIrqHandler, 29),
            (DomainSetSet, 30),
            (DomainScheduleConfigure, 31),
            (DomainScheduleSetStart, 32),
            (RiscvPageTableMap, 33),
            (RiscvPageTableUnmap, 34),
            (RiscvPageMap, 35),
            (RiscvPageUnmap, 36),
            (RiscvPageGetAddress, 37),
            (RiscvAsidControlMakePool, 38),
            (RiscvAsidPoolAssign, 39),
            (RiscvIrqIssueIrqHandlerTrigger, 40),
        ]
    );
    check_range_u64::<InvocationLabel>(0..=1000, InvocationLabel::ALL);
    assert_eq!(InvocationLabel::ALL.len() as u64, N_ARCH_INVOCATION_LABELS);
    assert_eq!(N_INVOCATION_LABELS, 33);
    assert_eq!(N_SEL4_ARCH_INVOCATION_LABELS, N_INVOCATION_LABELS);
    assert_eq!(InvocationLabel::ALL.iter().filter(|l| l.is_arch()).count(), 8);
}

/// The same headers for the MCS configuration.
#[cfg(feature = "mcs")]
#[test]
fn invocation_label_numbers() {
    use atoll_abi::invocation::*;
    check_table!(
        InvocationLabel,
        u64,
        [
            (InvalidInvocation, 0),
            (UntypedRetype, 1),
            (TcbReadRegisters, 2),
            (TcbWriteRegisters, 3),
            (TcbCopyRegisters, 4),
            (TcbConfigure, 5),
            (TcbSetPriority, 6),
            (TcbSetMcPriority, 7),
            (TcbSetSchedParams, 8),
            (TcbSetTimeoutEndpoint, 9),
            (TcbSetIpcBuffer, 10),
            (TcbSetSpace, 11),
            (TcbSuspend, 12),
            (TcbResume, 13),
            (TcbBindNotification, 14),
            (TcbUnbindNotification, 15),
            (TcbSetTlsBase, 16),
            (TcbSetFlags, 17),
            (CNodeRevoke, 18),
            (CNodeDelete, 19),
            (CNodeCancelBadgedSends, 20),
            (CNodeCopy, 21),
            (CNodeMint, 22),
            (CNodeMove, 23),
            (CNodeMutate, 24),
            (CNodeRotate, 25),
            (IrqIssueIrqHandler, 26),
            (IrqAckIrq, 27),
            (IrqSetIrqHandler, 28),
            (IrqClearIrqHandler, 29),
            (DomainSetSet, 30),
            (DomainScheduleConfigure, 31),
            (DomainScheduleSetStart, 32),
            (SchedControlConfigureFlags, 33),
            (SchedContextBind, 34),
            (SchedContextUnbind, 35),
            (SchedContextUnbindObject, 36),
            (SchedContextConsumed, 37),
            (SchedContextYieldTo, 38),
            (RiscvPageTableMap, 39),
            (RiscvPageTableUnmap, 40),
            (RiscvPageMap, 41),
            (RiscvPageUnmap, 42),
            (RiscvPageGetAddress, 43),
            (RiscvAsidControlMakePool, 44),
            (RiscvAsidPoolAssign, 45),
            (RiscvIrqIssueIrqHandlerTrigger, 46),
        ]
    );
    check_range_u64::<InvocationLabel>(0..=1000, InvocationLabel::ALL);
    assert_eq!(InvocationLabel::ALL.len() as u64, N_ARCH_INVOCATION_LABELS);
    assert_eq!(N_INVOCATION_LABELS, 39);
    assert_eq!(InvocationLabel::ALL.iter().filter(|l| l.is_arch()).count(), 8);
}

#[cfg(not(any(feature = "mcs", feature = "hyp")))]
#[test]
fn cap_type_numbers() {
    check_table!(
        CapType,
        u64,
        [
            (Null, 0),
            (Frame, 1),
            (Untyped, 2),
            (PageTable, 3),
            (Endpoint, 4),
            (Notification, 6),
            (Reply, 8),
            (CNode, 10),
            (AsidControl, 11),
            (Thread, 12),
            (AsidPool, 13),
            (IrqControl, 14),
            (IrqHandler, 16),
            (Zombie, 18),
            (Domain, 20),
        ]
    );
    check_range_u64::<CapType>(0..=1000, CapType::ALL);
    for &c in CapType::ALL {
        assert!(c.value() < 1 << atoll_abi::cap_type::CAP_TYPE_BITS);
        let arch = matches!(c, CapType::Frame | CapType::PageTable | CapType::AsidControl | CapType::AsidPool);
        assert_eq!(c.is_arch(), arch, "{c:?}");
    }
    for n in [5, 7, 9, 15, 17, 19, 21, 22, 24, 31] {
        assert!(CapType::try_from(n).is_err(), "{n}");
    }
}

#[cfg(not(any(feature = "mcs", feature = "hyp")))]
#[test]
fn fault_type_numbers() {
    check_table!(
        FaultType,
        u64,
        [(NullFault, 0), (CapFault, 1), (UnknownSyscall, 2), (UserException, 3), (VmFault, 5),]
    );
    check_range_u64::<FaultType>(0..=1000, FaultType::ALL);
    assert!(FaultType::try_from(4).is_err());
    assert!(FaultType::try_from(6).is_err());
}

#[test]
fn fault_message_indices() {
    use atoll_abi::fault::*;
    assert_eq!(
        [CAP_FAULT_IP, CAP_FAULT_ADDR, CAP_FAULT_IN_RECV_PHASE, CAP_FAULT_LOOKUP_FAILURE_TYPE, CAP_FAULT_BITS_LEFT],
        [0, 1, 2, 3, 4]
    );
    assert_eq!(CAP_FAULT_DEPTH_MISMATCH_BITS_FOUND, 5);
    assert_eq!(CAP_FAULT_GUARD_MISMATCH_GUARD_FOUND, 5);
    assert_eq!(CAP_FAULT_GUARD_MISMATCH_BITS_FOUND, 6);
    assert_eq!(
        [
            UNKNOWN_SYSCALL_FAULT_IP,
            UNKNOWN_SYSCALL_SP,
            UNKNOWN_SYSCALL_RA,
            UNKNOWN_SYSCALL_A0,
            UNKNOWN_SYSCALL_A1,
            UNKNOWN_SYSCALL_A2,
            UNKNOWN_SYSCALL_A3,
            UNKNOWN_SYSCALL_A4,
            UNKNOWN_SYSCALL_A5,
            UNKNOWN_SYSCALL_A6,
            UNKNOWN_SYSCALL_SYSCALL,
            UNKNOWN_SYSCALL_LENGTH,
        ],
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
    );
    assert_eq!(
        [USER_EXCEPTION_FAULT_IP, USER_EXCEPTION_SP, USER_EXCEPTION_NUMBER, USER_EXCEPTION_CODE, USER_EXCEPTION_LENGTH],
        [0, 1, 2, 3, 4]
    );
    assert_eq!([VM_FAULT_IP, VM_FAULT_ADDR, VM_FAULT_PREFETCH_FAULT, VM_FAULT_FSR, VM_FAULT_LENGTH], [0, 1, 2, 3, 4]);
}

#[test]
fn boot_info_ids() {
    check_table!(
        BootInfoId,
        u64,
        [(Padding, 0), (X86Vbe, 1), (X86MbMmap, 2), (X86AcpiRsdp, 3), (X86Framebuffer, 4), (X86TscFreq, 5), (Fdt, 6),]
    );
    check_range_u64::<BootInfoId>(0..=1000, BootInfoId::ALL);
    assert_eq!(BootInfoId::ALL.len() as u64, atoll_abi::bootinfo::BOOTINFO_HEADER_NUM);
}

#[test]
fn initial_slots() {
    use atoll_abi::slots::*;
    let slots = [
        CAP_NULL,
        CAP_INIT_THREAD_TCB,
        CAP_INIT_THREAD_CNODE,
        CAP_INIT_THREAD_VSPACE,
        CAP_IRQ_CONTROL,
        CAP_ASID_CONTROL,
        CAP_INIT_THREAD_ASID_POOL,
        CAP_IO_PORT_CONTROL,
        CAP_IO_SPACE,
        CAP_BOOT_INFO_FRAME,
        CAP_INIT_THREAD_IPC_BUFFER,
        CAP_DOMAIN,
        CAP_SMMU_SID_CONTROL,
        CAP_SMMU_CB_CONTROL,
        CAP_INIT_THREAD_SC,
        CAP_SMC,
    ];
    for (i, s) in slots.iter().enumerate() {
        assert_eq!(*s, i as u64);
    }
    assert_eq!(NUM_INITIAL_CAPS, 16);
    assert_eq!(CAP_INIT_THREAD_PD, 3);
}

#[test]
fn misc_constants() {
    use atoll_abi::{syscall, tcb, vm};
    assert_eq!(syscall::reg::SYSCALL, 17);
    assert_eq!(syscall::reg::CAP, 10);
    assert_eq!(syscall::reg::MSG_INFO, 11);
    assert_eq!(syscall::reg::MSG, [12, 13, 14, 15]);
    assert_eq!(tcb::MAX_PRIO, 255);
    assert_eq!(tcb::TCB_FLAG_MASK, 1);
    assert_eq!(vm::RISCV_EXECUTE_NEVER, 1);
}

proptest! {
    #[test]
    fn any_u64_decodes_consistently(n in any::<u64>()) {
        prop_assert_eq!(Error::try_from(n).is_ok(), n <= 10);
        prop_assert_eq!(LookupFailureType::try_from(n).is_ok(), n <= 4);
        prop_assert_eq!(ObjectType::try_from(n).is_ok(), n <= 8);
        prop_assert_eq!(InvocationLabel::try_from(n).is_ok(), n <= 38);
        prop_assert_eq!(BootInfoId::try_from(n).is_ok(), n <= 6);
        prop_assert_eq!(FaultType::try_from(n).is_ok(), matches!(n, 0..=3 | 5));
        prop_assert_eq!(
            CapType::try_from(n).is_ok(),
            (n <= 20 && n % 2 == 0) || matches!(n, 1 | 3 | 11 | 13)
        );
        if let Ok(v) = InvocationLabel::try_from(n) {
            prop_assert_eq!(v.value(), n);
        }
        if let Ok(v) = CapType::try_from(n) {
            prop_assert_eq!(v.value(), n);
        }
    }

    #[test]
    fn any_isize_decodes_consistently(n in any::<isize>()) {
        let r = Syscall::try_from(n);
        prop_assert_eq!(r.is_ok(), (-29..=-1).contains(&n));
        if let Ok(s) = r {
            prop_assert_eq!(s.value(), n);
        }
        prop_assert_eq!(Syscall::from_word(n as u64), r.ok());
    }
}

/// The hypervisor build's additions, numbered after everything the plain build has (as seL4's
/// experimental RISC-V hypervisor branch adds them): the VCPU object and its invocations, the
/// guest root page table, the VCPU cap and fault.
#[cfg(all(feature = "hyp", not(feature = "mcs")))]
#[test]
fn hypervisor_numbers() {
    use atoll_abi::arch::vcpu::*;
    use atoll_abi::invocation::N_ARCH_INVOCATION_LABELS;
    assert_eq!(ObjectType::RiscvVcpu.value(), 9);
    assert_eq!(ObjectType::RiscvGuestRootPageTable.value(), 10);
    assert_eq!(ObjectType::RiscvVcpu.fixed_size_bits(), Some(VCPU_BITS));
    assert_eq!(ObjectType::RiscvGuestRootPageTable.fixed_size_bits(), Some(14));
    assert_eq!(InvocationLabel::RiscvVcpuSetTcb.value(), 41);
    assert_eq!(InvocationLabel::RiscvVcpuReadReg.value(), 42);
    assert_eq!(InvocationLabel::RiscvVcpuWriteReg.value(), 43);
    assert_eq!(N_ARCH_INVOCATION_LABELS, 44);
    assert!(InvocationLabel::RiscvVcpuWriteReg.is_arch());
    assert_eq!(CapType::Vcpu.value(), 15);
    assert!(CapType::Vcpu.is_arch());
    assert_eq!(FaultType::VcpuFault.value(), 6);
    assert_eq!(VcpuReg::Timer.value() + 1, VCPU_REG_COUNT);
    assert!(VcpuReg::try_from(VCPU_REG_COUNT).is_err());
}
