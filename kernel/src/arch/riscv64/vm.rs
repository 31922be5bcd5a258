//! Sv39 page tables: the kernel window, and the entries user address spaces are built from.
//!
//! ```text
//! 0xFFFFFFFF_C0000000  kernel devices (unused: the window below reaches every device)
//! 0xFFFFFFFF_80000000  kernel image: the 1 GiB that holds physical 0x80200000
//! 0xFFFFFFC0_00000000  physical memory window: physical 0 .. 254 GiB, 1 GiB pages
//! 0x0000003F_FFFFF000  seL4_UserTop; user mappings lie below
//! ```
use super::csr;
use crate::kmem::{KERNEL_VIRT_OFFSET, PPTR_BASE, PPTR_TOP, kernel_image_paddr};

pub const PTE_VALID: u64 = 1 << 0;
pub const PTE_READ: u64 = 1 << 1;
pub const PTE_WRITE: u64 = 1 << 2;
pub const PTE_EXECUTE: u64 = 1 << 3;
pub const PTE_USER: u64 = 1 << 4;
pub const PTE_GLOBAL: u64 = 1 << 5;
pub const PTE_ACCESSED: u64 = 1 << 6;
pub const PTE_DIRTY: u64 = 1 << 7;

const ENTRIES: usize = 512;
const GIGA_BITS: u32 = 30;
/// Root-table entries from here up belong to the kernel and are copied into every VSpace root.
pub const FIRST_KERNEL_ENTRY: usize = ENTRIES / 2;
const SATP_MODE_SV39: u64 = 8 << 60;
const SATP_ASID_SHIFT: u32 = 44;

#[repr(C, align(4096))]
pub struct PageTable(pub [u64; ENTRIES]);

#[unsafe(link_section = ".bss.page_aligned")]
static mut KERNEL_ROOT: PageTable = PageTable([0; ENTRIES]);

/// A leaf entry mapping `paddr` with `flags` (accessed and dirty preset, as seL4 does, so no
/// hardware A/D update is ever needed).
pub fn leaf(paddr: u64, flags: u64) -> u64 {
    ((paddr >> 12) << 10) | flags | PTE_VALID | PTE_ACCESSED | PTE_DIRTY
}

/// A non-leaf entry pointing at the next-level table at `paddr`.
pub fn table(paddr: u64) -> u64 {
    ((paddr >> 12) << 10) | PTE_VALID
}

/// Index of `vaddr` in a table at `level` (0 = root, 1 = 2 MiB tables' parent, 2 = last).
pub fn index(vaddr: u64, level: u32) -> usize {
    ((vaddr >> (GIGA_BITS - 9 * level)) & (ENTRIES as u64 - 1)) as usize
}

/// Bits of address space one entry at `level` covers.
pub fn entry_bits(level: u32) -> u32 {
    GIGA_BITS - 9 * level
}

/// satp value for a root table and hardware ASID.
pub fn satp(root_paddr: u64, asid: u64) -> u64 {
    SATP_MODE_SV39 | (asid << SATP_ASID_SHIFT) | (root_paddr >> 12)
}

fn kernel_root() -> &'static mut PageTable {
    // SAFETY: only boot writes the kernel root (before any thread exists), and afterwards it is
    // only read by `copy_kernel_entries`; single hart.
    let root = &raw mut KERNEL_ROOT;
    unsafe { &mut *root }
}

/// Builds the kernel's own page table and switches to it, leaving the loader's behind.
pub fn map_kernel_window() {
    let root = kernel_root();
    let window_gigapages = (PPTR_TOP - PPTR_BASE) >> GIGA_BITS;
    for gigapage in 0..window_gigapages {
        let vaddr = PPTR_BASE + (gigapage << GIGA_BITS);
        root.0[index(vaddr, 0)] = leaf(gigapage << GIGA_BITS, PTE_READ | PTE_WRITE | PTE_GLOBAL);
    }
    let image_vaddr = PPTR_TOP;
    let image_paddr = image_vaddr - KERNEL_VIRT_OFFSET;
    root.0[index(image_vaddr, 0)] = leaf(image_paddr, PTE_READ | PTE_WRITE | PTE_EXECUTE | PTE_GLOBAL);
    csr::write_satp_and_flush(satp(kernel_image_paddr(root as *const PageTable), 0));
}

/// satp for the kernel's own table (no user mappings).
pub fn kernel_satp() -> u64 {
    satp(kernel_image_paddr(kernel_root() as *const PageTable), 0)
}

/// Copies the kernel's half of the root table into a new VSpace root.
pub fn copy_kernel_entries(vspace_root: &mut PageTable) {
    let kernel = kernel_root();
    vspace_root.0[FIRST_KERNEL_ENTRY..].copy_from_slice(&kernel.0[FIRST_KERNEL_ENTRY..]);
}
