//! `Queue::insert_ordered` (the MCS release queue's insertion, seL4's tcbReleaseEnqueue) against
//! a model: a stable sorted list, and "became the head" exactly when the new key is the least.
use crate::links::{NodeLinks, walk};
use atoll_kernel_core::queue::Queue;
use proptest::prelude::*;
use std::collections::BTreeMap;

#[test]
fn equal_keys_keep_arrival_order_and_only_a_new_least_reprograms() {
    let mut links = NodeLinks::new(1..=5);
    let keys: BTreeMap<u64, u64> = [(1, 30), (2, 10), (3, 30), (4, 20), (5, 10)].into_iter().collect();
    let key = |node: u64| keys[&node];
    let mut queue = Queue::EMPTY;
    let heads: Vec<bool> = (1..=5).map(|node| queue.insert_ordered(&mut links, node, key)).collect();
    assert_eq!(heads, [true, true, false, false, false]);
    assert_eq!(walk(queue, &links), [2, 5, 4, 1, 3]);
}

proptest! {
    #[test]
    fn insertion_matches_a_stable_sort(
        keys in proptest::collection::vec(0u64..8, 1..40),
        removals in proptest::collection::vec(any::<usize>(), 0..10),
    ) {
        let ids: Vec<u64> = (1..=keys.len() as u64).collect();
        let key_of: BTreeMap<u64, u64> = ids.iter().copied().zip(keys.iter().copied()).collect();
        let key = |node: u64| key_of[&node];
        let mut links = NodeLinks::new(ids.clone());
        let mut queue = Queue::EMPTY;
        let mut model: Vec<u64> = Vec::new();
        for (step, &node) in ids.iter().enumerate() {
            // Sometimes take a node out first, as a thread leaves the release queue.
            if let Some(&pick) = removals.get(step) && !model.is_empty() {
                let gone = model.remove(pick % model.len());
                queue.remove(&mut links, gone);
            }
            let least = model.first().is_none_or(|&head| key(node) < key(head));
            let position = model.iter().position(|&other| key(node) < key(other)).unwrap_or(model.len());
            model.insert(position, node);
            prop_assert_eq!(queue.insert_ordered(&mut links, node, key), least);
            prop_assert_eq!(walk(queue, &links), model.clone());
        }
    }
}
