//! The kernel's typed view of physical memory and its global state cells.
//!
//! Every physical address below 254 GiB is mapped at `PPTR_BASE + paddr` (seL4's physical memory
//! window). Objects live in memory that user level retyped from untyped memory (or that boot
//! carved for the root task); the capability that names an object is what proves it exists and
//! has the right type, which is the obligation the `unsafe` functions below ask for.
use core::cell::{Cell, RefCell, RefMut};

/// Virtual address of physical address 0 in the kernel window (seL4's PPTR_BASE).
pub const PPTR_BASE: u64 = 0xFFFF_FFC0_0000_0000;
/// End of the physical window (seL4's PPTR_TOP); physical addresses must stay below
/// `PPTR_TOP - PPTR_BASE`.
pub const PPTR_TOP: u64 = 0xFFFF_FFFF_8000_0000;
/// Kernel image virtual minus physical address (linked at 0xffffffff80200000, loaded at
/// 0x80200000).
pub const KERNEL_VIRT_OFFSET: u64 = 0xFFFF_FFFF_0000_0000;

/// Kernel-window pointer for a physical address.
pub fn paddr_to_ptr<T>(paddr: u64) -> *mut T {
    (PPTR_BASE + paddr) as *mut T
}

/// Physical address of something inside the kernel image (statics).
pub fn kernel_image_paddr<T>(ptr: *const T) -> u64 {
    ptr as u64 - KERNEL_VIRT_OFFSET
}

/// A typed reference to the object at `paddr`.
///
/// # Safety
/// `paddr` must be the start of a live object of type `T` (named by a capability or carved at
/// boot), suitably aligned, and no other reference to it may be live while this one is used.
pub unsafe fn object<T>(paddr: u64) -> &'static mut T {
    // SAFETY: forwarded caller obligation; the window maps all physical memory.
    unsafe { &mut *paddr_to_ptr::<T>(paddr) }
}

/// Zeroes `len` bytes of physical memory.
///
/// # Safety
/// `[paddr, paddr + len)` must be RAM that no live object or reference uses.
pub unsafe fn zero(paddr: u64, len: u64) {
    // SAFETY: forwarded caller obligation.
    unsafe { core::ptr::write_bytes(paddr_to_ptr::<u8>(paddr), 0, len as usize) };
}

/// Copies bytes into physical memory.
///
/// # Safety
/// As for [`zero`], for `[paddr, paddr + bytes.len())`.
pub unsafe fn copy_to(paddr: u64, bytes: &[u8]) {
    // SAFETY: forwarded caller obligation; `bytes` cannot overlap unused memory.
    unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), paddr_to_ptr::<u8>(paddr), bytes.len()) };
}

/// A byte slice over physical memory.
///
/// # Safety
/// `[paddr, paddr + len)` must stay unchanged while the slice is used.
pub unsafe fn bytes(paddr: u64, len: usize) -> &'static [u8] {
    // SAFETY: forwarded caller obligation.
    unsafe { core::slice::from_raw_parts(paddr_to_ptr::<u8>(paddr), len) }
}

// Typed views of kernel objects. Every address passed here comes from a capability, a TCB
// field or a queue link, and the kernel keeps those pointing at live objects of the named type
// (a cap is deleted, and queues and bindings are cleaned, before an object's memory can be
// retyped). That invariant is what each `unsafe` block below relies on; these functions are
// the only place object memory is reached from.

/// The TCB at `paddr`.
#[inline(always)]
pub fn tcb(paddr: u64) -> &'static mut crate::object::tcb::Tcb {
    // SAFETY: see above; callers hold no other reference to this TCB across the call.
    unsafe { object(paddr) }
}

/// The endpoint at `paddr`.
#[inline(always)]
pub fn endpoint(paddr: u64) -> &'static mut crate::object::endpoint::Endpoint {
    // SAFETY: see above.
    unsafe { object(paddr) }
}

/// The notification at `paddr`.
#[inline(always)]
pub fn notification(paddr: u64) -> &'static mut crate::object::notification::Notification {
    // SAFETY: see above.
    unsafe { object(paddr) }
}

/// The capability slot at `paddr`.
#[inline(always)]
pub fn slot(paddr: u64) -> &'static mut atoll_kernel_core::cte::Cte {
    // SAFETY: see above; slot addresses come from CNode caps, TCB slot arrays and the kernel's
    // interrupt slots.
    unsafe { object(paddr) }
}

/// An IPC buffer's 128 words at `paddr` (inside a frame a thread's IPC-buffer cap names).
#[inline(always)]
pub fn ipc_words(paddr: u64) -> &'static mut [u64; 128] {
    // SAFETY: see above; IPC buffers are 1 KiB-aligned blocks inside live frames.
    unsafe { object(paddr) }
}

/// Zeroes part of an untyped's memory that nothing uses (the untyped has no children, or the
/// range lies above its watermark).
pub fn clear_untyped(untyped: atoll_kernel_core::cap::Cap, offset: u64, len: u64) {
    let end = offset.saturating_add(len);
    assert!(
        untyped.is(atoll_abi::CapType::Untyped) && end <= 1u64 << untyped.untyped_size_bits(),
        "clearing outside an untyped (kernel invariant: callers stay inside the block)"
    );
    // SAFETY: the range lies inside the untyped's block, which holds no live object there.
    unsafe { zero(untyped.paddr() + offset, len) };
}

/// Kernel global state. Atoll runs on one hart and never takes an interrupt inside the kernel,
/// so accesses never overlap in time; the `RefCell` turns any accidental re-entrant use into a
/// kernel panic instead of aliased mutable references.
pub struct KernelCell<T>(RefCell<T>);

// SAFETY: one hart, no preemption inside the kernel (sstatus.SIE stays clear): no two threads
// of execution ever touch a KernelCell.
unsafe impl<T> Sync for KernelCell<T> {}

impl<T> KernelCell<T> {
    pub const fn new(value: T) -> Self {
        KernelCell(RefCell::new(value))
    }

    pub fn borrow_mut(&self) -> RefMut<'_, T> {
        self.0.borrow_mut()
    }

    /// For the panic path: the state, unless it is already borrowed.
    pub fn try_borrow_mut(&self) -> Option<RefMut<'_, T>> {
        self.0.try_borrow_mut().ok()
    }
}

/// A kernel global word (thread pointers, table entries) read and written without a borrow
/// check, for hot paths. Sound for the same reason as `KernelCell`: one hart, no preemption
/// inside the kernel; a `Cell` hands out no references, so nothing can alias.
pub struct KernelWord(Cell<u64>);

// SAFETY: as for KernelCell.
unsafe impl Sync for KernelWord {}

impl KernelWord {
    pub const fn new(value: u64) -> Self {
        KernelWord(Cell::new(value))
    }

    #[inline(always)]
    pub fn get(&self) -> u64 {
        self.0.get()
    }

    #[inline(always)]
    pub fn set(&self, value: u64) {
        self.0.set(value)
    }
}
