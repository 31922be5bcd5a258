//! A reference model of seL4's capability derivation tree, operations applied to a store and
//! the model side by side, and the checks that compare the two.
//!
//! The model keeps what the CDT is meant to represent: each slot's cap and flags, its list
//! (slots in tree order) and, independently of `is_parent_of`, each cap's parent in the
//! derivation tree. A copy of a revocable cap is its child; a copy of a non-revocable cap is a
//! sibling (child of the same parent); deleting a cap hands its children to its parent.

use crate::store::VecStore;
use atoll_abi::{CapRights, CapType};
use atoll_kernel_core::cap::Cap;
use atoll_kernel_core::cdt;
use atoll_kernel_core::cte::{CteStore, Mdb, SlotRef};
use atoll_kernel_core::rules::{self, DeriveError};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    pub cap: Cap,
    pub revocable: bool,
    pub first_badged: bool,
    pub parent: Option<SlotRef>,
}

#[derive(Clone, Debug, Default)]
pub struct Model {
    /// Non-null slots.
    pub entries: BTreeMap<SlotRef, Entry>,
    /// The CDT's lists, each in order (boot roots start one list each).
    pub lists: Vec<Vec<SlotRef>>,
}

/// A name no slot has, for renaming in two steps.
const SCRATCH: SlotRef = u64::MAX;

/// seL4's isCapRevocable, restated: badging a copy, any untyped copy and an IRQ handler made
/// from IRQ control start a new revocable parent.
fn revocable(new: Cap, src: Cap) -> bool {
    match new.cap_type() {
        CapType::Endpoint | CapType::Notification => new.badge() != src.badge(),
        CapType::IrqHandler => src.is(CapType::IrqControl),
        CapType::Untyped => true,
        _ => false,
    }
}

impl Model {
    pub fn entry(&self, slot: SlotRef) -> &Entry {
        &self.entries[&slot]
    }

    pub fn cap(&self, slot: SlotRef) -> Cap {
        self.entries.get(&slot).map_or(Cap::NULL, |e| e.cap)
    }

    /// A boot root: revocable, first-badged, alone in its list.
    pub fn root(&mut self, slot: SlotRef, cap: Cap) {
        let entry = Entry { cap, revocable: true, first_badged: true, parent: None };
        assert!(self.entries.insert(slot, entry).is_none());
        self.lists.push(vec![slot]);
    }

    fn position(&self, slot: SlotRef) -> (usize, usize) {
        for (l, list) in self.lists.iter().enumerate() {
            if let Some(p) = list.iter().position(|&s| s == slot) {
                return (l, p);
            }
        }
        panic!("slot {slot:#x} is on no model list");
    }

    /// Whether `d` descends from `a` in the derivation tree.
    pub fn descends_from(&self, d: SlotRef, a: SlotRef) -> bool {
        let mut at = self.entries[&d].parent;
        let mut steps = 0;
        while let Some(p) = at {
            if p == a {
                return true;
            }
            at = self.entries[&p].parent;
            steps += 1;
            assert!(steps <= self.entries.len(), "cycle in model parents");
        }
        false
    }

    /// `a`'s descendants in list order.
    pub fn descendants(&self, a: SlotRef) -> Vec<SlotRef> {
        let (l, _) = self.position(a);
        self.lists[l].iter().copied().filter(|&d| self.descends_from(d, a)).collect()
    }

    pub fn has_children(&self, a: SlotRef) -> bool {
        self.entries.values().any(|e| e.parent == Some(a))
    }

    /// seL4's isMDBParentOf over the model's caps and flags.
    pub fn is_parent_of(&self, a: SlotRef, b: SlotRef) -> bool {
        let (a, b) = (self.entry(a), self.entry(b));
        if !a.revocable || !rules::same_region_as(a.cap, b.cap) {
            return false;
        }
        match a.cap.cap_type() {
            CapType::Endpoint | CapType::Notification => {
                a.cap.badge() == 0 || (a.cap.badge() == b.cap.badge() && !b.first_badged)
            }
            _ => true,
        }
    }

    /// No other slot holds a cap to the same object.
    pub fn is_final(&self, slot: SlotRef) -> bool {
        let cap = self.cap(slot);
        !self.entries.iter().any(|(&other, e)| {
            other != slot && (rules::same_object_as(e.cap, cap) || rules::same_object_as(cap, e.cap))
        })
    }

    pub fn insert(&mut self, new_cap: Cap, src: SlotRef, dest: SlotRef) {
        assert!(!self.entries.contains_key(&dest));
        let s = self.entries[&src];
        let rev = revocable(new_cap, s.cap);
        if s.cap.is(CapType::Untyped)
            && new_cap.is(CapType::Untyped)
            && s.cap.paddr() == new_cap.paddr()
            && s.cap.untyped_size_bits() == new_cap.untyped_size_bits()
        {
            let full = 1u64 << s.cap.untyped_size_bits();
            self.entries.get_mut(&src).unwrap().cap = s.cap.with_free_index(full);
        }
        let parent = if s.revocable { Some(src) } else { s.parent };
        let entry = Entry { cap: new_cap, revocable: rev, first_badged: rev, parent };
        self.entries.insert(dest, entry);
        let (l, p) = self.position(src);
        self.lists[l].insert(p + 1, dest);
    }

    fn rename(&mut self, from: SlotRef, to: SlotRef) {
        let entry = self.entries.remove(&from).unwrap();
        assert!(self.entries.insert(to, entry).is_none());
        for e in self.entries.values_mut() {
            if e.parent == Some(from) {
                e.parent = Some(to);
            }
        }
        let (l, p) = self.position(from);
        self.lists[l][p] = to;
    }

    pub fn move_to(&mut self, new_cap: Cap, src: SlotRef, dest: SlotRef) {
        self.rename(src, dest);
        self.entries.get_mut(&dest).unwrap().cap = new_cap;
    }

    /// `cap1` (from `slot1`) goes to `slot2` and `cap2` to `slot1`, each keeping its place.
    pub fn swap(&mut self, cap1: Cap, slot1: SlotRef, cap2: Cap, slot2: SlotRef) {
        assert_ne!(slot1, slot2);
        self.rename(slot1, SCRATCH);
        self.rename(slot2, slot1);
        self.rename(SCRATCH, slot2);
        self.entries.get_mut(&slot2).unwrap().cap = cap1;
        self.entries.get_mut(&slot1).unwrap().cap = cap2;
    }

    pub fn unlink(&mut self, slot: SlotRef) {
        let Some(gone) = self.entries.remove(&slot) else {
            return;
        };
        for e in self.entries.values_mut() {
            if e.parent == Some(slot) {
                e.parent = gone.parent;
            }
        }
        let (l, p) = self.position(slot);
        self.lists[l].remove(p);
        if let Some(&next) = self.lists[l].get(p) {
            self.entries.get_mut(&next).unwrap().first_badged |= gone.first_badged;
        }
        if self.lists[l].is_empty() {
            self.lists.remove(l);
        }
    }
}

/// Boot caps used as CDT roots (disjoint objects), one per slot from slot 0.
pub fn boot_caps() -> Vec<Cap> {
    use atoll_kernel_core::cap::{EndpointRights, FrameSize, VmRights};
    let all = EndpointRights { send: true, receive: true, grant: true, grant_reply: true };
    vec![
        Cap::untyped(0x8000_0000, 21, false),
        Cap::untyped(0x8100_0000, 16, false),
        Cap::untyped(0x9000_0000, 12, true),
        Cap::endpoint(0x8200_0000, 0, all),
        Cap::notification(0x8200_1000, 0, true, true),
        Cap::cnode(0x8300_0000, 4, 60, 0),
        Cap::frame(0x8400_0000, FrameSize::Small, VmRights::ReadWrite, false).with_mapping(1, 0x1_0000),
        Cap::frame(0x8420_0000, FrameSize::Large, VmRights::ReadOnly, true),
        Cap::page_table(0x8500_0000).with_mapping(1, 0),
        Cap::page_table(0x8500_1000),
        Cap::thread(0x8600_0000),
        Cap::asid_pool(0x8700_0000, 0),
        Cap::control(CapType::IrqControl),
        Cap::irq_handler(5),
        Cap::zombie(0x8800_0000, false, 3, 8),
        Cap::reply(0x8600_0000, true, true),
    ]
}

/// A few boot roots, as the root task gets them: untyped memory, an endpoint, a notification,
/// its CNode and a frame.
pub fn few_boot_caps() -> Vec<Cap> {
    let all = boot_caps();
    vec![all[0], all[1], all[3], all[4], all[5], all[6]]
}

/// A store of `len` slots and a model, with `roots` written as boot roots from slot 0.
pub fn boot(roots: &[Cap], len: usize) -> (VecStore, Model) {
    let mut store = VecStore::new(len);
    let mut model = Model::default();
    for (i, &cap) in roots.iter().enumerate() {
        let slot = VecStore::slot_ref(i);
        store.put_root(slot, cap);
        model.root(slot, cap);
    }
    (store, model)
}

#[derive(Clone, Debug)]
pub enum Op {
    /// Derive a copy of a non-null slot into an empty one; `data` mints (a badge for endpoint
    /// and notification caps, guard data for CNode caps), `rights` masks.
    Insert {
        src: usize,
        dest: usize,
        data: Option<u64>,
        rights: Option<u64>,
    },
    /// Move a cap to an empty slot (`data`: mutate a CNode cap's guard on the way).
    Move {
        src: usize,
        dest: usize,
        data: Option<u64>,
    },
    Swap {
        a: usize,
        b: usize,
    },
    /// seL4's CNode_Rotate: pivot to dest, src to pivot; `back` makes dest the source slot.
    Rotate {
        src: usize,
        pivot: usize,
        dest: usize,
        back: bool,
    },
    /// Unlink any slot (empty ones too: a no-op).
    Unlink {
        slot: usize,
    },
    /// Unlink the first child until there is none.
    Revoke {
        slot: usize,
    },
}

pub fn op() -> impl Strategy<Value = Op> {
    let data = prop::option::of(prop_oneof![0u64..4, any::<u64>()]);
    let insert = (any::<usize>(), any::<usize>(), data, prop::option::of(0u64..16))
        .prop_map(|(src, dest, data, rights)| Op::Insert { src, dest, data, rights });
    prop_oneof![
        8 => insert,
        1 => (any::<usize>(), any::<usize>(), prop::option::of(any::<u64>()))
            .prop_map(|(src, dest, data)| Op::Move { src, dest, data }),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Op::Swap { a, b }),
        1 => (any::<usize>(), any::<usize>(), any::<usize>(), any::<bool>())
            .prop_map(|(src, pivot, dest, back)| Op::Rotate { src, pivot, dest, back }),
        2 => any::<usize>().prop_map(|slot| Op::Unlink { slot }),
        1 => any::<usize>().prop_map(|slot| Op::Revoke { slot }),
    ]
}

fn pick(slots: &[SlotRef], index: usize) -> Option<SlotRef> {
    (!slots.is_empty()).then(|| slots[index % slots.len()])
}

pub fn full_slots(store: &VecStore) -> Vec<SlotRef> {
    store.refs().filter(|&s| !store.cap(s).is_null()).collect()
}

fn empty_slots(store: &VecStore) -> Vec<SlotRef> {
    store.refs().filter(|&s| store.cap(s).is_null()).collect()
}

/// The cap a Mint from `src` produces, or `None` when the kernel would refuse or produce
/// nothing. Checks `derive`'s errors against the model.
fn minted(model: &Model, src: SlotRef, data: Option<u64>, rights: Option<u64>) -> Option<Cap> {
    let cap = model.cap(src);
    let derived = match rules::derive(cap, model.has_children(src)) {
        Ok(c) => c,
        Err(DeriveError::RevokeFirst) => {
            assert!(cap.is(CapType::Untyped) && model.has_children(src));
            return None;
        }
        Err(DeriveError::IllegalOperation) => {
            assert!(cap.is(CapType::PageTable) && !cap.page_table_is_mapped());
            return None;
        }
    };
    if cap.is(CapType::Untyped) {
        assert!(!model.has_children(src), "untyped with children derived");
    }
    if derived.is_null() {
        assert!(matches!(cap.cap_type(), CapType::Zombie | CapType::IrqControl | CapType::Reply));
        return None;
    }
    let mut new = derived;
    if let Some(data) = data {
        new = rules::update_cap_data(false, data, new);
        if new.is_null() {
            return None;
        }
    }
    if let Some(rights) = rights {
        new = rules::mask_rights(new, CapRights::from_word(rights));
    }
    Some(new)
}

/// Revokes `slot` as seL4's cteRevoke does (deleting first children until none is left),
/// in store and model.
pub fn revoke(store: &mut VecStore, model: &mut Model, slot: SlotRef) {
    let mut rounds = 0;
    while let Some(child) = cdt::first_child(store, slot) {
        assert_eq!(Some(child), model.descendants(slot).first().copied(), "first child of {slot:#x}");
        cdt::unlink(store, child);
        model.unlink(child);
        rounds += 1;
        assert!(rounds <= store.slots.len(), "revoke does not end");
    }
    assert!(model.descendants(slot).is_empty());
}

/// Applies `op` to store and model.
pub fn apply(store: &mut VecStore, model: &mut Model, op: &Op) {
    let full = full_slots(store);
    let empty = empty_slots(store);
    match *op {
        Op::Insert { src, dest, data, rights } => {
            let (Some(src), Some(dest)) = (pick(&full, src), pick(&empty, dest)) else {
                return;
            };
            if let Some(new) = minted(model, src, data, rights) {
                cdt::insert(store, new, src, dest);
                model.insert(new, src, dest);
            }
        }
        Op::Move { src, dest, data } => {
            let (Some(src), Some(dest)) = (pick(&full, src), pick(&empty, dest)) else {
                return;
            };
            let mut cap = store.cap(src);
            if let Some(data) = data.filter(|_| cap.is(CapType::CNode)) {
                let mutated = rules::update_cap_data(true, data, cap);
                if !mutated.is_null() {
                    cap = mutated;
                }
            }
            cdt::move_to(store, cap, src, dest);
            model.move_to(cap, src, dest);
        }
        Op::Swap { a, b } => {
            let (Some(a), Some(b)) = (pick(&full, a), pick(&full, b)) else {
                return;
            };
            if a == b {
                return;
            }
            let (cap_a, cap_b) = (store.cap(a), store.cap(b));
            cdt::swap(store, cap_a, a, cap_b, b);
            model.swap(cap_a, a, cap_b, b);
        }
        Op::Rotate { src, pivot, dest, back } => {
            let (Some(src), Some(pivot)) = (pick(&full, src), pick(&full, pivot)) else {
                return;
            };
            if src == pivot {
                return;
            }
            let (cap1, cap2) = (store.cap(src), store.cap(pivot));
            if back {
                cdt::swap(store, cap1, src, cap2, pivot);
                model.swap(cap1, src, cap2, pivot);
            } else {
                let Some(dest) = pick(&empty, dest) else {
                    return;
                };
                cdt::move_to(store, cap2, pivot, dest);
                model.move_to(cap2, pivot, dest);
                cdt::move_to(store, cap1, src, pivot);
                model.move_to(cap1, src, pivot);
            }
        }
        Op::Unlink { slot } => {
            let slot = VecStore::slot_ref(slot % store.slots.len());
            cdt::unlink(store, slot);
            model.unlink(slot);
        }
        Op::Revoke { slot } => {
            if let Some(slot) = pick(&full, slot) {
                revoke(store, model, slot);
            }
        }
    }
}

/// The store's lists, each from its head (a slot with no predecessor), after checking that
/// links are mutually consistent, acyclic and cover every non-null slot exactly once, and
/// that null slots carry no links or flags.
pub fn store_lists(store: &VecStore) -> Vec<Vec<SlotRef>> {
    for slot in store.refs() {
        let cte = store.read(slot);
        if cte.cap.is_null() {
            assert_eq!(cte.mdb, Mdb::default(), "null slot {slot:#x} has links or flags");
        }
    }
    let full = full_slots(store);
    let mut seen = BTreeSet::new();
    let mut lists = Vec::new();
    for &head in &full {
        if store.mdb(head).prev() != 0 {
            continue;
        }
        let mut list = Vec::new();
        let mut at = head;
        loop {
            assert!(seen.insert(at), "slot {at:#x} reached twice");
            list.push(at);
            let next = store.mdb(at).next();
            if next == 0 {
                break;
            }
            assert!(store.index(next).is_some(), "{at:#x} links to {next:#x}, no slot");
            assert!(!store.cap(next).is_null(), "{at:#x} links to empty {next:#x}");
            assert_eq!(store.mdb(next).prev(), at, "{next:#x}.prev is not {at:#x}");
            at = next;
        }
        lists.push(list);
    }
    let unreached: Vec<_> = full.iter().filter(|s| !seen.contains(s)).collect();
    assert!(unreached.is_empty(), "slots on no list (a cycle?): {unreached:x?}");
    lists
}

/// Compares store and model: lists, caps, flags, parenthood, children and finality.
pub fn check(store: &VecStore, model: &Model) {
    let mut lists = store_lists(store);
    let mut expected = model.lists.clone();
    lists.sort();
    expected.sort();
    assert_eq!(lists, expected, "CDT lists differ from the model");

    let full = full_slots(store);
    assert_eq!(full.len(), model.entries.len());
    for &s in &full {
        let (cte, e) = (store.read(s), model.entry(s));
        assert_eq!(cte.cap, e.cap, "cap in {s:#x}");
        assert_eq!(cte.mdb.revocable(), e.revocable, "revocable of {s:#x}");
        assert_eq!(cte.mdb.first_badged(), e.first_badged, "first_badged of {s:#x}");
    }

    for &a in &full {
        for &b in &full {
            if a != b {
                assert_eq!(cdt::is_parent_of(store, a, b), model.is_parent_of(a, b), "is_parent_of({a:#x}, {b:#x})");
            }
        }
    }

    for &a in &full {
        // The model's descendants follow their ancestor directly (a model sanity check).
        let want = model.descendants(a);
        let (l, p) = model.position(a);
        assert_eq!(model.lists[l][p + 1..p + 1 + want.len()], want[..], "model descendants of {a:#x} not contiguous");
        assert_eq!(children(store, a), want, "children of {a:#x}");
        assert_eq!(cdt::is_final(store, a), model.is_final(a), "is_final({a:#x})");
    }
}

/// `slot`'s children as revocation walks them: the first child, then following slots while
/// `is_parent_of` holds.
pub fn children(store: &VecStore, slot: SlotRef) -> Vec<SlotRef> {
    let mut out = Vec::new();
    let mut at = cdt::first_child(store, slot);
    while let Some(child) = at {
        out.push(child);
        assert!(out.len() <= store.slots.len(), "children of {slot:#x} do not end");
        let next = store.mdb(child).next();
        at = (next != 0 && cdt::is_parent_of(store, slot, next)).then_some(next);
    }
    out
}
