//! The kernel tick: the supervisor timer through SBI, every `config::TIMER_TICK_MS`.
use super::{csr, platform};

/// Starts the periodic kernel tick and lets the timer and the PLIC interrupt user mode.
pub fn start() {
    csr::write_sie(csr::TIMER_INTERRUPT | csr::EXTERNAL_INTERRUPT);
    rearm();
}

/// Programs the next tick.
pub fn rearm() {
    let tick = platform::timebase_hz().saturating_mul(crate::config::TIMER_TICK_MS) / 1000;
    atoll_sbi::set_timer(csr::time() + tick);
}
