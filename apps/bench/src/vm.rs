//! Virtual-machine exits (hypervisor builds): a guest times its own exits with `rdcycle`, and
//! this root task serves them as a VMM does (read the guest's registers, act, write them back,
//! reply): an SBI call, and a load from an emulated device whose instruction the VMM fetches
//! through the guest's page tables and decodes.
use crate::measure::{MAX_SAMPLES, WARMUP, stats};
use crate::scenarios::Outcome;
use crate::setup::{alloc_slot, new_object};
use atoll_sdk::abi::arch::vcpu::{CAUSE_SBI_CALL, VCPU_FAULT_A0, VCPU_FAULT_PC};
use atoll_sdk::abi::{CapRights, FaultType, MessageInfo, ObjectType, slots};
use atoll_sdk::invocation::reply_mr;
use atoll_sdk::tcb::context;
use atoll_sdk::vcpu::{VcpuReg, read_reg, set_tcb};
use atoll_sdk::vspace::{asid_pool_assign, page_map, page_table_map};
use atoll_sdk::{cnode, syscall};
use atoll_virt::{insn, walk};

/// Guest-physical layout: code in the first page, samples after it, a device nothing backs.
const GUEST_BASE: u64 = 0x8000_0000;
const SAMPLES_GPA: u64 = GUEST_BASE + 0x1000;
const DEVICE_GPA: u64 = 0x1000_0000;
/// Where this root task sees the guest's two pages.
const WINDOW: u64 = 0x3a_0000_0000;
/// The guest's "done" call: SBI system reset.
const DONE_EXTENSION: u64 = 0x5352_5354;

// The guest: s0 iterations of { rdcycle; exit; rdcycle; store the difference }, exiting by an
// SBI call (s3 = 0) or by a load from the device (s3 = 1), then the done call.
core::arch::global_asm!(
    ".section .rodata.atoll_bench_guest, \"a\"",
    ".balign 4",
    ".option push",
    ".option norvc",
    ".global atoll_bench_guest_start",
    "atoll_bench_guest_start:",
    "   li s1, {samples}",
    "   li s2, {device}",
    "1: rdcycle t0",
    "   bnez s3, 2f",
    "   li a7, 0x10",
    "   li a6, 0",
    "   ecall",
    "   j 3f",
    "2: lw t3, 0(s2)",
    "3: rdcycle t1",
    "   sub t2, t1, t0",
    "   sd t2, 0(s1)",
    "   addi s1, s1, 8",
    "   addi s0, s0, -1",
    "   bnez s0, 1b",
    "   li a7, {done}",
    "   ecall",
    "4: j 4b",
    ".global atoll_bench_guest_end",
    "atoll_bench_guest_end:",
    ".option pop",
    samples = const SAMPLES_GPA,
    device = const DEVICE_GPA,
    done = const DONE_EXTENSION,
);

unsafe extern "C" {
    static atoll_bench_guest_start: u8;
    static atoll_bench_guest_end: u8;
}

fn path(slot: u64) -> cnode::SlotPath {
    cnode::SlotPath { root: slots::CAP_INIT_THREAD_CNODE, index: slot, depth: 64 }
}

/// A guest with its code and sample pages, mapped in its guest root and in this task at
/// WINDOW; returns its TCB, VCPU and the endpoint its exits come to.
fn guest() -> Result<(u64, u64, u64, [u64; 2]), &'static str> {
    let root = new_object(ObjectType::RiscvGuestRootPageTable, 0);
    asid_pool_assign(slots::CAP_INIT_THREAD_ASID_POOL, root).map_err(|_| FAILED)?;
    for _ in 0..2 {
        let table = new_object(ObjectType::RiscvPageTable, 0);
        page_table_map(table, root, GUEST_BASE, 0).map_err(|_| FAILED)?;
        // The second run finds this task's tables in place.
        let own = new_object(ObjectType::RiscvPageTable, 0);
        let _ = page_table_map(own, slots::CAP_INIT_THREAD_VSPACE, WINDOW, 0);
    }
    // Both pages are mapped in the guest and, through copies of their caps, in this task.
    let mut windows = [0u64; 2];
    for (page, window) in windows.iter_mut().enumerate() {
        let frame = new_object(ObjectType::Riscv4KPage, 0);
        *window = alloc_slot();
        cnode::copy(path(*window), path(frame), CapRights::ALL_RIGHTS).map_err(|_| FAILED)?;
        let offset = page as u64 * 0x1000;
        page_map(frame, root, GUEST_BASE + offset, CapRights::ALL_RIGHTS, 0).map_err(|_| FAILED)?;
        page_map(*window, slots::CAP_INIT_THREAD_VSPACE, WINDOW + offset, CapRights::ALL_RIGHTS, 0)
            .map_err(|_| FAILED)?;
    }
    // SAFETY: the symbols bound the guest's code in this image; WINDOW maps the code page
    // read-write in this task.
    unsafe {
        let start = &raw const atoll_bench_guest_start;
        let len = &raw const atoll_bench_guest_end as usize - start as usize;
        core::ptr::copy_nonoverlapping(start, WINDOW as *mut u8, len);
    }
    let endpoint = new_object(ObjectType::Endpoint, 0);
    let tcb = new_object(ObjectType::Tcb, 0);
    atoll_sdk::tcb::configure(tcb, slots::CAP_INIT_THREAD_CNODE, 0, root, 0, 0, 0).map_err(|_| FAILED)?;
    let sc = crate::setup::new_sched_context();
    atoll_sdk::tcb::set_sched_params(tcb, slots::CAP_INIT_THREAD_TCB, 0, 200, sc, endpoint).map_err(|_| FAILED)?;
    let vcpu = new_object(ObjectType::RiscvVcpu, 0);
    set_tcb(vcpu, tcb).map_err(|_| FAILED)?;
    Ok((tcb, vcpu, endpoint, windows))
}

const FAILED: &str = "building the guest failed";

/// Runs the guest for `count` exits of one kind, serving them; returns its samples' statistics.
fn run(count: usize, overhead: u64, mmio: bool) -> Outcome {
    let (tcb, vcpu, endpoint, windows) = guest()?;
    let total = WARMUP + count.min(MAX_SAMPLES);
    let mut registers = [0u64; 32];
    registers[context::PC] = GUEST_BASE;
    registers[context::S0] = total as u64;
    registers[context::S3] = mmio as u64;
    atoll_sdk::tcb::write_registers(tcb, true, &registers).map_err(|_| "starting the guest failed")?;
    let mut exit = syscall::recv(endpoint);
    loop {
        let label = exit.info.label();
        if label == FaultType::VcpuFault.value() && exit.mrs[0] == CAUSE_SBI_CALL {
            // The message has the pc and a0..a7; the reply sets pc, a0 and a1 (no register
            // reads or writes, as a VMM answers an SBI call).
            if reply_mr(&exit, VCPU_FAULT_A0 + 7) == DONE_EXTENSION {
                break;
            }
            let pc = reply_mr(&exit, VCPU_FAULT_PC);
            exit = syscall::reply_recv(endpoint, MessageInfo::new(0, 0, 0, 3), [pc + 4, 0, 0x0200_0000, 0]);
            continue;
        }
        atoll_sdk::tcb::read_registers(tcb, false, &mut registers).map_err(|_| "reading guest registers failed")?;
        if label == FaultType::VmFault.value() && exit.mrs[1] == DEVICE_GPA {
            // As a VMM emulates a device load: fetch and decode the instruction, give a value.
            let vsatp = read_reg(vcpu, VcpuReg::Satp).map_err(|_| "reading vsatp failed")?;
            let pc = registers[context::PC];
            let code = walk::translate(vsatp, pc, |_| None).map_err(|_| "walking the guest's tables failed")?;
            // SAFETY: the guest runs untranslated here, so its pc is a guest-physical address
            // in the code page, which WINDOW maps in this task.
            let bits = unsafe { ((WINDOW + (code - GUEST_BASE)) as *const u32).read_volatile() };
            let access = insn::decode(bits).ok_or("the device access is no load")?;
            registers[context::T3] = insn::load_value(0x42, access.width, access.signed);
            registers[context::PC] += access.length as u64;
        } else {
            return Err("an unexpected guest exit");
        }
        atoll_sdk::tcb::write_registers(tcb, false, &registers).map_err(|_| "writing guest registers failed")?;
        exit = syscall::reply_recv(endpoint, MessageInfo::new(0, 0, 0, 0), [0; 4]);
    }
    let _ = cnode::delete(path(tcb));

    let mut samples = [0u64; WARMUP + MAX_SAMPLES];
    for (index, sample) in samples.iter_mut().take(total).enumerate() {
        // SAFETY: the guest wrote `total` samples to its sample page, mapped at WINDOW + 4 KiB.
        *sample = unsafe { ((WINDOW + 0x1000) as *const u64).add(index).read_volatile() };
    }
    for window in windows {
        let _ = atoll_sdk::vspace::page_unmap(window);
    }
    Ok(stats(&samples[WARMUP..total], overhead))
}

/// A guest's SBI call to its VMM and back.
pub fn sbi_round_trip(count: usize, overhead: u64) -> Outcome {
    run(count, overhead, false)
}

/// A guest's load from an emulated device register, served by its VMM.
pub fn mmio_load(count: usize, overhead: u64) -> Outcome {
    run(count, overhead, true)
}
