//! MCS budgets: charging the running scheduling context, ending its slice, the release queue of
//! threads waiting for their next refill, donation, and the one-shot timer (seL4's checkBudget,
//! chargeBudget, commitTime, endTimeslice, postpone, awaken, switchSchedContext,
//! setNextInterrupt, schedContext_resume and schedContext_donate).
use super::{ACTION, Action, DOMAIN_TIME, clock, current, dequeue, possible_switch_to, reschedule_required};
use crate::arch::timer;
use crate::config::NUM_DOMAINS;
use crate::memory::{Handle, KernelCell, KernelWord, ReleaseQueue, SchedContext, Tcb, slot};
use atoll_abi::CapType;
use atoll_kernel_core::refill::MIN_BUDGET;

static RELEASE: KernelCell<ReleaseQueue> = KernelCell::new(ReleaseQueue::new());
/// The scheduling context the running thread's time is charged to (seL4's ksCurSC); None
/// while idle, when time is charged to nobody.
static CUR_SC: KernelWord<Option<Handle<SchedContext>>> = KernelWord::new(None);

/// How early the timer is set, for the time it takes to enter the kernel (seL4's
/// getTimerPrecision: one microsecond).
const TIMER_PRECISION: u64 = 10;

/// What the budget check at a kernel entry found.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum BudgetCheck {
    /// The running context has budget for this entry.
    Sufficient,
    /// Its slice ended (or the domain's turn did); the entry's work waits.
    Exhausted,
    /// Its slice ended and its thread has a timeout handler, which must be told.
    TimeoutFault(Handle<Tcb>),
}

/// Boot: the clock starts now, with nothing consumed.
pub fn start_clock() {
    clock::update();
    clock::clear_consumed();
}

/// The time at the last kernel entry.
pub fn time_now() -> u64 {
    clock::now()
}

/// Reads the clock at a kernel entry and counts the time against the domain's turn (seL4's
/// updateTimestamp).
pub fn update_timestamp() {
    let elapsed = clock::update();
    if NUM_DOMAINS > 1 {
        let left = DOMAIN_TIME.get();
        DOMAIN_TIME.set(if elapsed.saturating_add(MIN_BUDGET) >= left { 0 } else { left - elapsed });
    }
}

fn domain_expired() -> bool {
    NUM_DOMAINS > 1 && DOMAIN_TIME.get() == 0
}

fn ready_time(thread: Handle<Tcb>) -> u64 {
    thread.sched_context().map_or(u64::MAX, |sc| sc.head_refill().time)
}

/// Whether the context's head refill can be used now.
pub fn ready_and_sufficient(sc: Handle<SchedContext>) -> bool {
    let now = clock::now();
    sc.with_refills(|r| r.ready(now) && r.sufficient(0))
}

/// Puts a thread whose context has no budget now into the release queue (tcbReleaseEnqueue).
fn release_enqueue(thread: Handle<Tcb>) {
    if thread.in_release_queue() {
        return;
    }
    if RELEASE.borrow_mut().insert(thread, ready_time) {
        clock::request_reprogram();
    }
    thread.set_in_release_queue(true);
}

/// Takes a thread out of the release queue, if it is there (seL4's tcbReleaseRemove).
pub fn release_remove(thread: Handle<Tcb>) {
    if thread.in_release_queue() {
        let mut queue = RELEASE.borrow_mut();
        if queue.head() == Some(thread) {
            clock::request_reprogram();
        }
        queue.remove(thread);
        thread.set_in_release_queue(false);
    }
}

/// The context's thread waits for its next refill (seL4's postpone).
pub fn postpone(sc: Handle<SchedContext>) {
    if let Some(thread) = sc.tcb() {
        dequeue(thread);
        release_enqueue(thread);
        clock::request_reprogram();
    }
}

/// A context whose thread may run is checked for budget; without it the thread waits in the
/// release queue (seL4's schedContext_resume).
pub fn resume(sc: Option<Handle<SchedContext>>) {
    let Some(sc) = sc else { return };
    if let Some(thread) = sc.tcb()
        && super::is_schedulable(thread)
        && !ready_and_sufficient(sc)
    {
        postpone(sc);
    }
}

/// A sporadic context not now running is unblocked: a ready head starts now (seL4's
/// refill_unblock_check under `sc_sporadic && sc != ksCurSC`).
pub fn unblock_check(sc: Option<Handle<SchedContext>>) {
    let Some(sc) = sc else { return };
    if sc.sporadic() && sc.is_active() && Some(sc) != CUR_SC.get() {
        let now = clock::now();
        if sc.with_refills(|r| r.unblock_check(now)) {
            clock::request_reprogram();
        }
    }
}

/// `sc` now runs `to` (seL4's schedContext_donate): its old thread loses it.
pub fn donate(sc: Handle<SchedContext>, to: Handle<Tcb>) {
    if let Some(from) = sc.tcb() {
        dequeue(from);
        release_remove(from);
        from.set_sched_context(None);
        if Some(from) == current() || ACTION.get() == Action::SwitchTo(from) {
            reschedule_required();
        }
    }
    sc.set_tcb(Some(to));
    to.set_sched_context(Some(sc));
}

/// A scheduling context is being destroyed or emptied: time is no longer charged to it.
pub fn forget_sched_context(sc: Handle<SchedContext>) {
    if CUR_SC.get() == Some(sc) {
        clock::clear_consumed();
        CUR_SC.set(None);
        clock::request_reprogram();
    }
}

/// Charges the time used so far to the running context, which must still have budget for it
/// (seL4's commitTime).
fn commit_time() {
    let consumed = clock::consumed();
    if let Some(sc) = CUR_SC.get().filter(|sc| sc.is_active())
        && consumed > 0
    {
        sc.with_refills(|r| if r.is_round_robin() { r.round_robin_use(consumed) } else { r.charge(consumed) });
        sc.set_consumed(sc.consumed().saturating_add(consumed));
    }
    clock::clear_consumed();
}

/// Before SchedControl reconfigures the running context: bill what it used (seL4's
/// checkBudget and commitTime in invokeSchedControl_ConfigureFlags).
pub fn commit_if_current(sc: Handle<SchedContext>) {
    if CUR_SC.get() == Some(sc) {
        let consumed = clock::consumed();
        if sc.with_refills(|r| r.sufficient(consumed)) {
            commit_time();
        } else {
            clock::clear_consumed();
        }
    }
}

/// Whether the thread has a timeout handler (seL4's validTimeoutHandler).
pub fn has_timeout_handler(thread: Handle<Tcb>) -> bool {
    thread.slot(slot::TIMEOUT_HANDLER).cap().is(CapType::Endpoint)
}

/// The running context's slice ended (seL4's chargeBudget and endTimeslice): its budget is
/// charged, and its thread goes to the back of its queue, waits for its next refill, or (when
/// `can_timeout_fault` and it has a handler) is reported to its timeout handler.
fn charge_budget(consumed: u64, can_timeout_fault: bool) -> Option<Handle<Tcb>> {
    if let Some(sc) = CUR_SC.get().filter(|sc| sc.is_active()) {
        sc.with_refills(|r| if r.is_round_robin() { r.round_robin_refill() } else { r.charge(consumed) });
        sc.set_consumed(sc.consumed().saturating_add(consumed));
    }
    clock::clear_consumed();
    let thread = current().filter(|&t| super::is_schedulable(t))?;
    let sc = thread.sched_context()?;
    let mut timeout = None;
    if can_timeout_fault && !sc.is_round_robin() && has_timeout_handler(thread) {
        timeout = Some(thread);
    } else if ready_and_sufficient(sc) {
        super::append(thread);
    } else {
        postpone(sc);
    }
    reschedule_required();
    clock::request_reprogram();
    timeout
}

/// Whether the running context still has budget for this kernel entry (seL4's checkBudget).
pub fn check_budget() -> BudgetCheck {
    let Some(sc) = CUR_SC.get().filter(|sc| sc.is_active()) else {
        // Idle time, or a context that was destroyed: nobody to charge.
        clock::clear_consumed();
        return if domain_expired() { BudgetCheck::Exhausted } else { BudgetCheck::Sufficient };
    };
    let consumed = clock::consumed();
    if sc.with_refills(|r| r.sufficient(consumed)) {
        return if domain_expired() { BudgetCheck::Exhausted } else { BudgetCheck::Sufficient };
    }
    match charge_budget(consumed, true) {
        Some(thread) => BudgetCheck::TimeoutFault(thread),
        None => BudgetCheck::Exhausted,
    }
}

/// seL4_Yield with MCS: the rest of the head refill is given up (seL4's handleYield).
pub fn charge_yield() {
    let Some(sc) = CUR_SC.get().filter(|sc| sc.is_active()) else { return };
    let consumed = sc.consumed().saturating_add(clock::consumed());
    let head = sc.head_refill().amount;
    charge_budget(head, false);
    sc.set_consumed(consumed);
}

/// Threads whose refill time has come leave the release queue (seL4's awaken); and a domain
/// whose time is up ends (checkDomainTime).
pub(super) fn before_schedule() {
    let now = clock::now();
    loop {
        let head = RELEASE.borrow_mut().head();
        let Some(thread) = head.filter(|&t| ready_time(t) <= now) else { break };
        release_remove(thread);
        possible_switch_to(thread);
    }
    if domain_expired() {
        clock::request_reprogram();
        reschedule_required();
    }
}

/// The chosen thread's context becomes the one charged, and the timer is set for whatever
/// comes first: its budget running out, the next release, the end of the domain's turn
/// (seL4's switchSchedContext and setNextInterrupt).
pub(super) fn after_schedule() {
    let next_sc = current().and_then(|t| t.sched_context());
    if next_sc != CUR_SC.get() {
        clock::request_reprogram();
        if let Some(sc) = next_sc.filter(|sc| !sc.sporadic() && sc.is_active()) {
            let now = clock::now();
            sc.with_refills(|r| r.unblock_check(now));
        }
    }
    if clock::reprogram_pending() {
        commit_time();
    }
    CUR_SC.set(next_sc);
    if clock::take_reprogram() {
        set_next_interrupt();
    }
}

fn set_next_interrupt() {
    let now = clock::now();
    let mut next = u64::MAX;
    if let Some(sc) = CUR_SC.get().filter(|sc| sc.is_active()) {
        next = now.saturating_add(sc.head_refill().amount);
    }
    if NUM_DOMAINS > 1 {
        next = next.min(now.saturating_add(DOMAIN_TIME.get()));
    }
    if let Some(thread) = RELEASE.borrow_mut().head() {
        next = next.min(ready_time(thread));
    }
    timer::set_deadline(next.saturating_sub(TIMER_PRECISION));
}

/// The time the context ran since last asked, in microseconds, and the count starts again
/// (seL4's schedContext_updateConsumed).
pub fn take_consumed_us(sc: Handle<SchedContext>) -> u64 {
    let consumed = sc.consumed();
    sc.set_consumed(0);
    consumed / atoll_kernel_core::refill::TICKS_PER_US
}

/// The thread stops yielding to a context (seL4's schedContext_cancelYieldTo).
pub fn cancel_yield_to(thread: Handle<Tcb>) {
    if let Some(sc) = thread.yield_to() {
        sc.set_yield_from(None);
        thread.set_yield_to(None);
    }
}
