//! Kernel object layouts and their typed fields: the thread control block, the endpoint and
//! the notification, and with MCS the scheduling context and the reply object (they name each
//! other, so they are defined together).
use super::handle::{Handle, KernelObject};
use crate::arch::{FpuState, UserContext};
use atoll_kernel_core::cte::Cte;

/// seL4's thread states. Zero (Inactive) is what a freshly retyped TCB holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum ThreadState {
    Inactive = 0,
    Running,
    Restart,
    BlockedOnReceive,
    BlockedOnSend,
    BlockedOnReply,
    BlockedOnNotification,
}

impl ThreadState {
    /// Whether the scheduler may run a thread in this state (seL4's isRunnable).
    pub fn is_runnable(self) -> bool {
        matches!(self, ThreadState::Running | ThreadState::Restart)
    }

    /// Whether restarting the thread has an effect (seL4's isStopped): it is inactive or blocked
    /// in IPC, so it leaves what it waits for and runs again.
    pub fn is_stopped(self) -> bool {
        use ThreadState::*;
        matches!(self, Inactive | BlockedOnReceive | BlockedOnSend | BlockedOnReply | BlockedOnNotification)
    }
}

/// Indexes into a TCB's own capability slots (seL4's tcbCTable, tcbVTable, ...). MCS keeps
/// the fault and timeout handlers as caps here; non-MCS keeps the reply master and the caller.
pub mod slot {
    pub const CSPACE_ROOT: usize = 0;
    pub const VSPACE_ROOT: usize = 1;
    #[cfg(not(feature = "mcs"))]
    pub const REPLY: usize = 2;
    #[cfg(not(feature = "mcs"))]
    pub const CALLER: usize = 3;
    #[cfg(not(feature = "mcs"))]
    pub const IPC_BUFFER: usize = 4;
    #[cfg(feature = "mcs")]
    pub const IPC_BUFFER: usize = 2;
    #[cfg(feature = "mcs")]
    pub const FAULT_HANDLER: usize = 3;
    #[cfg(feature = "mcs")]
    pub const TIMEOUT_HANDLER: usize = 4;
    pub const COUNT: usize = 5;
}

/// The queue a blocked thread is in (seL4's blocking object of tcbState).
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
#[repr(C, u64)]
pub enum WaitingOn {
    #[default]
    Nothing = 0,
    Endpoint(Handle<Endpoint>),
    Notification(Handle<Notification>),
}

/// What a blocked thread waits for (seL4's blocking fields of tcbState).
#[derive(Clone, Copy, Default)]
#[repr(C)]
pub struct Blocking {
    pub on: WaitingOn,
    /// Badge of the cap a sender used.
    pub badge: u64,
    pub can_grant: bool,
    pub can_grant_reply: bool,
    pub is_call: bool,
    /// MCS: the reply object a receiver waits with, or the one a caller waits on.
    #[cfg(feature = "mcs")]
    pub reply: Option<Handle<Reply>>,
}

/// The fault a thread raised, kept until its handler has been told (seL4's tcbFault).
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
#[repr(C)]
pub struct FaultRecord {
    /// seL4's fault label (0: none).
    pub label: u64,
    /// Label-specific words (seL4's fault fields).
    pub words: [u64; 4],
    /// Lookup failure words for capability faults: type then details.
    pub lookup: [u64; 4],
}

#[repr(C)]
pub struct Tcb {
    /// First, as in seL4: the TCB's slots start at the object's base, which is what a TCB
    /// zombie names and what untyped containment checks measure.
    slots: [Cte; slot::COUNT],
    context: UserContext,
    /// The pc at the thread's last kernel entry (seL4's FaultIP); a restarted thread resumes here.
    fault_ip: u64,
    fpu: FpuState,
    state: ThreadState,
    blocking: Blocking,
    fault: FaultRecord,
    ipc_buffer: u64,
    /// Non-MCS: the fault endpoint's cptr (MCS keeps a cap in the TCB's slots instead).
    #[cfg(not(feature = "mcs"))]
    fault_handler: u64,
    bound_notification: Option<Handle<Notification>>,
    priority: u8,
    max_controlled_priority: u8,
    domain: u8,
    in_ready_queue: bool,
    /// Non-MCS: ticks left in the thread's time slice.
    #[cfg(not(feature = "mcs"))]
    time_slice: u32,
    /// MCS: the scheduling context the thread runs on (its own or a donated one), the one it
    /// yielded to, and whether it waits in the release queue (seL4's tcbSchedContext,
    /// tcbYieldTo, tcbInReleaseQueue).
    #[cfg(feature = "mcs")]
    sched_context: Option<Handle<SchedContext>>,
    #[cfg(feature = "mcs")]
    yield_to: Option<Handle<SchedContext>>,
    #[cfg(feature = "mcs")]
    in_release_queue: bool,
    flags: u64,
    /// Hypervisor builds: the physical address of the VCPU whose guest this thread runs (0:
    /// none); `arch::hyp` owns its meaning, so this layer need not know the VCPU's type.
    #[cfg(feature = "hyp")]
    vcpu: u64,
    /// Ready-queue links.
    pub(super) sched_next: u64,
    pub(super) sched_prev: u64,
    /// Endpoint or notification wait-queue links.
    pub(super) ep_next: u64,
    pub(super) ep_prev: u64,
    name: [u8; 32],
    /// Links in the list of all threads that seL4_DebugDumpScheduler prints.
    pub(super) debug_next: u64,
    pub(super) debug_prev: u64,
}

const _: () = assert!(core::mem::size_of::<Tcb>() <= 1 << atoll_abi::object::TCB_BITS);
/// Where the trap entry stores the pc as FaultIP, relative to the saved registers.
pub const FAULT_IP_OFFSET_FROM_CONTEXT: usize =
    core::mem::offset_of!(Tcb, fault_ip) - core::mem::offset_of!(Tcb, context);

// SAFETY: zeroed memory is a valid Tcb: Inactive, no links, no handles (None and
// WaitingOn::Nothing are zero), and every setter writes a valid value of its field's type.
unsafe impl KernelObject for Tcb {}

super::handle::fields! { Tcb {
    fault_ip, set_fault_ip: u64;
    state, set_state_only: ThreadState;
    blocking, set_blocking: Blocking;
    fault, set_fault: FaultRecord;
    ipc_buffer, set_ipc_buffer: u64;
    bound_notification, set_bound_notification: Option<Handle<Notification>>;
    priority, set_priority_only: u8;
    max_controlled_priority, set_max_controlled_priority: u8;
    domain, set_domain_only: u8;
    in_ready_queue, set_in_ready_queue: bool;
    flags, set_flags: u64;
    name, set_name_bytes: [u8; 32];
} }

#[cfg(not(feature = "mcs"))]
super::handle::fields! { Tcb {
    fault_handler, set_fault_handler: u64;
    time_slice, set_time_slice: u32;
} }

#[cfg(feature = "hyp")]
super::handle::fields! { Tcb {
    vcpu, set_vcpu: u64;
} }

#[cfg(feature = "mcs")]
super::handle::fields! { Tcb {
    sched_context, set_sched_context: Option<Handle<SchedContext>>;
    yield_to, set_yield_to: Option<Handle<SchedContext>>;
    in_release_queue, set_in_release_queue: bool;
} }

impl Handle<Tcb> {
    /// The physical address of the thread's slot array (what a TCB zombie names).
    #[inline(always)]
    pub fn slots_paddr(self) -> u64 {
        self.paddr() + core::mem::offset_of!(Tcb, slots) as u64
    }

    /// Saved register `index` (see `arch::reg`).
    #[inline(always)]
    pub fn reg(self, index: usize) -> u64 {
        // SAFETY: a Handle names a live Tcb; the element is read in place (the array projection
        // checks the index), no reference is made.
        unsafe { (&raw const (*self.as_ptr()).context.regs[index]).read() }
    }

    #[inline(always)]
    pub fn set_reg(self, index: usize, value: u64) {
        // SAFETY: as for `reg`.
        unsafe { (&raw mut (*self.as_ptr()).context.regs[index]).write(value) }
    }

    /// The saved registers' address, for the architecture's trap entry and exit.
    #[inline(always)]
    pub fn context_ptr(self) -> *mut UserContext {
        // SAFETY: only the field's address is computed; nothing is read.
        unsafe { &raw mut (*self.as_ptr()).context }
    }

    /// The saved FPU registers' address, for the architecture's FPU save and restore.
    pub fn fpu_ptr(self) -> *mut FpuState {
        // SAFETY: only the field's address is computed; nothing is read.
        unsafe { &raw mut (*self.as_ptr()).fpu }
    }

    /// The endpoint or notification the thread waits in, if it is blocked on one.
    pub fn waiting_on(self) -> WaitingOn {
        self.blocking().on
    }

    /// The thread's name for diagnostics ("rootserver" for the initial thread, as in seL4).
    pub fn name_text(self) -> NameText {
        NameText(self.name())
    }

    pub fn set_name(self, name: &[u8]) {
        let mut bytes = [0u8; 32];
        let len = name.len().min(bytes.len() - 1);
        bytes[..len].copy_from_slice(&name[..len]);
        self.set_name_bytes(bytes);
    }
}

/// A thread's name, copied out of its TCB, printable with `{}`.
pub struct NameText([u8; 32]);

impl core::fmt::Display for NameText {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let len = self.0.iter().position(|&b| b == 0).unwrap_or(self.0.len());
        f.pad(core::str::from_utf8(&self.0[..len]).unwrap_or("?"))
    }
}

/// The 16-byte endpoint object: the wait queue, with the state in the tail's low bits (TCBs
/// are 2 KiB aligned).
#[repr(C)]
pub struct Endpoint {
    pub(super) head: u64,
    pub(super) tail_and_state: u64,
}

/// The 32-byte notification object: its wait queue and state like an endpoint's, the badge word,
/// and the bound thread.
#[repr(C)]
pub struct Notification {
    pub(super) head: u64,
    pub(super) tail_and_state: u64,
    word: u64,
    bound_tcb: Option<Handle<Tcb>>,
    /// MCS: the scheduling context a passive bound thread receives with a signal.
    #[cfg(feature = "mcs")]
    sched_context: Option<Handle<SchedContext>>,
}

// SAFETY: zeroed memory is an empty queue in state 0 (idle) with no bound thread; the setters
// write only queues of live TCBs and 2-bit states.
unsafe impl KernelObject for Endpoint {}
// SAFETY: as for Endpoint.
unsafe impl KernelObject for Notification {}

super::handle::fields! { Notification {
    word, set_word: u64;
    bound_tcb, set_bound_tcb: Option<Handle<Tcb>>;
} }

#[cfg(feature = "mcs")]
super::handle::fields! { Notification {
    sched_context, set_sched_context: Option<Handle<SchedContext>>;
} }

const _: () = assert!(core::mem::size_of::<Notification>() <= 1 << atoll_abi::object::NOTIFICATION_BITS);

#[cfg(feature = "mcs")]
pub use mcs::{CallLink, Reply, SchedContext};

/// MCS objects: the scheduling context (its bookkeeping, then its refills to the end of the
/// object) and the reply object, which links a caller to the scheduling context it lent.
#[cfg(feature = "mcs")]
mod mcs {
    use super::super::handle::{Handle, KernelObject};
    use super::{Notification, Tcb};
    use atoll_abi::object::MIN_SCHED_CONTEXT_BITS;
    use atoll_kernel_core::refill::{Refill, RefillBuffer, RefillRing, Refills};

    /// seL4's sched_context_t: the refill ring's bookkeeping, what the context is bound to, and
    /// the time it has run. The refills follow to the end of the object.
    #[repr(C)]
    pub struct SchedContext {
        ring: RefillRing,
        /// Ticks run since user level last asked (seL4's scConsumed).
        consumed: u64,
        tcb: Option<Handle<Tcb>>,
        /// The head of the call stack: the newest reply that lent this context.
        reply: Option<Handle<Reply>>,
        notification: Option<Handle<Notification>>,
        badge: u64,
        /// The thread that yielded to this context with SchedContext_YieldTo.
        yield_from: Option<Handle<Tcb>>,
        size_bits: u8,
        sporadic: bool,
    }

    /// Bytes of bookkeeping before the refills: seL4's kernel keeps 96, so a context of a given
    /// size holds exactly as many refills here as there.
    const HEADER_BYTES: usize = 96;
    const REFILL_BYTES: usize = core::mem::size_of::<Refill>();
    const _: () = assert!(core::mem::size_of::<SchedContext>() <= HEADER_BYTES);
    const _: () = assert!(HEADER_BYTES + 2 * REFILL_BYTES <= 1 << MIN_SCHED_CONTEXT_BITS);

    // SAFETY: zeroed memory is an unconfigured context (max 0 refills) bound to nothing; the
    // setters write only live handles and the refill code keeps indexes below `max_refills`.
    unsafe impl KernelObject for SchedContext {}

    super::super::handle::fields! { SchedContext {
        ring, set_ring: RefillRing;
        consumed, set_consumed: u64;
        tcb, set_tcb: Option<Handle<Tcb>>;
        reply, set_reply: Option<Handle<Reply>>;
        notification, set_notification: Option<Handle<Notification>>;
        badge, set_badge: u64;
        yield_from, set_yield_from: Option<Handle<Tcb>>;
        size_bits, set_size_bits: u8;
        sporadic, set_sporadic: bool;
    } }

    /// The refills of one scheduling context, as kernel-core's refill logic sees them.
    pub struct RefillStore {
        sc: Handle<SchedContext>,
        capacity: usize,
    }

    impl RefillBuffer for RefillStore {
        fn get(&self, index: usize) -> Refill {
            assert!(index < self.capacity, "refill index inside the object");
            // SAFETY: the refill lies inside the live object (checked above); read in place.
            unsafe { self.at(index).read() }
        }
        fn set(&mut self, index: usize, refill: Refill) {
            assert!(index < self.capacity, "refill index inside the object");
            // SAFETY: as for `get`.
            unsafe { self.at(index).write(refill) }
        }
    }

    impl RefillStore {
        /// The address of refill `index`; the caller checks it is below the capacity.
        fn at(&self, index: usize) -> *mut Refill {
            let base = self.sc.as_ptr().cast::<u8>();
            base.wrapping_add(HEADER_BYTES + index * REFILL_BYTES).cast()
        }
    }

    impl Handle<SchedContext> {
        /// How many refills the object has room for (seL4's refill_absolute_max).
        pub fn max_refills_for_size(size_bits: u32) -> usize {
            ((1usize << size_bits) - HEADER_BYTES) / REFILL_BYTES
        }

        /// Runs `f` on the context's refills, then stores the ring back.
        pub fn with_refills<R>(self, f: impl FnOnce(&mut Refills<'_, RefillStore>) -> R) -> R {
            let mut ring = self.ring();
            let mut store = RefillStore { sc: self, capacity: Self::max_refills_for_size(self.size_bits() as u32) };
            let result = f(&mut Refills { ring: &mut ring, buffer: &mut store });
            self.set_ring(ring);
            result
        }

        /// The head refill (the context must be configured).
        pub fn head_refill(self) -> Refill {
            self.with_refills(|r| r.head())
        }

        /// Whether SchedControl has configured it (seL4's sc_active).
        pub fn is_active(self) -> bool {
            self.ring().max > 0
        }

        pub fn is_round_robin(self) -> bool {
            self.ring().period == 0
        }
    }

    /// One link of a call stack (seL4's call_stack_t): nothing, the next reply, or (at the top)
    /// the scheduling context that was lent.
    #[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
    #[repr(C, u64)]
    pub enum CallLink {
        #[default]
        None = 0,
        Reply(Handle<Reply>),
        Head(Handle<SchedContext>),
    }

    /// seL4's reply_t: the caller waiting on it and its place in a call stack.
    #[repr(C)]
    pub struct Reply {
        tcb: Option<Handle<Tcb>>,
        /// Toward older calls.
        prev: Option<Handle<Reply>>,
        /// Toward newer calls, or the lent context at the top.
        next: CallLink,
    }

    const _: () = assert!(core::mem::size_of::<Reply>() <= 1 << atoll_abi::object::REPLY_BITS);

    // SAFETY: zeroed memory is an unused reply (no caller, no links).
    unsafe impl KernelObject for Reply {}

    super::super::handle::fields! { Reply {
        tcb, set_tcb: Option<Handle<Tcb>>;
        prev, set_prev: Option<Handle<Reply>>;
        next, set_next: CallLink;
    } }
}
