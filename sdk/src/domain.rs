//! Domain invocations with libsel4's argument order (seL4_DomainSet_*).
use crate::invocation::{Failure, invoke};
use atoll_abi::InvocationLabel as L;

/// seL4_DomainSet_Set: moves thread `tcb` into scheduling domain `domain`.
pub fn set(domain_cap: u64, domain: u64, tcb: u64) -> Result<(), Failure> {
    invoke(domain_cap, L::DomainSetSet, &[domain], &[tcb]).map(|_| ())
}
