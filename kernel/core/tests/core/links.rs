//! A `Links` for host tests: link fields of nodes with arbitrary non-zero ids, with a log of writes.

use atoll_kernel_core::queue::{Links, Queue};
use std::collections::{BTreeMap, BTreeSet};

/// The `(next, prev)` fields of a fixed set of nodes. Any access to node 0 or to a node the
/// store does not hold panics (a queue must never follow or write a "none" link).
pub struct NodeLinks {
    links: BTreeMap<u64, (u64, u64)>,
    /// Nodes written since the last `take_written`.
    written: BTreeSet<u64>,
}

impl NodeLinks {
    pub fn new(ids: impl IntoIterator<Item = u64>) -> NodeLinks {
        let mut links = BTreeMap::new();
        for id in ids {
            assert_ne!(id, 0, "node ids are non-zero");
            assert!(links.insert(id, (0, 0)).is_none(), "node {id:#x} twice");
        }
        NodeLinks { links, written: BTreeSet::new() }
    }

    /// Sets `node`'s links directly, as stale values a queue must overwrite when it takes the node.
    pub fn set_raw(&mut self, node: u64, next: u64, prev: u64) {
        *self.get_mut(node) = (next, prev);
        self.written.remove(&node);
    }

    pub fn ids(&self) -> Vec<u64> {
        self.links.keys().copied().collect()
    }

    /// `(next, prev)` of `node`.
    pub fn get(&self, node: u64) -> (u64, u64) {
        assert_ne!(node, 0, "access to node 0");
        *self.links.get(&node).unwrap_or_else(|| panic!("access to unknown node {node:#x}"))
    }

    fn get_mut(&mut self, node: u64) -> &mut (u64, u64) {
        assert_ne!(node, 0, "write to node 0");
        self.written.insert(node);
        self.links.get_mut(&node).unwrap_or_else(|| panic!("write to unknown node {node:#x}"))
    }

    /// The nodes written since the last call.
    pub fn take_written(&mut self) -> BTreeSet<u64> {
        std::mem::take(&mut self.written)
    }
}

impl Links for NodeLinks {
    fn next(&self, node: u64) -> u64 {
        self.get(node).0
    }
    fn prev(&self, node: u64) -> u64 {
        self.get(node).1
    }
    fn set_next(&mut self, node: u64, next: u64) {
        self.get_mut(node).0 = next;
    }
    fn set_prev(&mut self, node: u64, prev: u64) {
        self.get_mut(node).1 = prev;
    }
}

/// The nodes of `queue` from head to tail, after checking that walking back from the tail
/// gives the same nodes, that the ends have no outer links and that the walk ends.
pub fn walk(queue: Queue, links: &NodeLinks) -> Vec<u64> {
    assert_eq!(
        queue.head == 0,
        queue.tail == 0,
        "head {:#x} and tail {:#x} disagree on emptiness",
        queue.head,
        queue.tail
    );
    assert_eq!(queue.is_empty(), queue.head == 0);
    let limit = links.links.len();
    let mut forward = Vec::new();
    let mut at = queue.head;
    let mut prev = 0;
    while at != 0 {
        assert!(forward.len() < limit, "queue from {:#x} does not end", queue.head);
        let (next, back) = links.get(at);
        assert_eq!(back, prev, "{at:#x}.prev is {back:#x}, not {prev:#x}");
        forward.push(at);
        prev = at;
        at = next;
    }
    assert_eq!(prev, queue.tail, "walk from the head ends away from the tail");
    let mut backward = Vec::new();
    let mut at = queue.tail;
    while at != 0 {
        assert!(backward.len() < limit, "queue from tail {:#x} does not end", queue.tail);
        backward.push(at);
        at = links.get(at).1;
    }
    backward.reverse();
    assert_eq!(forward, backward, "forward and backward walks differ");
    forward
}
