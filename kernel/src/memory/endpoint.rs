//! The endpoint's and notification's layouts and typed fields.
use super::handle::{Handle, KernelObject};
use super::queues::ThreadQueue;
use super::tcb::Tcb;

/// The 16-byte endpoint object: the wait queue, with the state in the tail's low bits (TCBs
/// are 2 KiB aligned).
#[repr(C)]
pub struct Endpoint {
    head: u64,
    tail_and_state: u64,
}

/// The 32-byte notification object: its wait queue and state like an endpoint's, the badge word,
/// and the bound thread.
#[repr(C)]
pub struct Notification {
    head: u64,
    tail_and_state: u64,
    word: u64,
    bound_tcb: Option<Handle<Tcb>>,
}

// SAFETY: zeroed memory is an empty queue in state 0 (idle) with no bound thread; the setters
// write only queues of live TCBs and 2-bit states.
unsafe impl KernelObject for Endpoint {}
// SAFETY: as for Endpoint.
unsafe impl KernelObject for Notification {}

const STATE_MASK: u64 = 0b11;

super::fields! { Notification {
    word, set_word: u64;
    bound_tcb, set_bound_tcb: Option<Handle<Tcb>>;
} }

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
