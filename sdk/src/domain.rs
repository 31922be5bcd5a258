//! Domain invocations with libsel4's argument order (seL4_DomainSet_*).
use crate::invocation::{Failure, invoke};
use atoll_abi::InvocationLabel as L;

/// seL4_DomainSet_Set: moves thread `tcb` into scheduling domain `domain`.
pub fn set(domain_cap: u64, domain: u64, tcb: u64) -> Result<(), Failure> {
    invoke(domain_cap, L::DomainSetSet, &[domain], &[tcb]).map(|_| ())
}

/// seL4_DomainSet_ScheduleConfigure (seL4 16.0.0): entry `index` of the domain schedule runs
/// `domain` for `duration` (kernel ticks; timebase ticks with MCS). Domain 0 with duration 0
/// is an end marker: the schedule restarts at its start entry there.
pub fn schedule_configure(domain_cap: u64, index: u64, domain: u64, duration: u64) -> Result<(), Failure> {
    invoke(domain_cap, L::DomainScheduleConfigure, &[index, domain, duration], &[]).map(|_| ())
}

/// seL4_DomainSet_ScheduleSetStart (seL4 16.0.0): the domain schedule restarts at entry
/// `index`, at once.
pub fn schedule_set_start(domain_cap: u64, index: u64) -> Result<(), Failure> {
    invoke(domain_cap, L::DomainScheduleSetStart, &[index], &[]).map(|_| ())
}
