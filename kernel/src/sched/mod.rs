//! The scheduler: seL4's ready queues (per domain and priority), the scheduler action, the
//! time slice, thread states, the FPU owner, and the choice of the thread to run next. With
//! MCS, threads run on scheduling contexts: `budget.rs` charges them and keeps the release
//! queue, `clock.rs` keeps the time.
#[cfg(feature = "mcs")]
mod budget;
#[cfg(feature = "mcs")]
mod clock;

#[cfg(feature = "mcs")]
pub use budget::{
    BudgetCheck, cancel_yield_to, charge_yield, check_budget, commit_if_current, donate, forget_sched_context,
    has_timeout_handler, postpone, ready_and_sufficient, release_remove, resume, start_clock, take_consumed_us,
    time_now, unblock_check, update_timestamp,
};
#[cfg(feature = "mcs")]
pub use clock::request_reprogram;

use crate::arch::{cpu, timer, vspace};
#[cfg(not(feature = "mcs"))]
use crate::config::TIME_SLICE_TICKS;
use crate::config::{DOMAIN_PAD_US, NUM_DOMAIN_SCHEDULES, NUM_DOMAINS, TIME_PROTECTION};
use crate::memory::{Handle, KernelCell, KernelWord, ReadyQueues, Tcb, ThreadList, ThreadState};
use crate::preemption;
use atoll_abi::tcb::TCB_FLAG_FPU_DISABLED;
use atoll_kernel_core::domain::{DomainSchedule, MAX_DURATION, ScheduleError};

/// What the next return to user level must do (seL4's ksSchedulerAction).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Action {
    ResumeCurrent,
    ChooseNew,
    SwitchTo(Handle<Tcb>),
}

struct Scheduler {
    ready: ReadyQueues,
    /// Every thread, for seL4_DebugDumpScheduler (seL4 keeps the same list in debug builds).
    all_threads: ThreadList,
}

static SCHEDULER: KernelCell<Scheduler> =
    KernelCell::new(Scheduler { ready: ReadyQueues::new(), all_threads: ThreadList::new() });

/// Whether the scheduler may run the thread (seL4's isSchedulable): runnable, and with MCS
/// also on an active scheduling context that is not waiting for its next release.
#[inline(always)]
pub fn is_schedulable(thread: Handle<Tcb>) -> bool {
    thread.state().is_runnable() && has_budget_context(thread)
}

#[cfg(feature = "mcs")]
#[inline(always)]
fn has_budget_context(thread: Handle<Tcb>) -> bool {
    thread.sched_context().is_some_and(|sc| sc.is_active()) && !thread.in_release_queue()
}

#[cfg(not(feature = "mcs"))]
#[inline(always)]
fn has_budget_context(_thread: Handle<Tcb>) -> bool {
    true
}

/// The scheduler action and the current domain: read on every return to user level, so plain
/// cells rather than behind the ready queues' borrow check.
static ACTION: KernelWord<Action> = KernelWord::new(Action::ResumeCurrent);
static CURRENT_DOMAIN: KernelWord<u8> = KernelWord::new(0);

/// The domain schedule (seL4 16.0.0's ksDomSchedule, set at run time) and the ticks left in the
/// current entry (ksDomainTime). Until user level configures it, domain 0 runs for good.
static DOMAIN_SCHEDULE: KernelCell<DomainSchedule<NUM_DOMAIN_SCHEDULES>> = KernelCell::new(DomainSchedule::new());
static DOMAIN_TIME: KernelWord<u64> = KernelWord::new(MAX_DURATION);

/// With time protection: when the domain that just began may first run (a timebase deadline),
/// and whether a domain switch has happened since the entry layer last asked.
static DOMAIN_START: KernelWord<Option<u64>> = KernelWord::new(None);
static DOMAIN_SWITCHED: KernelWord<bool> = KernelWord::new(false);

/// The running thread; None while idle.
static CURRENT: KernelWord<Option<Handle<Tcb>>> = KernelWord::new(None);
/// The thread whose registers are in the FPU.
static FPU_OWNER: KernelWord<Option<Handle<Tcb>>> = KernelWord::new(None);

/// The running thread (None while idle).
#[inline(always)]
pub fn current() -> Option<Handle<Tcb>> {
    CURRENT.get()
}

pub fn current_domain() -> u8 {
    CURRENT_DOMAIN.get()
}

/// Boot: the root task runs first.
pub fn set_current(thread: Handle<Tcb>) {
    CURRENT.set(Some(thread));
}

impl Scheduler {
    fn enqueue(&mut self, thread: Handle<Tcb>) {
        // With MCS only a thread with budget may be queued (seL4 asserts it; here it is a rule).
        if !thread.in_ready_queue() && (!cfg!(feature = "mcs") || is_schedulable(thread)) {
            thread.set_in_ready_queue(true);
            self.ready.prepend(thread.domain() as usize, thread.priority(), thread);
        }
    }

    fn append(&mut self, thread: Handle<Tcb>) {
        if !thread.in_ready_queue() && (!cfg!(feature = "mcs") || is_schedulable(thread)) {
            thread.set_in_ready_queue(true);
            self.ready.append(thread.domain() as usize, thread.priority(), thread);
        }
    }

    fn dequeue(&mut self, thread: Handle<Tcb>) {
        if thread.in_ready_queue() {
            thread.set_in_ready_queue(false);
            self.ready.remove(thread.domain() as usize, thread.priority(), thread);
        }
    }

    /// Whether no ready thread of `domain` has a higher priority.
    fn highest_is(&self, priority: u8, domain: u8) -> bool {
        self.ready.highest_priority(domain as usize).is_none_or(|best| priority >= best)
    }

    /// The best ready thread becomes current, or none (idle). If the current domain's time is
    /// up, the next entry of the domain schedule starts first (seL4's scheduleChooseNewThread).
    fn choose_new(&mut self) {
        if DOMAIN_TIME.get() == 0 {
            next_domain();
        }
        let best = self.ready.best(CURRENT_DOMAIN.get() as usize);
        if let Some(thread) = best {
            self.dequeue(thread);
        }
        CURRENT.set(best);
    }

    /// seL4's schedule, with one borrow of the ready queues for the whole choice.
    fn choose(&mut self) {
        let (action, current) = (ACTION.get(), CURRENT.get());
        let was_runnable = current.is_some_and(is_schedulable);
        if let Some(current) = current.filter(|_| was_runnable) {
            self.enqueue(current);
        }
        match action {
            Action::SwitchTo(candidate) => {
                let candidate_priority = candidate.priority();
                let current_priority = current.map(|t| t.priority());
                let fast_fail = current_priority.is_none_or(|p| candidate_priority < p);
                if fast_fail && !self.highest_is(candidate_priority, CURRENT_DOMAIN.get()) {
                    self.enqueue(candidate);
                    self.choose_new();
                } else if was_runnable && Some(candidate_priority) == current_priority {
                    self.append(candidate);
                    self.choose_new();
                } else {
                    self.dequeue(candidate);
                    CURRENT.set(Some(candidate));
                }
            }
            _ => self.choose_new(),
        }
        ACTION.set(Action::ResumeCurrent);
    }
}

/// Whether no ready thread of the current domain has a higher priority (seL4's isHighestPrio):
/// a thread of `priority` may then run next without a scheduling decision. Out of line: the
/// fastpath asks only for a lower-priority caller, and inlined it would widen every entry.
#[inline(never)]
pub fn is_highest_ready(priority: u8) -> bool {
    SCHEDULER.borrow_mut().highest_is(priority, CURRENT_DOMAIN.get())
}

/// Puts a runnable thread at the head of its ready queue (seL4's tcbSchedEnqueue).
pub fn enqueue(thread: Handle<Tcb>) {
    SCHEDULER.borrow_mut().enqueue(thread);
}

/// Puts a runnable thread at the tail of its ready queue (seL4's tcbSchedAppend).
pub fn append(thread: Handle<Tcb>) {
    SCHEDULER.borrow_mut().append(thread);
}

/// Takes a thread out of its ready queue (seL4's tcbSchedDequeue).
pub fn dequeue(thread: Handle<Tcb>) {
    SCHEDULER.borrow_mut().dequeue(thread);
}

/// The next return to user level picks the best thread again (seL4's rescheduleRequired).
pub fn reschedule_required() {
    if let Action::SwitchTo(candidate) = ACTION.get() {
        enqueue(candidate);
    }
    ACTION.set(Action::ChooseNew);
}

/// A thread became runnable: run it now if it may preempt, else queue it (seL4's
/// possibleSwitchTo).
pub fn possible_switch_to(target: Handle<Tcb>) {
    if !has_budget_context(target) {
        return;
    }
    if target.domain() != CURRENT_DOMAIN.get() {
        enqueue(target);
    } else if ACTION.get() != Action::ResumeCurrent {
        reschedule_required();
        enqueue(target);
    } else {
        ACTION.set(Action::SwitchTo(target));
    }
}

/// Changes a thread's state, rescheduling if the current thread stops being runnable
/// (seL4's setThreadState).
pub fn set_state(thread: Handle<Tcb>, state: ThreadState) {
    thread.set_state_only(state);
    if Some(thread) == CURRENT.get() && ACTION.get() == Action::ResumeCurrent && !is_schedulable(thread) {
        reschedule_required();
    }
}

/// Changes a thread's priority and requeues it (seL4's setPriority).
#[cfg(not(feature = "mcs"))]
pub fn set_priority(thread: Handle<Tcb>, priority: u8) {
    dequeue(thread);
    thread.set_priority_only(priority);
    if thread.state().is_runnable() {
        if Some(thread) == current() {
            reschedule_required();
        } else {
            possible_switch_to(thread);
        }
    }
}

/// Changes a thread's priority (seL4's MCS setPriority). A ready thread is requeued; the caller
/// reorders a blocked thread's endpoint or notification queue.
#[cfg(feature = "mcs")]
pub fn set_priority(thread: Handle<Tcb>, priority: u8) {
    if thread.state().is_runnable() && (thread.in_ready_queue() || Some(thread) == current()) {
        dequeue(thread);
        thread.set_priority_only(priority);
        enqueue(thread);
        reschedule_required();
    } else {
        thread.set_priority_only(priority);
    }
}

/// Moves a thread to another domain (seL4's prepareSetDomain and setDomain). A thread that
/// leaves the running domain gives up the FPU now, so no later domain touches its registers.
pub fn set_domain(thread: Handle<Tcb>, domain: u8) {
    if domain != CURRENT_DOMAIN.get() && FPU_OWNER.get() == Some(thread) {
        cpu::save_fpu(thread);
        FPU_OWNER.set(None);
    }
    dequeue(thread);
    thread.set_domain_only(domain);
    if is_schedulable(thread) {
        enqueue(thread);
    }
    if Some(thread) == current() {
        reschedule_required();
    }
}

/// The next entry of the domain schedule begins (seL4's prepareNextDomain and nextDomain): the
/// FPU's registers go back to their owner, so the new domain inherits no FPU state. With time
/// protection the processor's other per-domain state is flushed too, and the new domain may
/// start only a fixed time after the tick that ended the last one.
fn next_domain() {
    if TIME_PROTECTION {
        cpu::flush_for_domain_switch(FPU_OWNER.get());
        vspace::forget_loaded();
        DOMAIN_START.set(Some(timer::last_deadline() + timer::from_us(DOMAIN_PAD_US)));
        DOMAIN_SWITCHED.set(true);
    } else if let Some(owner) = FPU_OWNER.get() {
        cpu::save_fpu(owner);
    }
    FPU_OWNER.set(None);
    let (domain, duration) = DOMAIN_SCHEDULE.borrow_mut().advance();
    CURRENT_DOMAIN.set(domain);
    DOMAIN_TIME.set(duration);
    preemption::reset();
}

/// Whether a domain switch happened since the last call (time protection only).
pub fn take_domain_switched() -> bool {
    let switched = DOMAIN_SWITCHED.get();
    DOMAIN_SWITCHED.set(false);
    switched
}

/// With time protection, the first return to user level after a domain switch waits for the
/// new domain's start time, so it starts then whatever the last domain made the kernel do.
#[inline(always)]
fn wait_for_domain_start() {
    if TIME_PROTECTION && let Some(start) = DOMAIN_START.get() {
        DOMAIN_START.set(None);
        timer::wait_until(start);
    }
}

/// DomainSet_ScheduleConfigure: sets one entry of the domain schedule.
pub fn configure_domain_schedule(index: u64, domain: u64, duration: u64) -> Result<(), ScheduleError> {
    DOMAIN_SCHEDULE.borrow_mut().configure(index, domain, duration, NUM_DOMAINS)
}

/// DomainSet_ScheduleSetStart: the schedule restarts at `index`, at once.
pub fn set_domain_schedule_start(index: u64) -> Result<(), ScheduleError> {
    DOMAIN_SCHEDULE.borrow_mut().set_start(index)?;
    DOMAIN_TIME.set(0);
    reschedule_required();
    Ok(())
}

/// A thread is being suspended or destroyed: it must not stay queued or be switched to.
pub fn forget(thread: Handle<Tcb>) {
    dequeue(thread);
    #[cfg(feature = "mcs")]
    budget::release_remove(thread);
    if ACTION.get() == Action::SwitchTo(thread) {
        ACTION.set(Action::ChooseNew);
    }
}

/// seL4_Yield: to the back of its queue, then choose again.
#[cfg(not(feature = "mcs"))]
#[inline(always)]
pub fn yield_current() {
    if let Some(current) = current() {
        let mut s = SCHEDULER.borrow_mut();
        s.dequeue(current);
        s.append(current);
        drop(s);
        reschedule_required();
    }
}

/// A timer tick: charge the running thread, round-robin at the end of its slice, and end the
/// domain's turn when its time is up (seL4's timerTick).
#[cfg(not(feature = "mcs"))]
pub fn timer_tick() {
    if let Some(current) = current().filter(|t| t.state().is_runnable()) {
        let slice = current.time_slice();
        if slice > 1 {
            current.set_time_slice(slice - 1);
        } else {
            current.set_time_slice(TIME_SLICE_TICKS);
            append(current);
            reschedule_required();
        }
    }
    if NUM_DOMAINS > 1 {
        let left = DOMAIN_TIME.get().saturating_sub(1);
        DOMAIN_TIME.set(left);
        if left == 0 {
            reschedule_required();
        }
    }
}

/// Carries out the scheduler action (seL4's schedule). Most kernel entries return to the
/// thread that entered, so that check is inline and the choice is out of line.
#[inline(always)]
pub fn schedule() {
    #[cfg(feature = "mcs")]
    budget::before_schedule();
    if ACTION.get() != Action::ResumeCurrent {
        choose();
    }
    #[cfg(feature = "mcs")]
    budget::after_schedule();
}

#[inline(never)]
fn choose() {
    SCHEDULER.borrow_mut().choose();
}

/// Makes a restarted thread re-execute its system call (seL4's activateThread).
pub fn activate(thread: Handle<Tcb>) {
    if thread.state() == ThreadState::Restart {
        thread.set_reg(crate::arch::reg::PC, thread.fault_ip());
        thread.set_state_only(ThreadState::Running);
    }
}

/// Whether `thread` holds the FPU and may use it.
#[inline(always)]
fn fpu_usable(thread: Handle<Tcb>) -> bool {
    thread.flags() & TCB_FLAG_FPU_DISABLED == 0 && FPU_OWNER.get() == Some(thread)
}

/// Lazy FPU switching: a thread that does not own the FPU runs with it off; its first FP
/// instruction traps as illegal and lands here, which hands it the FPU and retries.
/// Returns false when the trap was a real illegal instruction.
pub fn claim_fpu(thread: Handle<Tcb>) -> bool {
    let owner = FPU_OWNER.get();
    if owner == Some(thread) || thread.flags() & TCB_FLAG_FPU_DISABLED != 0 {
        return false;
    }
    cpu::switch_fpu(owner, thread);
    FPU_OWNER.set(Some(thread));
    true
}

/// Enters `thread` in user mode: its address space, its FPU access, its registers.
pub fn run(thread: Handle<Tcb>) -> ! {
    vspace::activate(thread);
    // A guest's FP instructions would trap to the guest, not here: it gets the FPU up front.
    #[cfg(feature = "hyp")]
    if crate::arch::hyp::runs_guest(thread) {
        claim_fpu(thread);
    }
    wait_for_domain_start();
    cpu::enter_user(thread, fpu_usable(thread))
}

/// As `run`, with the thread's address space root already worked out (the fastpath).
#[inline(always)]
pub fn run_in(thread: Handle<Tcb>, root: u64) -> ! {
    vspace::activate_root(thread, root);
    cpu::enter_user(thread, fpu_usable(thread))
}

/// Fastpath: `thread` (blocked until now, not queued) runs next in place of the current one.
#[inline(always)]
pub fn switch_to_unqueued(thread: Handle<Tcb>) {
    CURRENT.set(Some(thread));
}

/// A new thread exists.
pub fn register_thread(thread: Handle<Tcb>) {
    SCHEDULER.borrow_mut().all_threads.add(thread);
}

/// A thread's TCB is being destroyed. Its memory may hold a new TCB later, so nothing may keep
/// recognising this address: not the debug list, and not the address-space shortcut.
pub fn unregister_thread(thread: Handle<Tcb>) {
    SCHEDULER.borrow_mut().all_threads.remove(thread);
    vspace::forget_thread(thread);
    // A suspended thread keeps the FPU (its registers are saved when another thread claims
    // it); a destroyed one gives it up, so a new TCB at this address starts clean.
    if FPU_OWNER.get() == Some(thread) {
        FPU_OWNER.set(None);
    }
}

/// seL4_DebugDumpScheduler: one line per thread.
pub fn dump() {
    crate::kprintln!("atoll: threads (name, state, priority, current):");
    let mut node = SCHEDULER.borrow_mut().all_threads.first();
    while let Some(thread) = node {
        let marker = if Some(thread) == current() { " <- current" } else { "" };
        let state = state_name(thread.state());
        crate::kprintln!("atoll:   {:<24} {:<22} {:>3}{}", thread.name_text(), state, thread.priority(), marker);
        node = SCHEDULER.borrow_mut().all_threads.next(thread);
    }
}

fn state_name(state: ThreadState) -> &'static str {
    match state {
        ThreadState::Inactive => "inactive",
        ThreadState::Running => "running",
        ThreadState::Restart => "restart",
        ThreadState::BlockedOnReceive => "blocked on receive",
        ThreadState::BlockedOnSend => "blocked on send",
        ThreadState::BlockedOnReply => "blocked on reply",
        ThreadState::BlockedOnNotification => "blocked on notification",
    }
}
