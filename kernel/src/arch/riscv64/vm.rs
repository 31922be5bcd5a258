//! Sv39 page tables: the kernel window, and the entries user address spaces are built from
//! (the layout is in `layout`).
use super::csr;
use super::layout::{KERNEL_VIRT_OFFSET, PPTR_BASE, PPTR_TOP, kernel_image_paddr};
use crate::memory::{Handle, KernelObject};

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
pub struct PageTable([u64; ENTRIES]);

// SAFETY: any bit pattern is a valid array of entries.
unsafe impl KernelObject for PageTable {}

impl Handle<PageTable> {
    /// Entry `index` (0..512).
    #[inline(always)]
    pub fn entry(self, index: usize) -> u64 {
        // SAFETY: a Handle names a live page table; the element is read in place.
        unsafe { (&raw const (*self.as_ptr()).0[index]).read() }
    }

    #[inline(always)]
    pub fn set_entry(self, index: usize, value: u64) {
        // SAFETY: as for `entry`.
        unsafe { (&raw mut (*self.as_ptr()).0[index]).write(value) }
    }
}

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

/// The kernel's own root table: written only at boot, before any thread exists.
fn kernel_root() -> Handle<PageTable> {
    // SAFETY: a page-aligned static in the kernel image, which the window also maps; it is only
    // ever accessed through this handle's in-place reads and writes.
    unsafe { Handle::from_paddr(kernel_image_paddr(&raw const KERNEL_ROOT)) }
}

/// Builds the kernel's own page table and switches to it, leaving the loader's behind. The
/// kernel image is reached through the window's image mapping until then (the loader maps it).
pub fn map_kernel_window() {
    let root = &raw mut KERNEL_ROOT;
    let set = |vaddr: u64, entry: u64| {
        // SAFETY: boot, before any thread or other access to the kernel root; in bounds.
        unsafe { (&raw mut (*root).0[index(vaddr, 0)]).write(entry) }
    };
    let window_gigapages = (PPTR_TOP - PPTR_BASE) >> GIGA_BITS;
    for gigapage in 0..window_gigapages {
        let vaddr = PPTR_BASE + (gigapage << GIGA_BITS);
        set(vaddr, leaf(gigapage << GIGA_BITS, PTE_READ | PTE_WRITE | PTE_GLOBAL));
    }
    let image_vaddr = PPTR_TOP;
    let image_paddr = image_vaddr - KERNEL_VIRT_OFFSET;
    set(image_vaddr, leaf(image_paddr, PTE_READ | PTE_WRITE | PTE_EXECUTE | PTE_GLOBAL));
    csr::write_satp_and_flush(satp(kernel_image_paddr(root as *const PageTable), 0));
}

/// satp for the kernel's own table (no user mappings).
pub fn kernel_satp() -> u64 {
    satp(kernel_root().paddr(), 0)
}

/// Copies the kernel's half of the root table into a new VSpace root.
pub fn copy_kernel_entries(vspace_root: Handle<PageTable>) {
    let kernel = kernel_root();
    for index in FIRST_KERNEL_ENTRY..ENTRIES {
        vspace_root.set_entry(index, kernel.entry(index));
    }
}
