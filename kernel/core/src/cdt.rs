//! The capability derivation tree: seL4's operations on the slot list (insert, move, swap,
//! unlink) and the parent/child and finality questions deletion and revocation ask.
use crate::cap::Cap;
use crate::cte::{CteStore, Mdb, SlotRef};
use crate::rules::{is_cap_revocable, same_object_as, same_region_as};
use atoll_abi::CapType;

/// Puts `new_cap`, derived from the cap in `src`, into the empty slot `dest` as its child
/// (seL4's cteInsert). The new slot follows `src` in the list.
pub fn insert(store: &mut impl CteStore, new_cap: Cap, src: SlotRef, dest: SlotRef) {
    let src_cte = store.read(src);
    let revocable = is_cap_revocable(new_cap, src_cte.cap);
    let next = src_cte.mdb.next();
    let mut mdb = Mdb::default();
    mdb.set_prev(src);
    mdb.set_next(next);
    mdb.set_revocable(revocable);
    mdb.set_first_badged(revocable);
    // An untyped copied over its whole extent must not be retyped from the original while
    // the copy exists: mark the original full.
    if src_cte.cap.is(CapType::Untyped)
        && new_cap.is(CapType::Untyped)
        && src_cte.cap.paddr() == new_cap.paddr()
        && src_cte.cap.untyped_size_bits() == new_cap.untyped_size_bits()
    {
        let full = 1u64 << src_cte.cap.untyped_size_bits();
        store.set_cap(src, src_cte.cap.with_free_index(full));
    }
    store.write(dest, crate::cte::Cte { cap: new_cap, mdb });
    store.update_mdb(src, |m| m.set_next(dest));
    if next != 0 {
        store.update_mdb(next, |m| m.set_prev(dest));
    }
}

/// `insert` for caps that are never revocable parents (reply caps, for one): the same result
/// without the general rules, for the IPC fastpath.
pub fn insert_unrevocable_child(store: &mut impl CteStore, new_cap: Cap, src: SlotRef, dest: SlotRef) {
    link_after(store, new_cap, src, dest, false);
}

/// Puts the cap of a newly retyped object into `dest` right after its untyped `parent`, as a
/// revocable, first-badged child (seL4's insertNewCap).
pub fn insert_new_object(store: &mut impl CteStore, new_cap: Cap, parent: SlotRef, dest: SlotRef) {
    link_after(store, new_cap, parent, dest, true);
}

/// Writes `new_cap` into the empty slot `dest` and links it right after `src`, with both flags
/// set to `flags`.
fn link_after(store: &mut impl CteStore, new_cap: Cap, src: SlotRef, dest: SlotRef, flags: bool) {
    let next = store.mdb(src).next();
    let mut mdb = Mdb::default();
    mdb.set_prev(src);
    mdb.set_next(next);
    mdb.set_revocable(flags);
    mdb.set_first_badged(flags);
    store.write(dest, crate::cte::Cte { cap: new_cap, mdb });
    store.update_mdb(src, |m| m.set_next(dest));
    if next != 0 {
        store.update_mdb(next, |m| m.set_prev(dest));
    }
}

/// Moves the cap in `src` to the empty slot `dest` as `new_cap`, keeping its place in the tree
/// (seL4's cteMove).
pub fn move_to(store: &mut impl CteStore, new_cap: Cap, src: SlotRef, dest: SlotRef) {
    let mdb = store.mdb(src);
    store.write(dest, crate::cte::Cte { cap: new_cap, mdb });
    store.write(src, crate::cte::Cte::default());
    if mdb.prev() != 0 {
        store.update_mdb(mdb.prev(), |m| m.set_next(dest));
    }
    if mdb.next() != 0 {
        store.update_mdb(mdb.next(), |m| m.set_prev(dest));
    }
}

/// Exchanges two slots' caps (as `cap1` goes to `slot2` and `cap2` to `slot1`) and their places
/// in the tree (seL4's cteSwap). Correct also when the two slots are neighbours in the list.
pub fn swap(store: &mut impl CteStore, cap1: Cap, slot1: SlotRef, cap2: Cap, slot2: SlotRef) {
    store.set_cap(slot1, cap2);
    store.set_cap(slot2, cap1);
    let mdb1 = store.mdb(slot1);
    if mdb1.prev() != 0 {
        store.update_mdb(mdb1.prev(), |m| m.set_next(slot2));
    }
    if mdb1.next() != 0 {
        store.update_mdb(mdb1.next(), |m| m.set_prev(slot2));
    }
    let mdb2 = store.mdb(slot2);
    store.update_mdb(slot1, |m| *m = mdb2);
    store.update_mdb(slot2, |m| *m = mdb1);
    if mdb2.prev() != 0 {
        store.update_mdb(mdb2.prev(), |m| m.set_next(slot1));
    }
    if mdb2.next() != 0 {
        store.update_mdb(mdb2.next(), |m| m.set_prev(slot1));
    }
}

/// Empties `slot` and unlinks it from the tree (seL4's emptySlot). The next slot inherits the
/// first-badged mark so that badge ancestry survives.
pub fn unlink(store: &mut impl CteStore, slot: SlotRef) {
    let cte = store.read(slot);
    if cte.cap.is_null() {
        return;
    }
    let (prev, next) = (cte.mdb.prev(), cte.mdb.next());
    if prev != 0 {
        store.update_mdb(prev, |m| m.set_next(next));
    }
    if next != 0 {
        store.update_mdb(next, |m| {
            m.set_prev(prev);
            let inherited = m.first_badged() || cte.mdb.first_badged();
            m.set_first_badged(inherited);
        });
    }
    store.write(slot, crate::cte::Cte::default());
}

/// Whether the cap in `parent` is the CDT parent of the cap in `child` (seL4's isMDBParentOf).
pub fn is_parent_of(store: &impl CteStore, parent: SlotRef, child: SlotRef) -> bool {
    let (a, b) = (store.read(parent), store.read(child));
    if !a.mdb.revocable() || !same_region_as(a.cap, b.cap) {
        return false;
    }
    match a.cap.cap_type() {
        CapType::Endpoint | CapType::Notification => {
            let badge = a.cap.badge();
            badge == 0 || (badge == b.cap.badge() && !b.mdb.first_badged())
        }
        _ => true,
    }
}

/// The first child of the cap in `slot`, if it has any.
pub fn first_child(store: &impl CteStore, slot: SlotRef) -> Option<SlotRef> {
    let next = store.mdb(slot).next();
    (next != 0 && is_parent_of(store, slot, next)).then_some(next)
}

/// Whether no other cap names the same object (seL4's isFinalCapability): in tree order all caps
/// to one object are neighbours, so looking at both neighbours is enough.
pub fn is_final(store: &impl CteStore, slot: SlotRef) -> bool {
    let cte = store.read(slot);
    let prev = cte.mdb.prev();
    if prev != 0 && same_object_as(store.cap(prev), cte.cap) {
        return false;
    }
    let next = cte.mdb.next();
    next == 0 || !same_object_as(cte.cap, store.cap(next))
}
