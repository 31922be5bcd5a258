//! The interrupt controller: the platform-level interrupt controller (PLIC), driven for hart 0's supervisor context.
//!
//! ```text
//! base + 4 * irq                      priority of each source (0 = never)
//! base + 0x2000 + 0x80 * context      enable bits
//! base + 0x200000 + 0x1000 * context  threshold, then claim/complete at +4
//! ```
use super::layout::phys_to_kernel_ptr as paddr_to_ptr;
use crate::memory::KernelCell;

/// Hart 0's S-mode context on QEMU's virt machine (context 0 is its M-mode).
const CONTEXT: u64 = 1;

struct Plic {
    base: u64,
    max_irq: u64,
}

static PLIC: KernelCell<Plic> = KernelCell::new(Plic { base: 0, max_irq: 0 });

fn write(offset: u64, value: u32) {
    let base = PLIC.borrow_mut().base;
    // SAFETY: the device tree named this PLIC; the kernel window maps its registers and the
    // kernel keeps the PLIC for itself (it is never handed out as device untyped).
    unsafe { core::ptr::write_volatile(paddr_to_ptr::<u32>(base + offset), value) };
}

fn read(offset: u64) -> u32 {
    let base = PLIC.borrow_mut().base;
    // SAFETY: as for `write`.
    unsafe { core::ptr::read_volatile(paddr_to_ptr::<u32>(base + offset)) }
}

/// Sets up the PLIC: every source priority 1 but disabled, threshold 0.
pub fn init(base: u64, max_irq: u64) {
    *PLIC.borrow_mut() = Plic { base, max_irq };
    for irq in 1..=max_irq {
        write(4 * irq, 1);
        mask(irq, true);
    }
    write(0x20_0000 + 0x1000 * CONTEXT, 0);
}

/// The highest interrupt number user level may ask for (seL4's maxIRQ).
pub fn max_irq() -> u64 {
    PLIC.borrow_mut().max_irq
}

pub fn mask(irq: u64, disable: bool) {
    if PLIC.borrow_mut().base == 0 || irq == 0 || irq > max_irq() {
        return;
    }
    let offset = 0x2000 + 0x80 * CONTEXT + 4 * (irq / 32);
    let bit = 1u32 << (irq % 32);
    let word = read(offset);
    write(offset, if disable { word & !bit } else { word | bit });
    // Rewrite the threshold (unchanged): QEMU's PLIC re-evaluates its output on that write but
    // not on an enable write, so a source already pending when enabled would wait for its
    // next edge.
    write(0x20_0000 + 0x1000 * CONTEXT, 0);
}

/// Claims the highest pending interrupt (0: none).
pub fn claim() -> u64 {
    if PLIC.borrow_mut().base == 0 {
        return 0;
    }
    read(0x20_0004 + 0x1000 * CONTEXT) as u64
}

/// Tells the PLIC the interrupt was handled, so it may be raised again.
pub fn complete(irq: u64) {
    if PLIC.borrow_mut().base != 0 {
        write(0x20_0004 + 0x1000 * CONTEXT, irq as u32);
    }
}
