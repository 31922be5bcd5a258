//! The hypervisor extension (hypervisor builds): VCPU invocations and their errors, and a tiny
//! guest run by this root task acting as its VMM: its SBI call arrives as a VCPU fault, its
//! store to unmapped guest-physical memory as a VM fault at the guest-physical address, and
//! the VS-level register the VMM wrote is what the guest reads.
use crate::framework::{Outcome, Test};
use crate::support::{alloc_slot, configure, give_budget, new_object, root_slot};
use crate::{check, check_eq, check_err, check_ok};
use atoll_sdk::abi::arch::vcpu::{CAUSE_SBI_CALL, GUEST_STORE_PAGE_FAULT, VCPU_FAULT_LENGTH, VCPU_FAULT_PC};
use atoll_sdk::abi::{CapRights, Error, FaultType, MessageInfo, ObjectType, slots};
use atoll_sdk::invocation::reply_mr;
use atoll_sdk::tcb::context;
use atoll_sdk::vcpu::{VcpuReg, read_reg, set_tcb, write_reg};
use atoll_sdk::vspace::{asid_pool_assign, page_map, page_table_map, page_unmap};
use atoll_sdk::{BootInfo, cnode, syscall};

pub const TESTS: &[Test] = &[
    Test { name: "hyp::vcpu_invocation_errors", run: vcpu_invocation_errors },
    Test { name: "hyp::vcpu_registers_read_back", run: vcpu_registers_read_back },
    Test { name: "hyp::guest_exits_arrive_as_faults", run: guest_exits_arrive_as_faults },
    Test { name: "hyp::guest_root_rejects_host_mappings_above_its_top", run: guest_root_limits },
    Test { name: "hyp::guest_without_guest_root_reaches_no_memory", run: guest_without_guest_root },
    Test { name: "hyp::write_reg_keeps_the_guests_live_state", run: write_reg_keeps_live_state },
];

/// Where the guest's one page of code sits in guest-physical memory (a Linux-like RAM base).
const GUEST_BASE: u64 = 0x8000_0000;
/// Guest-physical memory nobody maps: the guest's store there is a guest page fault.
const GUEST_HOLE: u64 = 0x1000_0000;
/// A gigabyte of the root task's own address space used to write the guest's code.
const SCRATCH: u64 = 0x28_0000_0000;
const SSCRATCH_VALUE: u64 = 0x5ca1_ab1e;

// The guest: an SBI probe of the base extension, a store to unmapped guest-physical memory,
// then it reads sscratch (its vsscratch, which the VMM set) and reports it in a second ecall.
core::arch::global_asm!(
    ".section .rodata.atoll_test_guest, \"a\"",
    ".balign 4",
    ".option push",
    ".option norvc",
    ".global atoll_test_guest_start",
    "atoll_test_guest_start:",
    "   li a7, 0x10",
    "   li a6, 3",
    "   li a0, 0x10",
    "   ecall",
    "   lui t0, 0x10000",
    "   sw a1, 0(t0)",
    "   csrr a0, sscratch",
    "   li a7, 0x4442434e",
    "   ecall",
    "1: j 1b",
    // The second guest: sets its own sscratch, exits, and reports sscratch after the VMM
    // wrote another VCPU register in between.
    ".global atoll_test_guest2",
    "atoll_test_guest2:",
    "   li t0, 0x600d",
    "   csrw sscratch, t0",
    "   li a7, 0x10",
    "   ecall",
    "   csrr a0, sscratch",
    "   ecall",
    "2: j 2b",
    ".global atoll_test_guest_end",
    "atoll_test_guest_end:",
    ".option pop",
);

unsafe extern "C" {
    static atoll_test_guest2: u8;
    static atoll_test_guest_start: u8;
    static atoll_test_guest_end: u8;
}

fn guest_code() -> &'static [u8] {
    // SAFETY: the two symbols bound the guest's code in this image's read-only data.
    unsafe {
        let start = &raw const atoll_test_guest_start;
        let end = &raw const atoll_test_guest_end;
        core::slice::from_raw_parts(start, end as usize - start as usize)
    }
}

fn vcpu_invocation_errors(_: &'static BootInfo) -> Outcome {
    use atoll_sdk::abi::InvocationLabel as L;
    use atoll_sdk::invocation::invoke;
    let vcpu = new_object(ObjectType::RiscvVcpu, 0);
    let endpoint = new_object(ObjectType::Endpoint, 0);
    check_err!(invoke(vcpu, L::RiscvVcpuSetTcb, &[], &[]), Error::TruncatedMessage);
    check_err!(set_tcb(vcpu, endpoint), Error::IllegalOperation);
    check_err!(invoke(vcpu, L::RiscvVcpuReadReg, &[], &[]), Error::TruncatedMessage);
    let failure = check_err!(invoke(vcpu, L::RiscvVcpuReadReg, &[10], &[]), Error::InvalidArgument);
    check_eq!(failure.detail[0], 1);
    check_err!(invoke(vcpu, L::RiscvVcpuWriteReg, &[0], &[]), Error::TruncatedMessage);
    check_err!(invoke(vcpu, L::RiscvVcpuWriteReg, &[99, 0], &[]), Error::InvalidArgument);
    check_err!(invoke(vcpu, L::RiscvPageMap, &[0, 0, 0], &[]), Error::IllegalOperation);
    // A VCPU is no VSpace and no page.
    check_err!(asid_pool_assign(slots::CAP_INIT_THREAD_ASID_POOL, vcpu), Error::InvalidCapability);
    Ok(())
}

fn vcpu_registers_read_back(_: &'static BootInfo) -> Outcome {
    let vcpu = new_object(ObjectType::RiscvVcpu, 0);
    check_eq!(check_ok!(read_reg(vcpu, VcpuReg::Sscratch)), 0);
    check_ok!(write_reg(vcpu, VcpuReg::Sscratch, 0x1234));
    check_ok!(write_reg(vcpu, VcpuReg::Stvec, 0x8020_0000));
    check_eq!(check_ok!(read_reg(vcpu, VcpuReg::Sscratch)), 0x1234);
    check_eq!(check_ok!(read_reg(vcpu, VcpuReg::Stvec)), 0x8020_0000);
    // Injection: only the guest's SSIP, STIP and SEIP can be set.
    check_ok!(write_reg(vcpu, VcpuReg::Sip, u64::MAX));
    check_eq!(check_ok!(read_reg(vcpu, VcpuReg::Sip)), (1 << 1) | (1 << 5) | (1 << 9));
    check_ok!(write_reg(vcpu, VcpuReg::Sip, 0));
    check_eq!(check_ok!(read_reg(vcpu, VcpuReg::Sip)), 0);
    Ok(())
}

/// A guest root with the guest's code page at GUEST_BASE; returns (root, guest TCB, VCPU).
fn build_guest(fault_ep: u64) -> Result<(u64, u64, u64), crate::framework::Failure> {
    let root = new_object(ObjectType::RiscvGuestRootPageTable, 0);
    check_ok!(asid_pool_assign(slots::CAP_INIT_THREAD_ASID_POOL, root));
    let level1 = new_object(ObjectType::RiscvPageTable, 0);
    check_ok!(page_table_map(level1, root, GUEST_BASE, 0));
    let level2 = new_object(ObjectType::RiscvPageTable, 0);
    check_ok!(page_table_map(level2, root, GUEST_BASE, 0));

    // Write the code through a mapping in our own address space, then give the page to the guest.
    let page = new_object(ObjectType::Riscv4KPage, 0);
    let scratch_table = new_object(ObjectType::RiscvPageTable, 0);
    let _ = page_table_map(scratch_table, slots::CAP_INIT_THREAD_VSPACE, SCRATCH, 0);
    let scratch_leaf = new_object(ObjectType::RiscvPageTable, 0);
    let _ = page_table_map(scratch_leaf, slots::CAP_INIT_THREAD_VSPACE, SCRATCH, 0);
    check_ok!(page_map(page, slots::CAP_INIT_THREAD_VSPACE, SCRATCH, CapRights::ALL_RIGHTS, 0));
    let code = guest_code();
    // SAFETY: the page was just mapped read-write at SCRATCH and nothing else uses it.
    unsafe { core::ptr::copy_nonoverlapping(code.as_ptr(), SCRATCH as *mut u8, code.len()) };
    check_ok!(page_unmap(page));
    check_ok!(page_map(page, root, GUEST_BASE, CapRights::ALL_RIGHTS, 0));

    let tcb = new_object(ObjectType::Tcb, 0);
    check_ok!(configure(tcb, fault_ep, slots::CAP_INIT_THREAD_CNODE, 0, root, 0, 0, 0));
    check_ok!(atoll_sdk::tcb::set_priority(tcb, slots::CAP_INIT_THREAD_TCB, 100));
    give_budget(tcb);
    let vcpu = new_object(ObjectType::RiscvVcpu, 0);
    check_ok!(set_tcb(vcpu, tcb));
    Ok((root, tcb, vcpu))
}

fn guest_exits_arrive_as_faults(_: &'static BootInfo) -> Outcome {
    let endpoint = new_object(ObjectType::Endpoint, 0);
    let badged = alloc_slot();
    check_ok!(cnode::mint(root_slot(badged), root_slot(endpoint), CapRights::ALL_RIGHTS, 0x9e));
    let (_root, tcb, vcpu) = build_guest(badged)?;
    check_ok!(write_reg(vcpu, VcpuReg::Sscratch, SSCRATCH_VALUE));
    let mut regs = [0u64; 32];
    regs[context::PC] = GUEST_BASE;
    check_ok!(atoll_sdk::tcb::write_registers(tcb, true, &regs));

    // 1. The SBI call: a VCPU fault with cause 10; a7/a6/a0 are the guest's.
    let exit = syscall::recv(endpoint);
    check_eq!(exit.badge, 0x9e);
    check_eq!((exit.info.label(), exit.info.length()), (FaultType::VcpuFault.value(), VCPU_FAULT_LENGTH as u64));
    check_eq!(exit.mrs[0], CAUSE_SBI_CALL);
    // The message carries the pc and a0..a7 (no ReadRegisters needed), as the TCB has them.
    let message: [u64; 9] = core::array::from_fn(|i| reply_mr(&exit, VCPU_FAULT_PC + i));
    let mut guest = [0u64; 32];
    check_ok!(atoll_sdk::tcb::read_registers(tcb, false, &mut guest));
    check_eq!((guest[context::A7], guest[context::A6], guest[context::A0]), (0x10, 3, 0x10));
    check_eq!(guest[context::PC], GUEST_BASE + 12);
    check_eq!(message[0], GUEST_BASE + 12);
    check_eq!(&message[1..], &guest[context::A0..=context::A7]);
    // The VMM answers in the reply: pc past the ecall, error 0 and value 0x77 in a0 and a1.
    let exit = syscall::reply_recv(endpoint, MessageInfo::new(0, 0, 0, 3), [GUEST_BASE + 16, 0, 0x77, 0]);

    // 2. The store to the hole: a VM fault at the guest-physical address, FSR the cause.
    check_eq!(exit.info.label(), FaultType::VmFault.value());
    check_eq!(exit.mrs[0], GUEST_BASE + 20);
    check_eq!(exit.mrs[1], GUEST_HOLE);
    check_eq!((exit.mrs[2], exit.mrs[3]), (0, GUEST_STORE_PAGE_FAULT));
    let mut guest = [0u64; 32];
    check_ok!(atoll_sdk::tcb::read_registers(tcb, false, &mut guest));
    check_eq!(guest[context::A1], 0x77);
    guest[context::PC] += 4;
    check_ok!(atoll_sdk::tcb::write_registers(tcb, false, &guest));
    let exit = syscall::reply_recv(endpoint, MessageInfo::new(0, 0, 0, 0), [0; 4]);

    // 3. The guest read the vsscratch the VMM wrote, and reports it.
    check_eq!((exit.info.label(), exit.mrs[0]), (FaultType::VcpuFault.value(), CAUSE_SBI_CALL));
    let mut guest = [0u64; 32];
    check_ok!(atoll_sdk::tcb::read_registers(tcb, false, &mut guest));
    check_eq!((guest[context::A7], guest[context::A0]), (0x4442_434e, SSCRATCH_VALUE));
    check!(check_ok!(read_reg(vcpu, VcpuReg::Sscratch)) == SSCRATCH_VALUE);
    check_ok!(cnode::delete(root_slot(tcb)));
    Ok(())
}

fn guest_root_limits(_: &'static BootInfo) -> Outcome {
    let root = new_object(ObjectType::RiscvGuestRootPageTable, 0);
    check_ok!(asid_pool_assign(slots::CAP_INIT_THREAD_ASID_POOL, root));
    let table = new_object(ObjectType::RiscvPageTable, 0);
    // Guest-physical addresses go up to 2^39 (a VSpace stops at seL4_UserTop).
    check_ok!(page_table_map(table, root, 0x7f_c000_0000, 0));
    let other = new_object(ObjectType::RiscvPageTable, 0);
    check_err!(page_table_map(other, root, 1 << 39, 0), Error::InvalidArgument);
    // A normal thread given a guest root as its VSpace cannot run in it: it faults at once.
    Ok(())
}

/// A thread with a VCPU whose VSpace is an ordinary one (here the root task's, which maps this
/// very code) runs its guest on the kernel's empty guest root: its first fetch is a guest page
/// fault to its VMM, at the guest-physical address of the pc; it runs none of our code.
fn guest_without_guest_root(_: &'static BootInfo) -> Outcome {
    let endpoint = new_object(ObjectType::Endpoint, 0);
    let tcb = new_object(ObjectType::Tcb, 0);
    check_ok!(configure(tcb, endpoint, slots::CAP_INIT_THREAD_CNODE, 0, slots::CAP_INIT_THREAD_VSPACE, 0, 0, 0));
    check_ok!(atoll_sdk::tcb::set_priority(tcb, slots::CAP_INIT_THREAD_TCB, 100));
    give_budget(tcb);
    let vcpu = new_object(ObjectType::RiscvVcpu, 0);
    check_ok!(set_tcb(vcpu, tcb));
    let entry = guest_code().as_ptr() as u64;
    let mut regs = [0u64; 32];
    regs[context::PC] = entry;
    check_ok!(atoll_sdk::tcb::write_registers(tcb, true, &regs));
    let exit = syscall::recv(endpoint);
    check_eq!(exit.info.label(), FaultType::VmFault.value());
    check_eq!((exit.mrs[0], exit.mrs[1], exit.mrs[2]), (entry, entry, 1));
    check_eq!(exit.mrs[3], atoll_sdk::abi::arch::vcpu::GUEST_INSTRUCTION_PAGE_FAULT);
    check_ok!(cnode::delete(root_slot(tcb)));
    Ok(())
}

/// RISCVVCPUWriteReg while the guest's VCPU is still in the hart (the VMM runs between two of its
/// exits) changes that register only: the guest's own writes to the others stay.
fn write_reg_keeps_live_state(_: &'static BootInfo) -> Outcome {
    let endpoint = new_object(ObjectType::Endpoint, 0);
    let (_root, tcb, vcpu) = build_guest(endpoint)?;
    // Only the symbols' addresses are taken: the second guest's offset in the code page.
    let offset = (&raw const atoll_test_guest2) as u64 - (&raw const atoll_test_guest_start) as u64;
    let mut regs = [0u64; 32];
    regs[context::PC] = GUEST_BASE + offset;
    check_ok!(atoll_sdk::tcb::write_registers(tcb, true, &regs));
    let exit = syscall::recv(endpoint);
    check_eq!((exit.info.label(), exit.mrs[0]), (FaultType::VcpuFault.value(), CAUSE_SBI_CALL));
    check_ok!(write_reg(vcpu, VcpuReg::Stvec, 0x8000_4000));
    check_ok!(atoll_sdk::tcb::read_registers(tcb, false, &mut regs));
    regs[context::PC] += 4;
    check_ok!(atoll_sdk::tcb::write_registers(tcb, false, &regs));
    let exit = syscall::reply_recv(endpoint, MessageInfo::new(0, 0, 0, 0), [0; 4]);
    check_eq!(exit.info.label(), FaultType::VcpuFault.value());
    check_ok!(atoll_sdk::tcb::read_registers(tcb, false, &mut regs));
    check_eq!(regs[context::A0], 0x600d);
    check_eq!(check_ok!(read_reg(vcpu, VcpuReg::Stvec)), 0x8000_4000);
    check_ok!(cnode::delete(root_slot(tcb)));
    Ok(())
}
