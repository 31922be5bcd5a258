//! Preemption points: long operations (revoke, delete, untyped reset) stop and restart the system
//! call when an interrupt is pending, so no kernel entry runs unbounded (seL4's preemptionPoint).
use crate::arch::cpu;
use crate::error::Interrupted;
use crate::memory::KernelWord;

/// seL4's CONFIG_MAX_NUM_WORK_UNITS_PER_PREEMPTION.
const WORK_UNITS_PER_CHECK: u64 = 100;

static WORK_UNITS: KernelWord = KernelWord::new(0);

/// Counts one unit of work; every hundred units, gives way if an interrupt is pending.
pub fn point() -> Result<(), Interrupted> {
    let units = WORK_UNITS.get() + 1;
    WORK_UNITS.set(units);
    if units < WORK_UNITS_PER_CHECK {
        return Ok(());
    }
    WORK_UNITS.set(0);
    if cpu::interrupt_pending() { Err(Interrupted::Preempted) } else { Ok(()) }
}

/// A new kernel entry starts counting afresh.
pub fn reset() {
    WORK_UNITS.set(0);
}
