//! The scheduler: which thread runs next, and the idle loop when none can.
//!
//! Until threads can be created (the threads issue), the only thread is the root task.
use crate::arch::riscv64::{csr, entry, platform, vm, vspace};
use crate::kmem::{self, KernelCell};
use crate::cspace::Cte;
use crate::object::{cap::Cap, tcb::{Tcb, ThreadState, slot}};

struct Scheduler {
    /// Physical address of the running thread's TCB, if any.
    current: Option<u64>,
}

static SCHEDULER: KernelCell<Scheduler> = KernelCell::new(Scheduler { current: None });

pub fn set_current(tcb_paddr: u64) {
    SCHEDULER.borrow_mut().current = Some(tcb_paddr);
}

/// A TCB is going away: never run it again.
pub fn forget(tcb_paddr: u64) {
    let mut scheduler = SCHEDULER.borrow_mut();
    if scheduler.current == Some(tcb_paddr) {
        scheduler.current = None;
    }
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

/// The thread's address space, or the kernel's alone if its VSpace is gone (seL4's setVMRoot:
/// the thread then faults on its first access).
fn vspace_satp(vspace: &Cte) -> u64 {
    let cap: Cap = vspace.cap;
    let asid = cap.mapped_asid();
    let valid = cap.is(atoll_abi::CapType::PageTable)
        && cap.page_table_is_mapped()
        && vspace::find_vspace(asid) == Some(cap.paddr());
    if valid { vm::satp(cap.paddr(), asid) } else { vm::kernel_satp() }
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
