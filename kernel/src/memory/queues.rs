//! Queues of threads threaded through link fields of the TCBs: endpoint and notification wait
//! queues, the scheduler's ready queues, and the list of all threads. The queue logic is
//! kernel-core's (host tested); here its link words become TCB handles. A queue's words are
//! private to this module, so only live, queued TCBs are ever linked.
use super::handle::Handle;
use super::objects::{Endpoint, Notification, Tcb};
use crate::config::NUM_DOMAINS;
use atoll_kernel_core::queue::{Links, Queue};

/// The TCB at a link word.
///
/// # Safety
/// `node` is 0 or the address of a live TCB that is in the queue being walked.
unsafe fn tcb_at(node: u64) -> Option<Handle<Tcb>> {
    // SAFETY: forwarded caller obligation.
    unsafe { Handle::from_paddr_or_none(node) }
}

macro_rules! links {
    ($name:ident, $next:ident, $prev:ident) => {
        /// One pair of TCB link fields. Only this module makes one, and only for nodes that are
        /// live TCBs in one of its queues.
        struct $name;

        impl Links for $name {
            #[inline(always)]
            fn next(&self, node: u64) -> u64 {
                // SAFETY: queue nodes are live TCBs (module invariant); read in place.
                unsafe { (&raw const (*Handle::<Tcb>::from_paddr(node).as_ptr()).$next).read() }
            }
            #[inline(always)]
            fn prev(&self, node: u64) -> u64 {
                // SAFETY: as for `next`.
                unsafe { (&raw const (*Handle::<Tcb>::from_paddr(node).as_ptr()).$prev).read() }
            }
            #[inline(always)]
            fn set_next(&mut self, node: u64, next: u64) {
                // SAFETY: as for `next`.
                unsafe { (&raw mut (*Handle::<Tcb>::from_paddr(node).as_ptr()).$next).write(next) }
            }
            #[inline(always)]
            fn set_prev(&mut self, node: u64, prev: u64) {
                // SAFETY: as for `next`.
                unsafe { (&raw mut (*Handle::<Tcb>::from_paddr(node).as_ptr()).$prev).write(prev) }
            }
        }
    };
}

links!(WaitLinks, ep_next, ep_prev);
links!(ReadyLinks, sched_next, sched_prev);
links!(ListLinks, debug_next, debug_prev);

/// An endpoint's or notification's queue of waiting threads (FIFO).
#[derive(Clone, Copy)]
pub struct ThreadQueue(Queue);

impl ThreadQueue {
    pub const EMPTY: ThreadQueue = ThreadQueue(Queue::EMPTY);

    /// # Safety
    /// The words are a queue this module built (or zero): they name live, queued TCBs.
    pub(super) unsafe fn from_words(head: u64, tail: u64) -> Self {
        ThreadQueue(Queue { head, tail })
    }

    pub(super) fn words(&self) -> (u64, u64) {
        (self.0.head, self.0.tail)
    }

    #[inline(always)]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The thread at the head.
    #[inline(always)]
    pub fn head(&self) -> Option<Handle<Tcb>> {
        // SAFETY: the head of a queue of live TCBs.
        unsafe { tcb_at(self.0.head) }
    }

    /// The thread after `thread`, which is in this queue.
    pub fn next(&self, thread: Handle<Tcb>) -> Option<Handle<Tcb>> {
        // SAFETY: `thread` is queued here, so its link names the next queued TCB or is 0.
        unsafe { tcb_at(WaitLinks.next(thread.paddr())) }
    }

    /// A blocking thread joins the queue: at the tail, or with MCS behind every thread of
    /// higher or equal priority (seL4's tcbEPAppend and MCS tcbAppend).
    #[inline(always)]
    pub fn join(&mut self, thread: Handle<Tcb>) {
        #[cfg(not(feature = "mcs"))]
        self.0.append(&mut WaitLinks, thread.paddr());
        #[cfg(feature = "mcs")]
        {
            // SAFETY: the key is read from queued live TCBs and from `thread`.
            let key = |node: u64| 255 - unsafe { Handle::<Tcb>::from_paddr(node) }.priority() as u64;
            self.0.insert_ordered(&mut WaitLinks, thread.paddr(), key);
        }
    }

    /// Takes `thread` out; it must be in this queue (its thread state says so).
    #[inline(always)]
    pub fn remove(&mut self, thread: Handle<Tcb>) {
        self.0.remove(&mut WaitLinks, thread.paddr());
    }

    #[inline(always)]
    pub fn pop(&mut self) -> Option<Handle<Tcb>> {
        let head = self.0.pop(&mut WaitLinks)?;
        // SAFETY: it was the head of a queue of live TCBs.
        unsafe { tcb_at(head) }
    }
}

/// The scheduler's ready queues: per domain and priority, with a bitmap of non-empty ones.
pub struct ReadyQueues(atoll_kernel_core::ready::ReadyQueues<NUM_DOMAINS>);

impl ReadyQueues {
    pub const fn new() -> Self {
        ReadyQueues(atoll_kernel_core::ready::ReadyQueues::new())
    }

    pub fn append(&mut self, domain: usize, priority: u8, thread: Handle<Tcb>) {
        self.0.append(&mut ReadyLinks, domain, priority, thread.paddr());
    }

    pub fn prepend(&mut self, domain: usize, priority: u8, thread: Handle<Tcb>) {
        self.0.prepend(&mut ReadyLinks, domain, priority, thread.paddr());
    }

    /// Takes `thread` out of the queue it is in (domain and priority say which).
    pub fn remove(&mut self, domain: usize, priority: u8, thread: Handle<Tcb>) {
        self.0.remove(&mut ReadyLinks, domain, priority, thread.paddr());
    }

    pub fn highest_priority(&self, domain: usize) -> Option<u8> {
        self.0.highest_priority(domain)
    }

    /// The head of the highest-priority non-empty queue of `domain`.
    pub fn best(&self, domain: usize) -> Option<Handle<Tcb>> {
        let (_, node) = self.0.best(domain)?;
        // SAFETY: a ready queue's head is a live, queued TCB.
        unsafe { tcb_at(node) }
    }
}

impl Default for ReadyQueues {
    fn default() -> Self {
        Self::new()
    }
}

/// MCS: threads whose scheduling context has no budget until a later time, in order of that
/// time (seL4's ksReleaseQueue). Uses the ready-queue links: a thread is never in both.
#[cfg(feature = "mcs")]
pub struct ReleaseQueue(Queue);

#[cfg(feature = "mcs")]
impl ReleaseQueue {
    pub const fn new() -> Self {
        ReleaseQueue(Queue::EMPTY)
    }

    /// Inserts `thread` by the release time `ready_at` gives for queued threads; returns
    /// whether it became the head.
    pub fn insert(&mut self, thread: Handle<Tcb>, ready_at: impl Fn(Handle<Tcb>) -> u64) -> bool {
        // SAFETY: the key is read from queued live TCBs and from `thread`.
        let key = |node: u64| ready_at(unsafe { Handle::<Tcb>::from_paddr(node) });
        self.0.insert_ordered(&mut ReadyLinks, thread.paddr(), key)
    }

    pub fn remove(&mut self, thread: Handle<Tcb>) {
        self.0.remove(&mut ReadyLinks, thread.paddr());
    }

    pub fn head(&self) -> Option<Handle<Tcb>> {
        // SAFETY: the head of a queue of live TCBs.
        unsafe { tcb_at(self.0.head) }
    }
}

/// The list of every thread, for seL4_DebugDumpScheduler.
pub struct ThreadList(Queue);

impl ThreadList {
    pub const fn new() -> Self {
        ThreadList(Queue::EMPTY)
    }

    pub fn add(&mut self, thread: Handle<Tcb>) {
        self.0.append(&mut ListLinks, thread.paddr());
    }

    /// Takes out a thread that `add` put in.
    pub fn remove(&mut self, thread: Handle<Tcb>) {
        self.0.remove(&mut ListLinks, thread.paddr());
    }

    pub fn first(&self) -> Option<Handle<Tcb>> {
        // SAFETY: the head of a list of live TCBs.
        unsafe { tcb_at(self.0.head) }
    }

    pub fn next(&self, thread: Handle<Tcb>) -> Option<Handle<Tcb>> {
        // SAFETY: `thread` is listed, so its link names the next listed TCB or is 0.
        unsafe { tcb_at(ListLinks.next(thread.paddr())) }
    }
}

impl Default for ThreadList {
    fn default() -> Self {
        Self::new()
    }
}

const STATE_MASK: u64 = 0b11;

macro_rules! wait_queue {
    ($object:ty) => {
        impl Handle<$object> {
            /// The wait queue and the state (0..=3) kept in its tail's low bits.
            #[inline(always)]
            pub fn wait_queue(self) -> (ThreadQueue, u64) {
                // SAFETY: a Handle names a live object; the fields are read in place.
                let (head, tail) = unsafe {
                    ((&raw const (*self.as_ptr()).head).read(), (&raw const (*self.as_ptr()).tail_and_state).read())
                };
                // SAFETY: the words were written by `set_wait_queue` from a ThreadQueue (or are
                // zero), so they name queued live TCBs.
                (unsafe { ThreadQueue::from_words(head, tail & !STATE_MASK) }, tail & STATE_MASK)
            }

            #[inline(always)]
            pub fn set_wait_queue(self, queue: ThreadQueue, state: u64) {
                let (head, tail) = queue.words();
                // SAFETY: as for `wait_queue`.
                unsafe {
                    (&raw mut (*self.as_ptr()).head).write(head);
                    (&raw mut (*self.as_ptr()).tail_and_state).write(tail | (state & STATE_MASK));
                }
            }
        }
    };
}

wait_queue!(Endpoint);
wait_queue!(Notification);
