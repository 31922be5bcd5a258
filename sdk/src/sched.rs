//! MCS scheduling: SchedControl and SchedContext invocations with libsel4's argument order
//! (seL4_SchedControl_ConfigureFlags, seL4_SchedContext_*). Times are in microseconds.
use crate::invocation::{Failure, invoke};
use atoll_abi::InvocationLabel as L;

/// seL4_SchedContext_Sporadic: refills follow the sporadic-server rules when the thread wakes.
pub const SPORADIC: u64 = 1;

/// seL4_SchedControl_ConfigureFlags: `sched_context` may run `budget_us` in every `period_us`
/// (round robin when they are equal), with room for `extra_refills` more refills, and reports
/// `badge` in its timeout faults.
pub fn configure_flags(
    control: u64,
    sched_context: u64,
    budget_us: u64,
    period_us: u64,
    extra_refills: u64,
    badge: u64,
    flags: u64,
) -> Result<(), Failure> {
    let mrs = [budget_us, period_us, extra_refills, badge, flags];
    invoke(control, L::SchedControlConfigureFlags, &mrs, &[sched_context]).map(|_| ())
}

/// seL4_SchedContext_Bind: to a thread or a notification.
pub fn bind(sched_context: u64, object: u64) -> Result<(), Failure> {
    invoke(sched_context, L::SchedContextBind, &[], &[object]).map(|_| ())
}

/// seL4_SchedContext_Unbind: from its thread, notification and call stack.
pub fn unbind(sched_context: u64) -> Result<(), Failure> {
    invoke(sched_context, L::SchedContextUnbind, &[], &[]).map(|_| ())
}

/// seL4_SchedContext_UnbindObject: from this thread or notification.
pub fn unbind_object(sched_context: u64, object: u64) -> Result<(), Failure> {
    invoke(sched_context, L::SchedContextUnbindObject, &[], &[object]).map(|_| ())
}

/// seL4_SchedContext_Consumed: microseconds used since last asked.
pub fn consumed(sched_context: u64) -> Result<u64, Failure> {
    invoke(sched_context, L::SchedContextConsumed, &[], &[]).map(|reply| reply.mrs[0])
}

/// seL4_SchedContext_YieldTo: lets the context's thread run first if it may; returns what the
/// context consumed.
pub fn yield_to(sched_context: u64) -> Result<u64, Failure> {
    invoke(sched_context, L::SchedContextYieldTo, &[], &[]).map(|reply| reply.mrs[0])
}
