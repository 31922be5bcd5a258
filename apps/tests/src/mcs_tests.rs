//! MCS: scheduling contexts and SchedControl, reply objects, donation over Call and back over
//! Reply, passive servers, scheduling contexts lent by notifications, budgets and periods
//! measured in the timebase, timeout faults, and deletion in the middle of a call.
use crate::framework::{Outcome, Test};
use crate::support::{
    Board, alloc_slot, done_notification, new_helper, new_object, new_sched_context, park, root_slot, sched_control,
    spawn, start, stop, wait_done, yield_times,
};
use crate::{check, check_eq, check_err, check_ok};
use atoll_sdk::abi::object::MIN_SCHED_CONTEXT_BITS;
use atoll_sdk::abi::{CapRights, CapType, Error, FaultType, InvocationLabel as L, MessageInfo, ObjectType, slots};
use atoll_sdk::invocation::invoke;
use atoll_sdk::syscall::{self, debug_cap_identify as identify, read_time};
use atoll_sdk::{BootInfo, cnode, sched, tcb};

pub const TESTS: &[Test] = &[
    Test { name: "mcs::configure_flags_checks_its_arguments", run: configure_flags_checks_its_arguments },
    Test { name: "mcs::retype_makes_sched_contexts_and_replies", run: retype_makes_sched_contexts_and_replies },
    Test { name: "mcs::thread_without_sched_context_does_not_run", run: thread_without_sched_context_does_not_run },
    Test { name: "mcs::bind_and_unbind_check_their_objects", run: bind_and_unbind_check_their_objects },
    Test { name: "mcs::tcb_invocations_check_sched_context_and_handlers", run: tcb_invocations_check_handlers },
    Test { name: "mcs::consumed_reports_time_used", run: consumed_reports_time_used },
    Test { name: "mcs::passive_server_runs_on_callers_context", run: passive_server_runs_on_callers_context },
    Test { name: "mcs::send_lends_no_context_to_a_passive_server", run: send_lends_no_context },
    Test { name: "mcs::periodic_thread_gets_its_budget_each_period", run: periodic_thread_gets_its_budget },
    Test { name: "mcs::timeout_fault_reaches_the_timeout_handler", run: timeout_fault_reaches_the_handler },
    Test { name: "mcs::deleting_the_reply_mid_call_returns_the_context", run: deleting_reply_mid_call },
    Test { name: "mcs::deleting_the_callers_context_mid_call_stops_the_server", run: deleting_context_mid_call },
    Test { name: "mcs::yield_to_runs_the_target_first", run: yield_to_runs_the_target_first },
    Test { name: "mcs::notification_lends_its_context_to_a_passive_waiter", run: notification_lends_its_context },
    Test { name: "mcs::nbsendrecv_and_nbwait", run: nbsendrecv_and_nbwait },
];

static SEEN: Board = Board::new();
static MORE: Board = Board::new();

/// seL4's MIN_BUDGET_US and MAX_PERIOD_US (a 10 MHz timer), the bounds a RangeError names.
const MIN_BUDGET_US: u64 = 20;
const MAX_PERIOD_US: u64 = u64::MAX / 10 / 8;
/// Timebase ticks per microsecond.
const TICKS_PER_US: u64 = 10;

fn configure(sc: u64, budget_us: u64, period_us: u64) -> Result<(), atoll_sdk::invocation::Failure> {
    sched::configure_flags(sched_control(), sc, budget_us, period_us, 0, 0, 0)
}

fn configure_flags_checks_its_arguments(_: &'static BootInfo) -> Outcome {
    let control = sched_control();
    let sc = new_object(ObjectType::SchedContext, MIN_SCHED_CONTEXT_BITS as u64);
    let failure = check_err!(configure(sc, 2_000, 1_000), Error::RangeError);
    check_eq!(failure.detail(), &[MIN_BUDGET_US, 1_000][..]);
    let failure = check_err!(configure(sc, 10, 1_000), Error::RangeError);
    check_eq!(failure.detail(), &[MIN_BUDGET_US, MAX_PERIOD_US][..]);
    check_err!(configure(sc, 1_000, MAX_PERIOD_US + 1), Error::RangeError);
    check_err!(configure(sc, MAX_PERIOD_US + 1, 1_000), Error::RangeError);
    // The smallest context holds the two refills every context needs, and no more.
    let failure = check_err!(sched::configure_flags(control, sc, 1_000, 2_000, 1, 0, 0), Error::RangeError);
    check_eq!(failure.detail(), &[0u64, 0][..]);
    // 2^8 bytes hold (256 - 96) / 16 = 10 refills: 8 extra.
    let big = new_object(ObjectType::SchedContext, 8);
    let failure = check_err!(sched::configure_flags(control, big, 1_000, 2_000, 9, 0, 0), Error::RangeError);
    check_eq!(failure.detail(), &[0u64, 8][..]);
    check_ok!(sched::configure_flags(control, big, 1_000, 2_000, 8, 0, 0));
    let endpoint = new_object(ObjectType::Endpoint, 0);
    let failure = check_err!(configure(endpoint, 1_000, 1_000), Error::InvalidCapability);
    check_eq!(failure.detail(), &[1u64][..]);
    let label = L::SchedControlConfigureFlags;
    check_err!(invoke(control, label, &[1_000, 1_000, 0, 0, 0], &[]), Error::TruncatedMessage);
    check_err!(invoke(control, label, &[1_000, 1_000, 0, 0], &[sc]), Error::TruncatedMessage);
    check_err!(invoke(control, L::SchedContextBind, &[], &[sc]), Error::IllegalOperation);
    check_ok!(configure(sc, 1_000, 1_000));
    check_ok!(configure(sc, 1_000, 3_000));
    Ok(())
}

fn retype_makes_sched_contexts_and_replies(_: &'static BootInfo) -> Outcome {
    let untyped = crate::support::fresh_untyped(12);
    let slot = alloc_slot();
    let too_small = MIN_SCHED_CONTEXT_BITS as u64 - 1;
    let failure = check_err!(
        crate::support::retype(untyped, ObjectType::SchedContext, too_small, slot, 1),
        Error::InvalidArgument
    );
    check_eq!(failure.detail(), &[1u64][..]);
    check_ok!(crate::support::retype(untyped, ObjectType::SchedContext, MIN_SCHED_CONTEXT_BITS as u64, slot, 1));
    check_eq!(identify(slot), CapType::SchedContext.value());
    let reply = alloc_slot();
    check_ok!(crate::support::retype(untyped, ObjectType::Reply, 0, reply, 1));
    check_eq!(identify(reply), CapType::Reply.value());
    // The initial thread's context and the SchedControl cap.
    check_eq!(identify(slots::CAP_INIT_THREAD_SC), CapType::SchedContext.value());
    check_eq!(identify(sched_control()), CapType::SchedControl.value());
    Ok(())
}

/// Counts in SEEN[0] and yields, for ever.
extern "C" fn count_and_yield(_: u64) -> ! {
    loop {
        SEEN.increment(0);
        syscall::yield_now();
    }
}

fn thread_without_sched_context_does_not_run(_: &'static BootInfo) -> Outcome {
    SEEN.clear();
    let helper = new_helper(255, 0);
    check_ok!(sched::unbind(helper.sc));
    start(&helper, count_and_yield, 0);
    yield_times(3);
    check_eq!(SEEN.get(0), 0);
    check_ok!(sched::bind(helper.sc, helper.tcb));
    yield_times(3);
    check!(SEEN.get(0) > 0);
    stop(helper);
    Ok(())
}

fn bind_and_unbind_check_their_objects(_: &'static BootInfo) -> Outcome {
    let sc = new_sched_context(1_000, 1_000);
    let other = new_sched_context(1_000, 1_000);
    let (thread, thread2) = (new_object(ObjectType::Tcb, 0), new_object(ObjectType::Tcb, 0));
    let endpoint = new_object(ObjectType::Endpoint, 0);
    check_ok!(sched::bind(sc, thread));
    check_err!(sched::bind(sc, thread2), Error::IllegalOperation);
    check_err!(sched::bind(other, thread), Error::IllegalOperation);
    let failure = check_err!(sched::bind(other, endpoint), Error::InvalidCapability);
    check_eq!(failure.detail(), &[1u64][..]);
    check_err!(invoke(other, L::SchedContextBind, &[], &[]), Error::TruncatedMessage);
    check_err!(sched::unbind_object(sc, thread2), Error::IllegalOperation);
    check_ok!(sched::unbind_object(sc, thread));
    check_err!(sched::unbind_object(sc, thread), Error::IllegalOperation);
    // The running thread's own context cannot be taken away from it.
    check_err!(sched::unbind_object(slots::CAP_INIT_THREAD_SC, slots::CAP_INIT_THREAD_TCB), Error::IllegalOperation);
    check_err!(sched::unbind(slots::CAP_INIT_THREAD_SC), Error::IllegalOperation);
    // Notifications: one context each, and each context to one notification.
    let (ntfn, ntfn2) = (new_object(ObjectType::Notification, 0), new_object(ObjectType::Notification, 0));
    check_ok!(sched::bind(sc, ntfn));
    check_err!(sched::bind(sc, ntfn2), Error::IllegalOperation);
    check_err!(sched::bind(other, ntfn), Error::IllegalOperation);
    check_ok!(sched::unbind_object(sc, ntfn));
    check_err!(sched::unbind_object(sc, ntfn), Error::IllegalOperation);
    check_ok!(sched::unbind(sc));
    // Nothing to yield to without a thread.
    check_err!(sched::yield_to(sc), Error::IllegalOperation);
    check_err!(sched::yield_to(slots::CAP_INIT_THREAD_SC), Error::IllegalOperation);
    check_err!(invoke(sc, L::SchedControlConfigureFlags, &[], &[]), Error::IllegalOperation);
    Ok(())
}

fn tcb_invocations_check_handlers(_: &'static BootInfo) -> Outcome {
    let root = slots::CAP_INIT_THREAD_TCB;
    let thread = new_object(ObjectType::Tcb, 0);
    let endpoint = new_object(ObjectType::Endpoint, 0);
    let ntfn = new_object(ObjectType::Notification, 0);
    let sc = new_sched_context(1_000, 1_000);
    // The running thread may not give up its context.
    check_err!(tcb::set_sched_params(root, root, 255, 255, 0, 0), Error::IllegalOperation);
    let failure = check_err!(tcb::set_sched_params(thread, root, 0, 0, endpoint, 0), Error::InvalidCapability);
    check_eq!(failure.detail(), &[2u64][..]);
    let failure = check_err!(tcb::set_sched_params(thread, root, 0, 0, sc, ntfn), Error::InvalidCapability);
    check_eq!(failure.detail(), &[3u64][..]);
    // A fault endpoint needs grant or grant-reply.
    let no_grant = alloc_slot();
    check_ok!(cnode::mint(root_slot(no_grant), root_slot(endpoint), CapRights::new(false, false, true, true), 0));
    check_err!(tcb::set_sched_params(thread, root, 0, 0, sc, no_grant), Error::InvalidCapability);
    check_ok!(tcb::set_sched_params(thread, root, 0, 0, sc, endpoint));
    // Binds the context; a context bound elsewhere is refused.
    check_err!(sched::bind(sc, new_object(ObjectType::Tcb, 0)), Error::IllegalOperation);
    let thread2 = new_object(ObjectType::Tcb, 0);
    check_err!(tcb::set_sched_params(thread2, root, 0, 0, sc, 0), Error::IllegalOperation);
    // A null context unbinds it.
    check_ok!(tcb::set_sched_params(thread, root, 0, 0, 0, 0));
    check_ok!(sched::bind(sc, thread2));
    let failure = check_err!(tcb::set_timeout_endpoint(thread, ntfn), Error::InvalidCapability);
    check_eq!(failure.detail(), &[1u64][..]);
    check_ok!(tcb::set_timeout_endpoint(thread, endpoint));
    check_ok!(tcb::set_timeout_endpoint(thread, 0));
    check_err!(invoke(thread, L::TcbSetTimeoutEndpoint, &[], &[]), Error::TruncatedMessage);
    Ok(())
}

/// Spins for ever.
extern "C" fn spin(_: u64) -> ! {
    loop {
        core::hint::spin_loop();
    }
}

fn consumed_reports_time_used(_: &'static BootInfo) -> Outcome {
    let helper = spawn(255, 0, spin, 0);
    check_ok!(sched::consumed(helper.sc));
    // Our Yield gives up the rest of our slice; the helper spins through its whole 5 ms one.
    syscall::yield_now();
    let used = check_ok!(sched::consumed(helper.sc));
    check!((4_500..=5_000).contains(&used), "the helper used {used} us of a 5000 us slice");
    // Asking again reports only what was used since.
    check_eq!(check_ok!(sched::consumed(helper.sc)), 0);
    stop(helper);
    Ok(())
}

/// Receives calls on its endpoint and answers each with label + 1 and MRs + 1, counting them
/// in SEEN[1].
extern "C" fn echo(endpoint: u64) -> ! {
    let mut request = syscall::recv(endpoint);
    loop {
        SEEN.increment(1);
        let (info, mrs) = (request.info, request.mrs.map(|m| m + 1));
        request = syscall::reply_recv(endpoint, MessageInfo::new(info.label() + 1, 0, 0, info.length()), mrs);
    }
}

/// A server that reached its first receive, then lost its context: it runs only on its callers'.
fn passive_server(endpoint: u64, priority: u64) -> crate::support::Helper {
    let server = spawn(priority, 0, echo, endpoint);
    let_others_run();
    server
}

/// Lets every thread of lower priority run until it blocks: we drop to priority 0, and come
/// back to 255 when nothing else can run.
fn let_others_run() {
    let root = slots::CAP_INIT_THREAD_TCB;
    tcb::set_priority(root, root, 0).expect("lowering our priority");
    tcb::set_priority(root, root, 255).expect("restoring our priority");
}

fn passive_server_runs_on_callers_context(_: &'static BootInfo) -> Outcome {
    SEEN.clear();
    let endpoint = new_object(ObjectType::Endpoint, 0);
    let server = spawn(255, 0, echo, endpoint);
    syscall::yield_now();
    check_eq!(SEEN.get(1), 0);
    // It waits in its receive; without its context it can run only on a caller's.
    check_ok!(sched::unbind_object(server.sc, server.tcb));
    for round in 1..=3u64 {
        let reply = syscall::call(endpoint, MessageInfo::new(7, 0, 0, 2), [round, 10, 0, 0]);
        check_eq!((reply.info.label(), reply.info.length()), (8, 2));
        check_eq!(&reply.mrs[..2], &[round + 1, 11][..]);
        check_eq!(SEEN.get(1), round);
    }
    // Our context came back each time: we still run, and may not unbind it from ourselves.
    check_err!(sched::unbind(slots::CAP_INIT_THREAD_SC), Error::IllegalOperation);
    // A passive server at a lower priority (the general path) works the same.
    let endpoint2 = new_object(ObjectType::Endpoint, 0);
    let low = passive_server(endpoint2, 100);
    check_ok!(sched::unbind_object(low.sc, low.tcb));
    let before = SEEN.get(1);
    let reply = syscall::call(endpoint2, MessageInfo::new(1, 0, 0, 1), [5, 0, 0, 0]);
    check_eq!((reply.info.label(), reply.mrs[0], SEEN.get(1)), (2, 6, before + 1));
    stop(low);
    stop(server);
    Ok(())
}

/// Receives one message, records its first MR in SEEN[2], parks.
extern "C" fn receive_one(endpoint: u64) -> ! {
    SEEN.set(2, syscall::recv(endpoint).mrs[0]);
    park()
}

fn send_lends_no_context(_: &'static BootInfo) -> Outcome {
    SEEN.clear();
    let endpoint = new_object(ObjectType::Endpoint, 0);
    let server = spawn(255, 0, receive_one, endpoint);
    syscall::yield_now();
    check_ok!(sched::unbind_object(server.sc, server.tcb));
    // A Send delivers the message but lends nothing: the server cannot run to record it.
    syscall::send(endpoint, MessageInfo::new(0, 0, 0, 1), [77, 0, 0, 0]);
    yield_times(2);
    check_eq!(SEEN.get(2), 0);
    // Given a context, it runs on from where it was.
    check_ok!(sched::bind(server.sc, server.tcb));
    yield_times(2);
    check_eq!(SEEN.get(2), 77);
    stop(server);
    Ok(())
}

/// Windows of running measured by `measure_windows`: start and end times (timebase).
static WINDOWS: [Board; 2] = [Board::new(), Board::new()];
const WINDOW_COUNT: usize = 7;
/// Set in WINDOWS[0] when the windows are measured.
const WINDOWS_DONE: usize = 7;

/// Spins reading the timebase; a jump of more than 50 us means it was not running, which ends
/// a window. Records WINDOW_COUNT windows, then says it is done.
extern "C" fn measure_windows(_: u64) -> ! {
    let (mut last, mut start) = (read_time(), read_time());
    let mut count = 0;
    loop {
        let now = read_time();
        if now - last > 50 * TICKS_PER_US {
            WINDOWS[0].set(count, start);
            WINDOWS[1].set(count, last);
            count += 1;
            start = now;
            if count == WINDOW_COUNT {
                WINDOWS[0].set(WINDOWS_DONE, 1);
                park();
            }
        }
        last = now;
    }
}

fn periodic_thread_gets_its_budget(_: &'static BootInfo) -> Outcome {
    const BUDGET_US: u64 = 1_000;
    const PERIOD_US: u64 = 5_000;
    let helper = new_helper(100, 0);
    check_ok!(configure(helper.sc, BUDGET_US, PERIOD_US));
    WINDOWS[0].set(WINDOWS_DONE, 0);
    start(&helper, measure_windows, 0);
    // We spin below the helper's priority while it measures, so the machine never idles: QEMU's
    // clock then counts instructions only, and release times are exact.
    let root = slots::CAP_INIT_THREAD_TCB;
    check_ok!(tcb::set_priority(root, root, 50));
    while WINDOWS[0].get(WINDOWS_DONE) == 0 {
        core::hint::spin_loop();
    }
    check_ok!(tcb::set_priority(root, root, 255));
    stop(helper);
    let (budget, period) = (BUDGET_US * TICKS_PER_US, PERIOD_US * TICKS_PER_US);
    // The first window may start mid-period; from the second on, each runs for its budget (less
    // the kernel's entry and exit), and the next starts a period later: never sooner, and no
    // later than the kernel's wake-up path allows.
    for window in 1..WINDOW_COUNT - 1 {
        let (start, end) = (WINDOWS[0].get(window), WINDOWS[1].get(window));
        let length = end - start;
        check!(length <= budget && length >= budget - budget / 20, "window {window} ran {length} ticks");
        let next = WINDOWS[0].get(window + 1);
        let spacing = next - start;
        let on_time = spacing + budget / 100 >= period && spacing <= period + period / 50;
        check!(on_time, "window {window} started {spacing} ticks before the next");
    }
    Ok(())
}

fn timeout_fault_reaches_the_handler(_: &'static BootInfo) -> Outcome {
    let timeout_endpoint = new_object(ObjectType::Endpoint, 0);
    let helper = new_helper(100, 0);
    check_ok!(sched::configure_flags(sched_control(), helper.sc, 500, 10_000, 0, 0x77, 0));
    check_ok!(tcb::set_timeout_endpoint(helper.tcb, timeout_endpoint));
    start(&helper, spin, 0);
    let fault = syscall::recv(timeout_endpoint);
    check_eq!((fault.info.label(), fault.info.length()), (FaultType::Timeout.value(), 2));
    check_eq!(fault.mrs[0], 0x77);
    check!((400..=500).contains(&fault.mrs[1]), "consumed {} us of a 500 us budget", fault.mrs[1]);
    // The handler's reply restarts the thread; it spins into its next timeout, a period later.
    let at = read_time();
    syscall::reply(MessageInfo::new(0, 0, 0, 0), [0; 4]);
    let again = syscall::recv(timeout_endpoint);
    check_eq!((again.info.label(), again.mrs[0]), (FaultType::Timeout.value(), 0x77));
    let waited = read_time() - at;
    check!(waited >= 9_000 * TICKS_PER_US, "the next timeout came after {waited} ticks");
    stop(helper);
    Ok(())
}

/// Receives a call (on a lent context), signals SEEN[3], then waits on the notification in
/// SEEN[4] before counting in SEEN[5]; never replies.
extern "C" fn hold_the_call(endpoint: u64) -> ! {
    syscall::recv(endpoint);
    SEEN.increment(3);
    syscall::wait(SEEN.get(4));
    SEEN.increment(5);
    park()
}

/// Calls the endpoint once.
extern "C" fn call_once(endpoint: u64) -> ! {
    syscall::call(endpoint, MessageInfo::new(0, 0, 0, 0), [0; 4]);
    SEEN.increment(6);
    park()
}

/// The server's reply object (the helper runtime keeps it in the IPC buffer's user data).
fn reply_of(helper: &crate::support::Helper) -> u64 {
    let user_data = helper.ipc_buffer as usize + core::mem::offset_of!(atoll_sdk::abi::IpcBuffer, user_data);
    // SAFETY: the helper's IPC page is a static of this image; the word was written at setup.
    unsafe { (user_data as *const u64).read_volatile() }
}

/// A passive server holding a client's context in the middle of its call.
fn call_in_progress() -> (crate::support::Helper, crate::support::Helper) {
    SEEN.clear();
    SEEN.set(4, new_object(ObjectType::Notification, 0));
    let endpoint = new_object(ObjectType::Endpoint, 0);
    let server = passive_server_for(endpoint);
    let client = spawn(100, 0, call_once, endpoint);
    // The client calls, the server runs on its context and blocks holding it.
    let_others_run();
    (server, client)
}

fn passive_server_for(endpoint: u64) -> crate::support::Helper {
    let server = spawn(100, 0, hold_the_call, endpoint);
    // Let it reach its receive, then take its context.
    let_others_run();
    sched::unbind_object(server.sc, server.tcb).expect("a blocked server's context can be taken");
    server
}

fn deleting_reply_mid_call(_: &'static BootInfo) -> Outcome {
    let (server, client) = call_in_progress();
    check_eq!(SEEN.get(3), 1);
    // The client's context is with the server.
    check_err!(sched::unbind_object(client.sc, client.tcb), Error::IllegalOperation);
    // Deleting the server's reply object ends the call: the context goes back to the client.
    check_ok!(cnode::delete(root_slot(reply_of(&server))));
    check_ok!(sched::unbind_object(client.sc, client.tcb));
    // The server has no context now: woken, it cannot run.
    syscall::signal(SEEN.get(4));
    yield_times(2);
    check_eq!((SEEN.get(5), SEEN.get(6)), (0, 0));
    stop(client);
    stop(server);
    Ok(())
}

fn deleting_context_mid_call(_: &'static BootInfo) -> Outcome {
    let (server, client) = call_in_progress();
    check_eq!(SEEN.get(3), 1);
    // Deleting the client's context takes it from the server that runs on it.
    check_ok!(cnode::delete(root_slot(client.sc)));
    syscall::signal(SEEN.get(4));
    yield_times(2);
    check_eq!(SEEN.get(5), 0);
    // Given a context of its own, the server goes on; the client still waits for its reply.
    let fresh = new_sched_context(1_000, 1_000);
    check_ok!(sched::bind(fresh, server.tcb));
    let_others_run();
    check_eq!((SEEN.get(5), SEEN.get(6)), (1, 0));
    stop(client);
    stop(server);
    Ok(())
}

/// Records that it ran in SEEN[7], then parks.
extern "C" fn mark(_: u64) -> ! {
    SEEN.set(7, 1);
    park()
}

fn yield_to_runs_the_target_first(_: &'static BootInfo) -> Outcome {
    SEEN.clear();
    // Same priority as us: it would not run before we yield, but YieldTo runs it first.
    let helper = spawn(255, 0, mark, 0);
    check_eq!(SEEN.get(7), 0);
    check_ok!(sched::yield_to(helper.sc));
    check_eq!(SEEN.get(7), 1);
    // A lower-priority target is only moved to the front of its queue: we go on at once.
    SEEN.set(7, 0);
    let low = spawn(100, 0, mark, 0);
    check_ok!(sched::yield_to(low.sc));
    check_eq!(SEEN.get(7), 0);
    stop(low);
    stop(helper);
    Ok(())
}

/// Signals `done` and waits on the notification in its argument, counting wakes in MORE[0].
extern "C" fn wait_on_notification(ntfn: u64) -> ! {
    loop {
        syscall::nb_send_wait(done_notification(), MessageInfo::new(0, 0, 0, 0), [0; 4], ntfn);
        MORE.increment(0);
    }
}

fn notification_lends_its_context(_: &'static BootInfo) -> Outcome {
    MORE.clear();
    let ntfn = new_object(ObjectType::Notification, 0);
    let helper = spawn(100, 0, wait_on_notification, ntfn);
    wait_done();
    check_ok!(sched::unbind_object(helper.sc, helper.tcb));
    let lent = new_sched_context(1_000, 1_000);
    check_ok!(sched::bind(lent, ntfn));
    // The signal lends the notification's context: the waiter runs, and gives it back when it
    // waits again.
    syscall::signal(ntfn);
    wait_done();
    check_eq!(MORE.get(0), 1);
    check_err!(sched::unbind_object(lent, helper.tcb), Error::IllegalOperation);
    check_ok!(sched::unbind_object(lent, ntfn));
    // Without it the waiter cannot run.
    syscall::signal(ntfn);
    yield_times(2);
    check_eq!(MORE.get(0), 1);
    stop(helper);
    Ok(())
}

/// Receives a message on the endpoint in its argument, records MR 0 in MORE[1] and sends MR 0
/// plus one back on the endpoint after it (slot + 1 by construction).
extern "C" fn relay(endpoint: u64) -> ! {
    let message = syscall::recv(endpoint);
    MORE.set(1, message.mrs[0]);
    syscall::send(endpoint + 1, MessageInfo::new(0, 0, 0, 1), [message.mrs[0] + 1, 0, 0, 0]);
    park()
}

fn nbsendrecv_and_nbwait(_: &'static BootInfo) -> Outcome {
    MORE.clear();
    let ntfn = new_object(ObjectType::Notification, 0);
    check_eq!(syscall::poll(ntfn), 0);
    let badged = alloc_slot();
    check_ok!(cnode::mint(root_slot(badged), root_slot(ntfn), CapRights::ALL_RIGHTS, 0x30));
    syscall::signal(badged);
    check_eq!(syscall::poll(ntfn), 0x30);
    check_eq!(syscall::poll(ntfn), 0);
    // Two endpoints in consecutive slots.
    let untyped = crate::support::fresh_untyped(12);
    let first = crate::support::alloc_slots(2);
    check_ok!(crate::support::retype(untyped, ObjectType::Endpoint, 0, first, 2));
    let helper = spawn(100, 0, relay, first);
    let_others_run();
    // One system call sends to the waiting relay and receives its answer.
    let answer = syscall::nb_send_recv(
        first,
        MessageInfo::new(0, 0, 0, 1),
        [41, 0, 0, 0],
        first + 1,
        atoll_sdk::runtime::reply_cap(),
    );
    check_eq!((MORE.get(1), answer.mrs[0]), (41, 42));
    stop(helper);
    Ok(())
}
