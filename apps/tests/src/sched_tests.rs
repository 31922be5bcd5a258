//! Scheduling (sel4test's SCHED area): strict priorities, preemption by a woken or
//! re-prioritised thread, round robin on Yield, timer preemption within a priority.
use crate::framework::{Outcome, Test};
use crate::support::{done, new_helper, new_object, park, spawn, start, stop, wait_done};
use crate::{check, check_eq, check_ok};
use atoll_sdk::abi::{ObjectType, slots};
use atoll_sdk::{BootInfo, syscall, tcb};
use core::sync::atomic::{AtomicU64, Ordering};

pub const TESTS: &[Test] = &[
    Test { name: "sched::higher_priority_ready_threads_run_first", run: higher_priority_ready_threads_run_first },
    Test { name: "sched::woken_higher_priority_thread_preempts_signaller", run: woken_higher_priority_thread_preempts },
    Test {
        name: "sched::resumed_higher_priority_thread_runs_at_once",
        run: resumed_higher_priority_thread_runs_at_once,
    },
    Test { name: "sched::raised_priority_preempts_caller", run: raised_priority_preempts_caller },
    Test { name: "sched::lowering_own_priority_yields_to_higher", run: lowering_own_priority_yields_to_higher },
    Test { name: "sched::resume_of_self_or_running_thread_is_a_noop", run: resume_of_self_is_a_noop },
    Test { name: "sched::yield_round_robins_equal_priorities", run: yield_round_robins_equal_priorities },
    Test { name: "sched::timer_preempts_equal_priority_spinners", run: timer_preempts_equal_priority_spinners },
];

const ROOT_PRIORITY: u64 = 255;

/// An ordered log of small tags written by several threads.
static LOG: [AtomicU64; 64] = [const { AtomicU64::new(0) }; 64];
static LOG_LENGTH: AtomicU64 = AtomicU64::new(0);

fn clear_log() {
    LOG.iter().for_each(|word| word.store(0, Ordering::SeqCst));
    LOG_LENGTH.store(0, Ordering::SeqCst);
}

fn log(tag: u64) {
    let index = LOG_LENGTH.fetch_add(1, Ordering::SeqCst) as usize;
    if index < LOG.len() {
        LOG[index].store(tag, Ordering::SeqCst);
    }
}

fn logged() -> ([u64; 64], usize) {
    let length = (LOG_LENGTH.load(Ordering::SeqCst) as usize).min(LOG.len());
    (core::array::from_fn(|index| LOG[index].load(Ordering::SeqCst)), length)
}

static COUNTERS: [AtomicU64; 4] = [const { AtomicU64::new(0) }; 4];

fn counter(index: usize) -> u64 {
    COUNTERS[index].load(Ordering::SeqCst)
}

fn clear_counters() {
    COUNTERS.iter().for_each(|word| word.store(0, Ordering::SeqCst));
}

/// Runs `body` with the root task at `priority`, then puts it back at 255 whatever happened.
fn at_priority(priority: u64, body: impl FnOnce() -> Outcome) -> Outcome {
    check_ok!(tcb::set_priority(slots::CAP_INIT_THREAD_TCB, slots::CAP_INIT_THREAD_TCB, priority));
    let outcome = body();
    check_ok!(tcb::set_priority(slots::CAP_INIT_THREAD_TCB, slots::CAP_INIT_THREAD_TCB, ROOT_PRIORITY));
    outcome
}

/// Logs the tag in the low 16 bits; reports if bit 16 is set; parks.
extern "C" fn log_tag(arg: u64) -> ! {
    log(arg & 0xffff);
    if arg & 1 << 16 != 0 {
        done();
    }
    park()
}

const REPORT: u64 = 1 << 16;

fn higher_priority_ready_threads_run_first(_: &'static BootInfo) -> Outcome {
    clear_log();
    // Started lowest first, all below us: none runs until we block. Then the highest runs
    // first; the lowest reports, which wakes us (we preempt it at once).
    let helpers = [
        spawn(50, 0, log_tag, 50 | REPORT),
        spawn(150, 0, log_tag, 150),
        spawn(100, 0, log_tag, 100),
        spawn(254, 0, log_tag, 254),
    ];
    check_eq!(logged().1, 0);
    wait_done();
    let (entries, length) = logged();
    check_eq!(&entries[..length], &[254u64, 150, 100, 50][..]);
    helpers.into_iter().for_each(stop);
    Ok(())
}

/// Counts in COUNTERS[arg & 3] each time the notification in `arg >> 8` is signalled.
extern "C" fn count_signals(arg: u64) -> ! {
    let notification = arg >> 8;
    loop {
        syscall::wait(notification);
        COUNTERS[(arg & 3) as usize].fetch_add(1, Ordering::SeqCst);
    }
}

fn woken_higher_priority_thread_preempts(_: &'static BootInfo) -> Outcome {
    clear_counters();
    let high = new_object(ObjectType::Notification, 0);
    let low = new_object(ObjectType::Notification, 0);
    let mut helpers = [None, None];
    let outcome = at_priority(200, || {
        // Higher than us: it runs as soon as it is started and blocks on the notification.
        helpers[0] = Some(spawn(254, 0, count_signals, high << 8));
        check_eq!(counter(0), 0);
        for round in 1..=5 {
            syscall::signal(high);
            // The woken thread has run before Signal returned to us.
            check_eq!(counter(0), round);
        }
        // Lower than us: it has not even run to its Wait, and signalling it changes nothing.
        helpers[1] = Some(spawn(100, 0, count_signals, low << 8 | 1));
        syscall::signal(low);
        syscall::yield_now();
        check_eq!(counter(1), 0);
        Ok(())
    });
    helpers.into_iter().flatten().for_each(stop);
    outcome
}

/// Records its argument in COUNTERS[3], reports and parks.
extern "C" fn record(arg: u64) -> ! {
    COUNTERS[3].store(arg, Ordering::SeqCst);
    done();
    park()
}

fn resumed_higher_priority_thread_runs_at_once(_: &'static BootInfo) -> Outcome {
    clear_counters();
    let mut helpers = [None, None];
    let outcome = at_priority(200, || {
        // Equal to us: it waits for its turn.
        helpers[0] = Some(spawn(200, 0, record, 7));
        check_eq!(counter(3), 0);
        syscall::yield_now();
        check_eq!(counter(3), 7);
        wait_done();
        // Higher: it runs before the Resume (WriteRegisters with resume) returns.
        let helper = new_helper(201, 0);
        helpers[1] = Some(helper);
        start(&helper, record, 8);
        check_eq!(counter(3), 8);
        wait_done();
        Ok(())
    });
    helpers.into_iter().flatten().for_each(stop);
    outcome
}

fn raised_priority_preempts_caller(_: &'static BootInfo) -> Outcome {
    clear_counters();
    let mut helpers = [None];
    let outcome = at_priority(200, || {
        let helper = spawn(100, 0, record, 9);
        helpers[0] = Some(helper);
        syscall::yield_now();
        check_eq!(counter(3), 0);
        check_ok!(tcb::set_priority(helper.tcb, slots::CAP_INIT_THREAD_TCB, 201));
        check_eq!(counter(3), 9);
        wait_done();
        Ok(())
    });
    helpers.into_iter().flatten().for_each(stop);
    outcome
}

fn lowering_own_priority_yields_to_higher(_: &'static BootInfo) -> Outcome {
    clear_counters();
    let helper = spawn(150, 0, record, 10);
    syscall::yield_now();
    check_eq!(counter(3), 0);
    let outcome = at_priority(100, || {
        // By the time SetPriority returns to us, the helper (now higher) has run and parked.
        check_eq!(counter(3), 10);
        wait_done();
        Ok(())
    });
    stop(helper);
    outcome
}

fn resume_of_self_is_a_noop(_: &'static BootInfo) -> Outcome {
    // sel4test SCHED0002: Resume on the running thread itself succeeds and changes nothing.
    check_ok!(tcb::resume(slots::CAP_INIT_THREAD_TCB));
    clear_counters();
    let helper = spawn(100, 0, record, 12);
    // A Resume of a thread that is already runnable does not run it either.
    check_ok!(tcb::resume(helper.tcb));
    check_ok!(tcb::resume(slots::CAP_INIT_THREAD_TCB));
    check_eq!(counter(3), 0);
    wait_done();
    check_eq!(counter(3), 12);
    stop(helper);
    Ok(())
}

/// Logs its tag and yields, for ever.
extern "C" fn log_and_yield(tag: u64) -> ! {
    loop {
        log(tag);
        syscall::yield_now();
    }
}

const ROUNDS: usize = 12;

/// Two helpers at our priority log their tags (1 and 2) and yield, while we log 3 and yield,
/// ROUNDS times.
fn round_robin_log() -> ([u64; 64], usize) {
    clear_log();
    let helpers = [spawn(255, 0, log_and_yield, 1), spawn(255, 0, log_and_yield, 2)];
    for _ in 0..ROUNDS {
        log(3);
        syscall::yield_now();
    }
    helpers.into_iter().for_each(stop);
    logged()
}

fn yield_round_robins_equal_priorities(_: &'static BootInfo) -> Outcome {
    // Each Yield moves the caller to the tail of its queue, so the three threads take strict
    // turns. Without MCS a resumed thread is enqueued at the head of its ready queue (behind us,
    // as we keep running), so 2, started last, is ahead of 1. With MCS restart only offers the
    // thread to the scheduler, which appends an equal-priority one: 1 stays ahead of 2.
    let order = if cfg!(feature = "mcs") { [3, 1, 2] } else { [3, 2, 1] };
    let expected: [u64; 3 * ROUNDS] = core::array::from_fn(|index| order[index % 3]);
    // A time slice running out (it is not refilled by yielding) also sends a thread to the
    // tail, which can shift one round; such a run is measured again.
    let mut last = ([0; 64], 0);
    for _ in 0..3 {
        last = round_robin_log();
        if last.0[..last.1] == expected[..] {
            return Ok(());
        }
    }
    check_eq!(&last.0[..last.1], &expected[..]);
    Ok(())
}

static SPIN_FLAG: AtomicU64 = AtomicU64::new(0);
const SPIN_TARGET: u64 = 10_000;
const SPIN_LIMIT: u64 = 40_000_000;

/// Counts in COUNTERS[index] without ever yielding; the first to see both counters past the
/// target (or its own past the limit, which means the other never got to run) reports.
extern "C" fn spin(index: u64) -> ! {
    let index = index as usize;
    loop {
        let mine = COUNTERS[index].fetch_add(1, Ordering::SeqCst) + 1;
        let finished = counter(0) >= SPIN_TARGET && counter(1) >= SPIN_TARGET;
        if (finished || mine >= SPIN_LIMIT) && SPIN_FLAG.swap(1, Ordering::SeqCst) == 0 {
            done();
        }
    }
}

fn timer_preempts_equal_priority_spinners(_: &'static BootInfo) -> Outcome {
    clear_counters();
    SPIN_FLAG.store(0, Ordering::SeqCst);
    let helpers = [spawn(100, 0, spin, 0), spawn(100, 0, spin, 1)];
    wait_done();
    let counts = (counter(0), counter(1));
    helpers.into_iter().for_each(stop);
    check!(counts.0 >= SPIN_TARGET && counts.1 >= SPIN_TARGET, "counters {:?}", counts);
    Ok(())
}
