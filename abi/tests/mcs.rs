//! Host tests of the MCS configuration's numbering (seL4 16.0.0's generated headers with
//! `CONFIG_KERNEL_MCS`): object types, capability types, fault types, scheduling-context sizes.
#![cfg(feature = "mcs")]

use atoll_abi::object::*;
use atoll_abi::{CapType, FaultType, ObjectType};

#[test]
fn object_types_insert_sched_context_and_reply() {
    let table = [
        (ObjectType::Untyped, 0),
        (ObjectType::Tcb, 1),
        (ObjectType::Endpoint, 2),
        (ObjectType::Notification, 3),
        (ObjectType::CapTable, 4),
        (ObjectType::SchedContext, 5),
        (ObjectType::Reply, 6),
        (ObjectType::RiscvGigaPage, 7),
        (ObjectType::Riscv4KPage, 8),
        (ObjectType::RiscvMegaPage, 9),
        (ObjectType::RiscvPageTable, 10),
    ];
    assert_eq!(ObjectType::ALL.len(), table.len());
    for (i, (ty, n)) in table.into_iter().enumerate() {
        assert_eq!(ObjectType::ALL[i], ty);
        assert_eq!(ty.value(), n);
        assert_eq!(ObjectType::try_from(n), Ok(ty));
    }
    assert!(ObjectType::try_from(11).is_err());
    assert_eq!(NON_ARCH_OBJECT_TYPE_COUNT, 7);
    assert_eq!(MODE_OBJECT_TYPE_COUNT, 8);
    assert_eq!(OBJECT_TYPE_COUNT, 11);
    assert_eq!(ObjectType::ALL.iter().filter(|t| t.is_generic()).count(), 7);
}

#[test]
fn object_sizes() {
    assert_eq!(object_size_bits(ObjectType::Notification), Some(6));
    assert_eq!(object_size_bits(ObjectType::Reply), Some(5));
    assert_eq!(object_size_bits(ObjectType::SchedContext), None);
    assert_eq!(ObjectType::SchedContext.size_bits(8), 8);
    assert_eq!(MIN_SCHED_CONTEXT_BITS, 7);
    assert_eq!(CORE_SCHED_CONTEXT_BYTES, 128);
    // The core fills the smallest SC exactly; each doubling adds refills of 16 bytes.
    assert_eq!(max_extra_refills(7), 0);
    assert_eq!(max_extra_refills(8), 8);
    assert_eq!(max_extra_refills(10), 56);
}

#[test]
fn cap_types_add_the_two_scheduling_caps() {
    assert_eq!(CapType::SchedContext.value(), 22);
    assert_eq!(CapType::SchedControl.value(), 24);
    assert!(!CapType::SchedContext.is_arch());
    assert_eq!(CapType::try_from(22), Ok(CapType::SchedContext));
    assert_eq!(CapType::ALL.len(), 17);
}

#[test]
fn timeout_fault_takes_five_and_moves_vm_fault() {
    assert_eq!(FaultType::Timeout.value(), 5);
    assert_eq!(FaultType::VmFault.value(), 6);
    assert_eq!(FaultType::try_from(4), Err(atoll_abi::UnknownValue(4)));
    assert_eq!(atoll_abi::fault::TIMEOUT_LENGTH, 2);
}
