//! MCS time: the kernel's view of now (seL4's ksCurTime), the time the running scheduling
//! context has used since it was last charged (ksConsumed), and whether the timer must be set
//! again before returning to user level (ksReprogram). Times are timebase ticks.
use crate::arch::timer;
use crate::memory::KernelWord;

static CUR_TIME: KernelWord<u64> = KernelWord::new(0);
static CONSUMED: KernelWord<u64> = KernelWord::new(0);
static REPROGRAM: KernelWord<bool> = KernelWord::new(true);

/// Time at the last kernel entry.
#[inline(always)]
pub fn now() -> u64 {
    CUR_TIME.get()
}

/// Reads the clock at a kernel entry; returns the ticks since the last entry, which are added
/// to the running context's consumption (seL4's updateTimestamp).
#[inline(always)]
pub fn update() -> u64 {
    let previous = CUR_TIME.get();
    let current = timer::now().max(previous);
    CUR_TIME.set(current);
    let elapsed = current - previous;
    CONSUMED.set(CONSUMED.get().saturating_add(elapsed));
    elapsed
}

#[inline(always)]
pub fn consumed() -> u64 {
    CONSUMED.get()
}

/// The consumption was charged (or dropped).
#[inline(always)]
pub fn clear_consumed() {
    CONSUMED.set(0);
}

pub fn request_reprogram() {
    REPROGRAM.set(true);
}

/// Whether the timer must be set again; clears the request.
#[inline(always)]
pub fn take_reprogram() -> bool {
    let reprogram = REPROGRAM.get();
    REPROGRAM.set(false);
    reprogram
}

#[inline(always)]
pub fn reprogram_pending() -> bool {
    REPROGRAM.get()
}
