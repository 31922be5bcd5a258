//! Thread control blocks: saved registers, the thread's capability slots, and its state.
use crate::cspace::Cte;

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

/// Indexes into a TCB's own capability slots (seL4's tcbCTable, tcbVTable, ...).
pub mod slot {
    pub const CSPACE_ROOT: usize = 0;
    pub const VSPACE_ROOT: usize = 1;
    pub const REPLY: usize = 2;
    pub const CALLER: usize = 3;
    pub const IPC_BUFFER: usize = 4;
    pub const COUNT: usize = 5;
}

/// Saved user registers: index 0 is the program counter to resume at, index n is register xn
/// (the layout the trap entry in `arch::riscv64::entry` writes).
#[derive(Clone, Copy)]
#[repr(C)]
pub struct UserContext {
    pub regs: [u64; 32],
}

impl UserContext {
    pub const PC: usize = 0;
    pub const SP: usize = 2;
    pub const TP: usize = 4;
    pub const A0: usize = 10;
    pub const A1: usize = 11;
    pub const A7: usize = 17;
    /// First message register (a2).
    pub const MR0: usize = 12;
}

/// Floating-point registers (F and D extensions) and fcsr.
#[derive(Clone, Copy)]
#[repr(C)]
pub struct FpuState {
    pub f: [u64; 32],
    pub fcsr: u64,
}

/// What a blocked thread waits for (seL4's blocking fields of tcbState).
#[derive(Clone, Copy, Default)]
#[repr(C)]
pub struct Blocking {
    /// The endpoint or notification the thread is queued on.
    pub object: u64,
    /// Badge of the cap a sender used.
    pub badge: u64,
    pub can_grant: bool,
    pub can_grant_reply: bool,
    pub is_call: bool,
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
    pub slots: [Cte; slot::COUNT],
    pub context: UserContext,
    /// The pc at the thread's last kernel entry (seL4's FaultIP); a restarted thread resumes here.
    pub fault_ip: u64,
    pub fpu: FpuState,
    pub state: ThreadState,
    pub blocking: Blocking,
    pub fault: FaultRecord,
    pub ipc_buffer: u64,
    pub fault_handler: u64,
    pub bound_notification: u64,
    pub priority: u8,
    pub max_controlled_priority: u8,
    pub domain: u8,
    pub in_ready_queue: bool,
    pub time_slice: u32,
    pub flags: u64,
    /// Ready-queue links.
    pub sched_next: u64,
    pub sched_prev: u64,
    /// Endpoint or notification wait-queue links.
    pub ep_next: u64,
    pub ep_prev: u64,
    pub name: [u8; 32],
    /// Links in the list of all threads that seL4_DebugDumpScheduler prints.
    pub debug_next: u64,
    pub debug_prev: u64,
}

const _: () = assert!(core::mem::size_of::<Tcb>() <= 1 << atoll_abi::object::TCB_BITS);

pub use crate::config::TIME_SLICE_TICKS;

/// Physical address of a TCB's own slot array (what a TCB zombie names).
pub fn slots_paddr(tcb_paddr: u64) -> u64 {
    tcb_paddr + core::mem::offset_of!(Tcb, slots) as u64
}

/// Physical address of one of a TCB's own slots.
pub fn slot_paddr(tcb_paddr: u64, index: usize) -> u64 {
    slots_paddr(tcb_paddr) + (index as u64) * core::mem::size_of::<Cte>() as u64
}

impl Tcb {
    /// A new thread from zeroed memory (seL4's createObject): inactive, priority 0, domain 0,
    /// a full time slice.
    pub fn init(&mut self, domain: u8) {
        self.state = ThreadState::Inactive;
        self.time_slice = TIME_SLICE_TICKS;
        self.domain = domain;
    }

    /// The thread's name for diagnostics ("rootserver" for the initial thread, as in seL4).
    pub fn name(&self) -> &str {
        let len = self.name.iter().position(|&b| b == 0).unwrap_or(self.name.len());
        core::str::from_utf8(&self.name[..len]).unwrap_or("?")
    }

    pub fn set_name(&mut self, name: &[u8]) {
        let len = name.len().min(self.name.len() - 1);
        self.name = [0; 32];
        self.name[..len].copy_from_slice(&name[..len]);
    }
}
