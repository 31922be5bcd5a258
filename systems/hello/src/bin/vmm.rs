//! The VMM of a tiny virtual machine (vm.system): copies a few hand-written guest instructions
//! into the guest's RAM through its own mapping of it, starts the vCPU there, and answers each
//! exit: an SBI call, a store to guest-physical memory nobody mapped, and the guest's SBI
//! shutdown. Each exit is printed, and the guest is stepped over the instruction that exited.
#![no_std]
#![no_main]

use atoll_pd::__sdk::abi::FaultType;
use atoll_pd::__sdk::abi::arch::vcpu::{CAUSE_SBI_CALL, GUEST_STORE_PAGE_FAULT};
use atoll_pd::__sdk::tcb::{self, context};
use atoll_pd::{BASE_VM_TCB_CAP, Channel, Child, Handler, MsgInfo, debug_println, mr_get, name};

// Set by the builder: the VMM's mapping of the guest's RAM and its size, and the vCPU's id.
#[unsafe(no_mangle)]
static mut guest_ram_vaddr: u64 = 0;
#[unsafe(no_mangle)]
static mut guest_ram_size: u64 = 0;
#[unsafe(no_mangle)]
static mut guest_vcpu: u64 = 0;

/// Where the guest's RAM is in guest-physical memory (vm.system maps it there); the guest's
/// code is copied to its start.
const GUEST_RAM: u64 = 0x8000_0000;
/// Guest-physical memory nobody maps.
const GUEST_HOLE: u64 = 0x1000_0000;
/// What the VMM answers to the guest's sbi_get_spec_version: SBI 2.0.
const SBI_VERSION: u64 = 2 << 24;
const SBI_BASE: u64 = 0x10;
/// The SBI system reset extension ("SRST").
const SBI_SYSTEM_RESET: u64 = 0x5352_5354;
/// s1 in seL4_UserContext's order (pc, ra, sp, gp, s0, s1, ...).
const S1: usize = 5;

// The guest, with no compressed instructions so each exit is stepped over by 4 bytes: it asks
// for the SBI version, keeps the answer in s1, stores it where nothing is mapped, and shuts down.
core::arch::global_asm!(
    ".section .rodata.atoll_guest, \"a\"",
    ".balign 4",
    ".option push",
    ".option norvc",
    ".global atoll_guest_start",
    "atoll_guest_start:",
    "   li a7, {base}",
    "   li a6, 0",
    "   ecall",
    "   mv s1, a1",
    "   li t0, {hole}",
    "   sw s1, 0(t0)",
    "   li a7, {reset}",
    "   li a6, 0",
    "   li a0, 0",
    "   li a1, 0",
    "   ecall",
    "1: j 1b",
    ".global atoll_guest_end",
    "atoll_guest_end:",
    ".option pop",
    base = const SBI_BASE,
    hole = const GUEST_HOLE,
    reset = const SBI_SYSTEM_RESET,
);

unsafe extern "C" {
    static atoll_guest_start: u8;
    static atoll_guest_end: u8;
}

fn guest_code() -> &'static [u8] {
    // SAFETY: the two symbols bound the guest's code in this image's read-only data.
    unsafe {
        let start = &raw const atoll_guest_start;
        let end = &raw const atoll_guest_end;
        core::slice::from_raw_parts(start, end as usize - start as usize)
    }
}

fn variable(variable: *const u64) -> u64 {
    // SAFETY: a static the builder patched before the PD started, only read.
    unsafe { variable.read_volatile() }
}

struct Vmm {
    exits: u64,
}

/// The vCPU thread's registers (seL4_UserContext), read at an exit.
fn registers(vcpu: Child) -> [u64; 32] {
    let mut regs = [0u64; 32];
    if let Err(failure) = tcb::read_registers(BASE_VM_TCB_CAP + vcpu, false, &mut regs) {
        debug_println!("{}: reading vcpu {vcpu}'s registers failed: {:?}", name(), failure.error);
    }
    regs
}

/// Steps the guest over the 4-byte instruction that exited, with `regs` changed as the exit's
/// answer; the fault reply then resumes it.
fn resume(vcpu: Child, mut regs: [u64; 32]) -> Option<MsgInfo> {
    regs[context::PC] += 4;
    match tcb::write_registers(BASE_VM_TCB_CAP + vcpu, false, &regs) {
        Ok(()) => Some(MsgInfo::new(0, 0, 0, 0)),
        Err(failure) => {
            debug_println!("{}: writing vcpu {vcpu}'s registers failed: {:?}", name(), failure.error);
            None
        }
    }
}

impl Handler for Vmm {
    fn notified(&mut self, _channel: Channel) {}

    fn fault(&mut self, vcpu: Child, message: MsgInfo) -> Option<MsgInfo> {
        self.exits += 1;
        let exit = self.exits;
        let mut regs = registers(vcpu);
        let pc = regs[context::PC];
        match FaultType::from_value(message.label()) {
            Some(FaultType::VcpuFault) if mr_get(0) == CAUSE_SBI_CALL => {
                let (extension, function) = (regs[context::A7], regs[context::A6]);
                debug_println!(
                    "{}: exit {exit} from vcpu {vcpu}: VcpuFault, cause {CAUSE_SBI_CALL}, pc {pc:#x} (SBI extension \
                     {extension:#x} function {function})",
                    name()
                );
                match (extension, function) {
                    (SBI_BASE, 0) => {
                        regs[context::A0] = 0;
                        regs[context::A1] = SBI_VERSION;
                        resume(vcpu, regs)
                    }
                    (SBI_SYSTEM_RESET, 0) => {
                        debug_println!(
                            "{}: the guest shut down after {exit} exits; it kept SBI version {:#x} from the VMM",
                            name(),
                            regs[S1]
                        );
                        atoll_pd::vcpu_stop(vcpu);
                        None
                    }
                    _ => {
                        regs[context::A0] = (-2i64) as u64; // SBI_ERR_NOT_SUPPORTED
                        resume(vcpu, regs)
                    }
                }
            }
            Some(FaultType::VmFault) => {
                let (address, cause) = (mr_get(1), mr_get(3));
                debug_println!(
                    "{}: exit {exit} from vcpu {vcpu}: VmFault, cause {cause}, guest-physical {address:#x}, pc {pc:#x}",
                    name()
                );
                // A device model would emulate the access; this VMM skips a store to the hole.
                if cause == GUEST_STORE_PAGE_FAULT && address == GUEST_HOLE { resume(vcpu, regs) } else { None }
            }
            kind => {
                debug_println!(
                    "{}: exit {exit} from vcpu {vcpu}: {kind:?} (label {}), cause {}, pc {pc:#x}; vcpu stopped",
                    name(),
                    message.label(),
                    mr_get(0)
                );
                None
            }
        }
    }
}

fn init() -> Vmm {
    let (ram, size, vcpu) =
        (variable(&raw const guest_ram_vaddr), variable(&raw const guest_ram_size), variable(&raw const guest_vcpu));
    let code = guest_code();
    assert!(code.len() as u64 <= size, "the guest's RAM is smaller than its code");
    // SAFETY: the builder mapped the guest's RAM read-write at `ram`, `size` bytes, into this
    // PD; the guest is not running yet, and the code fits.
    unsafe { core::ptr::copy_nonoverlapping(code.as_ptr(), ram as *mut u8, code.len()) };
    // SAFETY: fence.i only orders this hart's instruction fetches after its stores, so the
    // guest (on this hart) fetches the code just written.
    unsafe { core::arch::asm!("fence.i", options(nostack)) };
    debug_println!(
        "{}: guest RAM of {size:#x} bytes at {ram:#x}; starting vcpu {vcpu} at guest-physical {GUEST_RAM:#x}",
        name()
    );
    atoll_pd::vcpu_restart(vcpu, GUEST_RAM);
    Vmm { exits: 0 }
}

atoll_pd::protection_domain!(init);
