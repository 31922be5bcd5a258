//! Kernel entry from user mode, as the architecture's trap handler reports it: a system call,
//! an interrupt or an exception; and the way back out, through the scheduler (seL4's
//! handleSyscall, handleInterruptEntry, handleUserLevelFault, handleVMFaultEvent).
use crate::arch::cpu;
use crate::arch::trap::{self, Event, Exception};
use crate::config::TIME_PROTECTION;
use crate::ipc::fault::Fault;
use crate::ipc::fault_handler::raise as raise_fault;
use crate::object::irq;
use crate::sched;
use crate::syscall::{self, fastpath};

/// Entered from the architecture's trap vector with the current thread's registers saved.
// The trap vector calls this by name (it is the one symbol of that name in the kernel), so the
// architecture does not import the layers above it.
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
pub extern "C" fn atoll_handle_user_trap() -> ! {
    match trap::event() {
        Event::Syscall => syscall(),
        Event::Timer => timer_interrupt(),
        Event::DeviceInterrupt => device_interrupt(),
        Event::SpuriousInterrupt => schedule_and_return(),
        Event::Exception(exception) => self::exception(exception),
    }
}

/// A system call: the fastpath if it applies, else the general path.
#[inline(always)]
fn syscall() -> ! {
    if let Some(thread) = sched::current() {
        fastpath::try_fastpath(thread);
    }
    if budget_allows_entry() {
        syscall::handle_syscall();
    }
    schedule_and_return()
}

/// Non-MCS: the kernel tick.
#[cfg(not(feature = "mcs"))]
fn timer_interrupt() -> ! {
    crate::arch::timer::rearm();
    sched::timer_tick();
    schedule_and_return()
}

/// MCS: a deadline the scheduler set (a budget ran out, a release came, a domain's turn
/// ended); charging happens at every entry, and the scheduler sets the next deadline.
#[cfg(feature = "mcs")]
fn timer_interrupt() -> ! {
    interrupt_budget_check();
    sched::request_reprogram();
    schedule_and_return()
}

fn device_interrupt() -> ! {
    #[cfg(feature = "mcs")]
    interrupt_budget_check();
    irq::handle_external_interrupt();
    schedule_and_return()
}

/// MCS: the clock is read at every kernel entry and the running context charged; a thread
/// whose budget ran out does what it entered for when it next runs (seL4's MCS_DO_IF_BUDGET
/// and checkBudgetRestart). Without MCS every entry goes ahead.
#[cfg(feature = "mcs")]
fn budget_allows_entry() -> bool {
    sched::update_timestamp();
    let check = sched::check_budget();
    if let sched::BudgetCheck::TimeoutFault(thread) = check {
        crate::ipc::fault_handler::raise_timeout(thread);
    }
    if check == sched::BudgetCheck::Sufficient {
        return true;
    }
    if let Some(thread) = sched::current().filter(|t| t.state().is_runnable()) {
        sched::set_state(thread, crate::memory::ThreadState::Restart);
    }
    false
}

#[cfg(not(feature = "mcs"))]
#[inline(always)]
fn budget_allows_entry() -> bool {
    true
}

/// MCS: an interrupt charges the interrupted thread's context too (handleInterruptEntry).
#[cfg(feature = "mcs")]
fn interrupt_budget_check() {
    sched::update_timestamp();
    if let sched::BudgetCheck::TimeoutFault(thread) = sched::check_budget() {
        crate::ipc::fault_handler::raise_timeout(thread);
    }
}

fn exception(exception: Exception) -> ! {
    if !budget_allows_entry() {
        schedule_and_return()
    }
    if let Some(thread) = sched::current() {
        let fault = match exception {
            Exception::VmFault { addr, instruction, fsr } => Some(Fault::VmFault { addr, instruction, fsr }),
            Exception::IllegalInstruction { cause } => {
                (!sched::claim_fpu(thread)).then_some(Fault::UserException { cause })
            }
            Exception::Other { cause } => Some(Fault::UserException { cause }),
            #[cfg(feature = "hyp")]
            Exception::Vcpu { cause, data } => Some(Fault::VcpuFault { cause, data }),
        };
        if let Some(fault) = fault {
            raise_fault(thread, fault);
        }
    }
    schedule_and_return()
}

/// Schedules, then runs the chosen thread, idling until one can run.
pub fn schedule_and_return() -> ! {
    run_chosen();
    idle()
}

/// Carries out the scheduler's choice and enters the chosen thread, if there is one.
#[inline(always)]
fn run_chosen() {
    sched::schedule();
    // With time protection, a new domain's turn begins with its own interrupts only, and those
    // that came in other domains' turns now reach it (possibly waking a thread to choose).
    if TIME_PROTECTION && sched::take_domain_switched() {
        irq::enter_domain(sched::current_domain());
        sched::schedule();
    }
    if let Some(thread) = sched::current() {
        #[cfg(feature = "mcs")]
        crate::object::sched_context::complete_yield_to(thread);
        sched::activate(thread);
        sched::run(thread);
    }
}

/// Nothing can run: idle until an interrupt makes a thread runnable. Out of line, so the
/// loop's setup stays off the path every return to user level takes.
#[cold]
#[inline(never)]
fn idle() -> ! {
    loop {
        idle_until_interrupt();
        run_chosen();
    }
}

/// The idle path: wait with interrupts masked, then service whatever became pending.
fn idle_until_interrupt() {
    cpu::wait_for_interrupt();
    let pending = cpu::pending();
    #[cfg(feature = "mcs")]
    interrupt_budget_check();
    if pending.timer {
        // Idle time counts against the current domain's turn.
        #[cfg(not(feature = "mcs"))]
        {
            crate::arch::timer::rearm();
            sched::timer_tick();
        }
        #[cfg(feature = "mcs")]
        sched::request_reprogram();
    }
    if pending.device {
        irq::handle_external_interrupt();
    }
    sched::reschedule_required();
}
