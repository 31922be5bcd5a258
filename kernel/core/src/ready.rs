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
        // The first level has one bit per second-level word: a byte when there are at most 8.
        let word = if L2_WORDS <= 8 {
            HIGHEST_BIT_OF_BYTE[level1 as usize & 0xff] as usize
        } else {
            highest_bit(level1) as usize
        };
        let bit = highest_bit(self.level2[domain][word]) as usize;
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

/// The index of the highest set bit of a non-zero word (63 - leading_zeros). Without the bit
/// manipulation extension RISC-V has no count-leading-zeros instruction, and the compiler's
/// generic sequence is about twice as long as this halving search with a byte table.
#[inline]
pub fn highest_bit(word: u64) -> u32 {
    let (mut x, mut bit) = (word, 0);
    if x >> 32 != 0 {
        x >>= 32;
        bit += 32;
    }
    if x >> 16 != 0 {
        x >>= 16;
        bit += 16;
    }
    if x >> 8 != 0 {
        x >>= 8;
        bit += 8;
    }
    bit + HIGHEST_BIT_OF_BYTE[(x & 0xff) as usize] as u32
}

/// The highest set bit of each byte value (0 for 0, which callers never ask about).
const HIGHEST_BIT_OF_BYTE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut value = 2;
    while value < 256 {
        table[value] = table[value / 2] + 1;
        value += 1;
    }
    table
};
