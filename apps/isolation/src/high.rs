//! High: acts on a secret with everything it can reach. It shares no capability with Low; the
//! secret picks what it does in its slices.
//!
//! This code runs in the High partition: it writes only its stack and its own frames.
use crate::partition::{SCRATCH, slot};
use atoll_sdk::abi::{CapRights, ObjectType};
use atoll_sdk::cnode::{self, SlotPath};
use atoll_sdk::syscall::{signal, wait, yield_now};
use atoll_sdk::vspace;

/// The secrets the test runs with, and what High does for each.
pub const SECRETS: [(u64, &str); 5] = [
    (0, "spins"),
    (1, "uses the FPU"),
    (2, "creates every object type, exhausts its memory, maps, copies, binds and revokes"),
    (3, "blocks at once"),
    (4, "takes a fault (it has no handler, so the kernel stops it)"),
];

fn own(index: u64) -> SlotPath {
    SlotPath { root: slot::CNODE, index, depth: slot::RADIX }
}

fn fp_work(rounds: u64) -> u64 {
    let mut value: u64 = 0x3ff0_0000_0000_0000;
    for _ in 0..rounds {
        // SAFETY: FP arithmetic on registers only.
        unsafe {
            core::arch::asm!(
                "fmv.d.x ft1, {v}",
                "fmul.d ft1, ft1, ft1",
                "fadd.d ft2, ft1, ft1",
                "fmv.x.d {v}, ft2",
                v = inout(reg) value,
                out("ft1") _, out("ft2") _,
            );
        }
    }
    value
}

/// Creates one object of every type, binds and unbinds its notification, retypes frames until
/// its memory runs out, maps and unmaps one, copies and deletes caps, then revokes it all.
fn kernel_work() {
    let mut index = slot::FREE;
    for (ty, size_bits) in [
        (ObjectType::Tcb, 0),
        (ObjectType::Endpoint, 0),
        (ObjectType::Notification, 0),
        (ObjectType::CapTable, 4),
        (ObjectType::RiscvPageTable, 0),
        (ObjectType::RiscvMegaPage, 0),
    ] {
        let _ = cnode::untyped_retype(slot::UNTYPED, ty.value(), size_bits, slot::CNODE, 0, 0, index, 1);
        index += 1;
    }
    let _ = atoll_sdk::tcb::bind_notification(slot::TCB, slot::FREE + 2);
    let _ = atoll_sdk::tcb::unbind_notification(slot::TCB);
    while index < (1 << slot::RADIX) - 1
        && cnode::untyped_retype(slot::UNTYPED, ObjectType::Riscv4KPage.value(), 0, slot::CNODE, 0, 0, index, 1).is_ok()
    {
        index += 1;
    }
    if index > slot::FREE {
        let _ = vspace::page_map(slot::FREE, slot::VSPACE, SCRATCH, CapRights::READ_WRITE, 0);
        let _ = vspace::page_unmap(slot::FREE);
        let _ = cnode::copy(own(index), own(slot::FREE), CapRights::ALL_RIGHTS);
        let _ = cnode::delete(own(index));
    }
    signal(slot::NOTIFICATION);
    let _ = cnode::revoke(own(slot::UNTYPED));
    yield_now();
}

/// With SHARED_CHANNEL set in its argument (the positive control), High signals the notification
/// it shares with Low when the secret is odd, and otherwise spins.
pub const SHARED_CHANNEL: u64 = 0x100;

pub extern "C" fn main(arg: u64) -> ! {
    let secret = arg & 0xff;
    if arg & SHARED_CHANNEL != 0 {
        loop {
            if secret & 1 == 1 {
                signal(slot::SHARED);
            }
            core::hint::spin_loop();
        }
    }
    match secret {
        0 => loop {
            core::hint::spin_loop();
        },
        1 => loop {
            core::hint::black_box(fp_work(1000));
        },
        2 => loop {
            kernel_work();
        },
        3 => loop {
            wait(slot::NOTIFICATION);
        },
        _ => {
            // SAFETY: executes an illegal instruction on purpose; nothing after it runs.
            unsafe { core::arch::asm!("unimp") };
            loop {
                core::hint::spin_loop();
            }
        }
    }
}
