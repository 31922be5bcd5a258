//! Kernel global state. Atoll runs on one hart and never takes an interrupt inside the kernel,
//! so accesses never overlap in time. All global state hangs off these cells, so a big kernel
//! lock taken at kernel entry is the one change SMP needs here.
use core::cell::{Cell, RefCell, RefMut};

/// Kernel state behind a `RefCell`: an accidental re-entrant use becomes a kernel panic instead
/// of aliased mutable references.
pub struct KernelCell<T>(RefCell<T>);

// SAFETY: one hart, no preemption inside the kernel (interrupts stay masked there): no two threads
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

/// A kernel global value (thread handles, table entries) read and written without a borrow
/// check, for hot paths. Sound for the same reason as `KernelCell`: one hart, no preemption
/// inside the kernel; a `Cell` hands out no references, so nothing can alias.
pub struct KernelWord<T: Copy = u64>(Cell<T>);

// SAFETY: as for KernelCell.
unsafe impl<T: Copy> Sync for KernelWord<T> {}

impl<T: Copy> KernelWord<T> {
    pub const fn new(value: T) -> Self {
        KernelWord(Cell::new(value))
    }

    #[inline(always)]
    pub fn get(&self) -> T {
        self.0.get()
    }

    #[inline(always)]
    pub fn set(&self, value: T) {
        self.0.set(value)
    }
}
