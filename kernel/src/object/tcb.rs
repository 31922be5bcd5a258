//! Thread control blocks: saved registers, the thread's capability slots, and its state.
use crate::cspace::Cte;

/// seL4's thread states.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThreadState {
    Inactive,
    Running,
    Restart,
    BlockedOnReceive,
    BlockedOnSend,
    BlockedOnReply,
    BlockedOnNotification,
    IdleThreadState,
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

/// Saved user registers: index 0 is the program counter, index n is register xn (the layout the
/// trap entry in `arch::riscv64::entry` writes).
#[derive(Clone, Copy)]
#[repr(C)]
pub struct UserContext {
    pub regs: [u64; 32],
}

impl UserContext {
    pub const PC: usize = 0;
    pub const SP: usize = 2;
    pub const A0: usize = 10;
    pub const A1: usize = 11;
    pub const A7: usize = 17;
}

#[repr(C)]
pub struct Tcb {
    /// First, as in seL4: the TCB's slots start at the object's base, which is what a TCB
    /// zombie names and what untyped containment checks measure.
    pub slots: [Cte; slot::COUNT],
    pub context: UserContext,
    pub state: ThreadState,
    pub ipc_buffer: u64,
    pub fault_handler: u64,
    pub priority: u8,
    pub max_controlled_priority: u8,
    pub domain: u8,
    pub name: [u8; 32],
}

const _: () = assert!(core::mem::size_of::<Tcb>() <= 1 << atoll_abi::object::TCB_BITS);

/// Physical address of a TCB's own slot array (what a TCB zombie names).
pub fn slots_paddr(tcb_paddr: u64) -> u64 {
    tcb_paddr + core::mem::offset_of!(Tcb, slots) as u64
}

impl Tcb {
    /// Stops the thread (seL4's suspend); IPC cancellation joins when IPC exists.
    pub fn suspend(&mut self) {
        self.state = ThreadState::Inactive;
        crate::sched::forget(self as *const Tcb as u64 - crate::kmem::PPTR_BASE);
    }

    /// A new thread from zeroed memory: inactive, priority 0, domain 0 (seL4's createObject).
    pub fn init(&mut self) {
        self.state = ThreadState::Inactive;
        self.priority = 0;
        self.max_controlled_priority = 0;
        self.domain = 0;
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
