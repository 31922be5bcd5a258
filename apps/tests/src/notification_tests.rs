//! Notifications (sel4test's SYNC, NBWAIT and BIND areas and more): signal and wait, badges
//! OR-ed into the word, polling, waking a waiter, and notifications bound to a thread, which
//! signal it while it waits on an endpoint.
use crate::framework::{Outcome, Test};
use crate::support::{
    Board, alloc_slot, done, new_helper, new_object, park, root_slot, spawn, start, stop, wait_done, yield_times,
};
use crate::{check_eq, check_err, check_ok};
use atoll_sdk::abi::{CapRights, Error, MessageInfo, ObjectType, slots};
use atoll_sdk::{BootInfo, cnode, syscall, tcb};

pub const TESTS: &[Test] = &[
    Test { name: "notification::signal_then_wait_returns_badge", run: signal_then_wait_returns_badge },
    Test { name: "notification::badges_or_together_and_wait_clears", run: badges_or_together_and_wait_clears },
    Test { name: "notification::wait_blocks_until_signalled", run: wait_blocks_until_signalled },
    Test { name: "notification::waiters_are_woken_in_fifo_order", run: waiters_are_woken_in_fifo_order },
    Test { name: "notification::signal_needs_write_right", run: signal_needs_write_right },
    Test { name: "nbwait::poll_without_signal_returns_zero", run: poll_without_signal_returns_zero },
    Test { name: "nbwait::poll_takes_pending_badge_once", run: poll_takes_pending_badge_once },
    Test { name: "nbwait::nbrecv_on_endpoint_returns_bound_signal", run: nbrecv_on_endpoint_returns_bound_signal },
    Test { name: "bind::bound_thread_in_recv_gets_signal_badge", run: bound_thread_in_recv_gets_signal_badge },
    Test { name: "bind::pending_signal_comes_before_queued_message", run: pending_signal_comes_before_queued_message },
    Test {
        name: "bind::bound_thread_can_still_wait_on_its_notification",
        run: bound_thread_can_wait_on_its_notification,
    },
    Test { name: "bind::second_binding_is_illegal", run: second_binding_is_illegal },
    Test { name: "bind::binding_a_non_notification_is_illegal", run: binding_a_non_notification_is_illegal },
    Test { name: "bind::binding_needs_read_right_and_a_cap", run: binding_needs_read_right_and_a_cap },
    Test { name: "bind::unbind_of_unbound_tcb_is_illegal", run: unbind_of_unbound_tcb_is_illegal },
    Test {
        name: "bind::unbound_notification_no_longer_signals_thread",
        run: unbound_notification_no_longer_signals_thread,
    },
    Test {
        name: "bind::wait_on_notification_bound_elsewhere_faults",
        run: wait_on_notification_bound_elsewhere_faults,
    },
];

static SEEN: Board = Board::new();

/// A copy of `notification` with `badge` in a fresh slot.
fn badged(notification: u64, badge: u64) -> Result<u64, crate::framework::Failure> {
    let slot = alloc_slot();
    check_ok!(cnode::mint(root_slot(slot), root_slot(notification), CapRights::ALL_RIGHTS, badge));
    Ok(slot)
}

fn signal_then_wait_returns_badge(_: &'static BootInfo) -> Outcome {
    let notification = new_object(ObjectType::Notification, 0);
    let sender = badged(notification, 0x4321)?;
    syscall::signal(sender);
    check_eq!(syscall::wait(notification), 0x4321);
    // Twice in a row with the same badge is still that badge.
    syscall::signal(sender);
    syscall::signal(sender);
    check_eq!(syscall::wait(notification), 0x4321);
    check_eq!(syscall::poll(notification), 0);
    Ok(())
}

fn badges_or_together_and_wait_clears(_: &'static BootInfo) -> Outcome {
    let notification = new_object(ObjectType::Notification, 0);
    let low = badged(notification, 0b001)?;
    let high = badged(notification, 0b100)?;
    syscall::signal(low);
    syscall::signal(high);
    check_eq!(syscall::wait(notification), 0b101);
    // The wait took the whole word.
    check_eq!(syscall::poll(notification), 0);
    syscall::signal(high);
    check_eq!(syscall::wait(notification), 0b100);
    Ok(())
}

/// Records 1 in SEEN[0], then signals the notification in `arg`.
extern "C" fn mark_and_signal(arg: u64) -> ! {
    SEEN.set(0, 1);
    syscall::signal(arg);
    SEEN.set(1, 1);
    park()
}

fn wait_blocks_until_signalled(_: &'static BootInfo) -> Outcome {
    SEEN.clear();
    let notification = new_object(ObjectType::Notification, 0);
    let sender = badged(notification, 0x99)?;
    // Lower priority: it runs only once we block in Wait; its Signal wakes us, and we (higher)
    // run before it goes on.
    let helper = spawn(100, 0, mark_and_signal, sender);
    check_eq!(SEEN.get(0), 0);
    check_eq!(syscall::wait(notification), 0x99);
    check_eq!((SEEN.get(0), SEEN.get(1)), (1, 0));
    stop(helper);
    Ok(())
}

/// Waits on the notification in `arg >> 8`, then logs its tag `arg & 0xff` in order.
extern "C" fn wait_and_log(arg: u64) -> ! {
    let badge = syscall::wait(arg >> 8);
    let position = SEEN.increment(7) as usize;
    SEEN.set(position, (arg & 0xff) << 32 | badge);
    park()
}

fn waiters_are_woken_in_fifo_order(_: &'static BootInfo) -> Outcome {
    SEEN.clear();
    let notification = new_object(ObjectType::Notification, 0);
    let first_badge = badged(notification, 0x10)?;
    let second_badge = badged(notification, 0x20)?;
    // Same priority as us: each runs to its Wait when we yield, in start order.
    let helpers = [1u64, 2, 3].map(|tag| {
        let helper = spawn(255, 0, wait_and_log, notification << 8 | tag);
        syscall::yield_now();
        helper
    });
    check_eq!(SEEN.get(7), 0);
    // Each signal wakes one waiter, the one that has waited longest, with that signal's badge.
    syscall::signal(first_badge);
    yield_times(2);
    syscall::signal(second_badge);
    yield_times(2);
    check_eq!(SEEN.get(7), 2);
    check_eq!((SEEN.get(0), SEEN.get(1)), (1 << 32 | 0x10, 2 << 32 | 0x20));
    helpers.into_iter().for_each(stop);
    Ok(())
}

fn signal_needs_write_right(_: &'static BootInfo) -> Outcome {
    let notification = new_object(ObjectType::Notification, 0);
    let read_only = alloc_slot();
    check_ok!(cnode::mint(root_slot(read_only), root_slot(notification), CapRights::new(false, false, true, false), 5));
    // A Signal (a Send) through a cap without the write right is an invocation error, which a
    // Send does not report: nothing is signalled and the caller goes on.
    syscall::signal(read_only);
    check_eq!(syscall::poll(notification), 0);
    // Invoked with Call, the error comes back: InvalidCapability for the invoked cap (0).
    let failure = check_err!(
        atoll_sdk::invocation::invoke(read_only, atoll_sdk::abi::InvocationLabel::InvalidInvocation, &[], &[]),
        Error::InvalidCapability
    );
    check_eq!(failure.detail(), &[0u64][..]);
    // A read-only cap can still be waited on.
    let writer = badged(notification, 0x8)?;
    syscall::signal(writer);
    check_eq!(syscall::poll(read_only), 0x8);
    Ok(())
}

fn poll_without_signal_returns_zero(_: &'static BootInfo) -> Outcome {
    let notification = new_object(ObjectType::Notification, 0);
    let _badged = badged(notification, 0x77)?;
    check_eq!(syscall::poll(notification), 0);
    check_eq!(syscall::poll(notification), 0);
    Ok(())
}

fn poll_takes_pending_badge_once(_: &'static BootInfo) -> Outcome {
    let notification = new_object(ObjectType::Notification, 0);
    let a = badged(notification, 0x100)?;
    let b = badged(notification, 0x001)?;
    syscall::signal(a);
    syscall::signal(b);
    check_eq!(syscall::poll(notification), 0x101);
    check_eq!(syscall::poll(notification), 0);
    Ok(())
}

/// NBRecv on the endpoint in `arg`: records the badge in SEEN[2] and 1 in SEEN[3]; a second
/// NBRecv's badge goes in SEEN[4]; then reports.
extern "C" fn nbrecv_twice(endpoint: u64) -> ! {
    let first = syscall::nb_recv(endpoint);
    SEEN.set(2, first.badge);
    SEEN.set(3, 1);
    SEEN.set(4, syscall::nb_recv(endpoint).badge);
    done();
    park()
}

fn nbrecv_on_endpoint_returns_bound_signal(_: &'static BootInfo) -> Outcome {
    SEEN.clear();
    let endpoint = new_object(ObjectType::Endpoint, 0);
    let notification = new_object(ObjectType::Notification, 0);
    let sender = badged(notification, 0x3c)?;
    let helper = new_helper(100, 0);
    check_ok!(tcb::bind_notification(helper.tcb, notification));
    syscall::signal(sender);
    start(&helper, nbrecv_twice, endpoint);
    wait_done();
    // The pending signal answers the first NBRecv; the second finds nothing.
    check_eq!((SEEN.get(2), SEEN.get(3), SEEN.get(4)), (0x3c, 1, 0));
    stop(helper);
    Ok(())
}

/// Receives twice on the endpoint in `arg`; records badge and MR0 of receive k in SEEN[2k] and
/// SEEN[2k+1] and the count in SEEN[6], and reports after each.
extern "C" fn recv_twice(endpoint: u64) -> ! {
    for round in 0..2 {
        let message = syscall::recv(endpoint);
        SEEN.set(2 * round, message.badge);
        SEEN.set(2 * round + 1, if message.info.length() > 0 { message.mrs[0] } else { 0 });
        SEEN.set(6, round as u64 + 1);
        done();
    }
    park()
}

fn bound_thread_in_recv_gets_signal_badge(_: &'static BootInfo) -> Outcome {
    SEEN.clear();
    let endpoint = new_object(ObjectType::Endpoint, 0);
    let badged_endpoint = alloc_slot();
    check_ok!(cnode::mint(root_slot(badged_endpoint), root_slot(endpoint), CapRights::ALL_RIGHTS, 0xe0));
    let notification = new_object(ObjectType::Notification, 0);
    let sender = badged(notification, 0x42)?;
    let helper = new_helper(255, 0);
    check_ok!(tcb::bind_notification(helper.tcb, notification));
    start(&helper, recv_twice, endpoint);
    // Let it block in Recv on the endpoint.
    yield_times(1);
    check_eq!(SEEN.get(6), 0);
    // The signal ends its Recv with the notification's badge.
    syscall::signal(sender);
    wait_done();
    check_eq!((SEEN.get(6), SEEN.get(0)), (1, 0x42));
    // And it went back to the endpoint: a message still reaches it there.
    yield_times(1);
    syscall::send(badged_endpoint, MessageInfo::new(0, 0, 0, 1), [31, 0, 0, 0]);
    wait_done();
    check_eq!((SEEN.get(6), SEEN.get(2), SEEN.get(3)), (2, 0xe0, 31));
    stop(helper);
    Ok(())
}

/// Sends MR0 = 55 on the endpoint in `arg`, then parks.
extern "C" fn send_55(endpoint: u64) -> ! {
    syscall::send(endpoint, MessageInfo::new(0, 0, 0, 1), [55, 0, 0, 0]);
    park()
}

fn pending_signal_comes_before_queued_message(_: &'static BootInfo) -> Outcome {
    SEEN.clear();
    let endpoint = new_object(ObjectType::Endpoint, 0);
    let badged_endpoint = alloc_slot();
    check_ok!(cnode::mint(root_slot(badged_endpoint), root_slot(endpoint), CapRights::ALL_RIGHTS, 0xe1));
    let notification = new_object(ObjectType::Notification, 0);
    let sender = badged(notification, 0x7)?;
    // A sender waits on the endpoint with a message.
    let sending = spawn(255, 0, send_55, badged_endpoint);
    yield_times(1);
    // The receiver's notification has a signal pending before it first receives.
    let receiver = new_helper(100, 0);
    check_ok!(tcb::bind_notification(receiver.tcb, notification));
    syscall::signal(sender);
    start(&receiver, recv_twice, endpoint);
    wait_done();
    wait_done();
    check_eq!((SEEN.get(0), SEEN.get(1)), (0x7, 0));
    check_eq!((SEEN.get(2), SEEN.get(3)), (0xe1, 55));
    stop(receiver);
    stop(sending);
    Ok(())
}

/// Waits on the notification in `arg` and records the badge in SEEN[5], then reports.
extern "C" fn wait_once(notification: u64) -> ! {
    SEEN.set(5, syscall::wait(notification) | 1 << 63);
    done();
    park()
}

fn bound_thread_can_wait_on_its_notification(_: &'static BootInfo) -> Outcome {
    SEEN.clear();
    let notification = new_object(ObjectType::Notification, 0);
    let sender = badged(notification, 0x21)?;
    let helper = new_helper(255, 0);
    check_ok!(tcb::bind_notification(helper.tcb, notification));
    start(&helper, wait_once, notification);
    yield_times(1);
    check_eq!(SEEN.get(5), 0);
    syscall::signal(sender);
    wait_done();
    check_eq!(SEEN.get(5), 1 << 63 | 0x21);
    stop(helper);
    Ok(())
}

fn second_binding_is_illegal(_: &'static BootInfo) -> Outcome {
    let target = new_object(ObjectType::Tcb, 0);
    let other = new_object(ObjectType::Tcb, 0);
    let first = new_object(ObjectType::Notification, 0);
    let second = new_object(ObjectType::Notification, 0);
    check_ok!(tcb::bind_notification(target, first));
    // The TCB already has a notification.
    check_err!(tcb::bind_notification(target, second), Error::IllegalOperation);
    check_err!(tcb::bind_notification(target, first), Error::IllegalOperation);
    // The notification already has a TCB.
    check_err!(tcb::bind_notification(other, first), Error::IllegalOperation);
    // After unbinding, both can be bound again.
    check_ok!(tcb::unbind_notification(target));
    check_ok!(tcb::bind_notification(other, first));
    check_ok!(tcb::bind_notification(target, second));
    check_ok!(tcb::unbind_notification(target));
    check_ok!(tcb::unbind_notification(other));
    Ok(())
}

fn binding_a_non_notification_is_illegal(_: &'static BootInfo) -> Outcome {
    let target = new_object(ObjectType::Tcb, 0);
    let endpoint = new_object(ObjectType::Endpoint, 0);
    let empty = alloc_slot();
    // seL4's decodeBindNotification answers IllegalOperation (not InvalidCapability) for a cap
    // that is not a notification cap, the null cap included.
    for cap in [endpoint, empty, slots::CAP_INIT_THREAD_TCB, slots::CAP_DOMAIN] {
        check_err!(tcb::bind_notification(target, cap), Error::IllegalOperation);
    }
    let notification = new_object(ObjectType::Notification, 0);
    check_ok!(tcb::bind_notification(target, notification));
    Ok(())
}

fn binding_needs_read_right_and_a_cap(_: &'static BootInfo) -> Outcome {
    let target = new_object(ObjectType::Tcb, 0);
    // A notification cap without the read (receive) right cannot be bound.
    let notification = new_object(ObjectType::Notification, 0);
    let write_only = alloc_slot();
    check_ok!(cnode::mint(
        root_slot(write_only),
        root_slot(notification),
        CapRights::new(false, false, false, true),
        0
    ));
    check_err!(tcb::bind_notification(target, write_only), Error::IllegalOperation);
    // Without any cap the message is truncated.
    check_err!(
        atoll_sdk::invocation::invoke(target, atoll_sdk::abi::InvocationLabel::TcbBindNotification, &[], &[]),
        Error::TruncatedMessage
    );
    // A read-only cap is enough.
    let read_only = alloc_slot();
    check_ok!(cnode::mint(root_slot(read_only), root_slot(notification), CapRights::new(false, false, true, false), 0));
    check_ok!(tcb::bind_notification(target, read_only));
    Ok(())
}

fn unbind_of_unbound_tcb_is_illegal(_: &'static BootInfo) -> Outcome {
    let target = new_object(ObjectType::Tcb, 0);
    check_err!(tcb::unbind_notification(target), Error::IllegalOperation);
    let notification = new_object(ObjectType::Notification, 0);
    check_ok!(tcb::bind_notification(target, notification));
    check_ok!(tcb::unbind_notification(target));
    check_err!(tcb::unbind_notification(target), Error::IllegalOperation);
    Ok(())
}

fn unbound_notification_no_longer_signals_thread(_: &'static BootInfo) -> Outcome {
    SEEN.clear();
    let endpoint = new_object(ObjectType::Endpoint, 0);
    let notification = new_object(ObjectType::Notification, 0);
    let sender = badged(notification, 0x42)?;
    let helper = new_helper(255, 0);
    check_ok!(tcb::bind_notification(helper.tcb, notification));
    check_ok!(tcb::unbind_notification(helper.tcb));
    start(&helper, recv_twice, endpoint);
    yield_times(1);
    // The signal stays in the notification; the helper keeps waiting on the endpoint.
    syscall::signal(sender);
    yield_times(2);
    check_eq!(SEEN.get(6), 0);
    check_eq!(syscall::poll(notification), 0x42);
    stop(helper);
    Ok(())
}

/// Marks SEEN[0], waits on the notification in `arg`, marks SEEN[1].
extern "C" fn mark_and_wait(notification: u64) -> ! {
    SEEN.set(0, 1);
    syscall::wait(notification);
    SEEN.set(1, 1);
    park()
}

fn wait_on_notification_bound_elsewhere_faults(_: &'static BootInfo) -> Outcome {
    SEEN.clear();
    let notification = new_object(ObjectType::Notification, 0);
    let owner = new_object(ObjectType::Tcb, 0);
    check_ok!(tcb::bind_notification(owner, notification));
    // A helper without a fault handler waits on it: a capability fault stops the helper.
    let helper = spawn(255, 0, mark_and_wait, notification);
    yield_times(3);
    check_eq!((SEEN.get(0), SEEN.get(1)), (1, 0));
    // It is not waiting on the notification either: a signal does not wake it.
    syscall::signal(notification);
    yield_times(3);
    check_eq!(SEEN.get(1), 0);
    stop(helper);
    Ok(())
}
