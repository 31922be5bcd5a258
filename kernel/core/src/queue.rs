//! Intrusive doubly linked queues of threads, as seL4 keeps them: the links live in the TCBs,
//! the queue is just a head and a tail. Ready queues and endpoint/notification wait queues are
//! all this one structure over different link fields.

/// Access to one pair of link fields in the nodes (TCBs) a queue threads through; 0 is "none".
pub trait Links {
    fn next(&self, node: u64) -> u64;
    fn prev(&self, node: u64) -> u64;
    fn set_next(&mut self, node: u64, next: u64);
    fn set_prev(&mut self, node: u64, prev: u64);
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct Queue {
    pub head: u64,
    pub tail: u64,
}

impl Queue {
    pub const EMPTY: Queue = Queue { head: 0, tail: 0 };

    pub const fn is_empty(&self) -> bool {
        self.head == 0
    }

    /// Adds `node` at the tail.
    pub fn append(&mut self, links: &mut impl Links, node: u64) {
        links.set_prev(node, self.tail);
        links.set_next(node, 0);
        if self.tail == 0 {
            self.head = node;
        } else {
            links.set_next(self.tail, node);
        }
        self.tail = node;
    }

    /// Adds `node` at the head.
    pub fn prepend(&mut self, links: &mut impl Links, node: u64) {
        links.set_next(node, self.head);
        links.set_prev(node, 0);
        if self.head == 0 {
            self.tail = node;
        } else {
            links.set_prev(self.head, node);
        }
        self.head = node;
    }

    /// Takes `node` out; it must be in this queue.
    pub fn remove(&mut self, links: &mut impl Links, node: u64) {
        let (prev, next) = (links.prev(node), links.next(node));
        if prev == 0 {
            self.head = next;
        } else {
            links.set_next(prev, next);
        }
        if next == 0 {
            self.tail = prev;
        } else {
            links.set_prev(next, prev);
        }
        links.set_next(node, 0);
        links.set_prev(node, 0);
    }

    /// Inserts `node` in order of `key`, after every node whose key is not greater, so nodes with
    /// equal keys keep their arrival order (seL4's tcbReleaseEnqueue, for the MCS release queue
    /// ordered by release time). Returns whether `node` became the head, when the timer must be
    /// reprogrammed.
    pub fn insert_ordered(&mut self, links: &mut impl Links, node: u64, key: impl Fn(u64) -> u64) -> bool {
        let new = key(node);
        if self.head == 0 || new < key(self.head) {
            self.prepend(links, node);
            return true;
        }
        if key(self.tail) <= new {
            self.append(links, node);
            return false;
        }
        // Somewhere in the middle: after the last node whose key is not greater.
        let mut before = self.head;
        loop {
            let next = links.next(before);
            if next == 0 || new < key(next) {
                break;
            }
            before = next;
        }
        let after = links.next(before);
        links.set_next(node, after);
        links.set_prev(node, before);
        links.set_next(before, node);
        links.set_prev(after, node);
        false
    }

    /// Takes the head out.
    pub fn pop(&mut self, links: &mut impl Links) -> Option<u64> {
        let head = self.head;
        if head == 0 {
            return None;
        }
        self.remove(links, head);
        Some(head)
    }
}
