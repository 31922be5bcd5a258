//! System-call tests: debug syscalls, bad capability addresses and wrong invocations.
use crate::framework::{Outcome, Test};
use crate::{check, check_eq};
use atoll_sdk::BootInfo;
use atoll_sdk::abi::{CapType, Error, MessageInfo, Syscall, slots};
use atoll_sdk::invocation::page_get_address;
use atoll_sdk::syscall::{self, debug_cap_identify, read_cycle};

pub const TESTS: &[Test] = &[
    Test { name: "syscall::cycle_counter_readable", run: cycle_counter_readable },
    Test { name: "syscall::cap_identify_bad_cptrs_is_null", run: cap_identify_bad_cptrs_is_null },
    Test { name: "syscall::yield_returns", run: yield_returns },
    Test { name: "syscall::nbsend_to_empty_slot_is_silent", run: nbsend_to_empty_slot_is_silent },
    Test { name: "syscall::wrong_invocation_is_illegal_operation", run: wrong_invocation_is_illegal_operation },
    Test { name: "syscall::page_get_address_of_ipc_buffer", run: page_get_address_of_ipc_buffer },
    Test { name: "syscall::registers_survive_syscalls", run: registers_survive_syscalls },
];

fn cycle_counter_readable(_: &'static BootInfo) -> Outcome {
    let before = read_cycle();
    let after = read_cycle();
    check!(after > before, "{before} then {after}");
    Ok(())
}

fn cap_identify_bad_cptrs_is_null(bootinfo: &'static BootInfo) -> Outcome {
    // The root CNode has 2^12 slots behind a 52-bit zero guard: any set bit above the low 12
    // is a guard mismatch, which reads as the null cap.
    for cptr in [1 << 12, 1 << 40, u64::MAX, 0x8000_0000_0000_0001, bootinfo.empty.start | (1 << 63)] {
        check_eq!((cptr, debug_cap_identify(cptr)), (cptr, CapType::Null.value()));
    }
    check_eq!(debug_cap_identify(slots::CAP_INIT_THREAD_CNODE), CapType::CNode.value());
    Ok(())
}

fn yield_returns(_: &'static BootInfo) -> Outcome {
    for _ in 0..10 {
        syscall::yield_now();
    }
    check!(true);
    Ok(())
}

fn nbsend_to_empty_slot_is_silent(bootinfo: &'static BootInfo) -> Outcome {
    // seL4: NBSend on an invalid capability is dropped without a fault.
    syscall::nb_send(bootinfo.empty.start, MessageInfo::new(0, 0, 0, 0), [0; 4]);
    syscall::nb_send(u64::MAX, MessageInfo::new(0, 0, 0, 0), [0; 4]);
    check_eq!(debug_cap_identify(slots::CAP_INIT_THREAD_TCB), CapType::Thread.value());
    Ok(())
}

fn wrong_invocation_is_illegal_operation(_: &'static BootInfo) -> Outcome {
    // GetAddress on a CNode, a TCB and a page table: not frames.
    for cap in [slots::CAP_INIT_THREAD_CNODE, slots::CAP_INIT_THREAD_TCB, slots::CAP_INIT_THREAD_VSPACE] {
        check_eq!((cap, page_get_address(cap)), (cap, Err(Error::IllegalOperation)));
    }
    Ok(())
}

fn page_get_address_of_ipc_buffer(_: &'static BootInfo) -> Outcome {
    let ipc = page_get_address(slots::CAP_INIT_THREAD_IPC_BUFFER);
    let bootinfo = page_get_address(slots::CAP_BOOT_INFO_FRAME);
    check!(matches!(ipc, Ok(p) if p % 4096 == 0 && p >= 0x8000_0000), "{ipc:?}");
    check!(matches!(bootinfo, Ok(p) if p % 4096 == 0), "{bootinfo:?}");
    check!(ipc != bootinfo);
    Ok(())
}

fn registers_survive_syscalls(_: &'static BootInfo) -> Outcome {
    // A debug syscall returns its result in a0 and leaves the message registers it was given.
    let out = syscall::raw(Syscall::DebugCapIdentify.value() as i64, [slots::CAP_DOMAIN, 11, 22, 33, 44, 55]);
    check_eq!(out, [CapType::Domain.value(), 11, 22, 33, 44, 55]);
    Ok(())
}
