//! `cdt::insert_unrevocable_child` (the fastpath's reply-cap insert) leaves exactly the store `cdt::insert` leaves.

use crate::cdt_model::{Model, apply, boot, boot_caps, check, full_slots, op};
use crate::store::VecStore;
use atoll_abi::{CapRights, CapType};
use atoll_kernel_core::cap::Cap;
use atoll_kernel_core::cdt;
use atoll_kernel_core::cte::{CteStore, SlotRef};
use atoll_kernel_core::rules;
use proptest::prelude::*;

const SLOTS: usize = 40;

/// The same slots in a second store.
fn copy(store: &VecStore) -> VecStore {
    let mut out = VecStore::new(0);
    out.slots = store.slots.clone();
    out
}

/// The cap to insert.
#[derive(Clone, Debug)]
enum NewCap {
    /// What a Copy of the source gives (seL4's deriveCap, then optionally masked rights):
    /// thread, CNode and IRQ handler copies, frame caps copied from frames (unmapped), endpoint
    /// and notification copies with the source's badge.
    Derived { rights: Option<u64> },
    /// A reply cap (non-master), as the IPC paths make.
    Reply { tcb: u64, can_grant: bool },
    /// Any non-untyped boot cap (unrelated to the source; only the list operations matter).
    Other { index: usize },
}

fn new_cap_choice() -> impl Strategy<Value = NewCap> {
    prop_oneof![
        3 => prop::option::of(0u64..16).prop_map(|rights| NewCap::Derived { rights }),
        2 => (0u64..4, any::<bool>())
            .prop_map(|(t, can_grant)| NewCap::Reply { tcb: 0x8600_0000 + (t << 10), can_grant }),
        1 => any::<usize>().prop_map(|index| NewCap::Other { index }),
    ]
}

/// The cap `choice` names for source `src` (a reply cap when that would be revocable or
/// cannot be made), and whether it is a true copy of the source (so that the CDT model, which
/// takes every inserted cap as derived from its source, applies).
fn new_cap(model: &Model, src: SlotRef, choice: &NewCap) -> (Cap, bool) {
    let src_cap = model.cap(src);
    let fallback = (Cap::reply(tcb(0), false, true), false);
    let (cap, derived) = match *choice {
        NewCap::Derived { rights } => match rules::derive(src_cap, model.has_children(src)) {
            Ok(cap) if !cap.is_null() => match rights {
                Some(r) => (rules::mask_rights(cap, CapRights::from_word(r)), true),
                None => (cap, true),
            },
            _ => fallback,
        },
        NewCap::Reply { tcb, can_grant } => (Cap::reply(tcb, false, can_grant), false),
        NewCap::Other { index } => {
            let caps: Vec<Cap> = boot_caps().into_iter().filter(|c| !c.is(CapType::Untyped)).collect();
            (caps[index % caps.len()], false)
        }
    };
    if rules::is_cap_revocable(cap, src_cap) { fallback } else { (cap, derived) }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// After the same random history (copies, mints, moves, swaps, rotates, deletes and
    /// revokes among caps of every type), inserting a non-revocable cap from a non-untyped
    /// source with either function gives identical stores (every slot's cap, links and flags),
    /// and, for true copies of the source, the result agrees with the CDT model.
    #[test]
    fn unrevocable_insert_equals_insert(
        history in prop::collection::vec(op(), 0..=40),
        src_pick: usize,
        dest_pick: usize,
        choice in new_cap_choice(),
    ) {
        let (mut store, mut model) = boot(&boot_caps(), SLOTS);
        for op in &history {
            apply(&mut store, &mut model, op);
        }
        let sources: Vec<SlotRef> = full_slots(&store)
            .into_iter()
            .filter(|&s| !store.cap(s).is(CapType::Untyped))
            .collect();
        prop_assume!(!sources.is_empty());
        let src = sources[src_pick % sources.len()];
        let empty: Vec<SlotRef> = store.refs().filter(|&s| store.cap(s).is_null()).collect();
        let dest = if empty.is_empty() { store.alloc(1) } else { empty[dest_pick % empty.len()] };
        let (cap, derived) = new_cap(&model, src, &choice);
        prop_assert!(!rules::is_cap_revocable(cap, store.cap(src)));

        let mut fast = copy(&store);
        cdt::insert(&mut store, cap, src, dest);
        cdt::insert_unrevocable_child(&mut fast, cap, src, dest);
        for (i, (slow, quick)) in store.slots.iter().zip(&fast.slots).enumerate() {
            prop_assert_eq!(slow, quick, "slot {:#x} differs", VecStore::slot_ref(i));
        }
        prop_assert_eq!(store.slots.len(), fast.slots.len());

        if derived {
            model.insert(cap, src, dest);
            check(&fast, &model);
            prop_assert_eq!(cdt::is_parent_of(&fast, src, dest), model.entry(src).revocable);
        }
    }

    /// Threads calling each other as the IPC paths do: each call puts a reply cap to the
    /// caller into the callee's caller slot as a child of the caller's master reply cap
    /// (deleting what the caller slot held); replies, cancels, saves and deletes of saved reply
    /// caps in between. A store using `insert` and one using `insert_unrevocable_child` stay
    /// identical throughout, and match the model.
    #[test]
    fn reply_caps_as_the_ipc_paths_insert_them(steps in prop::collection::vec(reply_step(), 0..=48)) {
        let mut world = ReplyWorld::new();
        for step in &steps {
            world.step(step);
            for (i, (slow, quick)) in world.slow.slots.iter().zip(&world.fast.slots).enumerate() {
                prop_assert_eq!(slow, quick, "slot {:#x} differs after {:?}", VecStore::slot_ref(i), step);
            }
            check(&world.fast, &world.model);
        }
    }
}

const THREADS: usize = 4;
/// Per thread: its master reply slot, its caller slot and a slot to save reply caps in.
const SLOTS_PER_THREAD: usize = 3;

fn tcb(thread: usize) -> u64 {
    0x8600_0000 + ((thread as u64) << 10)
}
fn reply_slot(thread: usize) -> SlotRef {
    VecStore::slot_ref(thread * SLOTS_PER_THREAD)
}
fn caller_slot(thread: usize) -> SlotRef {
    VecStore::slot_ref(thread * SLOTS_PER_THREAD + 1)
}
fn saved_slot(thread: usize) -> SlotRef {
    VecStore::slot_ref(thread * SLOTS_PER_THREAD + 2)
}

#[derive(Clone, Debug)]
enum ReplyStep {
    /// `sender` calls `receiver` (seL4's setupCallerCap).
    Call {
        sender: usize,
        receiver: usize,
        can_grant: bool,
    },
    /// `thread` replies: its caller cap goes (seL4's deleteCallerCap).
    Reply {
        thread: usize,
    },
    /// The first reply cap to `thread` goes (seL4's cancelIPC on a thread blocked on reply).
    Cancel {
        thread: usize,
    },
    /// `thread` moves its caller cap to its save slot (seL4's CNode_SaveCaller).
    Save {
        thread: usize,
    },
    DeleteSaved {
        thread: usize,
    },
}

fn reply_step() -> impl Strategy<Value = ReplyStep> {
    let thread = 0..THREADS;
    prop_oneof![
        4 => (thread.clone(), thread.clone(), any::<bool>())
            .prop_map(|(sender, receiver, can_grant)| ReplyStep::Call { sender, receiver, can_grant }),
        2 => thread.clone().prop_map(|thread| ReplyStep::Reply { thread }),
        1 => thread.clone().prop_map(|thread| ReplyStep::Cancel { thread }),
        1 => thread.clone().prop_map(|thread| ReplyStep::Save { thread }),
        1 => thread.prop_map(|thread| ReplyStep::DeleteSaved { thread }),
    ]
}

struct ReplyWorld {
    slow: VecStore,
    fast: VecStore,
    model: Model,
}

impl ReplyWorld {
    fn new() -> ReplyWorld {
        let (mut slow, mut model) = boot(&[], THREADS * SLOTS_PER_THREAD);
        for t in 0..THREADS {
            // The master reply cap, as setup_reply_master writes it.
            let master = Cap::reply(tcb(t), true, true);
            slow.put_root(reply_slot(t), master);
            model.root(reply_slot(t), master);
        }
        let fast = copy(&slow);
        ReplyWorld { slow, fast, model }
    }

    fn unlink(&mut self, slot: SlotRef) {
        cdt::unlink(&mut self.slow, slot);
        cdt::unlink(&mut self.fast, slot);
        self.model.unlink(slot);
    }

    fn step(&mut self, step: &ReplyStep) {
        match *step {
            ReplyStep::Call { sender, receiver, can_grant } => {
                let (src, dest) = (reply_slot(sender), caller_slot(receiver));
                if !self.fast.cap(dest).is_null() {
                    self.unlink(dest);
                }
                let cap = Cap::reply(tcb(sender), false, can_grant);
                assert!(!rules::is_cap_revocable(cap, self.fast.cap(src)));
                cdt::insert(&mut self.slow, cap, src, dest);
                cdt::insert_unrevocable_child(&mut self.fast, cap, src, dest);
                self.model.insert(cap, src, dest);
                assert_eq!(cdt::first_child(&self.fast, src), Some(dest));
            }
            ReplyStep::Reply { thread } => self.unlink(caller_slot(thread)),
            ReplyStep::Cancel { thread } => {
                if let Some(child) = cdt::first_child(&self.fast, reply_slot(thread)) {
                    self.unlink(child);
                }
            }
            ReplyStep::Save { thread } => {
                let (src, dest) = (caller_slot(thread), saved_slot(thread));
                if self.fast.cap(src).is_null() || !self.fast.cap(dest).is_null() {
                    return;
                }
                let cap = self.fast.cap(src);
                cdt::move_to(&mut self.slow, cap, src, dest);
                cdt::move_to(&mut self.fast, cap, src, dest);
                self.model.move_to(cap, src, dest);
            }
            ReplyStep::DeleteSaved { thread } => self.unlink(saved_slot(thread)),
        }
    }
}

/// The fastpath's case spelt out: the reply cap follows the master, ahead of older reply caps.
#[test]
fn reply_cap_goes_right_after_the_master() {
    let mut world = ReplyWorld::new();
    world.step(&ReplyStep::Call { sender: 0, receiver: 1, can_grant: true });
    world.step(&ReplyStep::Save { thread: 1 });
    world.step(&ReplyStep::Call { sender: 0, receiver: 2, can_grant: false });
    assert_eq!(world.slow.slots, world.fast.slots);
    check(&world.fast, &world.model);
    let master = world.fast.mdb(reply_slot(0));
    assert_eq!(master.next(), caller_slot(2));
    let newest = world.fast.mdb(caller_slot(2));
    assert_eq!((newest.prev(), newest.next()), (reply_slot(0), saved_slot(1)));
    assert!(!newest.revocable() && !newest.first_badged());
    assert_eq!(world.fast.mdb(saved_slot(1)).prev(), caller_slot(2));
    assert_eq!(world.fast.cap(caller_slot(2)), Cap::reply(tcb(0), false, false));
}
