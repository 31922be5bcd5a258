//! CNode slots in physical memory, and capability lookup through a thread's CSpace.
pub use atoll_kernel_core::cspace::{LookupFault, Resolved, slot_of};
pub use atoll_kernel_core::cte::{Cte, CteStore, SlotRef};
use crate::kmem;

/// The kernel's slot store: slots are named by their physical address.
pub struct PhysicalSlots;

impl CteStore for PhysicalSlots {
    fn read(&self, slot: SlotRef) -> Cte {
        // SAFETY: slot references only come from capability lookups, CNode caps and TCB slot
        // arrays, so they always address a live, aligned slot.
        unsafe { *kmem::paddr_to_ptr::<Cte>(slot) }
    }

    fn write(&mut self, slot: SlotRef, cte: Cte) {
        // SAFETY: as for `read`.
        unsafe { *kmem::paddr_to_ptr::<Cte>(slot) = cte };
    }
}
