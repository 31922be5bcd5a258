//! The measured operations. IPC figures are one-way, as sel4bench reports them: Call from the
//! client's last instruction before the call to the server's first after its receive returns,
//! ReplyRecv from the server's last instruction before it to the client's first after Call.
use crate::measure::{MAX_SAMPLES, Stats, WARMUP, stats};
use crate::setup::{alloc_slot, new_object, retype, shared_image_vspace, spawn, stop};
use atoll_sdk::abi::{CapRights, MessageInfo, ObjectType, slots};
use atoll_sdk::syscall::{self, read_cycle};
use atoll_sdk::{cnode, vspace};
use core::sync::atomic::{AtomicU64, Ordering};

pub struct Scenario {
    pub name: &'static str,
    pub run: fn(usize, u64) -> Stats,
}

pub const ALL: &[Scenario] = &[
    Scenario { name: "call_same_as_len0", run: |n, o| ipc(n, o, false, 0, Half::Call) },
    Scenario { name: "replyrecv_same_as_len0", run: |n, o| ipc(n, o, false, 0, Half::Reply) },
    Scenario { name: "call_other_as_len0", run: |n, o| ipc(n, o, true, 0, Half::Call) },
    Scenario { name: "replyrecv_other_as_len0", run: |n, o| ipc(n, o, true, 0, Half::Reply) },
    Scenario { name: "call_other_as_len10", run: |n, o| ipc(n, o, true, 10, Half::Call) },
    Scenario { name: "replyrecv_other_as_len10", run: |n, o| ipc(n, o, true, 10, Half::Reply) },
    Scenario { name: "send_prio253_to_waiting_prio254", run: send_to_higher_priority },
    Scenario { name: "signal_to_waiting_thread", run: signal_to_waiting },
    Scenario { name: "yield_between_two_threads", run: yield_between_threads },
    Scenario { name: "fault_round_trip_other_as", run: fault_round_trip },
    Scenario { name: "untyped_retype_4k_frame", run: retype_frame },
    Scenario { name: "map_4k_page", run: |n, o| map_pages(n, o, true) },
    Scenario { name: "unmap_4k_page", run: |n, o| map_pages(n, o, false) },
];

/// Timestamps shared between the threads of a benchmark (the image is shared memory).
static STAMPS: [AtomicU64; 4] = [const { AtomicU64::new(0) }; 4];
static PARAM: AtomicU64 = AtomicU64::new(0);
static mut SAMPLES: [u64; WARMUP + MAX_SAMPLES] = [0; WARMUP + MAX_SAMPLES];

#[inline(always)]
pub fn record(index: usize, value: u64) {
    STAMPS[index].store(value, Ordering::Relaxed);
}

#[inline(always)]
fn stamp(index: usize) -> u64 {
    STAMPS[index].load(Ordering::Relaxed)
}

pub fn sample_count() -> usize {
    if cfg!(feature = "quick") { 8 } else { 100 }
}

fn samples() -> &'static mut [u64; WARMUP + MAX_SAMPLES] {
    // SAFETY: only the root task's benchmark loop touches the sample buffer, one run at a time.
    unsafe { &mut *core::ptr::addr_of_mut!(SAMPLES) }
}

fn finish(count: usize, overhead: u64) -> Stats {
    stats(&samples()[WARMUP..WARMUP + count], overhead)
}

#[derive(Clone, Copy, PartialEq)]
enum Half {
    Call,
    Reply,
}

extern "C" fn ipc_server(endpoint: u64) -> ! {
    let info = MessageInfo::new(0, 0, 0, PARAM.load(Ordering::Relaxed));
    syscall::recv(endpoint);
    loop {
        record(1, read_cycle());
        let start = read_cycle();
        record(2, start);
        syscall::reply_recv(endpoint, info, [0; 4]);
    }
}

fn ipc(count: usize, overhead: u64, other_as: bool, length: u64, half: Half) -> Stats {
    let endpoint = new_object(ObjectType::Endpoint, 0);
    let space = if other_as { shared_image_vspace() } else { slots::CAP_INIT_THREAD_VSPACE };
    PARAM.store(length, Ordering::Relaxed);
    let server = spawn(space, 255, 0, ipc_server, endpoint);
    let info = MessageInfo::new(0, 0, 0, length);
    // The server is ready and waiting once it has had one message.
    syscall::call(endpoint, info, [0; 4]);
    for sample in samples().iter_mut().take(WARMUP + count) {
        let start = read_cycle();
        syscall::call(endpoint, info, [1, 2, 3, 4]);
        let end = read_cycle();
        *sample = match half {
            Half::Call => stamp(1) - start,
            Half::Reply => end - stamp(2),
        };
    }
    stop(server);
    finish(count, overhead)
}

extern "C" fn waiting_receiver(endpoint: u64) -> ! {
    loop {
        syscall::recv(endpoint);
        record(1, read_cycle());
    }
}

extern "C" fn low_priority_sender(endpoint: u64) -> ! {
    let count = PARAM.load(Ordering::Relaxed) as usize;
    for sample in samples().iter_mut().take(WARMUP + count) {
        let start = read_cycle();
        syscall::send(endpoint, MessageInfo::new(0, 0, 0, 0), [0; 4]);
        *sample = stamp(1) - start;
    }
    syscall::signal(stamp(3));
    loop {
        syscall::wait(stamp(3));
    }
}

fn send_to_higher_priority(count: usize, overhead: u64) -> Stats {
    let endpoint = new_object(ObjectType::Endpoint, 0);
    let done = new_object(ObjectType::Notification, 0);
    record(3, done);
    PARAM.store(count as u64, Ordering::Relaxed);
    let receiver = spawn(slots::CAP_INIT_THREAD_VSPACE, 254, 0, waiting_receiver, endpoint);
    let sender = spawn(slots::CAP_INIT_THREAD_VSPACE, 253, 0, low_priority_sender, endpoint);
    syscall::wait(done);
    stop(sender);
    stop(receiver);
    finish(count, overhead)
}

extern "C" fn signal_waiter(notification: u64) -> ! {
    loop {
        syscall::wait(notification);
        record(1, read_cycle());
    }
}

fn signal_to_waiting(count: usize, overhead: u64) -> Stats {
    let notification = new_object(ObjectType::Notification, 0);
    // Higher priority than us: it runs as soon as it is signalled.
    let waiter = spawn(slots::CAP_INIT_THREAD_VSPACE, 255, 0, signal_waiter, notification);
    let root = slots::CAP_INIT_THREAD_TCB;
    atoll_sdk::tcb::set_priority(root, root, 254).expect("lower own priority");
    for sample in samples().iter_mut().take(WARMUP + count) {
        let start = read_cycle();
        syscall::signal(notification);
        *sample = stamp(1) - start;
    }
    atoll_sdk::tcb::set_priority(root, root, 255).expect("restore own priority");
    stop(waiter);
    finish(count, overhead)
}

extern "C" fn yielder(_: u64) -> ! {
    loop {
        record(1, read_cycle());
        syscall::yield_now();
    }
}

fn yield_between_threads(count: usize, overhead: u64) -> Stats {
    let other = spawn(slots::CAP_INIT_THREAD_VSPACE, 255, 0, yielder, 0);
    syscall::yield_now();
    for sample in samples().iter_mut().take(WARMUP + count) {
        let start = read_cycle();
        syscall::yield_now();
        *sample = stamp(1) - start;
    }
    stop(other);
    finish(count, overhead)
}

extern "C" fn faulter(_: u64) -> ! {
    let count = PARAM.load(Ordering::Relaxed) as usize;
    for sample in samples().iter_mut().take(WARMUP + count) {
        let start = read_cycle();
        syscall::raw(1000, [0; 6]);
        *sample = read_cycle() - start;
    }
    syscall::raw(1001, [0; 6]);
    loop {}
}

fn fault_round_trip(count: usize, overhead: u64) -> Stats {
    let endpoint = new_object(ObjectType::Endpoint, 0);
    PARAM.store(count as u64, Ordering::Relaxed);
    let space = shared_image_vspace();
    let thread = spawn(space, 254, endpoint, faulter, 0);
    loop {
        let fault = syscall::recv(endpoint);
        if atoll_sdk::invocation::reply_mr(&fault, 10) == 1001 {
            break;
        }
        // Resume after the ecall.
        syscall::reply(MessageInfo::new(0, 0, 0, 1), [fault.mrs[0] + 4, 0, 0, 0]);
    }
    stop(thread);
    finish(count, overhead)
}

fn retype_frame(count: usize, overhead: u64) -> Stats {
    let memory = new_object(ObjectType::Untyped, 22);
    let first = alloc_slot();
    for _ in 1..WARMUP + count {
        alloc_slot();
    }
    // The first retype resets (zeroes) the untyped; do it before measuring.
    retype(memory, ObjectType::Endpoint, 0, alloc_slot());
    for (index, sample) in samples().iter_mut().take(WARMUP + count).enumerate() {
        let start = read_cycle();
        cnode::untyped_retype(
            memory,
            ObjectType::Riscv4KPage.value(),
            0,
            slots::CAP_INIT_THREAD_CNODE,
            0,
            0,
            first + index as u64,
            1,
        )
        .expect("retype");
        *sample = read_cycle() - start;
    }
    finish(count, overhead)
}

const MAP_BASE: u64 = 0x30_0000_0000;

fn map_pages(count: usize, overhead: u64, map: bool) -> Stats {
    let root = slots::CAP_INIT_THREAD_VSPACE;
    let offset = if map { 0 } else { 1 << 30 };
    let base = MAP_BASE + offset;
    let top = new_object(ObjectType::RiscvPageTable, 0);
    vspace::page_table_map(top, root, base, 0).expect("table");
    let table = new_object(ObjectType::RiscvPageTable, 0);
    vspace::page_table_map(table, root, base, 0).expect("table");
    let frames: [u64; WARMUP + MAX_SAMPLES] =
        core::array::from_fn(|i| if i < WARMUP + count { new_object(ObjectType::Riscv4KPage, 0) } else { 0 });
    let rights = CapRights::ALL_RIGHTS;
    for (index, sample) in samples().iter_mut().take(WARMUP + count).enumerate() {
        let vaddr = base + index as u64 * 4096;
        let start = read_cycle();
        vspace::page_map(frames[index], root, vaddr, rights, 0).expect("map");
        let mapped = read_cycle();
        if !map {
            let start = read_cycle();
            vspace::page_unmap(frames[index]).expect("unmap");
            *sample = read_cycle() - start;
        } else {
            *sample = mapped - start;
        }
    }
    finish(count, overhead)
}
