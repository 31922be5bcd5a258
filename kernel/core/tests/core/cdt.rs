//! CDT list operations on small hand-built trees: insert, move, swap (neighbours too), unlink.

use crate::cdt_model::{Model, boot, check, store_lists};
use crate::store::VecStore;
use atoll_kernel_core::cap::{Cap, FrameSize, VmRights};
use atoll_kernel_core::cdt;
use atoll_kernel_core::cte::{CteStore, SlotRef};

fn s(i: usize) -> SlotRef {
    VecStore::slot_ref(i)
}

fn frame() -> Cap {
    Cap::frame(0x8400_0000, FrameSize::Small, VmRights::ReadWrite, false)
}

/// A frame root in slot 0 with copies in slots 1..=n (list: 0, n, ..., 1).
fn frames(n: usize) -> (VecStore, Model) {
    let (mut store, mut model) = boot(&[frame()], 16);
    for i in 1..=n {
        let cap = frame().with_frame_rights(VmRights::ReadOnly);
        cdt::insert(&mut store, cap, s(0), s(i));
        model.insert(cap, s(0), s(i));
        check(&store, &model);
    }
    (store, model)
}

#[test]
fn insert_links_after_source() {
    let (store, _) = frames(3);
    assert_eq!(store_lists(&store), vec![vec![s(0), s(3), s(2), s(1)]]);
    // Copies of a frame are not revocable; the boot root is.
    assert!(store.mdb(s(0)).revocable());
    for i in 1..=3 {
        assert!(!store.mdb(s(i)).revocable());
        assert!(!store.mdb(s(i)).first_badged());
        assert!(cdt::is_parent_of(&store, s(0), s(i)));
        assert!(!cdt::is_final(&store, s(i)));
    }
    assert_eq!(cdt::first_child(&store, s(0)), Some(s(3)));
    assert_eq!(cdt::first_child(&store, s(3)), None);
}

#[test]
fn untyped_copy_marks_the_original_full() {
    let untyped = Cap::untyped(0x8000_0000, 16, false);
    let (mut store, mut model) = boot(&[untyped], 8);
    cdt::insert(&mut store, untyped, s(0), s(1));
    model.insert(untyped, s(0), s(1));
    check(&store, &model);
    assert_eq!(store.cap(s(0)).untyped_free_index(), 1 << 16);
    assert_eq!(store.cap(s(1)).untyped_free_index(), 0);
    assert!(store.mdb(s(1)).revocable() && store.mdb(s(1)).first_badged());
    // Untyped caps are always final.
    assert!(cdt::is_final(&store, s(0)) && cdt::is_final(&store, s(1)));

    // A smaller untyped inside does not mark its parent full.
    let half = Cap::untyped(0x8000_8000, 15, false);
    cdt::insert(&mut store, half, s(1), s(2));
    model.insert(half, s(1), s(2));
    check(&store, &model);
    assert_eq!(store.cap(s(1)).untyped_free_index(), 0);
}

#[test]
fn move_keeps_the_place_in_the_tree() {
    let (mut store, mut model) = frames(3);
    // Move the middle copy, then the root, then the tail.
    for (from, to) in [(2, 7), (0, 8), (1, 9)] {
        let cap = store.cap(s(from));
        cdt::move_to(&mut store, cap, s(from), s(to));
        model.move_to(cap, s(from), s(to));
        check(&store, &model);
    }
    assert_eq!(store_lists(&store), vec![vec![s(8), s(3), s(7), s(9)]]);
}

#[test]
fn swap_neighbours_both_ways_and_apart() {
    let (mut store, mut model) = frames(4); // list: 0, 4, 3, 2, 1
    for (a, b) in [(4, 3), (4, 3), (3, 4), (0, 1), (2, 0), (1, 2)] {
        let (ca, cb) = (store.cap(s(a)), store.cap(s(b)));
        cdt::swap(&mut store, ca, s(a), cb, s(b));
        model.swap(ca, s(a), cb, s(b));
        check(&store, &model);
    }
}

#[test]
fn swap_changes_caps_with_their_places() {
    let (mut store, mut model) = frames(2); // list: 0, 2, 1
    let (root, copy) = (store.cap(s(0)), store.cap(s(1)));
    cdt::swap(&mut store, root, s(0), copy, s(1));
    model.swap(root, s(0), copy, s(1));
    check(&store, &model);
    assert_eq!(store_lists(&store), vec![vec![s(1), s(2), s(0)]]);
    assert_eq!(store.cap(s(1)), root);
    assert!(store.mdb(s(1)).revocable());
    assert_eq!(cdt::first_child(&store, s(1)), Some(s(2)));
}

#[test]
fn swap_of_a_slot_with_itself_changes_nothing() {
    let (mut store, model) = frames(2);
    let before = store.slots.clone();
    let cap = store.cap(s(2));
    cdt::swap(&mut store, cap, s(2), cap, s(2));
    assert_eq!(store.slots, before);
    check(&store, &model);
}

#[test]
fn unlink_head_middle_tail_and_empty() {
    let (mut store, mut model) = frames(3); // list: 0, 3, 2, 1
    for slot in [5, 2, 1, 0, 3, 3] {
        cdt::unlink(&mut store, s(slot));
        model.unlink(s(slot));
        check(&store, &model);
    }
    assert!(store.slots.iter().all(|cte| *cte == Default::default()));
}

#[test]
fn unlink_passes_first_badged_on() {
    let (mut store, mut model) = frames(2); // list: 0 (first-badged), 2, 1
    cdt::unlink(&mut store, s(0));
    model.unlink(s(0));
    check(&store, &model);
    assert!(store.mdb(s(2)).first_badged());
    assert!(!store.mdb(s(1)).first_badged());
    // The copies are now roots; neither is the other's parent.
    assert_eq!(cdt::first_child(&store, s(2)), None);
}

#[test]
fn new_objects_follow_their_untyped_as_revocable_first_badged_children() {
    let untyped = Cap::untyped(0x8000_0000, 16, false);
    let (mut store, _) = boot(&[untyped], 8);
    let endpoint = |i: u64| Cap::endpoint(0x8000_0000 + 16 * i, 0, atoll_kernel_core::cap::EndpointRights::default());
    for i in 1..=3 {
        cdt::insert_new_object(&mut store, endpoint(i as u64), s(0), s(i));
    }
    // Each goes straight after the untyped, so the list holds them in reverse order, as seL4's.
    assert_eq!(store_lists(&store), vec![vec![s(0), s(3), s(2), s(1)]]);
    for i in 1..=3 {
        assert!(store.mdb(s(i)).revocable() && store.mdb(s(i)).first_badged());
        assert!(cdt::is_parent_of(&store, s(0), s(i)));
    }
    assert_eq!(cdt::first_child(&store, s(0)), Some(s(3)));
}
