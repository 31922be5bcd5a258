//! Threads that share an IPC buffer (seL4 allows it): the kernel reads and writes the words as
//! they are at transfer time and nothing else, so a sender and receiver sharing one buffer, or
//! two senders sharing one, get seL4's result.
use crate::framework::{Outcome, Test};
use crate::support::{Board, Helper, new_helper, new_object, park, start_registers, stop, yield_times};
use crate::{check_eq, check_ok};
use atoll_sdk::abi::{MessageInfo, ObjectType, slots};
use atoll_sdk::tcb::{self, context};
use atoll_sdk::{BootInfo, syscall};

pub const TESTS: &[Test] = &[
    Test { name: "shared_buffer::sender_and_receiver_share_one_buffer", run: sender_and_receiver_share },
    Test { name: "shared_buffer::two_senders_share_one_buffer", run: two_senders_share },
];

static SEEN: Board = Board::new();

/// Writes message registers 4..10 as `arg`, `arg + 1`, ... in its IPC buffer, then sends a
/// 10-word message whose register words are `arg / 100` and counts up.
extern "C" fn send_long(arg: u64) -> ! {
    let (endpoint, base) = (arg & 0xffff, arg >> 16);
    let buffer = atoll_sdk::runtime::ipc_buffer();
    for index in 4..10 {
        buffer.msg[index] = base + index as u64;
    }
    let tag = base / 100;
    syscall::send(endpoint, MessageInfo::new(0, 0, 0, 10), [tag, tag + 1, tag + 2, tag + 3]);
    SEEN.increment(0);
    park()
}

/// Starts `helper` at `send_long(arg)` with its IPC buffer at `buffer` (frame cap `frame`).
fn start_with_buffer(helper: &Helper, buffer: u64, frame: u64, arg: u64) -> Outcome {
    check_ok!(tcb::set_ipc_buffer(helper.tcb, buffer, frame));
    let mut regs = start_registers(helper, send_long, arg);
    regs[context::TP] = buffer;
    check_ok!(tcb::write_registers(helper.tcb, true, &regs));
    Ok(())
}

/// What our own IPC buffer holds in message registers 4..10.
fn our_words() -> [u64; 6] {
    core::array::from_fn(|i| atoll_sdk::runtime::ipc_buffer().msg[4 + i])
}

/// The sender's buffer is our own: the transfer copies the words onto themselves.
fn sender_and_receiver_share(info: &'static BootInfo) -> Outcome {
    SEEN.clear();
    let endpoint = new_object(ObjectType::Endpoint, 0);
    let helper = new_helper(255, 0);
    start_with_buffer(&helper, info.ipc_buffer, slots::CAP_INIT_THREAD_IPC_BUFFER, 300 << 16 | endpoint)?;
    let message = syscall::recv(endpoint);
    check_eq!((message.info.length(), message.mrs), (10, [3, 4, 5, 6]));
    check_eq!(our_words(), [304, 305, 306, 307, 308, 309]);
    yield_times(2);
    check_eq!(SEEN.get(0), 1);
    stop(helper);
    Ok(())
}

/// Two blocked senders share one buffer: the second overwrote the first's words before we
/// received, and a transfer reads the words at transfer time, so both messages carry the
/// second's buffer words (and each its own register words).
fn two_senders_share(_: &'static BootInfo) -> Outcome {
    SEEN.clear();
    let endpoint = new_object(ObjectType::Endpoint, 0);
    let first = new_helper(255, 0);
    let second = new_helper(255, 0);
    let frame = atoll_sdk::image::image_frame_cap(first.ipc_buffer);
    start_with_buffer(&first, first.ipc_buffer, frame, 100 << 16 | endpoint)?;
    yield_times(2);
    start_with_buffer(&second, first.ipc_buffer, frame, 200 << 16 | endpoint)?;
    yield_times(2);
    for tag in [1, 2] {
        let message = syscall::recv(endpoint);
        check_eq!((message.info.length(), message.mrs[0]), (10, tag));
        check_eq!(our_words(), [204, 205, 206, 207, 208, 209]);
    }
    yield_times(2);
    check_eq!(SEEN.get(0), 2);
    stop(first);
    stop(second);
    Ok(())
}
