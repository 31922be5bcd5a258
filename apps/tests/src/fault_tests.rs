//! Fault delivery (sel4test's fault tests and more): capability faults, unknown syscalls, user
//! exceptions and VM faults arrive at the fault endpoint as seL4 fault messages, and a reply
//! resumes the faulting thread as seL4 defines.
use crate::framework::{Outcome, Test};
use crate::support::{alloc_slot, done, new_object, park, root_guard_bits, root_slot, spawn, stop, wait_done};
use crate::{check_eq, check_ok};
use atoll_sdk::abi::{CapRights, MessageInfo, ObjectType};
use atoll_sdk::invocation::reply_mr;
use atoll_sdk::syscall;
use atoll_sdk::{BootInfo, cnode};
/// seL4_Fault_VMFault's label (5 without MCS, 6 with it).
const VM_FAULT: u64 = atoll_sdk::abi::FaultType::VmFault.value();

use core::sync::atomic::{AtomicU64, Ordering};

pub const TESTS: &[Test] = &[
    Test { name: "faults::cap_fault_message", run: cap_fault_message },
    Test { name: "faults::unknown_syscall_reply_resumes_with_new_registers", run: unknown_syscall_reply_resumes },
    Test { name: "faults::user_exception_on_illegal_instruction", run: user_exception_on_illegal_instruction },
    Test { name: "faults::fpu_disabled_thread_traps_on_fp_instruction", run: fpu_disabled_thread_traps },
    Test { name: "faults::vm_fault_on_read", run: vm_fault_on_read },
    Test { name: "faults::vm_fault_on_execute", run: vm_fault_on_execute },
];

const FAULT_BADGE: u64 = 0xfa;
static RESULT: AtomicU64 = AtomicU64::new(0);

/// A fault endpoint and a badged cap to it for the helper's fault handler slot.
fn fault_endpoint() -> Result<(u64, u64), crate::framework::Failure> {
    let endpoint = new_object(ObjectType::Endpoint, 0);
    let badged = alloc_slot();
    check_ok!(cnode::mint(root_slot(badged), root_slot(endpoint), CapRights::ALL_RIGHTS, FAULT_BADGE));
    Ok((endpoint, badged))
}

extern "C" fn call_bad_cptr(cptr: u64) -> ! {
    syscall::call(cptr, MessageInfo::new(0, 0, 0, 0), [0; 4]);
    park()
}

fn cap_fault_message(_: &'static BootInfo) -> Outcome {
    let (endpoint, badged) = fault_endpoint()?;
    let bad = 1u64 << 20;
    let helper = spawn(100, badged, call_bad_cptr, bad);
    let fault = syscall::recv(endpoint);
    check_eq!(fault.badge, FAULT_BADGE);
    // seL4_Fault_CapFault, 7 words: IP, address, in-receive, then the guard mismatch
    // (type 4, 64 bits left, the CNode's guard 0, the root's guard size).
    check_eq!((fault.info.label(), fault.info.length()), (1, 7));
    check_eq!(&fault.mrs[1..4], &[bad, 0, 4][..]);
    check_eq!([4, 5, 6].map(|i| reply_mr(&fault, i)), [64, 0, root_guard_bits()]);
    stop(helper);
    Ok(())
}

extern "C" fn unknown_syscall(_: u64) -> ! {
    let result = syscall::raw(99, [1, 2, 3, 4, 5, 6]);
    RESULT.store(result[0], Ordering::SeqCst);
    done();
    park()
}

fn unknown_syscall_reply_resumes(_: &'static BootInfo) -> Outcome {
    let (endpoint, badged) = fault_endpoint()?;
    RESULT.store(0, Ordering::SeqCst);
    let helper = spawn(100, badged, unknown_syscall, 0);
    let fault = syscall::recv(endpoint);
    // seL4_Fault_UnknownSyscall, 11 words: IP, SP, RA, a0-a6, syscall number.
    check_eq!((fault.info.label(), fault.info.length()), (2, 11));
    check_eq!(fault.mrs[3], 1);
    check_eq!((reply_mr(&fault, 4), reply_mr(&fault, 8), reply_mr(&fault, 10)), (2, 6, 99));
    // Reply: skip the ecall and return 1234 in a0.
    let (pc, sp, ra) = (fault.mrs[0], fault.mrs[1], fault.mrs[2]);
    syscall::reply(MessageInfo::new(0, 0, 0, 4), [pc + 4, sp, ra, 1234]);
    wait_done();
    check_eq!(RESULT.load(Ordering::SeqCst), 1234);
    stop(helper);
    Ok(())
}

extern "C" fn illegal_instruction(_: u64) -> ! {
    // SAFETY: deliberately faults; the test's handler never lets it continue.
    unsafe { core::arch::asm!(".4byte 0xffffffff") };
    park()
}

fn user_exception_on_illegal_instruction(_: &'static BootInfo) -> Outcome {
    let (endpoint, badged) = fault_endpoint()?;
    let helper = spawn(100, badged, illegal_instruction, 0);
    let fault = syscall::recv(endpoint);
    // seL4_Fault_UserException: IP, SP, number (scause 2: illegal instruction), code 0.
    check_eq!((fault.info.label(), fault.info.length()), (3, 4));
    check_eq!((fault.mrs[2], fault.mrs[3]), (2, 0));
    check_eq!(fault.mrs[0] != 0, true);
    stop(helper);
    Ok(())
}

extern "C" fn read_address(address: u64) -> ! {
    // SAFETY: deliberately reads an unmapped address; the fault handler stops the thread.
    let value = unsafe { core::ptr::read_volatile(address as *const u64) };
    RESULT.store(value, Ordering::SeqCst);
    park()
}

fn vm_fault_on_read(_: &'static BootInfo) -> Outcome {
    let (endpoint, badged) = fault_endpoint()?;
    let address = 0x1000_0008;
    let helper = spawn(100, badged, read_address, address);
    let fault = syscall::recv(endpoint);
    // seL4_Fault_VMFault: IP, address, prefetch (0), FSR (5: load access fault).
    check_eq!((fault.info.label(), fault.info.length()), (VM_FAULT, 4));
    check_eq!(&fault.mrs[1..4], &[address, 0, 5][..]);
    stop(helper);
    Ok(())
}

fn vm_fault_on_execute(_: &'static BootInfo) -> Outcome {
    let (endpoint, badged) = fault_endpoint()?;
    let address = 0x2000_0000u64;
    // SAFETY: only used as a jump target that faults.
    let target: extern "C" fn(u64) -> ! = unsafe { core::mem::transmute(address as usize) };
    let helper = spawn(100, badged, target, 0);
    let fault = syscall::recv(endpoint);
    check_eq!((fault.info.label(), fault.info.length()), (VM_FAULT, 4));
    check_eq!(&fault.mrs[..4], &[address, address, 1, 1][..]);
    stop(helper);
    Ok(())
}

extern "C" fn use_fpu(_: u64) -> ! {
    // SAFETY: moves an integer into f1; traps when the thread's FPU is disabled.
    unsafe { core::arch::asm!("fmv.d.x f1, zero") };
    RESULT.store(77, Ordering::SeqCst);
    done();
    park()
}

fn fpu_disabled_thread_traps(_: &'static BootInfo) -> Outcome {
    let (endpoint, badged) = fault_endpoint()?;
    let helper = crate::support::new_helper(100, badged);
    check_eq!(check_ok!(atoll_sdk::tcb::set_flags(helper.tcb, 0, 1)), 1);
    RESULT.store(0, Ordering::SeqCst);
    crate::support::start(&helper, use_fpu, 0);
    let fault = syscall::recv(endpoint);
    // An illegal instruction (scause 2) as a user exception.
    check_eq!((fault.info.label(), fault.mrs[2]), (3, 2));
    check_eq!(RESULT.load(Ordering::SeqCst), 0);
    // With the flag cleared, a restarted thread runs the instruction.
    check_eq!(check_ok!(atoll_sdk::tcb::set_flags(helper.tcb, 1, 0)), 0);
    syscall::reply(MessageInfo::new(0, 0, 0, 0), [0; 4]);
    wait_done();
    check_eq!(RESULT.load(Ordering::SeqCst), 77);
    stop(helper);
    Ok(())
}
