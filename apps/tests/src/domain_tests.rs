//! Scheduling domains (sel4test's DOMAINS area and seL4 16.0.0's run-time domain schedule):
//! DomainSet_Set, ScheduleConfigure and ScheduleSetStart, their errors, and, in a kernel built
//! with more than one domain, that each domain runs only in its own turn.
use crate::framework::{Outcome, Test};
use crate::support::kernel_config::{NUM_DOMAIN_SCHEDULES, NUM_DOMAINS, TICK, TIME_PROTECTION};
use crate::support::{alloc_slot, done, new_helper, new_object, park, start, stop, wait_done};
use crate::{check, check_eq, check_err, check_ok};
use atoll_sdk::abi::{Error, InvocationLabel, ObjectType, slots};
use atoll_sdk::invocation::invoke;
use atoll_sdk::{BootInfo, cnode, domain, syscall};
use core::sync::atomic::{AtomicU64, Ordering};

/// Tests for every kernel.
pub const ANY_DOMAIN: &[Test] = &[
    Test { name: "domains::set_domain_zero_succeeds", run: set_domain_zero_succeeds },
    Test { name: "domains::domain_out_of_range_is_invalid_argument_0", run: domain_out_of_range_is_invalid_argument_0 },
    Test { name: "domains::non_tcb_cap_is_invalid_argument_1", run: non_tcb_cap_is_invalid_argument_1 },
    Test { name: "domains::bad_label_or_short_message_is_rejected", run: bad_label_or_short_message_is_rejected },
    Test { name: "domains::schedule_configure_checks_in_order", run: schedule_configure_checks_in_order },
    Test { name: "domains::schedule_set_start_checks", run: schedule_set_start_checks },
    Test { name: "domains::set_start_restarts_the_schedule_at_once", run: set_start_restarts_the_schedule_at_once },
];

/// Tests for a kernel built with more than one domain (seL4's default is one).
pub const MANY_DOMAINS: &[Test] = if NUM_DOMAINS == 1 {
    &[]
} else {
    &[
        Test { name: "domains::set_domain_to_the_last_domain_succeeds", run: set_domain_to_the_last_domain_succeeds },
        Test { name: "domains::end_marker_needs_domain_zero", run: end_marker_needs_domain_zero },
        Test { name: "domains::idle_domain_does_not_lend_its_time", run: idle_domain_does_not_lend_its_time },
        Test {
            name: "domains::blocked_thread_moved_to_another_domain_wakes_there",
            run: blocked_thread_moved_to_another_domain_wakes_there,
        },
        Test {
            name: "domains::lower_priority_thread_runs_in_its_domains_turn",
            run: lower_priority_thread_runs_in_its_domains_turn,
        },
    ]
};

/// Tests for a kernel built with time protection (and more than one domain).
pub const TIME_PROTECTED: &[Test] = if !TIME_PROTECTION || NUM_DOMAINS == 1 {
    &[]
} else {
    &[Test { name: "domains::interrupt_waits_for_its_domain", run: interrupt_waits_for_its_domain }]
};

/// A domain-schedule duration of `n` kernel ticks: without MCS durations count ticks, with MCS
/// they are timebase ticks (seL4 16.0.0's domain.c).
fn ticks(n: u64) -> u64 {
    if cfg!(feature = "mcs") { n * TICK } else { n }
}

/// seL4's DSCHED_MAX_DURATION: a duration fits in 56 bits.
const MAX_DURATION: u64 = u64::MAX >> 8;

static RECORD: AtomicU64 = AtomicU64::new(0);

extern "C" fn record(arg: u64) -> ! {
    RECORD.store(arg, Ordering::SeqCst);
    done();
    park()
}

/// Puts the boot schedule back: domain 0 for good.
fn reset_schedule() -> Outcome {
    check_ok!(domain::schedule_configure(slots::CAP_DOMAIN, 0, 0, MAX_DURATION));
    check_ok!(domain::schedule_set_start(slots::CAP_DOMAIN, 0));
    for index in (1..NUM_DOMAIN_SCHEDULES).take_while(|&index| index < NUM_DOMAIN_SCHEDULES - 1) {
        check_ok!(domain::schedule_configure(slots::CAP_DOMAIN, index, 0, 0));
    }
    Ok(())
}

fn set_domain_zero_succeeds(_: &'static BootInfo) -> Outcome {
    let helper = new_helper(100, 0);
    check_ok!(domain::set(slots::CAP_DOMAIN, 0, helper.tcb));
    // It still runs (domain 0 is the current one).
    RECORD.store(0, Ordering::SeqCst);
    start(&helper, record, 11);
    wait_done();
    check_eq!(RECORD.load(Ordering::SeqCst), 11);
    stop(helper);
    // The root task can be moved to domain 0 too and goes on running.
    check_ok!(domain::set(slots::CAP_DOMAIN, 0, slots::CAP_INIT_THREAD_TCB));
    Ok(())
}

fn set_domain_to_the_last_domain_succeeds(_: &'static BootInfo) -> Outcome {
    let target = new_object(ObjectType::Tcb, 0);
    check_ok!(domain::set(slots::CAP_DOMAIN, NUM_DOMAINS - 1, target));
    check_ok!(domain::set(slots::CAP_DOMAIN, 1, target));
    Ok(())
}

fn domain_out_of_range_is_invalid_argument_0(_: &'static BootInfo) -> Outcome {
    let target = new_object(ObjectType::Tcb, 0);
    let endpoint = new_object(ObjectType::Endpoint, 0);
    for domain in [NUM_DOMAINS, NUM_DOMAINS + 1, 255, u64::MAX] {
        let failure = check_err!(domain::set(slots::CAP_DOMAIN, domain, target), Error::InvalidArgument);
        check_eq!(failure.detail(), &[0u64][..]);
    }
    // The domain is checked before the thread cap.
    let failure = check_err!(domain::set(slots::CAP_DOMAIN, NUM_DOMAINS, endpoint), Error::InvalidArgument);
    check_eq!(failure.detail(), &[0u64][..]);
    Ok(())
}

fn non_tcb_cap_is_invalid_argument_1(_: &'static BootInfo) -> Outcome {
    let endpoint = new_object(ObjectType::Endpoint, 0);
    let empty = alloc_slot();
    for cap in [endpoint, empty, slots::CAP_INIT_THREAD_CNODE, slots::CAP_DOMAIN] {
        let failure = check_err!(domain::set(slots::CAP_DOMAIN, 0, cap), Error::InvalidArgument);
        check_eq!(failure.detail(), &[1u64][..]);
    }
    Ok(())
}

fn bad_label_or_short_message_is_rejected(_: &'static BootInfo) -> Outcome {
    let target = new_object(ObjectType::Tcb, 0);
    let domain_cap = slots::CAP_DOMAIN;
    check_err!(invoke(domain_cap, InvocationLabel::TcbSuspend, &[0], &[target]), Error::IllegalOperation);
    check_err!(invoke(domain_cap, InvocationLabel::InvalidInvocation, &[0], &[target]), Error::IllegalOperation);
    check_err!(invoke(domain_cap, InvocationLabel::DomainSetSet, &[], &[target]), Error::TruncatedMessage);
    check_err!(invoke(domain_cap, InvocationLabel::DomainSetSet, &[0], &[]), Error::TruncatedMessage);
    // The DomainSetSet label on a thread cap is not a TCB invocation (sel4test DOMAINS0003).
    check_err!(invoke(target, InvocationLabel::DomainSetSet, &[0], &[target]), Error::IllegalOperation);
    // The schedule calls want all their words.
    let configure = InvocationLabel::DomainScheduleConfigure;
    check_err!(invoke(domain_cap, configure, &[1, 0], &[]), Error::TruncatedMessage);
    check_err!(invoke(domain_cap, InvocationLabel::DomainScheduleSetStart, &[], &[]), Error::TruncatedMessage);
    // ... and only work on the domain cap.
    check_err!(invoke(target, configure, &[1, 0, 5], &[]), Error::IllegalOperation);
    Ok(())
}

fn schedule_configure_checks_in_order(_: &'static BootInfo) -> Outcome {
    let cap = slots::CAP_DOMAIN;
    let last = NUM_DOMAIN_SCHEDULES - 1;
    // The last entry always stays an end marker; the index is checked first.
    for index in [last, last + 1, u64::MAX] {
        let failure = check_err!(domain::schedule_configure(cap, index, NUM_DOMAINS, 0), Error::RangeError);
        check_eq!(failure.detail(), &[0, last - 1][..]);
    }
    // Then the domain, then the duration.
    for domain in [NUM_DOMAINS, 255, u64::MAX] {
        let failure = check_err!(domain::schedule_configure(cap, last - 1, domain, 0), Error::RangeError);
        check_eq!(failure.detail(), &[0, NUM_DOMAINS - 1][..]);
    }
    let failure = check_err!(domain::schedule_configure(cap, last - 1, 0, MAX_DURATION + 1), Error::InvalidArgument);
    check_eq!(failure.detail(), &[2u64][..]);
    // The start entry (0 at boot) cannot become an end marker.
    let failure = check_err!(domain::schedule_configure(cap, 0, 0, 0), Error::InvalidArgument);
    check_eq!(failure.detail(), &[2u64][..]);
    // Any other entry can (with the default two entries, there is no other), and any entry can
    // take the longest duration.
    if last > 1 {
        check_ok!(domain::schedule_configure(cap, last - 1, 0, 0));
    }
    check_ok!(domain::schedule_configure(cap, 0, 0, MAX_DURATION));
    Ok(())
}

fn end_marker_needs_domain_zero(_: &'static BootInfo) -> Outcome {
    let failure = check_err!(domain::schedule_configure(slots::CAP_DOMAIN, 1, 1, 0), Error::InvalidArgument);
    check_eq!(failure.detail(), &[1u64][..]);
    Ok(())
}

fn schedule_set_start_checks(_: &'static BootInfo) -> Outcome {
    let cap = slots::CAP_DOMAIN;
    for index in [NUM_DOMAIN_SCHEDULES, u64::MAX] {
        let failure = check_err!(domain::schedule_set_start(cap, index), Error::RangeError);
        check_eq!(failure.detail(), &[0, NUM_DOMAIN_SCHEDULES - 1][..]);
    }
    // End markers cannot start the schedule: the last entry, and (at boot) every other but 0.
    for index in [NUM_DOMAIN_SCHEDULES - 1, 1] {
        let failure = check_err!(domain::schedule_set_start(cap, index), Error::InvalidArgument);
        check_eq!(failure.detail(), &[0u64][..]);
    }
    check_ok!(domain::schedule_set_start(cap, 0));
    Ok(())
}

fn set_start_restarts_the_schedule_at_once(_: &'static BootInfo) -> Outcome {
    let cap = slots::CAP_DOMAIN;
    // A short entry for domain 0 (the last one before the end marker) becomes the start: the
    // root task keeps running through it, and the schedule goes on.
    let entry = NUM_DOMAIN_SCHEDULES - 2;
    check_ok!(domain::schedule_configure(cap, entry, 0, ticks(3)));
    check_ok!(domain::schedule_set_start(cap, entry));
    let helper = new_helper(100, 0);
    RECORD.store(0, Ordering::SeqCst);
    start(&helper, record, 12);
    wait_done();
    check_eq!(RECORD.load(Ordering::SeqCst), 12);
    stop(helper);
    // That entry is now the start, so it cannot become an end marker.
    let failure = check_err!(domain::schedule_configure(cap, entry, 0, 0), Error::InvalidArgument);
    check_eq!(failure.detail(), &[2u64][..]);
    reset_schedule()
}

static STAMP: AtomicU64 = AtomicU64::new(0);

extern "C" fn stamp_and_signal(notification: u64) -> ! {
    STAMP.store(syscall::read_time(), Ordering::SeqCst);
    syscall::signal(notification);
    park()
}

/// Domain 0 has nothing to run once the root task blocks: the kernel idles out its turn rather
/// than run domain 1's ready thread, which runs only when domain 1's turn comes.
fn idle_domain_does_not_lend_its_time(_: &'static BootInfo) -> Outcome {
    let cap = slots::CAP_DOMAIN;
    let notification = new_object(ObjectType::Notification, 0);
    let other = new_helper(100, 0);
    check_ok!(domain::set(cap, 1, other.tcb));
    STAMP.store(0, Ordering::SeqCst);
    start(&other, stamp_and_signal, notification);
    check_eq!(STAMP.load(Ordering::SeqCst), 0);
    check_ok!(domain::schedule_configure(cap, 0, 0, ticks(5)));
    check_ok!(domain::schedule_configure(cap, 1, 1, ticks(5)));
    let begin = syscall::read_time();
    check_ok!(domain::schedule_set_start(cap, 0));
    // Domain 0's turn (4 to 5 ticks, depending on the tick's phase) passes before domain 1's
    // thread stamps; the root task then waits out domain 1's turn.
    syscall::wait(notification);
    let end = syscall::read_time();
    let stamp = STAMP.load(Ordering::SeqCst);
    stop(other);
    reset_schedule()?;
    check!(stamp > begin && stamp - begin >= 3 * TICK, "domain 1 ran {} after the start", stamp - begin);
    check!(end - stamp >= 3 * TICK, "domain 0 resumed {} after domain 1's thread ran", end - stamp);
    Ok(())
}

static COUNT: [AtomicU64; 2] = [const { AtomicU64::new(0) }; 2];

/// Counts in domain 0 until domain 1's counter moves (or a second passes), then says so.
extern "C" fn count_until_other_counts(notification: u64) -> ! {
    let deadline = syscall::read_time() + 10_000_000;
    while COUNT[1].load(Ordering::SeqCst) == 0 && syscall::read_time() < deadline {
        COUNT[0].fetch_add(1, Ordering::SeqCst);
    }
    syscall::signal(notification);
    park()
}

extern "C" fn count(_: u64) -> ! {
    loop {
        COUNT[1].fetch_add(1, Ordering::SeqCst);
    }
}

/// A busy thread of domain 0 would keep a lower-priority thread from ever running in one
/// domain; in its own domain's turn the lower-priority thread runs.
fn lower_priority_thread_runs_in_its_domains_turn(_: &'static BootInfo) -> Outcome {
    let cap = slots::CAP_DOMAIN;
    let notification = new_object(ObjectType::Notification, 0);
    COUNT.iter().for_each(|c| c.store(0, Ordering::SeqCst));
    check_ok!(domain::schedule_configure(cap, 0, 0, ticks(5)));
    check_ok!(domain::schedule_configure(cap, 1, 1, ticks(5)));
    check_ok!(domain::schedule_set_start(cap, 0));
    let low = new_helper(50, 0);
    check_ok!(domain::set(cap, 1, low.tcb));
    start(&low, count, 0);
    let high = new_helper(100, 0);
    start(&high, count_until_other_counts, notification);
    syscall::wait(notification);
    stop(high);
    stop(low);
    reset_schedule()?;
    check!(COUNT[0].load(Ordering::SeqCst) > 0, "domain 0's thread never ran");
    check!(COUNT[1].load(Ordering::SeqCst) > 0, "domain 1's thread never ran");
    Ok(())
}

/// Waits on its notification (bound to it, so the IRQ's domain is its domain), stamps the time
/// it was woken, and says so.
extern "C" fn stamp_when_signalled(notification: u64) -> ! {
    syscall::wait(notification);
    STAMP.store(syscall::read_time(), Ordering::SeqCst);
    done();
    park()
}

/// Time protection: the UART's interrupt belongs to domain 1 (its notification is bound to a
/// domain-1 thread). Raised in domain 0's turn, it does not enter the kernel then (domain 0
/// runs on without a pause) and reaches its thread only in domain 1's turn.
fn interrupt_waits_for_its_domain(bootinfo: &'static BootInfo) -> Outcome {
    let cap = slots::CAP_DOMAIN;
    let (uart, untyped) = crate::vspace_tests::map_uart(bootinfo)?;
    let handler = alloc_slot();
    check_ok!(atoll_sdk::irq::control_get(slots::CAP_IRQ_CONTROL, 10, slots::CAP_INIT_THREAD_CNODE, handler, 64));
    let notification = new_object(ObjectType::Notification, 0);
    check_ok!(atoll_sdk::irq::set_notification(handler, notification));
    let driver = new_helper(100, 0);
    check_ok!(domain::set(cap, 1, driver.tcb));
    check_ok!(atoll_sdk::tcb::bind_notification(driver.tcb, notification));
    STAMP.store(0, Ordering::SeqCst);
    start(&driver, stamp_when_signalled, notification);
    check_ok!(domain::schedule_configure(cap, 0, 0, ticks(5)));
    check_ok!(domain::schedule_configure(cap, 1, 1, ticks(5)));
    check_ok!(domain::schedule_set_start(cap, 0));
    // Domain 0's turn has just begun (4 ticks or more are left). Raise the interrupt, then
    // watch the cycle counter for a pause (a kernel entry) over half a tick.
    let raised = syscall::read_time();
    let interrupt_enable = (uart + 1) as *mut u8;
    // SAFETY: the UART's interrupt-enable register, mapped read-write; enabling the
    // transmitter-empty interrupt raises it at once (the transmitter is idle).
    unsafe { core::ptr::write_volatile(interrupt_enable, 0x02) };
    let mut last = syscall::read_cycle();
    let mut longest = 0;
    while syscall::read_time() < raised + TICK / 2 {
        let now = syscall::read_cycle();
        longest = longest.max(now - last);
        last = now;
    }
    wait_done();
    // SAFETY: as above; the source goes off before the acknowledgement.
    unsafe { core::ptr::write_volatile(interrupt_enable, 0x00) };
    let stamp = STAMP.load(Ordering::SeqCst);
    check_ok!(atoll_sdk::irq::ack(handler));
    stop(driver);
    check_ok!(cnode::delete(crate::support::root_slot(handler)));
    check_ok!(cnode::revoke(crate::support::root_slot(untyped)));
    reset_schedule()?;
    check!(longest < 1_000, "domain 0 paused {longest} cycles after another domain's interrupt came");
    check!(stamp >= raised + 3 * TICK, "the driver ran {} after the interrupt, in domain 0's turn", stamp - raised);
    Ok(())
}

/// DomainSet_Set on a thread blocked on a notification succeeds (as in seL4); signalled while
/// domain 0 runs, it is woken in domain 1's turn, not at once.
fn blocked_thread_moved_to_another_domain_wakes_there(_: &'static BootInfo) -> Outcome {
    let cap = slots::CAP_DOMAIN;
    let notification = new_object(ObjectType::Notification, 0);
    let waiter = new_helper(200, 0);
    STAMP.store(0, Ordering::SeqCst);
    start(&waiter, stamp_when_signalled, notification);
    // It runs at once (higher priority, same domain) and blocks on the notification.
    check_ok!(domain::set(cap, 1, waiter.tcb));
    check_ok!(domain::schedule_configure(cap, 0, 0, ticks(5)));
    check_ok!(domain::schedule_configure(cap, 1, 1, ticks(5)));
    check_ok!(domain::schedule_set_start(cap, 0));
    let signalled = syscall::read_time();
    syscall::signal(notification);
    let still_waiting = STAMP.load(Ordering::SeqCst) == 0;
    wait_done();
    let stamp = STAMP.load(Ordering::SeqCst);
    stop(waiter);
    reset_schedule()?;
    check!(still_waiting, "the signalled thread ran in domain 0's turn");
    check!(stamp >= signalled + 3 * TICK, "it ran {} after the signal", stamp - signalled);
    Ok(())
}
