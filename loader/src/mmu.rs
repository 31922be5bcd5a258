//! Turns on Sv39 with the loader identity-mapped and the kernel at its linked address, then jumps.
use crate::load::Handoff;

const GIGA: u64 = 1 << 30;
/// Leaf PTE: valid, readable, writable, executable, accessed, dirty; global.
const LEAF_RWX: u64 = 0b1100_1111 | (1 << 5);
const SATP_SV39: u64 = 8 << 60;

#[repr(C, align(4096))]
struct PageTable([u64; 512]);

static mut ROOT: PageTable = PageTable([0; 512]);

fn gigapage(phys: u64) -> u64 {
    ((phys / GIGA) << 28) | LEAF_RWX
}

fn index(virt: u64) -> usize {
    ((virt >> 30) & 0x1ff) as usize
}

pub fn enter_kernel(handoff: &Handoff, hart_id: usize) -> ! {
    let loader_here = enter_kernel as *const () as u64;
    let kernel_phys = handoff.kernel_phys_start & !(GIGA - 1);
    let kernel_virt = kernel_phys.wrapping_add(handoff.kernel_virt_offset);
    let root = &raw mut ROOT;
    // SAFETY: single hart, MMU off; nothing else refers to ROOT.
    let root = unsafe { &mut *root };
    root.0[index(loader_here)] = gigapage(loader_here & !(GIGA - 1));
    root.0[index(kernel_virt)] = gigapage(kernel_phys);
    let satp = SATP_SV39 | (root as *const PageTable as u64 >> 12);
    // SAFETY: the loader's own code stays mapped at the same address, so execution continues
    // after satp is written; the kernel's entry is mapped by the second gigapage.
    unsafe {
        core::arch::asm!(
            "csrw satp, {satp}",
            "sfence.vma",
            "jr {entry}",
            satp = in(reg) satp,
            entry = in(reg) handoff.kernel_entry,
            in("a0") handoff.user_start,
            in("a1") handoff.user_end,
            in("a2") handoff.pv_offset,
            in("a3") handoff.user_entry,
            in("a4") handoff.dtb_addr,
            in("a5") handoff.dtb_size,
            in("a6") hart_id,
            in("a7") 0usize,
            options(noreturn),
        )
    }
}
