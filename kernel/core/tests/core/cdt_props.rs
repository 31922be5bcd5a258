//! The CDT operations against the reference model on random operation sequences, revocation,
//! and badged endpoint derivation.

use crate::cdt_model::{self, Model, Op, apply, boot, boot_caps, check, few_boot_caps, full_slots, op, revoke};
use crate::store::VecStore;
use atoll_abi::CapType;
use atoll_kernel_core::cap::{Cap, EndpointRights};
use atoll_kernel_core::cdt;
use atoll_kernel_core::cte::{CteStore, SlotRef};
use proptest::prelude::*;
use std::collections::BTreeMap;

const SLOTS: usize = 40;

fn run(roots: &[Cap], ops: &[Op]) -> (VecStore, Model) {
    let (mut store, mut model) = boot(roots, SLOTS);
    check(&store, &model);
    for op in ops {
        apply(&mut store, &mut model, op);
        check(&store, &model);
    }
    (store, model)
}

/// Operations that only copy, mint, move and delete (no revokes), to grow bigger trees.
fn growth_op() -> impl Strategy<Value = Op> {
    op().prop_filter("no revoke", |op| !matches!(op, Op::Revoke { .. }))
}

/// Mint (badges 0..=3), copy and delete among endpoint caps.
#[derive(Clone, Debug)]
enum EpOp {
    Mint { src: usize, dest: usize, badge: u64 },
    Copy { src: usize, dest: usize },
    Delete { slot: usize },
}

fn ep_op() -> impl Strategy<Value = EpOp> {
    prop_oneof![
        3 => (any::<usize>(), any::<usize>(), 0u64..4)
            .prop_map(|(src, dest, badge)| EpOp::Mint { src, dest, badge }),
        3 => (any::<usize>(), any::<usize>()).prop_map(|(src, dest)| EpOp::Copy { src, dest }),
        1 => any::<usize>().prop_map(|slot| EpOp::Delete { slot }),
    ]
}

fn to_op(op: &EpOp) -> Op {
    match *op {
        EpOp::Mint { src, dest, badge } => Op::Insert { src, dest, data: Some(badge), rights: None },
        EpOp::Copy { src, dest } => Op::Insert { src, dest, data: None, rights: Some(0b0111) },
        EpOp::Delete { slot } => Op::Unlink { slot },
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn cdt_matches_model(ops in prop::collection::vec(op(), 8..=40)) {
        run(&few_boot_caps(), &ops);
    }

    /// The same with roots of every cap type, including those that cannot be copied.
    #[test]
    fn cdt_matches_model_all_cap_types(ops in prop::collection::vec(op(), 8..=40)) {
        run(&boot_caps(), &ops);
    }

    /// Revoking a slot removes exactly its model descendants and leaves every other slot as
    /// it was.
    #[test]
    fn revoke_removes_exactly_the_descendants(
        ops in prop::collection::vec(growth_op(), 8..=40),
        pick: usize,
    ) {
        let (mut store, mut model) = run(&few_boot_caps(), &ops);
        let full = full_slots(&store);
        let slot = full[pick % full.len()];
        let doomed = model.descendants(slot);
        let before = store.slots.clone();

        revoke(&mut store, &mut model, slot);
        check(&store, &model);

        prop_assert!(cdt::first_child(&store, slot).is_none());
        for (i, (old, new)) in before.iter().zip(&store.slots).enumerate() {
            let s = VecStore::slot_ref(i);
            if doomed.contains(&s) {
                prop_assert!(new.cap.is_null(), "descendant {:#x} survived", s);
            } else {
                prop_assert_eq!(old.cap, new.cap, "cap of {:#x} changed", s);
                prop_assert_eq!(old.mdb.revocable(), new.mdb.revocable());
            }
        }
        // Every remaining cap that named the slot's objects through a descendant is gone:
        // what is left derived from `slot` is nothing.
        prop_assert!(full_slots(&store).iter().all(|&s| !model.descends_from(s, slot)));
    }

    /// Caps minted with a badge from a badge-0 endpoint are revocable parents of their own
    /// copies, never of differently badged caps nor of other caps minted with the same badge.
    #[test]
    fn badged_endpoint_derivation(ops in prop::collection::vec(ep_op(), 0..=40)) {
        let root = Cap::endpoint(0x8200_0000, 0, EndpointRights {
            send: true, receive: true, grant: true, grant_reply: true,
        });
        let other = Cap::endpoint(0x8200_0010, 0, EndpointRights::default());
        let ops: Vec<Op> = ops.iter().map(to_op).collect();
        let (store, model) = run(&[root, other], &ops);

        let full = full_slots(&store);
        for &x in &full {
            let ex = *model.entry(x);
            if ex.cap.badge() == 0 || !ex.revocable {
                continue;
            }
            prop_assert!(ex.first_badged);
            for &y in &full {
                if x == y {
                    continue;
                }
                let ey = model.entry(y);
                let parent = cdt::is_parent_of(&store, x, y);
                if ey.cap.badge() != ex.cap.badge() || ey.cap.paddr() != ex.cap.paddr() {
                    prop_assert!(!parent, "{:#x} parent of differently badged {:#x}", x, y);
                }
                if ey.revocable {
                    prop_assert!(!parent, "{:#x} parent of separately minted {:#x}", x, y);
                }
                if model.descends_from(y, x) {
                    prop_assert!(parent);
                    prop_assert_eq!(ey.cap.badge(), ex.cap.badge());
                    prop_assert!(!ey.revocable, "copy {:#x} of a badged cap is revocable", y);
                }
            }
        }
        // Every badged cap descends from a badge-0 cap or from a cap with its own badge.
        for &y in &full {
            let mut at = model.entry(y).parent;
            while let Some(p) = at {
                let badge = model.entry(p).cap.badge();
                prop_assert!(badge == 0 || badge == model.entry(y).cap.badge());
                at = model.entry(p).parent;
            }
        }
    }

    /// Finality per object: exactly the caps whose object has no other cap are final.
    #[test]
    fn finality_counts_caps_per_object(ops in prop::collection::vec(growth_op(), 8..=40)) {
        let (store, _) = run(&boot_caps(), &ops);
        let mut per_object: BTreeMap<(u64, u64, u64), usize> = BTreeMap::new();
        let key = |cap: Cap| (cap.tag(), cap.paddr(), if cap.is(CapType::IrqHandler) { cap.irq() } else { 0 });
        let full = full_slots(&store);
        for &s in &full {
            *per_object.entry(key(store.cap(s))).or_default() += 1;
        }
        for &s in &full {
            let cap = store.cap(s);
            // Untyped caps are always final (seL4's sameObjectAs is false for them).
            let expected = cap.is(CapType::Untyped) || per_object[&key(cap)] == 1;
            prop_assert_eq!(cdt::is_final(&store, s), expected, "is_final({:#x}) for {:?}", s, cap);
        }
    }
}

/// The badge scenario spelt out: E0 -> {E5, E5 copies}, {E7}, and a second E5 minted later.
#[test]
fn badged_children_are_parents_of_their_copies_only() {
    let root = Cap::endpoint(0x8200_0000, 0, EndpointRights::default());
    let (mut store, mut model) = boot(&[root], 16);
    let s = |i: usize| -> SlotRef { VecStore::slot_ref(i) };
    let mint = |store: &mut VecStore, model: &mut Model, src: usize, dest: usize, badge: u64| {
        let cap = store.cap(s(src)).with_badge(badge);
        cdt::insert(store, cap, s(src), s(dest));
        model.insert(cap, s(src), s(dest));
        check(store, model);
    };
    mint(&mut store, &mut model, 0, 1, 5); // E5
    mint(&mut store, &mut model, 1, 2, 5); // copy of E5
    mint(&mut store, &mut model, 2, 3, 5); // copy of the copy
    mint(&mut store, &mut model, 0, 4, 7); // E7
    mint(&mut store, &mut model, 0, 5, 5); // a second E5, minted separately
    mint(&mut store, &mut model, 4, 6, 7); // copy of E7

    let flags = |i: usize| {
        let m = store.mdb(s(i));
        (m.revocable(), m.first_badged())
    };
    assert_eq!(flags(1), (true, true));
    assert_eq!(flags(2), (false, false));
    assert_eq!(flags(3), (false, false));
    assert_eq!(flags(4), (true, true));
    assert_eq!(flags(5), (true, true));

    assert_eq!(cdt_model::children(&store, s(1)), vec![s(2), s(3)]);
    assert_eq!(cdt_model::children(&store, s(4)), vec![s(6)]);
    assert!(cdt_model::children(&store, s(5)).is_empty());
    assert_eq!(cdt_model::children(&store, s(0)).len(), 6);
    for other in [4, 5, 6] {
        assert!(!cdt::is_parent_of(&store, s(1), s(other)));
    }
    // A copy of a badged cap is not a parent: it is not revocable.
    assert!(!cdt::is_parent_of(&store, s(2), s(3)));

    // Deleting E5 hands its copies to E0 and marks the next one first-badged, so they do not
    // become children of the other E5.
    cdt::unlink(&mut store, s(1));
    model.unlink(s(1));
    check(&store, &model);
    assert!(store.mdb(s(2)).first_badged());
    assert!(!cdt::is_parent_of(&store, s(5), s(2)));
    assert!(cdt::is_parent_of(&store, s(0), s(2)));

    // Revoking E7 removes only its copy.
    revoke(&mut store, &mut model, s(4));
    check(&store, &model);
    assert!(store.cap(s(6)).is_null());
    assert!(!store.cap(s(5)).is_null());
}
