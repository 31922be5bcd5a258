//! Capability slots in physical memory, as kernel-core's derivation-tree and CSpace code reads
//! and writes them.
use crate::arch::layout::phys_to_kernel_ptr;
use atoll_kernel_core::cap::Cap;
use atoll_kernel_core::cte::{Cte, CteStore, Mdb, SlotRef};

/// The kernel's slot store: a slot is named by its physical address (kernel-core's `SlotRef`).
///
/// The addresses it is given come from capability resolution (a CNode cap's slots), a TCB's own
/// slot array, the kernel's interrupt-handler slots, or boot; every one names a live slot. That
/// is the invariant its `unsafe` blocks rely on. (kernel-core keeps `SlotRef` a plain address so
/// its derivation-tree logic can be tested on the host against a model store.)
pub struct PhysicalSlots;

#[inline(always)]
fn cte(slot: SlotRef) -> *mut Cte {
    phys_to_kernel_ptr(slot)
}

impl CteStore for PhysicalSlots {
    #[inline(always)]
    fn read(&self, slot: SlotRef) -> Cte {
        // SAFETY: `slot` names a live slot (see the type's invariant); read in place.
        unsafe { cte(slot).read() }
    }

    #[inline(always)]
    fn write(&mut self, slot: SlotRef, value: Cte) {
        // SAFETY: as for `read`.
        unsafe { cte(slot).write(value) }
    }

    // Field-level access: the hot paths touch only the half of a slot they need.

    #[inline(always)]
    fn cap(&self, slot: SlotRef) -> Cap {
        // SAFETY: as for `read`.
        unsafe { (&raw const (*cte(slot)).cap).read() }
    }

    #[inline(always)]
    fn set_cap(&mut self, slot: SlotRef, cap: Cap) {
        // SAFETY: as for `read`.
        unsafe { (&raw mut (*cte(slot)).cap).write(cap) }
    }

    #[inline(always)]
    fn mdb(&self, slot: SlotRef) -> Mdb {
        // SAFETY: as for `read`.
        unsafe { (&raw const (*cte(slot)).mdb).read() }
    }

    #[inline(always)]
    fn update_mdb(&mut self, slot: SlotRef, change: impl FnOnce(&mut Mdb)) {
        let mut mdb = self.mdb(slot);
        change(&mut mdb);
        // SAFETY: as for `read`.
        unsafe { (&raw mut (*cte(slot)).mdb).write(mdb) }
    }
}
