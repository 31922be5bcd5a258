//! `ReadyQueues` (per-domain, per-priority queues with a two-level bitmap) against a map-of-`VecDeque`s model.

use crate::links::{NodeLinks, walk};
use atoll_kernel_core::queue::Queue;
use atoll_kernel_core::ready::{PRIORITIES, ReadyQueues, highest_bit};
use proptest::prelude::*;
use std::collections::{BTreeMap, VecDeque};

/// Node ids as TCB addresses.
fn node_ids(count: u64) -> impl Iterator<Item = u64> {
    (0..count).map(|i| 0x8060_0000 + (i << 10))
}

#[derive(Clone, Debug)]
enum Op {
    /// Queue a node that is on no queue (picked among those); the domain is taken modulo
    /// the number of domains.
    Append {
        domain: usize,
        priority: u8,
        pick: usize,
    },
    Prepend {
        domain: usize,
        priority: u8,
        pick: usize,
    },
    /// Dequeue a queued node (picked among all of them).
    Remove {
        pick: usize,
    },
    /// The scheduler's step: take `best` out of the domain and, with `requeue`, append it
    /// again at its priority (a yield).
    RunBest {
        domain: usize,
        requeue: bool,
    },
}

/// Priorities at the bitmap's word boundaries and ends, and any other.
fn priority() -> impl Strategy<Value = u8> + Clone {
    prop_oneof![
        3 => prop::sample::select(vec![0u8, 1, 62, 63, 64, 65, 127, 128, 191, 192, 254, 255]),
        1 => any::<u8>(),
    ]
}

fn op(priority: impl Strategy<Value = u8> + Clone) -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (any::<usize>(), priority.clone(), any::<usize>())
            .prop_map(|(domain, priority, pick)| Op::Append { domain, priority, pick }),
        3 => (any::<usize>(), priority, any::<usize>())
            .prop_map(|(domain, priority, pick)| Op::Prepend { domain, priority, pick }),
        2 => any::<usize>().prop_map(|pick| Op::Remove { pick }),
        2 => (any::<usize>(), any::<bool>()).prop_map(|(domain, requeue)| Op::RunBest { domain, requeue }),
    ]
}

struct State<const D: usize> {
    links: NodeLinks,
    ready: ReadyQueues<D>,
    /// Non-empty queues only.
    model: BTreeMap<(usize, u8), VecDeque<u64>>,
    /// Where each queued node is.
    place: BTreeMap<u64, (usize, u8)>,
}

impl<const D: usize> State<D> {
    fn new(nodes: u64) -> State<D> {
        State {
            links: NodeLinks::new(node_ids(nodes)),
            ready: ReadyQueues::new(),
            model: BTreeMap::new(),
            place: BTreeMap::new(),
        }
    }

    fn free(&self) -> Vec<u64> {
        self.links.ids().into_iter().filter(|n| !self.place.contains_key(n)).collect()
    }

    fn model_best(&self, domain: usize) -> Option<(u8, u64)> {
        self.model.range((domain, 0)..=(domain, u8::MAX)).next_back().map(|(&(_, p), q)| (p, *q.front().unwrap()))
    }

    fn model_remove(&mut self, node: u64) -> (usize, u8) {
        let (domain, priority) = self.place.remove(&node).unwrap();
        let queue = self.model.get_mut(&(domain, priority)).unwrap();
        let at = queue.iter().position(|&n| n == node).unwrap();
        queue.remove(at);
        if queue.is_empty() {
            self.model.remove(&(domain, priority));
        }
        (domain, priority)
    }

    fn enqueue(&mut self, domain: usize, priority: u8, node: u64, at_head: bool) {
        let queue = self.model.entry((domain, priority)).or_default();
        if at_head {
            self.ready.prepend(&mut self.links, domain, priority, node);
            queue.push_front(node);
        } else {
            self.ready.append(&mut self.links, domain, priority, node);
            queue.push_back(node);
        }
        self.place.insert(node, (domain, priority));
    }

    fn apply(&mut self, op: &Op) {
        let free = self.free();
        match *op {
            Op::Append { domain, priority, pick } | Op::Prepend { domain, priority, pick } => {
                let Some(&node) = free.get(pick % free.len().max(1)) else {
                    return;
                };
                self.enqueue(domain % D, priority, node, matches!(op, Op::Prepend { .. }));
            }
            Op::Remove { pick } => {
                let queued: Vec<u64> = self.place.keys().copied().collect();
                let Some(&node) = queued.get(pick % queued.len().max(1)) else {
                    return;
                };
                let (domain, priority) = self.model_remove(node);
                self.ready.remove(&mut self.links, domain, priority, node);
            }
            Op::RunBest { domain, requeue } => {
                let domain = domain % D;
                let best = self.ready.best(domain);
                assert_eq!(best, self.model_best(domain), "best of domain {domain}");
                let Some((priority, node)) = best else {
                    return;
                };
                assert_eq!(self.model_remove(node), (domain, priority));
                self.ready.remove(&mut self.links, domain, priority, node);
                if requeue {
                    self.enqueue(domain, priority, node, false);
                }
            }
        }
    }

    /// Every domain's highest priority and best node, and every queue, against the model.
    fn check(&self) {
        for domain in 0..D {
            let best = self.model_best(domain);
            assert_eq!(
                self.ready.highest_priority(domain),
                best.map(|(p, _)| p),
                "highest priority of domain {domain}"
            );
            assert_eq!(self.ready.best(domain), best, "best of domain {domain}");
            for priority in 0..PRIORITIES {
                let priority = priority as u8;
                let queue = self.ready.queue(domain, priority);
                let want: Vec<u64> =
                    self.model.get(&(domain, priority)).map_or_else(Vec::new, |q| q.iter().copied().collect());
                if want.is_empty() {
                    assert_eq!(queue, Queue::EMPTY, "queue ({domain}, {priority}) not empty");
                } else {
                    assert_eq!(walk(queue, &self.links), want, "queue ({domain}, {priority})");
                }
            }
        }
        for node in self.free() {
            assert_eq!(self.links.get(node), (0, 0), "node {node:#x} on no queue keeps links");
        }
    }
}

fn run<const D: usize>(nodes: u64, ops: &[Op]) -> State<D> {
    let mut state = State::<D>::new(nodes);
    state.check();
    for op in ops {
        state.apply(op);
        state.check();
    }
    state
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// One domain: highest_priority/best follow the model's highest non-empty queue.
    #[test]
    fn one_domain_matches_model(ops in prop::collection::vec(op(priority()), 0..=64)) {
        run::<1>(16, &ops);
    }

    /// Two domains (one bitmap each): a domain's queues never show in the other's answers.
    #[test]
    fn two_domains_match_model(ops in prop::collection::vec(op(priority()), 0..=64)) {
        run::<2>(20, &ops);
    }

    /// Four domains, and priorities from a few word boundaries only, for deep queues and
    /// bitmap words that empty and refill.
    #[test]
    fn four_domains_deep_queues_match_model(
        ops in prop::collection::vec(op(prop::sample::select(vec![0u8, 63, 64, 255])), 0..=64)
    ) {
        run::<4>(24, &ops);
    }

    /// Running `best` until the domain is empty visits the model's nodes from the highest
    /// priority down, each priority's queue in order.
    #[test]
    fn draining_by_best_follows_priority_order(ops in prop::collection::vec(op(priority()), 0..=48)) {
        let mut state = run::<2>(20, &ops);
        for domain in 0..2 {
            let want: Vec<(u8, u64)> = state
                .model
                .range((domain, 0)..=(domain, u8::MAX))
                .rev()
                .flat_map(|(&(_, p), q)| q.iter().map(move |&n| (p, n)))
                .collect();
            let mut got = Vec::new();
            while let Some((priority, node)) = state.ready.best(domain) {
                state.ready.remove(&mut state.links, domain, priority, node);
                got.push((priority, node));
                prop_assert!(got.len() <= want.len(), "domain {} yields more than it holds", domain);
            }
            prop_assert_eq!(got, want);
            prop_assert_eq!(state.ready.highest_priority(domain), None);
        }
    }
}

/// Each boundary priority alone, in the second domain of two: found, then gone after removal.
#[test]
fn single_node_at_boundary_priorities() {
    let node = 0x8060_0000;
    for priority in [0u8, 1, 63, 64, 127, 128, 191, 192, 255] {
        let mut links = NodeLinks::new([node]);
        let mut ready = ReadyQueues::<2>::default();
        ready.append(&mut links, 1, priority, node);
        assert_eq!(ready.highest_priority(1), Some(priority));
        assert_eq!(ready.best(1), Some((priority, node)));
        assert_eq!(ready.highest_priority(0), None);
        assert_eq!(ready.best(0), None);
        ready.remove(&mut links, 1, priority, node);
        assert_eq!(ready.highest_priority(1), None);
        assert_eq!(ready.best(1), None);
        assert_eq!(ready.queue(1, priority), Queue::EMPTY);
    }
}

/// A node at every priority: removing the best each time walks 255 down to 0.
#[test]
fn every_priority_in_turn() {
    let mut links = NodeLinks::new(node_ids(PRIORITIES as u64));
    let mut ready = ReadyQueues::<2>::new();
    for (priority, node) in node_ids(PRIORITIES as u64).enumerate() {
        ready.prepend(&mut links, 0, priority as u8, node);
    }
    for priority in (0..PRIORITIES).rev() {
        let node = node_ids(PRIORITIES as u64).nth(priority).unwrap();
        assert_eq!(ready.best(0), Some((priority as u8, node)));
        assert_eq!(ready.highest_priority(1), None);
        ready.remove(&mut links, 0, priority as u8, node);
    }
    assert_eq!(ready.best(0), None);
}

#[test]
fn highest_bit_of_every_single_bit_and_its_neighbours() {
    for bit in 0..64u32 {
        let word = 1u64 << bit;
        assert_eq!(highest_bit(word), bit);
        assert_eq!(highest_bit(word | (word - 1)), bit);
        assert_eq!(highest_bit(word | 1), bit);
    }
}

proptest! {
    #[test]
    fn highest_bit_matches_leading_zeros(word in 1u64..) {
        prop_assert_eq!(highest_bit(word), 63 - word.leading_zeros());
    }
}
