//! `Queue` (intrusive doubly linked thread queues) against a `VecDeque` model on random operation sequences.

use crate::links::{NodeLinks, walk};
use atoll_kernel_core::queue::{Links, Queue};
use proptest::prelude::*;
use std::collections::{BTreeSet, VecDeque};

/// Queues sharing one set of link fields (as the ready queues share the TCBs' links).
const QUEUES: usize = 3;

#[derive(Clone, Debug)]
enum Op {
    /// Append a node that is on no queue (picked among those).
    Append {
        queue: usize,
        pick: usize,
    },
    Prepend {
        queue: usize,
        pick: usize,
    },
    /// Remove a queued node (picked among all queued nodes).
    Remove {
        pick: usize,
    },
    /// Pop a queue, empty or not.
    Pop {
        queue: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let queue = 0..QUEUES;
    prop_oneof![
        3 => (queue.clone(), any::<usize>()).prop_map(|(queue, pick)| Op::Append { queue, pick }),
        2 => (queue.clone(), any::<usize>()).prop_map(|(queue, pick)| Op::Prepend { queue, pick }),
        2 => any::<usize>().prop_map(|pick| Op::Remove { pick }),
        2 => queue.prop_map(|queue| Op::Pop { queue }),
    ]
}

/// Distinct non-zero node ids: small ones, TCB-like addresses and the extremes.
fn ids() -> impl Strategy<Value = BTreeSet<u64>> {
    let id = prop_oneof![
        2 => 1u64..=32,
        2 => (0x8000u64..0x8040).prop_map(|i| i << 10),
        1 => 1u64..,
        1 => Just(u64::MAX),
        1 => Just(1u64 << 63),
    ];
    prop::collection::btree_set(id, 1..=12)
}

struct State {
    links: NodeLinks,
    queues: [Queue; QUEUES],
    model: [VecDeque<u64>; QUEUES],
    /// Nodes that have been on a queue (the others may still hold their stale links).
    used: BTreeSet<u64>,
}

impl State {
    /// Nodes `ids`, on no queue; with `stale`, each starts with non-zero garbage links.
    fn new(ids: &BTreeSet<u64>, stale: bool) -> State {
        let mut links = NodeLinks::new(ids.iter().copied());
        if stale {
            for &id in ids {
                links.set_raw(id, id ^ 0xdead_beef, id.rotate_left(7) | 1);
            }
        }
        State { links, queues: [Queue::EMPTY; QUEUES], model: Default::default(), used: BTreeSet::new() }
    }

    fn queued(&self) -> Vec<(usize, u64)> {
        (0..QUEUES).flat_map(|q| self.model[q].iter().map(move |&n| (q, n))).collect()
    }

    fn free(&self) -> Vec<u64> {
        let queued: BTreeSet<u64> = self.queued().iter().map(|&(_, n)| n).collect();
        self.links.ids().into_iter().filter(|n| !queued.contains(n)).collect()
    }

    /// Applies `op` to queues and model, checking which nodes the queue wrote.
    fn apply(&mut self, op: &Op) {
        let free = self.free();
        let queued = self.queued();
        self.links.take_written();
        match *op {
            Op::Append { queue, pick } => {
                let Some(&node) = free.get(pick % free.len().max(1)) else {
                    return;
                };
                self.used.insert(node);
                let old_tail = self.queues[queue].tail;
                self.queues[queue].append(&mut self.links, node);
                self.model[queue].push_back(node);
                let allowed: BTreeSet<u64> = [node, old_tail].into_iter().filter(|&n| n != 0).collect();
                assert!(self.links.take_written().is_subset(&allowed), "append wrote other nodes");
            }
            Op::Prepend { queue, pick } => {
                let Some(&node) = free.get(pick % free.len().max(1)) else {
                    return;
                };
                self.used.insert(node);
                let old_head = self.queues[queue].head;
                self.queues[queue].prepend(&mut self.links, node);
                self.model[queue].push_front(node);
                let allowed: BTreeSet<u64> = [node, old_head].into_iter().filter(|&n| n != 0).collect();
                assert!(self.links.take_written().is_subset(&allowed), "prepend wrote other nodes");
            }
            Op::Remove { pick } => {
                let Some(&(queue, node)) = queued.get(pick % queued.len().max(1)) else {
                    return;
                };
                let (next, prev) = self.links.get(node);
                self.queues[queue].remove(&mut self.links, node);
                let at = self.model[queue].iter().position(|&n| n == node).unwrap();
                self.model[queue].remove(at);
                let allowed: BTreeSet<u64> = [node, next, prev].into_iter().filter(|&n| n != 0).collect();
                assert!(self.links.take_written().is_subset(&allowed), "remove wrote other nodes");
            }
            Op::Pop { queue } => {
                let (next, _) = match self.queues[queue].head {
                    0 => (0, 0),
                    head => self.links.get(head),
                };
                let got = self.queues[queue].pop(&mut self.links);
                let want = self.model[queue].pop_front();
                assert_eq!(got, want, "pop of queue {queue}");
                let allowed: BTreeSet<u64> = [want.unwrap_or(0), next].into_iter().filter(|&n| n != 0).collect();
                let written = self.links.take_written();
                assert!(written.is_subset(&allowed), "pop wrote other nodes");
                if want.is_none() {
                    assert!(written.is_empty(), "pop of an empty queue wrote links");
                    assert_eq!(self.queues[queue], Queue::EMPTY);
                }
            }
        }
    }

    /// Every queue against the model; nodes on no queue have no links.
    fn check(&self) {
        for q in 0..QUEUES {
            let queue = self.queues[q];
            let model = &self.model[q];
            assert_eq!(walk(queue, &self.links), model.iter().copied().collect::<Vec<_>>(), "queue {q}");
            assert_eq!(queue.head, model.front().copied().unwrap_or(0), "head of queue {q}");
            assert_eq!(queue.tail, model.back().copied().unwrap_or(0), "tail of queue {q}");
            assert_eq!(queue.is_empty(), model.is_empty());
        }
        for node in self.free().into_iter().filter(|n| self.used.contains(n)) {
            assert_eq!(self.links.get(node), (0, 0), "node {node:#x} on no queue keeps links");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Random append/prepend/remove/pop sequences over three queues sharing one set of links
    /// match three `VecDeque`s: order both ways, head and tail, cleared links off the queues,
    /// `None` from an empty queue, and no writes to nodes other than the ones concerned.
    /// With `stale`, nodes start with garbage links that queueing a node must overwrite.
    #[test]
    fn queues_match_vecdeque_model(
        ids in ids(),
        stale: bool,
        ops in prop::collection::vec(op(), 0..=64),
    ) {
        let mut state = State::new(&ids, stale);
        state.check();
        for op in &ops {
            state.apply(op);
            state.check();
        }
    }

    /// Draining a queue by pops returns the model's order and leaves every link cleared.
    #[test]
    fn pops_drain_in_model_order(ids in ids(), ops in prop::collection::vec(op(), 0..=48)) {
        let mut state = State::new(&ids, false);
        for op in &ops {
            state.apply(op);
        }
        for q in 0..QUEUES {
            let want: Vec<u64> = state.model[q].drain(..).collect();
            let mut got = Vec::new();
            while let Some(node) = state.queues[q].pop(&mut state.links) {
                got.push(node);
                prop_assert!(got.len() <= want.len(), "queue {} pops more than it holds", q);
            }
            prop_assert_eq!(got, want);
            prop_assert_eq!(state.queues[q], Queue::EMPTY);
        }
        for node in state.links.ids() {
            prop_assert_eq!(state.links.get(node), (0, 0));
        }
    }
}

#[test]
fn empty_queue() {
    assert_eq!(Queue::EMPTY, Queue::default());
    assert!(Queue::EMPTY.is_empty());
    let mut links = NodeLinks::new([7]);
    let mut queue = Queue::EMPTY;
    assert_eq!(queue.pop(&mut links), None);
    assert!(links.take_written().is_empty());
    assert_eq!(queue, Queue::EMPTY);
}

/// A single node: head and tail at once, no links; removing it empties the queue.
#[test]
fn single_node() {
    let mut links = NodeLinks::new([u64::MAX]);
    let mut queue = Queue::EMPTY;
    queue.append(&mut links, u64::MAX);
    assert_eq!((queue.head, queue.tail), (u64::MAX, u64::MAX));
    assert_eq!(links.get(u64::MAX), (0, 0));
    queue.remove(&mut links, u64::MAX);
    assert_eq!(queue, Queue::EMPTY);
    queue.prepend(&mut links, u64::MAX);
    assert_eq!((queue.head, queue.tail), (u64::MAX, u64::MAX));
    assert_eq!(queue.pop(&mut links), Some(u64::MAX));
    assert_eq!(queue, Queue::EMPTY);
    assert_eq!(links.get(u64::MAX), (0, 0));
}

/// Removing the head, a middle node and the tail relinks the neighbours.
#[test]
fn remove_head_middle_tail() {
    let mut links = NodeLinks::new(1..=5);
    let mut queue = Queue::EMPTY;
    for n in [3, 4, 5] {
        queue.append(&mut links, n);
    }
    queue.prepend(&mut links, 2);
    queue.prepend(&mut links, 1);
    assert_eq!(walk(queue, &links), [1, 2, 3, 4, 5]);
    queue.remove(&mut links, 3);
    assert_eq!(walk(queue, &links), [1, 2, 4, 5]);
    assert_eq!((links.next(2), links.prev(4)), (4, 2));
    queue.remove(&mut links, 1);
    assert_eq!(walk(queue, &links), [2, 4, 5]);
    assert_eq!(queue.head, 2);
    queue.remove(&mut links, 5);
    assert_eq!(walk(queue, &links), [2, 4]);
    assert_eq!(queue.tail, 4);
    for n in [1, 3, 5] {
        assert_eq!(links.get(n), (0, 0));
    }
}
