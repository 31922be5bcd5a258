//! The scheduler's ready queues: one queue per domain and priority, and a two-level bitmap that
//! finds the highest non-empty priority in two count-leading-zeros steps (as seL4 does).
use crate::queue::{Links, Queue};

pub const PRIORITIES: usize = 256;
const WORD_BITS: usize = 64;
const L2_WORDS: usize = PRIORITIES / WORD_BITS;

pub struct ReadyQueues<const DOMAINS: usize> {
    queues: [[Queue; PRIORITIES]; DOMAINS],
    /// Bit i set: word i of the second level is non-zero.
    level1: [u64; DOMAINS],
    /// Bit p % 64 of word p / 64 set: priority p has a ready thread.
    level2: [[u64; L2_WORDS]; DOMAINS],
}

impl<const DOMAINS: usize> Default for ReadyQueues<DOMAINS> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const DOMAINS: usize> ReadyQueues<DOMAINS> {
    pub const fn new() -> Self {
        ReadyQueues {
            queues: [[Queue::EMPTY; PRIORITIES]; DOMAINS],
            level1: [0; DOMAINS],
            level2: [[0; L2_WORDS]; DOMAINS],
        }
    }

    fn mark(&mut self, domain: usize, priority: usize) {
        self.level2[domain][priority / WORD_BITS] |= 1 << (priority % WORD_BITS);
        self.level1[domain] |= 1 << (priority / WORD_BITS);
    }

    fn unmark_if_empty(&mut self, domain: usize, priority: usize) {
        if self.queues[domain][priority].is_empty() {
            let word = priority / WORD_BITS;
            self.level2[domain][word] &= !(1 << (priority % WORD_BITS));
            if self.level2[domain][word] == 0 {
                self.level1[domain] &= !(1 << word);
            }
        }
    }

    /// Adds at the tail (seL4's tcbSchedAppend): runs after the others of its priority.
    pub fn append(&mut self, links: &mut impl Links, domain: usize, priority: u8, node: u64) {
        self.queues[domain][priority as usize].append(links, node);
        self.mark(domain, priority as usize);
    }

    /// Adds at the head (seL4's tcbSchedEnqueue): runs next among its priority.
    pub fn prepend(&mut self, links: &mut impl Links, domain: usize, priority: u8, node: u64) {
        self.queues[domain][priority as usize].prepend(links, node);
        self.mark(domain, priority as usize);
    }

    /// Takes a queued node out (seL4's tcbSchedDequeue).
    pub fn remove(&mut self, links: &mut impl Links, domain: usize, priority: u8, node: u64) {
        self.queues[domain][priority as usize].remove(links, node);
        self.unmark_if_empty(domain, priority as usize);
    }

    /// The highest priority with a ready node in `domain`.
    pub fn highest_priority(&self, domain: usize) -> Option<u8> {
        let level1 = self.level1[domain];
        if level1 == 0 {
            return None;
        }
        let word = (WORD_BITS - 1) - level1.leading_zeros() as usize;
        let bits = self.level2[domain][word];
        let bit = (WORD_BITS - 1) - bits.leading_zeros() as usize;
        Some((word * WORD_BITS + bit) as u8)
    }

    /// The node that runs next in `domain`: the head of the highest non-empty queue.
    pub fn best(&self, domain: usize) -> Option<(u8, u64)> {
        let priority = self.highest_priority(domain)?;
        Some((priority, self.queues[domain][priority as usize].head))
    }

    pub fn queue(&self, domain: usize, priority: u8) -> Queue {
        self.queues[domain][priority as usize]
    }
}
