//! Capability slots in physical memory. A [`Slot`] names one; safe code gets slots only from
//! typed sources (a CNode or zombie cap and an index, a TCB's own slots, the interrupt table,
//! capability resolution, or the derivation tree's links), never from a bare address. The
//! derivation-tree and CSpace logic is kernel-core's (host tested over its own slot numbering);
//! this module runs it over physical memory.
use super::handle::Handle;
use super::objects::{Tcb, slot as tcb_slot};
use crate::arch::layout::{kernel_image_paddr, phys_to_kernel_ptr};
use atoll_abi::CapType;
use atoll_abi::object::SLOT_BITS;
use atoll_kernel_core::cap::Cap;
use atoll_kernel_core::cspace::LookupFault;
use atoll_kernel_core::cte::{Cte, CteStore, Mdb, SlotRef};

/// A capability slot in kernel memory, named by its physical address.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Slot(SlotRef);

impl Slot {
    /// The slot's physical address (what zombie caps and the derivation tree's links hold).
    #[inline(always)]
    pub fn paddr(self) -> u64 {
        self.0
    }

    /// Slot `index` of the CNode `cnode` names.
    #[inline(always)]
    pub fn in_cnode(cnode: Cap, index: u64) -> Slot {
        assert!(cnode.is(CapType::CNode) && index >> cnode.cnode_radix() == 0, "not a slot of this CNode");
        Slot(atoll_kernel_core::cspace::slot_of(cnode.paddr(), index))
    }

    /// Slot `index` of the slot array a zombie cap names (a CNode's or a TCB's).
    pub fn in_zombie(zombie: Cap, index: u64) -> Slot {
        let capacity = if zombie.zombie_is_tcb() { tcb_slot::COUNT as u64 } else { 1u64 << zombie.zombie_radix() };
        assert!(zombie.is(CapType::Zombie) && index < capacity, "not a slot of this zombie");
        Slot(atoll_kernel_core::cspace::slot_of(zombie.paddr(), index))
    }

    /// The thread's own slot `index` (see `memory::slot`).
    #[inline(always)]
    pub fn of_thread(thread: Handle<Tcb>, index: usize) -> Slot {
        assert!(index < tcb_slot::COUNT, "not one of a TCB's slots");
        Slot(thread.slots_paddr() + (index << SLOT_BITS) as u64)
    }

    #[inline(always)]
    pub fn cap(self) -> Cap {
        RawSlots.cap(self.0)
    }

    #[inline(always)]
    pub fn set_cap(self, cap: Cap) {
        RawSlots.set_cap(self.0, cap)
    }

    #[inline(always)]
    pub fn is_empty(self) -> bool {
        self.cap().is_null()
    }

    #[cfg(not(feature = "mcs"))]
    #[inline(always)]
    pub fn mdb(self) -> Mdb {
        RawSlots.mdb(self.0)
    }

    /// Writes a whole slot: boot's root caps and the master reply cap, whose tree links are
    /// their own.
    pub fn write(self, cte: Cte) {
        RawSlots.write(self.0, cte)
    }

    /// The next slot in the derivation tree's list, if any (non-MCS reply caps).
    #[cfg(not(feature = "mcs"))]
    #[inline(always)]
    pub fn next_in_tree(self) -> Option<Slot> {
        linked(self.mdb().next())
    }
}

impl Handle<Tcb> {
    /// The thread's own slot `index` (an index from `memory::slot`).
    #[inline(always)]
    pub fn slot(self, index: usize) -> Slot {
        Slot::of_thread(self, index)
    }
}

/// A link word of the derivation tree as a slot (0: none).
#[inline(always)]
fn linked(link: SlotRef) -> Option<Slot> {
    // The tree's links are written only by kernel-core's tree operations, with slots this
    // module handed it.
    (link != 0).then_some(Slot(link))
}

/// One slot per interrupt for the notification cap it signals (seL4's intStateIRQNode).
pub const MAX_IRQS: usize = 128;
#[repr(C, align(32))]
struct IrqSlots([Cte; MAX_IRQS]);
static mut IRQ_SLOTS: IrqSlots = IrqSlots([Cte { cap: Cap::NULL, mdb: Mdb::ZERO }; MAX_IRQS]);

/// The interrupt table's slot for `irq`.
pub fn irq_slot(irq: u64) -> Slot {
    assert!((irq as usize) < MAX_IRQS, "interrupt number beyond the table");
    Slot(kernel_image_paddr(&raw const IRQ_SLOTS) + (irq << SLOT_BITS))
}

/// Resolves `cptr` (its top `depth` bits) from the CNode cap `root` (seL4's
/// resolveAddressBits); the slot found and the bits left unused.
#[inline(always)]
pub fn resolve(root: Cap, cptr: u64, depth: u32) -> Result<(Slot, u32), LookupFault> {
    atoll_kernel_core::cspace::resolve(&RawSlots, root, cptr, depth).map(|r| (Slot(r.slot), r.bits_left))
}

/// seL4's derivation-tree operations on slots in kernel memory (kernel-core's `cdt`).
pub mod cdt {
    use super::{RawSlots, Slot, linked};
    use atoll_kernel_core::cap::Cap;
    use atoll_kernel_core::cdt;

    #[inline(always)]
    pub fn insert(new_cap: Cap, src: Slot, dest: Slot) {
        cdt::insert(&mut RawSlots, new_cap, src.0, dest.0)
    }
    #[cfg(not(feature = "mcs"))]
    #[inline(always)]
    pub fn insert_unrevocable_child(new_cap: Cap, src: Slot, dest: Slot) {
        cdt::insert_unrevocable_child(&mut RawSlots, new_cap, src.0, dest.0)
    }
    #[inline(always)]
    pub fn insert_new_object(new_cap: Cap, parent: Slot, dest: Slot) {
        cdt::insert_new_object(&mut RawSlots, new_cap, parent.0, dest.0)
    }
    #[inline(always)]
    pub fn move_to(new_cap: Cap, src: Slot, dest: Slot) {
        cdt::move_to(&mut RawSlots, new_cap, src.0, dest.0)
    }
    #[inline(always)]
    pub fn swap(cap1: Cap, slot1: Slot, cap2: Cap, slot2: Slot) {
        cdt::swap(&mut RawSlots, cap1, slot1.0, cap2, slot2.0)
    }
    #[inline(always)]
    pub fn unlink(slot: Slot) {
        cdt::unlink(&mut RawSlots, slot.0)
    }
    #[cfg(not(feature = "mcs"))]
    #[inline(always)]
    pub fn is_parent_of(parent: Slot, child: Slot) -> bool {
        cdt::is_parent_of(&RawSlots, parent.0, child.0)
    }
    #[inline(always)]
    pub fn first_child(slot: Slot) -> Option<Slot> {
        cdt::first_child(&RawSlots, slot.0).and_then(linked)
    }
    #[inline(always)]
    pub fn is_final(slot: Slot) -> bool {
        cdt::is_final(&RawSlots, slot.0)
    }
}

/// kernel-core's view of the slots: addresses. Private to this module, whose `Slot`s are the
/// only addresses it is given (or that the tree's links, which it writes, hold).
struct RawSlots;

#[inline(always)]
fn cte(slot: SlotRef) -> *mut Cte {
    phys_to_kernel_ptr(slot)
}

impl CteStore for RawSlots {
    #[inline(always)]
    fn read(&self, slot: SlotRef) -> Cte {
        // SAFETY: `slot` is a `Slot`'s address or a tree link (see `RawSlots`): a live slot.
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
