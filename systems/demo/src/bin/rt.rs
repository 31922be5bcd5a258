//! A periodic real-time PD: a short job every period on its MCS budget, beside a Linux guest
//! and its VMM at lower priorities. It checks that every job ends within its period (its
//! deadline) and reports how late releases came and how many deadlines were missed.
#![no_std]
#![no_main]

use atoll_demo_system::{Ring, RingWriter, builder_variable};
use atoll_pd::{Channel, Handler, notify};
use core::fmt::Write;

/// The period and budget the system description gives this PD (microseconds).
const PERIOD_US: u64 = 10_000;
/// The job: this much work in every period, well inside the 1 ms budget.
const JOB_US: u64 = 200;
/// `time` ticks per microsecond (QEMU virt's 10 MHz timebase).
const TICKS_PER_US: u64 = 10;
/// A report line every this many periods.
const REPORT_EVERY: u64 = 50;
/// The UART driver, which prints the log ring's lines between the guest's.
const UART_DRIVER: Channel = 1;

#[unsafe(no_mangle)]
static mut log_ring: u64 = 0;

fn now() -> u64 {
    let ticks: u64;
    // SAFETY: reading the time CSR (user level may: the kernel sets scounteren.TM).
    unsafe { core::arch::asm!("rdtime {0}", out(reg) ticks, options(nomem, nostack)) };
    ticks
}

struct Rt;

impl Handler for Rt {
    fn notified(&mut self, _: Channel) {}
}

fn init() -> Rt {
    let period = PERIOD_US * TICKS_PER_US;
    let mut log = RingWriter(Ring::at(builder_variable!(log_ring)));
    let (mut missed, mut worst_late, mut worst_response) = (0u64, 0u64, 0u64);
    let mut previous_start: Option<u64> = None;
    let mut job = 0u64;
    loop {
        let start = now();
        // Microkit's scheduling contexts keep constant bandwidth: a job's refill starts when it
        // is switched to, so the next release is one period after this job's start.
        let release = previous_start.map_or(start, |previous| previous + period);
        while now() < start + JOB_US * TICKS_PER_US {}
        let end = now();
        worst_late = worst_late.max(start.saturating_sub(release));
        worst_response = worst_response.max(end.saturating_sub(release));
        if end > release + period {
            missed += 1;
        }
        previous_start = Some(start);
        job += 1;
        if job.is_multiple_of(REPORT_EVERY) {
            let _ = writeln!(
                log,
                "rt: {job} periods of {PERIOD_US} us, {missed} deadlines missed, worst release lateness {} us, \
                 worst response {} us",
                worst_late / TICKS_PER_US,
                worst_response / TICKS_PER_US
            );
            notify(UART_DRIVER);
        }
        // MCS: the rest of this period's budget is given up; the next job starts at the refill.
        atoll_sdk::syscall::yield_now();
    }
}

atoll_pd::protection_domain!(init);
