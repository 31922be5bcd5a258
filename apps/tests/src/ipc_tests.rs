//! IPC through endpoints (sel4test's IPC and IPCRIGHTS areas and more): send/receive, call and
//! reply, long messages, badges, capability transfer and unwrapping, rights.
use crate::framework::{Outcome, Test};
use crate::support::{Board, alloc_slot, done, my_ipc_buffer, new_object, park, root_slot, spawn, stop, wait_done};
use crate::{check, check_eq, check_ok};
use atoll_sdk::abi::{CapRights, CapType, MessageInfo, ObjectType, slots};
use atoll_sdk::syscall::{self, debug_cap_identify as identify};
use atoll_sdk::{BootInfo, cnode};

pub const TESTS: &[Test] = &[
    Test { name: "ipc::call_and_reply", run: call_and_reply },
    Test { name: "ipc::send_blocks_until_received_with_badge", run: send_blocks_until_received_with_badge },
    Test { name: "ipc::long_message_through_ipc_buffers", run: long_message_through_ipc_buffers },
    Test { name: "ipc::reply_recv_serves_many_calls", run: reply_recv_serves_many_calls },
    Test { name: "ipc::nbsend_without_receiver_is_dropped", run: nbsend_without_receiver_is_dropped },
    Test { name: "ipc::nbrecv_without_sender_returns_badge_zero", run: nbrecv_without_sender_returns_badge_zero },
    Test { name: "ipc::senders_queue_in_fifo_order", run: senders_queue_in_fifo_order },
    Test { name: "ipc::cap_transfer_into_receive_slot", run: cap_transfer_into_receive_slot },
    Test { name: "ipc::cap_to_same_endpoint_is_unwrapped", run: cap_to_same_endpoint_is_unwrapped },
    Test { name: "ipcrights::no_grant_no_cap_transfer", run: no_grant_no_cap_transfer },
    #[cfg(not(feature = "mcs"))]
    Test {
        name: "ipcrights::call_without_grant_rights_gets_no_reply_cap",
        run: call_without_grant_rights_gets_no_reply_cap,
    },
    Test { name: "ipcrights::receive_needs_read_right", run: receive_needs_read_right },
    Test { name: "ipc::send_needs_write_right", run: send_needs_write_right },
    Test {
        name: "cancel_badged_sends::restarts_only_senders_with_that_badge",
        run: cancel_badged_sends_restarts_one_badge,
    },
];

static SEEN: Board = Board::new();

/// Echo server: replies to each call with label+1 and each MR plus 1; arg = endpoint.
extern "C" fn echo_server(endpoint: u64) -> ! {
    let mut request = syscall::recv(endpoint);
    loop {
        let info = request.info;
        let mrs = request.mrs.map(|m| m.wrapping_add(1));
        SEEN.set(0, request.badge);
        request = syscall::reply_recv(endpoint, MessageInfo::new(info.label() + 1, 0, 0, info.length()), mrs);
    }
}

fn call_and_reply(_: &'static BootInfo) -> Outcome {
    let endpoint = new_object(ObjectType::Endpoint, 0);
    let server = spawn(100, 0, echo_server, endpoint);
    let reply = syscall::call(endpoint, MessageInfo::new(7, 0, 0, 3), [10, 20, 30, 40]);
    check_eq!((reply.info.label(), reply.info.length()), (8, 3));
    check_eq!(&reply.mrs[..3], &[11, 21, 31][..]);
    check_eq!(reply.badge, 0);
    stop(server);
    Ok(())
}

/// Receives once and records the badge and first two MRs, then parks.
extern "C" fn receive_once(endpoint: u64) -> ! {
    let message = syscall::recv(endpoint);
    SEEN.set(1, message.badge);
    SEEN.set(2, message.mrs[0]);
    SEEN.set(3, message.info.length());
    done();
    park()
}

fn send_blocks_until_received_with_badge(_: &'static BootInfo) -> Outcome {
    let endpoint = new_object(ObjectType::Endpoint, 0);
    let badged = alloc_slot();
    check_ok!(cnode::mint(root_slot(badged), root_slot(endpoint), CapRights::ALL_RIGHTS, 0x1234));
    let receiver = spawn(100, 0, receive_once, endpoint);
    // The receiver has lower priority: it has not run yet, so this Send blocks until it does.
    syscall::send(badged, MessageInfo::new(0, 0, 0, 2), [99, 98, 0, 0]);
    wait_done();
    check_eq!((SEEN.get(1), SEEN.get(2), SEEN.get(3)), (0x1234, 99, 2));
    stop(receiver);
    Ok(())
}

/// Replies with the sum of all MRs it got and echoes MR 119 back.
extern "C" fn sum_server(endpoint: u64) -> ! {
    let request = syscall::recv(endpoint);
    let length = request.info.length() as usize;
    let buffer = my_ipc_buffer();
    let mut sum = 0u64;
    for index in 0..length {
        sum += if index < 4 { request.mrs[index] } else { buffer.msg[index] };
    }
    let last = if length == 120 { atoll_sdk::invocation::reply_mr(&request, 119) } else { 0 };
    buffer.msg[5] = last;
    syscall::reply(MessageInfo::new(0, 0, 0, 6), [sum, length as u64, 0, 0]);
    park()
}

fn long_message_through_ipc_buffers(_: &'static BootInfo) -> Outcome {
    let endpoint = new_object(ObjectType::Endpoint, 0);
    let server = spawn(100, 0, sum_server, endpoint);
    let buffer = atoll_sdk::runtime::ipc_buffer();
    for index in 4..120 {
        buffer.msg[index] = index as u64;
    }
    let reply = syscall::call(endpoint, MessageInfo::new(0, 0, 0, 120), [0, 1, 2, 3]);
    check_eq!(reply.mrs[0], (0..120u64).sum::<u64>());
    check_eq!(reply.mrs[1], 120);
    check_eq!(reply.info.length(), 6);
    check_eq!(atoll_sdk::runtime::ipc_buffer().msg[5], 119);
    stop(server);
    Ok(())
}

fn reply_recv_serves_many_calls(_: &'static BootInfo) -> Outcome {
    let endpoint = new_object(ObjectType::Endpoint, 0);
    let badged = alloc_slot();
    check_ok!(cnode::mint(root_slot(badged), root_slot(endpoint), CapRights::ALL_RIGHTS, 5));
    let server = spawn(100, 0, echo_server, endpoint);
    for round in 0..20u64 {
        let reply = syscall::call(badged, MessageInfo::new(round, 0, 0, 1), [round * 3, 0, 0, 0]);
        check_eq!((reply.info.label(), reply.mrs[0]), (round + 1, round * 3 + 1));
        check_eq!(SEEN.get(0), 5);
    }
    stop(server);
    Ok(())
}

fn nbsend_without_receiver_is_dropped(_: &'static BootInfo) -> Outcome {
    let endpoint = new_object(ObjectType::Endpoint, 0);
    syscall::nb_send(endpoint, MessageInfo::new(1, 0, 0, 1), [77, 0, 0, 0]);
    let got = syscall::nb_recv(endpoint);
    check_eq!(got.badge, 0);
    check!(got.mrs[0] != 77 || got.info.length() == 0);
    Ok(())
}

fn nbrecv_without_sender_returns_badge_zero(_: &'static BootInfo) -> Outcome {
    let endpoint = new_object(ObjectType::Endpoint, 0);
    let badged = alloc_slot();
    check_ok!(cnode::mint(root_slot(badged), root_slot(endpoint), CapRights::ALL_RIGHTS, 9));
    check_eq!(syscall::nb_recv(endpoint).badge, 0);
    Ok(())
}

/// Sends its argument's low byte as MR0 on the endpoint in its argument's high bits.
extern "C" fn send_tagged(arg: u64) -> ! {
    syscall::send(arg >> 8, MessageInfo::new(0, 0, 0, 1), [arg & 0xff, 0, 0, 0]);
    park()
}

fn senders_queue_in_fifo_order(_: &'static BootInfo) -> Outcome {
    let endpoint = new_object(ObjectType::Endpoint, 0);
    // Higher priority than us: each runs at once and blocks on the endpoint, in start order.
    // Same priority as us: a yield lets each run and block on the endpoint in turn. (A thread
    // that is resumed goes to the head of its ready queue, as in seL4, so without the yields
    // the last one started would send first.)
    let senders = [1u64, 2, 3].map(|tag| {
        let sender = spawn(255, 0, send_tagged, endpoint << 8 | tag);
        syscall::yield_now();
        sender
    });
    for expected in [1u64, 2, 3] {
        check_eq!(syscall::recv(endpoint).mrs[0], expected);
    }
    senders.into_iter().for_each(stop);
    Ok(())
}

/// Receives one cap into root CNode slot `arg & 0xfff` from endpoint `arg >> 12`; records the
/// message's extra-cap count and unwrapped mask and caps_or_badges[0].
extern "C" fn receive_cap(arg: u64) -> ! {
    let buffer = my_ipc_buffer();
    buffer.receive_cnode = slots::CAP_INIT_THREAD_CNODE;
    buffer.receive_index = arg & 0xfff;
    buffer.receive_depth = 64;
    let message = syscall::recv(arg >> 12);
    SEEN.set(4, message.info.extra_caps());
    SEEN.set(5, message.info.caps_unwrapped());
    SEEN.set(6, my_ipc_buffer().caps_or_badges[0]);
    done();
    park()
}

fn send_with_cap(endpoint: u64, cap: u64) {
    atoll_sdk::runtime::ipc_buffer().caps_or_badges[0] = cap;
    syscall::send(endpoint, MessageInfo::new(0, 0, 1, 0), [0; 4]);
}

fn cap_transfer_into_receive_slot(_: &'static BootInfo) -> Outcome {
    let endpoint = new_object(ObjectType::Endpoint, 0);
    let target = alloc_slot();
    let receiver = spawn(255, 0, receive_cap, endpoint << 12 | target);
    send_with_cap(endpoint, slots::CAP_DOMAIN);
    wait_done();
    check_eq!((SEEN.get(4), SEEN.get(5)), (1, 0));
    check_eq!(identify(target), CapType::Domain.value());
    stop(receiver);
    Ok(())
}

fn cap_to_same_endpoint_is_unwrapped(_: &'static BootInfo) -> Outcome {
    let endpoint = new_object(ObjectType::Endpoint, 0);
    let badged = alloc_slot();
    check_ok!(cnode::mint(root_slot(badged), root_slot(endpoint), CapRights::ALL_RIGHTS, 0xbad));
    let target = alloc_slot();
    let receiver = spawn(255, 0, receive_cap, endpoint << 12 | target);
    send_with_cap(endpoint, badged);
    wait_done();
    check_eq!((SEEN.get(4), SEEN.get(5), SEEN.get(6)), (1, 1, 0xbad));
    check_eq!(identify(target), 0);
    stop(receiver);
    Ok(())
}

fn no_grant_no_cap_transfer(_: &'static BootInfo) -> Outcome {
    let endpoint = new_object(ObjectType::Endpoint, 0);
    let no_grant = alloc_slot();
    check_ok!(cnode::mint(root_slot(no_grant), root_slot(endpoint), CapRights::new(false, false, true, true), 0));
    let target = alloc_slot();
    let receiver = spawn(255, 0, receive_cap, endpoint << 12 | target);
    send_with_cap(no_grant, slots::CAP_DOMAIN);
    wait_done();
    check_eq!(SEEN.get(4), 0);
    check_eq!(identify(target), 0);
    stop(receiver);
    Ok(())
}

/// Calls the endpoint in its argument and records that the call returned.
#[cfg(not(feature = "mcs"))]
extern "C" fn call_once(endpoint: u64) -> ! {
    let reply = syscall::call(endpoint, MessageInfo::new(0, 0, 0, 0), [0; 4]);
    SEEN.set(7, 1 + reply.mrs[0]);
    done();
    park()
}

#[cfg(not(feature = "mcs"))]
fn call_without_grant_rights_gets_no_reply_cap(_: &'static BootInfo) -> Outcome {
    let endpoint = new_object(ObjectType::Endpoint, 0);
    let weak = alloc_slot();
    check_ok!(cnode::mint(root_slot(weak), root_slot(endpoint), CapRights::new(false, false, true, true), 0));
    SEEN.set(7, 0);
    let caller = spawn(255, 0, call_once, weak);
    syscall::recv(endpoint);
    // Neither grant nor grant-reply: the caller is not waiting for a reply, and we hold no
    // reply cap to save.
    let saved = alloc_slot();
    check_ok!(cnode::save_caller(root_slot(saved)));
    check_eq!(identify(saved), 0);
    check_eq!(SEEN.get(7), 0);
    stop(caller);
    // With grant-reply the reply cap is there.
    let strong = alloc_slot();
    check_ok!(cnode::mint(root_slot(strong), root_slot(endpoint), CapRights::new(true, false, true, true), 0));
    let caller = spawn(255, 0, call_once, strong);
    syscall::recv(endpoint);
    check_ok!(cnode::save_caller(root_slot(saved)));
    check_eq!(identify(saved), CapType::Reply.value());
    syscall::send(saved, MessageInfo::new(0, 0, 0, 1), [41, 0, 0, 0]);
    wait_done();
    check_eq!(SEEN.get(7), 42);
    stop(caller);
    Ok(())
}

fn receive_needs_read_right(_: &'static BootInfo) -> Outcome {
    // A receive on a cap without the read right is a capability fault; a helper does it so the
    // fault stops only the helper. It has no fault handler, so it just stops.
    let endpoint = new_object(ObjectType::Endpoint, 0);
    let write_only = alloc_slot();
    check_ok!(cnode::mint(root_slot(write_only), root_slot(endpoint), CapRights::new(false, false, false, true), 0));
    SEEN.set(1, 0);
    let receiver = spawn(255, 0, receive_once, write_only);
    check_eq!(SEEN.get(1), 0);
    // It is stopped, not waiting: a send to the endpoint would block, so use NBSend and see
    // that nobody received.
    syscall::nb_send(endpoint, MessageInfo::new(0, 0, 0, 1), [5, 0, 0, 0]);
    check_eq!(SEEN.get(2) == 5 && SEEN.get(1) != 0, false);
    stop(receiver);
    Ok(())
}

fn send_needs_write_right(_: &'static BootInfo) -> Outcome {
    let endpoint = new_object(ObjectType::Endpoint, 0);
    let read_only = alloc_slot();
    check_ok!(cnode::mint(root_slot(read_only), root_slot(endpoint), CapRights::new(false, false, true, false), 0));
    let failure =
        atoll_sdk::invocation::invoke(read_only, atoll_sdk::abi::InvocationLabel::InvalidInvocation, &[], &[]);
    check_eq!(
        failure.map(|_| ()).map_err(|f| (f.error, f.detail[0])),
        Err((atoll_sdk::abi::Error::InvalidCapability, 0))
    );
    Ok(())
}

/// Sends once on the cap in its argument, then records that the send returned.
extern "C" fn send_then_record(cap: u64) -> ! {
    syscall::send(cap, MessageInfo::new(0, 0, 0, 1), [cap, 0, 0, 0]);
    SEEN.set(0, cap);
    done();
    park()
}

fn cancel_badged_sends_restarts_one_badge(_: &'static BootInfo) -> Outcome {
    let endpoint = new_object(ObjectType::Endpoint, 0);
    let (one, two, one_copy) = (alloc_slot(), alloc_slot(), alloc_slot());
    check_ok!(cnode::mint(root_slot(one), root_slot(endpoint), CapRights::ALL_RIGHTS, 1));
    check_ok!(cnode::mint(root_slot(two), root_slot(endpoint), CapRights::ALL_RIGHTS, 2));
    check_ok!(cnode::copy(root_slot(one_copy), root_slot(one), CapRights::ALL_RIGHTS));
    SEEN.set(0, 0);
    // Both senders block on the endpoint (a yield lets each run in turn).
    let first = spawn(255, 0, send_then_record, one_copy);
    syscall::yield_now();
    let second = spawn(255, 0, send_then_record, two);
    syscall::yield_now();
    check_eq!(SEEN.get(0), 0);
    // seL4's pattern: revoke the badged cap's copies, then cancel the sends with that badge.
    check_ok!(cnode::revoke(root_slot(one)));
    check_eq!(identify(one_copy), 0);
    check_ok!(cnode::cancel_badged_sends(root_slot(one)));
    // The first sender restarts its Send on a now-empty slot: dropped, and it runs on.
    wait_done();
    check_eq!(SEEN.get(0), one_copy);
    // The second still waits: its message is there to receive.
    let message = syscall::recv(endpoint);
    check_eq!((message.badge, message.mrs[0]), (2, two));
    wait_done();
    stop(first);
    stop(second);
    Ok(())
}
