//! MCS: SchedControl and SchedContext invocations (seL4's schedcontrol.c and schedcontext.c):
//! configuring budgets and periods, binding contexts to threads and notifications, reading the
//! time used, and yielding to another context.
use crate::cspace::Cap;
use crate::error::SyscallError;
use crate::ipc::notification;
use crate::memory::{Handle, SchedContext, Tcb, ThreadState, caps};
use crate::message::{self, Message};
use crate::sched;
use atoll_abi::{CapType, InvocationLabel as L};
use atoll_kernel_core::refill::{MAX_PERIOD_US, MIN_BUDGET, MIN_BUDGET_US, MIN_REFILLS, TICKS_PER_US};

/// seL4_SchedContext_Sporadic: the context follows the sporadic-server rules when woken.
const SPORADIC_FLAG: u64 = 1;

/// A checked SchedControl_ConfigureFlags.
pub struct Configure {
    sc: Handle<SchedContext>,
    budget: u64,
    period: u64,
    max_refills: usize,
    badge: u64,
    flags: u64,
}

fn range(max: u64) -> SyscallError {
    SyscallError::RangeError { min: MIN_BUDGET_US, max }
}

/// Decodes SchedControl_ConfigureFlags (seL4's decodeSchedControl_ConfigureFlags), with its
/// checks in seL4's order. Times come in microseconds and are kept in timebase ticks.
pub fn decode_control(message: &Message, _control: Cap) -> Result<Configure, SyscallError> {
    if L::from_value(message.label) != Some(L::SchedControlConfigureFlags) {
        return Err(SyscallError::IllegalOperation);
    }
    let target = message.extra_cap(0).ok_or(SyscallError::TruncatedMessage)?;
    if message.length < 5 {
        return Err(SyscallError::TruncatedMessage);
    }
    let arg = |index| message.arg(index).unwrap_or(0);
    let (budget_us, period_us) = (arg(0), arg(1));
    if budget_us > MAX_PERIOD_US || period_us > MAX_PERIOD_US {
        return Err(range(MAX_PERIOD_US));
    }
    let (budget, period) = (budget_us * TICKS_PER_US, period_us * TICKS_PER_US);
    if budget < MIN_BUDGET || period < MIN_BUDGET {
        return Err(range(MAX_PERIOD_US));
    }
    if budget > period {
        return Err(range(period_us));
    }
    if !target.cap.is(CapType::SchedContext) {
        return Err(SyscallError::InvalidCapability { cap: 1 });
    }
    let max = Handle::<SchedContext>::max_refills_for_size(target.cap.sched_context_size_bits()) as u64;
    let extra_refills = arg(2);
    if extra_refills > max - MIN_REFILLS as u64 {
        return Err(SyscallError::RangeError { min: 0, max: max - MIN_REFILLS as u64 });
    }
    Ok(Configure {
        sc: caps::sched_context(target.cap),
        budget,
        period,
        max_refills: extra_refills as usize + MIN_REFILLS,
        badge: arg(3),
        flags: arg(4),
    })
}

/// seL4's invokeSchedControl_ConfigureFlags: the thread leaves the queues while its refills
/// change, is billed first if it is running, and is then put back where its budget allows.
pub fn invoke_control(op: Configure) {
    let Configure { sc, budget, period, max_refills, badge, flags } = op;
    let thread = sc.tcb();
    if let Some(thread) = thread {
        sched::release_remove(thread);
        sched::dequeue(thread);
        sched::commit_if_current(sc);
    }
    let now = sched::time_now();
    if budget == period {
        // Round robin: period 0 means the budget is always ready to come back.
        sc.with_refills(|r| r.configure_new(MIN_REFILLS, budget, 0, now));
    } else if sc.is_active() && thread.is_some_and(|t| t.state().is_runnable()) {
        sc.with_refills(|r| r.reconfigure(period, budget, max_refills, now));
    } else {
        sc.with_refills(|r| r.configure_new(max_refills, budget, period, now));
    }
    if let Some(thread) = thread {
        sched::resume(Some(sc));
        if thread.state().is_runnable() && Some(thread) != sched::current() {
            sched::possible_switch_to(thread);
        }
        if Some(thread) == sched::current() {
            sched::reschedule_required();
        }
    }
    sc.set_badge(badge);
    sc.set_sporadic(flags & SPORADIC_FLAG != 0);
}

/// `sc` becomes `thread`'s (seL4's schedContext_bindTCB).
pub fn bind_thread(sc: Handle<SchedContext>, thread: Handle<Tcb>) {
    thread.set_sched_context(Some(sc));
    sc.set_tcb(Some(thread));
    sched::unblock_check(Some(sc));
    sched::resume(Some(sc));
    if sched::is_schedulable(thread) {
        sched::enqueue(thread);
        sched::reschedule_required();
    }
}

/// `sc`'s thread loses it (seL4's schedContext_unbindTCB).
pub fn unbind_thread(sc: Handle<SchedContext>) {
    let Some(thread) = sc.tcb() else { return };
    if Some(thread) == sched::current() {
        sched::reschedule_required();
    }
    sched::dequeue(thread);
    sched::release_remove(thread);
    thread.set_sched_context(None);
    sc.set_tcb(None);
}

/// The context is no longer the top of a call stack (seL4's schedContext_unbindReply).
fn unbind_reply(sc: Handle<SchedContext>) {
    if let Some(reply) = sc.reply() {
        reply.set_next(crate::memory::CallLink::None);
        sc.set_reply(None);
    }
}

/// Writes the time `sc` used since last asked as `thread`'s reply (seL4's setConsumed).
fn reply_consumed(sc: Handle<SchedContext>, thread: Handle<Tcb>, write: bool) {
    let consumed = sched::take_consumed_us(sc);
    if write {
        message::reply_success(thread, &[consumed]);
    }
}

/// A thread that yielded to a context runs again: it learns what that context used (seL4's
/// schedContext_completeYieldTo).
pub fn complete_yield_to(thread: Handle<Tcb>) {
    if let Some(sc) = thread.yield_to() {
        reply_consumed(sc, thread, true);
        sched::cancel_yield_to(thread);
    }
}

/// The last cap to a scheduling context goes (seL4's finaliseCap for SchedContext caps).
pub fn finalise(sc: Handle<SchedContext>) {
    unbind_thread(sc);
    if let Some(ntfn) = sc.notification() {
        notification::unbind_sched_context(ntfn);
    }
    unbind_reply(sc);
    if let Some(yielder) = sc.yield_from() {
        complete_yield_to(yielder);
    }
    sched::forget_sched_context(sc);
    let mut ring = sc.ring();
    ring.max = 0;
    sc.set_ring(ring);
}

/// Decodes and performs a SchedContext invocation by `caller` (seL4's
/// decodeSchedContextInvocation).
pub fn decode_and_invoke(
    message: &Message,
    sc: Handle<SchedContext>,
    caller: Handle<Tcb>,
    is_call: bool,
) -> Result<(), SyscallError> {
    let illegal = SyscallError::IllegalOperation;
    match L::from_value(message.label) {
        Some(L::SchedContextConsumed) => {
            reply_consumed(sc, caller, is_call);
            sched::set_state(caller, ThreadState::Running);
        }
        Some(L::SchedContextBind) => {
            let object = message.extra_cap(0).ok_or(SyscallError::TruncatedMessage)?.cap;
            match object.cap_type() {
                CapType::Thread => {
                    let thread = caps::thread(object);
                    if sc.tcb().is_some() || thread.sched_context().is_some() {
                        return Err(illegal);
                    }
                    let blocked = thread.state().is_stopped() && thread.state() != ThreadState::Inactive;
                    if blocked && !(sc.is_active() && sched::ready_and_sufficient(sc)) {
                        return Err(illegal);
                    }
                    bind_thread(sc, thread);
                }
                CapType::Notification => {
                    let ntfn = caps::notification(object);
                    if sc.notification().is_some() || ntfn.sched_context().is_some() {
                        return Err(illegal);
                    }
                    notification::bind_sched_context(ntfn, sc);
                }
                _ => return Err(SyscallError::InvalidCapability { cap: 1 }),
            }
        }
        Some(L::SchedContextUnbindObject) => {
            let object = message.extra_cap(0).ok_or(SyscallError::TruncatedMessage)?.cap;
            match object.cap_type() {
                CapType::Thread => {
                    let thread = caps::thread(object);
                    if sc.tcb() != Some(thread) || Some(thread) == sched::current() {
                        return Err(illegal);
                    }
                    unbind_thread(sc);
                }
                CapType::Notification => {
                    let ntfn = caps::notification(object);
                    if sc.notification() != Some(ntfn) {
                        return Err(illegal);
                    }
                    notification::unbind_sched_context(ntfn);
                }
                _ => return Err(SyscallError::InvalidCapability { cap: 1 }),
            }
        }
        Some(L::SchedContextUnbind) => {
            if sc.tcb().is_some() && sc.tcb() == sched::current() {
                return Err(illegal);
            }
            unbind_thread(sc);
            if let Some(ntfn) = sc.notification() {
                notification::unbind_sched_context(ntfn);
            }
            unbind_reply(sc);
        }
        Some(L::SchedContextYieldTo) => {
            let Some(target) = sc.tcb() else { return Err(illegal) };
            if target == caller || target.priority() > caller.max_controlled_priority() || caller.yield_to().is_some() {
                return Err(illegal);
            }
            yield_to(sc, caller, is_call);
        }
        _ => return Err(illegal),
    }
    Ok(())
}

/// seL4's invokeSchedContext_YieldTo: a lower-priority target just moves to the front of its
/// queue; otherwise the caller lets the target run first and learns its consumption after.
fn yield_to(sc: Handle<SchedContext>, caller: Handle<Tcb>, is_call: bool) {
    if let Some(yielder) = sc.yield_from() {
        complete_yield_to(yielder);
    }
    sched::resume(Some(sc));
    let Some(target) = sc.tcb() else { return };
    let mut return_now = true;
    if sched::is_schedulable(target) {
        if target.priority() < caller.priority() {
            sched::dequeue(target);
            sched::enqueue(target);
        } else {
            caller.set_yield_to(Some(sc));
            sc.set_yield_from(Some(caller));
            sched::dequeue(target);
            sched::enqueue(caller);
            sched::enqueue(target);
            sched::reschedule_required();
            return_now = false;
        }
    }
    if return_now {
        reply_consumed(sc, caller, is_call);
        sched::set_state(caller, ThreadState::Running);
    }
}
