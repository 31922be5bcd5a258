//! A `CteStore` over a `Vec<Cte>` for host tests: slot `n` lives at address `(n + 1) * 32`.

use atoll_kernel_core::cap::Cap;
use atoll_kernel_core::cte::{Cte, CteStore, SlotRef};
use std::cell::Cell;

/// Bytes per slot (seL4's `1 << seL4_SlotBits`).
pub const SLOT_SIZE: u64 = 32;

/// Slots in a vector. Strict stores panic on reads and writes of addresses they do not hold;
/// lenient ones read such addresses as empty slots (for lookups through arbitrary caps).
pub struct VecStore {
    pub slots: Vec<Cte>,
    strict: bool,
    reads: Cell<usize>,
}

impl VecStore {
    pub fn new(len: usize) -> VecStore {
        VecStore { slots: vec![Cte::default(); len], strict: true, reads: Cell::new(0) }
    }

    /// The same slots, read leniently.
    pub fn into_lenient(self) -> VecStore {
        VecStore { strict: false, ..self }
    }

    /// The address of slot `index`.
    pub const fn slot_ref(index: usize) -> SlotRef {
        (index as u64 + 1) * SLOT_SIZE
    }

    /// The index of the slot at `slot`, if this store holds it.
    pub fn index(&self, slot: SlotRef) -> Option<usize> {
        if slot == 0 || !slot.is_multiple_of(SLOT_SIZE) {
            return None;
        }
        let index = usize::try_from(slot / SLOT_SIZE - 1).ok()?;
        (index < self.slots.len()).then_some(index)
    }

    /// Every slot address, in index order.
    pub fn refs(&self) -> impl Iterator<Item = SlotRef> + use<> {
        (0..self.slots.len()).map(VecStore::slot_ref)
    }

    /// Appends `count` empty slots and returns the address of the first.
    pub fn alloc(&mut self, count: usize) -> SlotRef {
        let first = self.slots.len();
        self.slots.resize(first + count, Cte::default());
        VecStore::slot_ref(first)
    }

    /// Writes `cap` into `slot` with no CDT links, as seL4's boot code writes root caps
    /// (revocable and first-badged).
    pub fn put_root(&mut self, slot: SlotRef, cap: Cap) {
        let mut cte = Cte { cap, ..Cte::default() };
        cte.mdb.set_revocable(true);
        cte.mdb.set_first_badged(true);
        self.write(slot, cte);
    }

    /// Number of reads since the last call (or since creation).
    pub fn take_reads(&self) -> usize {
        self.reads.replace(0)
    }
}

impl CteStore for VecStore {
    fn read(&self, slot: SlotRef) -> Cte {
        self.reads.set(self.reads.get() + 1);
        match self.index(slot) {
            Some(index) => self.slots[index],
            None if !self.strict => Cte::default(),
            None => panic!("read of slot {slot:#x}, which the store does not hold"),
        }
    }

    fn write(&mut self, slot: SlotRef, cte: Cte) {
        match self.index(slot) {
            Some(index) => self.slots[index] = cte,
            None => panic!("write of slot {slot:#x}, which the store does not hold"),
        }
    }
}
