//! Capability table entries: a cap plus its links in the capability derivation tree (CDT).
//!
//! The CDT is seL4's: one doubly linked list of all slots in tree order, where a cap's
//! descendants follow it directly. Slots are named by a [`SlotRef`], the slot's address (the
//! kernel uses physical addresses; host tests use their own numbering). Both keep the low
//! five bits zero (slots are 32 bytes), which lets `next` share its word with two flags.
use crate::cap::Cap;

/// A slot's address; 0 means "no slot".
pub type SlotRef = u64;

const REVOCABLE: u64 = 1 << 0;
const FIRST_BADGED: u64 = 1 << 1;
const FLAGS: u64 = REVOCABLE | FIRST_BADGED;

/// The CDT links of one slot.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct Mdb {
    prev: u64,
    next_and_flags: u64,
}

impl Mdb {
    /// No links, no flags.
    pub const ZERO: Mdb = Mdb { prev: 0, next_and_flags: 0 };

    pub const fn prev(&self) -> SlotRef {
        self.prev
    }
    pub const fn next(&self) -> SlotRef {
        self.next_and_flags & !FLAGS
    }
    /// A revocable cap is the parent of the caps derived from it (seL4's mdbRevocable).
    pub const fn revocable(&self) -> bool {
        self.next_and_flags & REVOCABLE != 0
    }
    /// The first cap of an endpoint/notification to carry its badge (seL4's mdbFirstBadged).
    pub const fn first_badged(&self) -> bool {
        self.next_and_flags & FIRST_BADGED != 0
    }
    pub fn set_prev(&mut self, slot: SlotRef) {
        self.prev = slot;
    }
    pub fn set_next(&mut self, slot: SlotRef) {
        self.next_and_flags = (slot & !FLAGS) | (self.next_and_flags & FLAGS);
    }
    pub fn set_revocable(&mut self, on: bool) {
        self.set_flag(REVOCABLE, on);
    }
    pub fn set_first_badged(&mut self, on: bool) {
        self.set_flag(FIRST_BADGED, on);
    }
    fn set_flag(&mut self, flag: u64, on: bool) {
        if on {
            self.next_and_flags |= flag;
        } else {
            self.next_and_flags &= !flag;
        }
    }
}

/// seL4's 32-byte slot.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct Cte {
    pub cap: Cap,
    pub mdb: Mdb,
}

const _: () = assert!(core::mem::size_of::<Cte>() == 1 << atoll_abi::object::SLOT_BITS);

/// Where slots live. The kernel reads and writes physical memory; host tests use an array.
pub trait CteStore {
    fn read(&self, slot: SlotRef) -> Cte;
    fn write(&mut self, slot: SlotRef, cte: Cte);

    fn cap(&self, slot: SlotRef) -> Cap {
        self.read(slot).cap
    }
    fn set_cap(&mut self, slot: SlotRef, cap: Cap) {
        let mut cte = self.read(slot);
        cte.cap = cap;
        self.write(slot, cte);
    }
    fn mdb(&self, slot: SlotRef) -> Mdb {
        self.read(slot).mdb
    }
    fn update_mdb(&mut self, slot: SlotRef, change: impl FnOnce(&mut Mdb)) {
        let mut cte = self.read(slot);
        change(&mut cte.mdb);
        self.write(slot, cte);
    }
}
