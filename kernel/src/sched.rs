//! The scheduler: which thread runs next, and the idle loop when none can.
//!
//! Until threads can be created (the threads issue), the only thread is the root task.
use crate::arch::riscv64::{csr, entry, platform, vm};
use crate::kmem::{self, KernelCell};
use crate::object::{cap::Cap, cnode::Cte, tcb::{Tcb, ThreadState, slot}};

struct Scheduler {
    /// Physical address of the running thread's TCB, if any.
    current: Option<u64>,
}

static SCHEDULER: KernelCell<Scheduler> = KernelCell::new(Scheduler { current: None });

pub fn set_current(tcb_paddr: u64) {
    SCHEDULER.borrow_mut().current = Some(tcb_paddr);
}

/// The running thread's TCB address.
pub fn current() -> Option<u64> {
    SCHEDULER.borrow_mut().current
}

/// The running thread's TCB.
pub fn current_tcb() -> Option<&'static mut Tcb> {
    // SAFETY: `current` only ever holds the address of a live TCB.
    current().map(|paddr| unsafe { kmem::object::<Tcb>(paddr) })
}

fn vspace_satp(vspace: &Cte) -> u64 {
    let cap: Cap = vspace.cap;
    vm::satp(cap.paddr(), cap.mapped_asid())
}

/// Runs the current thread if it can run; otherwise idles until it can.
pub fn schedule_and_return() -> ! {
    loop {
        if let Some(tcb) = current_tcb().filter(|t| t.state == ThreadState::Running) {
            csr::write_satp_and_flush(vspace_satp(&tcb.slots[slot::VSPACE_ROOT]));
            // SAFETY: the context lives in a live TCB and satp now holds its address space.
            unsafe { entry::enter_user(tcb.context.regs.as_ptr()) }
        }
        idle_until_interrupt();
    }
}

/// The idle path: wait with interrupts masked, then service whatever became pending.
fn idle_until_interrupt() {
    csr::wait_for_interrupt();
    if csr::sip() & csr::TIMER_INTERRUPT != 0 {
        platform::rearm_timer();
    }
}
