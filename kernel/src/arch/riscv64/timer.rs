//! The kernel tick: the supervisor timer through SBI, every `config::TIMER_TICK_MS`, on a fixed
//! grid of deadlines so that ticks do not drift with how late the kernel takes them.
use super::{csr, platform};
use crate::memory::KernelWord;

/// The deadline of the tick most recently taken, and of the next one.
static LAST_DEADLINE: KernelWord<u64> = KernelWord::new(0);
static NEXT_DEADLINE: KernelWord<u64> = KernelWord::new(0);

fn tick() -> u64 {
    platform::timebase_hz().saturating_mul(crate::config::TIMER_TICK_MS) / 1000
}

/// Starts the periodic kernel tick and lets the timer and the PLIC interrupt user mode. With
/// MCS there is no tick: the scheduler sets each deadline (`set_deadline`).
pub fn start() {
    csr::write_sie(csr::TIMER_INTERRUPT | csr::EXTERNAL_INTERRUPT);
    if cfg!(feature = "mcs") {
        atoll_sbi::set_timer(u64::MAX);
        return;
    }
    let now = csr::time();
    LAST_DEADLINE.set(now);
    NEXT_DEADLINE.set(now + tick());
    atoll_sbi::set_timer(NEXT_DEADLINE.get());
}

/// A tick was taken: programs the next grid point after now (skipping any already missed).
#[cfg(not(feature = "mcs"))]
pub fn rearm() {
    let (tick, now, due) = (tick().max(1), csr::time(), NEXT_DEADLINE.get());
    let next = if now < due { due } else { due + tick * ((now - due) / tick + 1) };
    LAST_DEADLINE.set(next - tick);
    NEXT_DEADLINE.set(next);
    atoll_sbi::set_timer(next);
}

/// The timebase now (10 MHz on QEMU `virt`).
#[cfg(feature = "mcs")]
#[inline(always)]
pub fn now() -> u64 {
    csr::time()
}

/// One-shot: the timer interrupt comes at `deadline` (at once if it has passed), and a pending
/// one is cleared.
#[cfg(feature = "mcs")]
pub fn set_deadline(deadline: u64) {
    atoll_sbi::set_timer(deadline);
}

/// The deadline of the tick most recently taken.
pub fn last_deadline() -> u64 {
    LAST_DEADLINE.get()
}

/// Timebase ticks in `us` microseconds.
pub fn from_us(us: u64) -> u64 {
    platform::timebase_hz().saturating_mul(us) / 1_000_000
}

/// Waits, with nothing but the timer able to end the wait, until the timebase reaches
/// `deadline`, then restores the tick, and then spins to a fixed cycle after the deadline, so
/// what runs next starts at the same cycle whatever ran before.
///
/// The timer alone is not exact: QEMU raises it at the deadline plus the phase, within one
/// timebase tick, at which it was set. The spin ends at the cycle that starts the timebase tick
/// after the deadline plus a margin for the code in between, with `platform::cycles_per_tick`
/// cycles per timebase tick (exact under QEMU's `-icount shift=0`, where a cycle is one
/// instruction and one nanosecond).
pub fn wait_until(deadline: u64) {
    if csr::time() >= deadline {
        return;
    }
    csr::write_sie(csr::TIMER_INTERRUPT);
    atoll_sbi::set_timer(deadline);
    while csr::time() < deadline {
        csr::wait_for_interrupt();
    }
    const MARGIN_CYCLES: u64 = 2000;
    // Where cycles and the timebase are not tied as the platform says (no icount, or real
    // hardware), the target means nothing: never spin more than two timebase ticks' worth of
    // cycles (plus the margin) past the wake.
    let per_tick = platform::cycles_per_tick();
    let bound = csr::cycle().saturating_add(2 * per_tick + MARGIN_CYCLES);
    spin_until_cycle(((deadline + 1) * per_tick + MARGIN_CYCLES).min(bound));
    // Set from the exact cycle, so the next tick (QEMU adds the phase at which a timer is set)
    // comes at the same cycle too.
    atoll_sbi::set_timer(NEXT_DEADLINE.get());
    csr::write_sie(csr::TIMER_INTERRUPT | csr::EXTERNAL_INTERRUPT);
}

/// Spins until the cycle counter reaches `target`, and leaves at the same cycle whichever of
/// the loop's two instructions it was at when the target came: a read one past the target
/// skips one instruction.
fn spin_until_cycle(target: u64) {
    // SAFETY: reads the cycle counter and compares; no memory is touched.
    unsafe {
        core::arch::asm!(
            "1:",
            "rdcycle {c}",
            "bltu {c}, {t}, 1b",
            "sub {c}, {c}, {t}",
            "bnez {c}, 2f",
            "nop",
            "2:",
            c = out(reg) _,
            t = in(reg) target,
            options(nomem, nostack),
        );
    }
}
