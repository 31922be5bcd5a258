//! Restarting a stopped thread (seL4's restart, reached by TCB_Resume and by WriteRegisters and
//! CopyRegisters with the resume flag): a thread blocked on send, receive, a notification or a
//! reply leaves that queue or call and runs again. Resume alone makes it re-execute the system
//! call it was blocked in (at the back of the queue); a new program counter makes it run there.
use crate::framework::{Outcome, Test};
use crate::support::{
    Board, Helper, alloc_slot, new_helper, new_object, park, root_slot, spawn, start_registers, stop, yield_times,
};
use crate::{check_eq, check_err, check_ok};
use atoll_sdk::abi::{CapRights, Error, MessageInfo, ObjectType};
use atoll_sdk::{BootInfo, cnode, syscall, tcb};

pub const TESTS: &[Test] = &[
    Test { name: "restart::resume_blocked_sender_sends_again_behind_others", run: resume_sender },
    Test { name: "restart::resume_blocked_receiver_receives_again_behind_others", run: resume_receiver },
    Test { name: "restart::resume_blocked_waiter_waits_again_behind_others", run: resume_waiter },
    Test { name: "restart::resume_blocked_caller_cancels_reply_and_calls_again", run: resume_caller },
    Test { name: "restart::write_registers_resume_moves_blocked_sender", run: write_sender },
    Test { name: "restart::write_registers_resume_moves_blocked_receiver", run: write_receiver },
    Test { name: "restart::write_registers_resume_moves_blocked_waiter", run: write_waiter },
    Test { name: "restart::write_registers_resume_moves_blocked_caller", run: write_caller },
    Test { name: "restart::copy_registers_resume_moves_blocked_sender", run: copy_sender },
    Test { name: "restart::copy_registers_resume_moves_blocked_receiver", run: copy_receiver },
    Test { name: "restart::copy_registers_resume_moves_blocked_waiter", run: copy_waiter },
    Test { name: "restart::copy_registers_resume_moves_blocked_caller", run: copy_caller },
    Test { name: "restart::moved_bound_receiver_keeps_binding_but_not_signals", run: moved_bound_receiver },
    Test { name: "restart::call_with_a_recorded_fault_sends_the_fault", run: call_with_recorded_fault },
];

/// Words 1 and 2: what helper 1 and 2 received; word 3: the marker `moved` writes.
static SEEN: Board = Board::new();
const MOVED_MARKER: u64 = 0x5eed;

/// A helper's argument: the object it blocks on and its id (1 or 2).
fn arg(object: u64, id: u64) -> u64 {
    object << 8 | id
}

fn split(arg: u64) -> (u64, usize) {
    (arg >> 8, (arg & 0xff) as usize)
}

/// Sends its id as MR 0; records 1 once the send completes.
extern "C" fn sender(arg: u64) -> ! {
    let (endpoint, id) = split(arg);
    syscall::send(endpoint, MessageInfo::new(0, 0, 0, 1), [id as u64, 0, 0, 0]);
    SEEN.set(id, 1);
    park()
}

/// Receives once and records MR 0, or the badge when MR 0 is zero (a bound signal).
extern "C" fn receiver(arg: u64) -> ! {
    let (endpoint, id) = split(arg);
    let message = syscall::recv(endpoint);
    SEEN.set(id, if message.mrs[0] != 0 { message.mrs[0] } else { message.badge });
    park()
}

/// Waits once and records the badge.
extern "C" fn waiter(arg: u64) -> ! {
    let (notification, id) = split(arg);
    SEEN.set(id, syscall::wait(notification));
    park()
}

/// Calls with its id as MR 0 and records the reply's MR 0.
extern "C" fn caller(arg: u64) -> ! {
    let (endpoint, id) = split(arg);
    let reply = syscall::call(endpoint, MessageInfo::new(0, 0, 0, 1), [id as u64, 0, 0, 0]);
    SEEN.set(id, reply.mrs[0]);
    park()
}

/// The new program counter: records that it ran.
extern "C" fn moved(marker: u64) -> ! {
    SEEN.set(3, marker);
    park()
}

/// How the test restarts the first blocked helper.
#[derive(Clone, Copy)]
enum How {
    Resume,
    WriteRegisters,
    CopyRegisters,
}

/// Restarts `helper`; with a new program counter (`moved`) unless `how` is plain Resume.
fn restart(helper: &Helper, how: How) -> Outcome {
    let regs = start_registers(helper, moved, MOVED_MARKER);
    match how {
        How::Resume => check_ok!(tcb::resume(helper.tcb)),
        How::WriteRegisters => check_ok!(tcb::write_registers(helper.tcb, true, &regs)),
        How::CopyRegisters => {
            let template = new_helper(255, 0);
            check_ok!(tcb::write_registers(template.tcb, false, &regs));
            let copied = tcb::copy_registers(helper.tcb, template.tcb, false, true, true, true);
            stop(template);
            check_ok!(copied)
        }
    }
    yield_times(3);
    let expected = if matches!(how, How::Resume) { 0 } else { MOVED_MARKER };
    check_eq!(SEEN.get(3), expected);
    Ok(())
}

/// Two helpers blocked on `object` in the order 1, 2.
fn two_blocked(entry: extern "C" fn(u64) -> !, object: u64) -> [Helper; 2] {
    SEEN.clear();
    [1, 2].map(|id| {
        let helper = spawn(255, 0, entry, arg(object, id));
        yield_times(2);
        helper
    })
}

fn blocked_sender(how: How) -> Outcome {
    let endpoint = new_object(ObjectType::Endpoint, 0);
    let [first, second] = two_blocked(sender, endpoint);
    restart(&first, how)?;
    // The second sender is now at the head of the queue.
    check_eq!(syscall::recv(endpoint).mrs[0], 2);
    match how {
        // The first re-executed its Send with the same message, behind the second.
        How::Resume => {
            check_eq!(syscall::recv(endpoint).mrs[0], 1);
            yield_times(2);
            check_eq!(SEEN.get(1), 1);
        }
        // It left the queue for good; its send never completed.
        _ => {
            check_eq!(syscall::nb_recv(endpoint).info.length(), 0);
            check_eq!(SEEN.get(1), 0);
        }
    }
    stop(first);
    stop(second);
    Ok(())
}

fn blocked_receiver(how: How) -> Outcome {
    let endpoint = new_object(ObjectType::Endpoint, 0);
    let [first, second] = two_blocked(receiver, endpoint);
    restart(&first, how)?;
    syscall::send(endpoint, MessageInfo::new(0, 0, 0, 1), [10, 0, 0, 0]);
    yield_times(2);
    check_eq!((SEEN.get(1), SEEN.get(2)), (0, 10));
    // Resumed, the first waits again behind the second; moved, it waits no more and the message
    // finds no receiver.
    syscall::nb_send(endpoint, MessageInfo::new(0, 0, 0, 1), [11, 0, 0, 0]);
    yield_times(2);
    let expected = if matches!(how, How::Resume) { 11 } else { 0 };
    check_eq!(SEEN.get(1), expected);
    stop(first);
    stop(second);
    Ok(())
}

fn blocked_waiter(how: How) -> Outcome {
    let notification = new_object(ObjectType::Notification, 0);
    let badged = alloc_slot();
    check_ok!(cnode::mint(root_slot(badged), root_slot(notification), CapRights::ALL_RIGHTS, 0b100));
    let [first, second] = two_blocked(waiter, notification);
    restart(&first, how)?;
    syscall::signal(badged);
    yield_times(2);
    check_eq!((SEEN.get(1), SEEN.get(2)), (0, 0b100));
    // Resumed, the first waits again and takes the next signal; moved, nobody waits and the
    // signal stays pending.
    syscall::signal(badged);
    yield_times(2);
    match how {
        How::Resume => check_eq!((SEEN.get(1), syscall::poll(notification)), (0b100, 0)),
        _ => check_eq!((SEEN.get(1), syscall::poll(notification)), (0, 0b100)),
    }
    stop(first);
    stop(second);
    Ok(())
}

fn blocked_caller(how: How) -> Outcome {
    SEEN.clear();
    let endpoint = new_object(ObjectType::Endpoint, 0);
    let client = spawn(255, 0, caller, arg(endpoint, 1));
    // We take its call, so it waits for our reply.
    check_eq!(syscall::recv(endpoint).mrs[0], 1);
    restart(&client, how)?;
    // Restarting it cancelled the call: our reply cap is gone and a reply reaches nobody.
    syscall::reply(MessageInfo::new(0, 0, 0, 1), [77, 0, 0, 0]);
    yield_times(2);
    check_eq!(SEEN.get(1), 0);
    match how {
        // Resumed, it makes its call again, and that one gets our reply.
        How::Resume => {
            check_eq!(syscall::recv(endpoint).mrs[0], 1);
            syscall::reply(MessageInfo::new(0, 0, 0, 1), [78, 0, 0, 0]);
            yield_times(2);
            check_eq!(SEEN.get(1), 78);
        }
        _ => check_eq!(syscall::nb_recv(endpoint).info.length(), 0),
    }
    stop(client);
    Ok(())
}

fn resume_sender(_: &'static BootInfo) -> Outcome {
    blocked_sender(How::Resume)
}
fn resume_receiver(_: &'static BootInfo) -> Outcome {
    blocked_receiver(How::Resume)
}
fn resume_waiter(_: &'static BootInfo) -> Outcome {
    blocked_waiter(How::Resume)
}
fn resume_caller(_: &'static BootInfo) -> Outcome {
    blocked_caller(How::Resume)
}
fn write_sender(_: &'static BootInfo) -> Outcome {
    blocked_sender(How::WriteRegisters)
}
fn write_receiver(_: &'static BootInfo) -> Outcome {
    blocked_receiver(How::WriteRegisters)
}
fn write_waiter(_: &'static BootInfo) -> Outcome {
    blocked_waiter(How::WriteRegisters)
}
fn write_caller(_: &'static BootInfo) -> Outcome {
    blocked_caller(How::WriteRegisters)
}
fn copy_sender(_: &'static BootInfo) -> Outcome {
    blocked_sender(How::CopyRegisters)
}
fn copy_receiver(_: &'static BootInfo) -> Outcome {
    blocked_receiver(How::CopyRegisters)
}
fn copy_waiter(_: &'static BootInfo) -> Outcome {
    blocked_waiter(How::CopyRegisters)
}
fn copy_caller(_: &'static BootInfo) -> Outcome {
    blocked_caller(How::CopyRegisters)
}

/// A thread bound to a notification and blocked receiving on an endpoint, moved elsewhere: the
/// binding stays (a second bind is refused), but a signal no longer finds it waiting, so it
/// stays pending on the notification.
fn moved_bound_receiver(_: &'static BootInfo) -> Outcome {
    SEEN.clear();
    let endpoint = new_object(ObjectType::Endpoint, 0);
    let notification = new_object(ObjectType::Notification, 0);
    let badged = alloc_slot();
    check_ok!(cnode::mint(root_slot(badged), root_slot(notification), CapRights::ALL_RIGHTS, 0b10));
    let helper = new_helper(255, 0);
    check_ok!(tcb::bind_notification(helper.tcb, notification));
    check_ok!(tcb::write_registers(helper.tcb, true, &start_registers(&helper, receiver, arg(endpoint, 1))));
    yield_times(2);
    restart(&helper, How::WriteRegisters)?;
    syscall::signal(badged);
    yield_times(2);
    check_eq!(SEEN.get(1), 0);
    let other = new_object(ObjectType::Notification, 0);
    check_err!(tcb::bind_notification(helper.tcb, other), Error::IllegalOperation);
    // Only the bound thread may wait on a bound notification: unbind it to look at the word.
    check_ok!(tcb::unbind_notification(helper.tcb));
    check_eq!(syscall::poll(notification), 0b10);
    stop(helper);
    Ok(())
}

/// Makes a system call seL4 does not have: with nobody waiting on its fault endpoint, the
/// thread blocks sending the fault, which stays recorded.
extern "C" fn faults_at_once(_: u64) -> ! {
    syscall::raw(4242, [0; 6]);
    park()
}

/// Calls the endpoint with a short message that the fastpath could carry.
extern "C" fn calls(endpoint: u64) -> ! {
    syscall::call(endpoint, MessageInfo::new(0x33, 0, 0, 1), [7, 0, 0, 0]);
    park()
}

/// Receives once and records the message's label.
extern "C" fn records_label(endpoint: u64) -> ! {
    SEEN.set(1, syscall::recv(endpoint).info.label());
    park()
}

/// A thread blocked sending a fault keeps the fault when restarted elsewhere (seL4's cancelIPC
/// leaves it), so its next Call delivers the fault message, not its own. The fastpath must see
/// the recorded fault and leave such a Call to the general path, as seL4's fastpath does.
fn call_with_recorded_fault(_: &'static BootInfo) -> Outcome {
    SEEN.clear();
    let fault_endpoint = new_object(ObjectType::Endpoint, 0);
    let endpoint = new_object(ObjectType::Endpoint, 0);
    // Everything else is as the fastpath wants it: a waiting server of the same priority in the
    // same address space, a message in registers, no caps.
    let server = spawn(255, 0, records_label, endpoint);
    let client = spawn(255, fault_endpoint, faults_at_once, 0);
    yield_times(2);
    check_eq!(SEEN.get(1), 0);
    check_ok!(tcb::write_registers(client.tcb, true, &start_registers(&client, calls, endpoint)));
    yield_times(2);
    // With MCS, cancelling a thread's IPC drops its recorded fault (seL4's MCS cancelIPC), so
    // the Call sends its own message.
    let expected = if cfg!(feature = "mcs") { 0x33 } else { atoll_sdk::abi::FaultType::UnknownSyscall.value() };
    check_eq!(SEEN.get(1), expected);
    stop(client);
    stop(server);
    Ok(())
}
