//! Preemption points: long operations (revoke, delete, untyped reset) stop and restart the system
//! call when an interrupt is pending, so no kernel entry runs unbounded (seL4's preemptionPoint).
use crate::arch::riscv64::csr;
use crate::invocation::Interrupted;
use crate::kmem::KernelCell;

/// seL4's CONFIG_MAX_NUM_WORK_UNITS_PER_PREEMPTION.
const WORK_UNITS_PER_CHECK: u32 = 100;

static WORK_UNITS: KernelCell<u32> = KernelCell::new(0);

/// Counts one unit of work; every hundred units, gives way if an interrupt is pending.
pub fn point() -> Result<(), Interrupted> {
    let mut units = WORK_UNITS.borrow_mut();
    *units += 1;
    if *units < WORK_UNITS_PER_CHECK {
        return Ok(());
    }
    *units = 0;
    if csr::sip() & (csr::TIMER_INTERRUPT | csr::EXTERNAL_INTERRUPT) != 0 {
        Err(Interrupted::Preempted)
    } else {
        Ok(())
    }
}

/// A new kernel entry starts counting afresh.
pub fn reset() {
    *WORK_UNITS.borrow_mut() = 0;
}
