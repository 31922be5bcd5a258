//! MCS budgets: the refills of a scheduling context, with seL4's sporadic-server rules.
//!
//! A scheduling context with budget `b` and period `p` may run for at most `b` in any window of
//! length `p`. Its budget is split into refills (a release time and an amount) kept in a ring
//! buffer inside the object. Running charges the head refill; what was used comes back as a new
//! refill one period after it was first available. Refills are kept in time order and never
//! overlap, every refill holds at least `MIN_BUDGET`, and together they always hold exactly `b`.
//! A round-robin context (period 0) has one full refill and an empty tail, and is never charged
//! here: it only runs out of time slices.
//!
//! Times are in timebase ticks (10 MHz on QEMU `virt`).

/// Timebase ticks per microsecond (seL4's TICKS_IN_US for a 10 MHz timer).
pub const TICKS_PER_US: u64 = 10;

/// seL4's estimate of the kernel's worst-case execution time on RISC-V, in microseconds.
const KERNEL_WCET_US: u64 = 10;

/// The least budget a refill may hold: enough to enter and leave the kernel twice
/// (seL4's MIN_BUDGET with `KernelWcetScale` 1).
pub const MIN_BUDGET: u64 = 2 * KERNEL_WCET_US * TICKS_PER_US;

/// The least budget, in microseconds (seL4's MIN_BUDGET_US).
pub const MIN_BUDGET_US: u64 = 2 * KERNEL_WCET_US;

/// The longest period or budget, in microseconds (seL4's MAX_PERIOD_US without a static limit).
pub const MAX_PERIOD_US: u64 = u64::MAX / TICKS_PER_US / 8;

/// Release times at or beyond this are never reached (seL4's MAX_RELEASE_TIME).
pub const MAX_RELEASE_TIME: u64 = u64::MAX - 5 * (MAX_PERIOD_US * TICKS_PER_US);

/// A scheduling context has room for at least this many refills (seL4's MIN_REFILLS).
pub const MIN_REFILLS: usize = 2;

/// One refill: `amount` ticks of budget available from `time`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Refill {
    pub time: u64,
    pub amount: u64,
}

/// Where the refills live: the kernel's scheduling-context object, or an array in tests.
pub trait RefillBuffer {
    fn get(&self, index: usize) -> Refill;
    fn set(&mut self, index: usize, refill: Refill);
}

impl<const N: usize> RefillBuffer for [Refill; N] {
    fn get(&self, index: usize) -> Refill {
        self[index]
    }
    fn set(&mut self, index: usize, refill: Refill) {
        self[index] = refill;
    }
}

/// The ring's bookkeeping, stored in the scheduling context beside the refills.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RefillRing {
    pub head: usize,
    pub tail: usize,
    /// How many refills the ring may hold (0: the context is not configured).
    pub max: usize,
    /// 0 for a round-robin context.
    pub period: u64,
}

/// A scheduling context's refills: the ring and its buffer together.
pub struct Refills<'a, B: RefillBuffer> {
    pub ring: &'a mut RefillRing,
    pub buffer: &'a mut B,
}

impl<B: RefillBuffer> Refills<'_, B> {
    fn next(&self, index: usize) -> usize {
        if index + 1 == self.ring.max { 0 } else { index + 1 }
    }

    pub fn head(&self) -> Refill {
        self.buffer.get(self.ring.head)
    }

    fn set_head(&mut self, refill: Refill) {
        self.buffer.set(self.ring.head, refill);
    }

    fn tail(&self) -> Refill {
        self.buffer.get(self.ring.tail)
    }

    /// How many refills the ring holds.
    pub fn len(&self) -> usize {
        if self.ring.head <= self.ring.tail {
            self.ring.tail - self.ring.head + 1
        } else {
            self.ring.tail + 1 + self.ring.max - self.ring.head
        }
    }

    /// Never true of a configured context: it always holds its head refill.
    pub fn is_empty(&self) -> bool {
        self.ring.max == 0
    }

    fn is_single(&self) -> bool {
        self.ring.head == self.ring.tail
    }

    fn is_full(&self) -> bool {
        self.len() == self.ring.max
    }

    pub fn is_round_robin(&self) -> bool {
        self.ring.period == 0
    }

    /// The refills from head to tail.
    pub fn for_each(&self, mut f: impl FnMut(Refill)) {
        let mut index = self.ring.head;
        loop {
            f(self.buffer.get(index));
            if index == self.ring.tail {
                break;
            }
            index = self.next(index);
        }
    }

    /// The budget all refills hold together.
    pub fn sum(&self) -> u64 {
        let mut sum = 0u64;
        self.for_each(|r| sum = sum.saturating_add(r.amount));
        sum
    }

    /// Budget left in the head refill after `usage` (seL4's refill_capacity).
    pub fn capacity(&self, usage: u64) -> u64 {
        self.head().amount.saturating_sub(usage)
    }

    /// Whether the head refill still covers `usage` and a kernel entry (refill_sufficient).
    pub fn sufficient(&self, usage: u64) -> bool {
        self.capacity(usage) >= MIN_BUDGET
    }

    /// Whether the head refill is available at `now` (refill_ready).
    pub fn ready(&self, now: u64) -> bool {
        self.head().time <= now
    }

    fn pop_head(&mut self) -> Refill {
        let head = self.head();
        self.ring.head = self.next(self.ring.head);
        head
    }

    fn push_tail(&mut self, refill: Refill) {
        self.ring.tail = self.next(self.ring.tail);
        self.buffer.set(self.ring.tail, refill);
    }

    /// A round-robin context keeps an empty second refill (seL4's maybe_add_empty_tail).
    fn add_empty_tail_if_round_robin(&mut self) {
        if self.is_round_robin() {
            let time = self.head().time;
            self.push_tail(Refill { time, amount: 0 });
        }
    }

    /// Configures a context that had no budget (seL4's refill_new): one refill of `budget`,
    /// available now.
    pub fn configure_new(&mut self, max_refills: usize, budget: u64, period: u64, now: u64) {
        *self.ring = RefillRing { head: 0, tail: 0, max: max_refills, period };
        self.set_head(Refill { time: now, amount: budget });
        self.add_empty_tail_if_round_robin();
    }

    /// Reconfigures a context that has a budget, without giving it more than its old budget
    /// allowed before now (seL4's refill_update): the head refill is kept (moved to now if
    /// ready) and trimmed to the new budget, or the difference arrives one new period later.
    pub fn reconfigure(&mut self, period: u64, budget: u64, max_refills: usize, now: u64) {
        let mut head = self.head();
        self.ring.head = 0;
        self.ring.tail = 0;
        self.ring.max = max_refills;
        self.ring.period = period;
        if head.time <= now {
            head.time = now;
        }
        if head.amount >= budget {
            self.set_head(Refill { time: head.time, amount: budget });
            self.add_empty_tail_if_round_robin();
        } else {
            self.set_head(head);
            self.push_tail(Refill { time: head.time + period, amount: budget - head.amount });
        }
    }

    /// Schedules budget that was used to come back (seL4's schedule_used): merged into the
    /// tail if they touch, else a new tail, else (ring full) folded into the tail, later.
    fn schedule_used(&mut self, used: Refill) {
        let tail = self.tail();
        if tail.time + tail.amount >= used.time {
            self.buffer.set(self.ring.tail, Refill { time: tail.time, amount: tail.amount + used.amount });
        } else if !self.is_full() {
            self.push_tail(used);
        } else {
            let refill = Refill { time: used.time - tail.amount, amount: tail.amount + used.amount };
            self.buffer.set(self.ring.tail, refill);
        }
    }

    /// Charges `usage` ticks of running to the context (seL4's refill_budget_check): whole
    /// refills it overran come back a period after they started, the part of the head it used
    /// likewise, and a head left with less than `MIN_BUDGET` merges into the next refill.
    pub fn charge(&mut self, usage: u64) {
        debug_assert!(!self.is_round_robin());
        let period = self.ring.period;
        let mut usage = usage;
        // Whole refills used up.
        loop {
            let head = self.head();
            if !(head.amount <= usage && head.time < MAX_RELEASE_TIME) {
                break;
            }
            if self.is_single() {
                self.set_head(Refill { time: head.time + period, amount: head.amount });
            } else {
                let old = self.pop_head();
                self.schedule_used(Refill { time: old.time + period, amount: old.amount });
            }
            usage -= head.amount;
        }
        // Part of the head used.
        let head = self.head();
        if usage > 0 && head.time < MAX_RELEASE_TIME {
            self.set_head(Refill { time: head.time + usage, amount: head.amount - usage });
            self.schedule_used(Refill { time: head.time + period, amount: usage });
        }
        // A head too small to run on is merged into the next refill.
        while self.head().amount < MIN_BUDGET && !self.is_single() {
            let head = self.pop_head();
            let next = self.head();
            self.set_head(Refill { time: next.time - head.amount, amount: next.amount + head.amount });
        }
    }

    /// A thread of this context is unblocked at `now` (seL4's refill_unblock_check): a ready
    /// head starts now, and refills it now overlaps merge into it. Returns whether the head
    /// moved, so the timer must be reprogrammed.
    pub fn unblock_check(&mut self, now: u64) -> bool {
        if self.is_round_robin() || !self.ready(now) {
            return false;
        }
        let head = self.head();
        self.set_head(Refill { time: now, amount: head.amount });
        while !self.is_single() {
            let head = self.head();
            let second = self.buffer.get(self.next(self.ring.head));
            if second.time > head.time + head.amount {
                break;
            }
            self.pop_head();
            self.set_head(Refill { time: head.time, amount: second.amount + head.amount });
        }
        true
    }

    /// A round-robin context ran `usage` ticks: they move from the head to the tail (seL4's
    /// commitTime for a round-robin context).
    pub fn round_robin_use(&mut self, usage: u64) {
        debug_assert!(self.is_round_robin());
        let (head, tail) = (self.head(), self.tail());
        let used = usage.min(head.amount);
        self.set_head(Refill { time: head.time, amount: head.amount - used });
        self.buffer.set(self.ring.tail, Refill { time: tail.time, amount: tail.amount + used });
    }

    /// A round-robin context's slice ended: the whole budget is back in the head (seL4's
    /// chargeBudget for a round-robin context).
    pub fn round_robin_refill(&mut self) {
        debug_assert!(self.is_round_robin());
        let (head, tail) = (self.head(), self.tail());
        self.set_head(Refill { time: head.time, amount: head.amount + tail.amount });
        self.buffer.set(self.ring.tail, Refill { time: tail.time, amount: 0 });
    }

    /// Whether the refills are in time order without overlap (seL4's refill_ordered).
    pub fn is_ordered(&self) -> bool {
        if self.is_round_robin() {
            return true;
        }
        let mut previous: Option<Refill> = None;
        let mut ordered = true;
        self.for_each(|r| {
            if let Some(p) = previous {
                ordered &= p.time + p.amount <= r.time;
            }
            previous = Some(r);
        });
        ordered
    }
}
