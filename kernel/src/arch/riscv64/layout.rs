//! The kernel's virtual memory layout on RISC-V 64 with Sv39 (seL4's for this configuration).
//!
//! ```text
//! 0xFFFFFFFF_C0000000  kernel devices (unused: the window below reaches every device)
//! 0xFFFFFFFF_80000000  kernel image: the 1 GiB that holds physical 0x80200000
//! 0xFFFFFFC0_00000000  physical memory window: physical 0 .. 254 GiB, 1 GiB pages
//! 0x0000003F_FFFFF000  seL4_UserTop; user mappings lie below
//! ```

/// Virtual address of physical address 0 in the kernel window (seL4's PPTR_BASE).
pub const PPTR_BASE: u64 = 0xFFFF_FFC0_0000_0000;
/// End of the physical window (seL4's PPTR_TOP); physical addresses must stay below
/// `PPTR_TOP - PPTR_BASE`.
pub const PPTR_TOP: u64 = 0xFFFF_FFFF_8000_0000;
/// Kernel image virtual minus physical address (linked at 0xffffffff80200000, loaded at
/// 0x80200000).
pub const KERNEL_VIRT_OFFSET: u64 = 0xFFFF_FFFF_0000_0000;

/// Kernel-window pointer for a physical address.
#[inline(always)]
pub fn phys_to_kernel_ptr<T>(paddr: u64) -> *mut T {
    (PPTR_BASE + paddr) as *mut T
}

/// Physical address of something inside the kernel image (statics).
pub fn kernel_image_paddr<T>(ptr: *const T) -> u64 {
    ptr as u64 - KERNEL_VIRT_OFFSET
}
