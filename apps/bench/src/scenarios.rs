//! The measured operations. IPC figures are one-way, as sel4bench reports them: Call from the
//! client's last instruction before the call to the server's first after its receive returns,
//! ReplyRecv from the server's last instruction before it to the client's first after Call.
//!
//! Every measured operation's result is checked outside the timed region: a scenario whose
//! operations failed returns an error instead of figures, so an error path is never reported as
//! a fast operation.
use crate::measure::{MAX_SAMPLES, Stats, WARMUP, stats};
use crate::setup::{alloc_slot, new_object, retype, shared_image_vspace, spawn, stop};
use atoll_sdk::abi::fault::{UNKNOWN_SYSCALL_LENGTH, UNKNOWN_SYSCALL_SYSCALL};
use atoll_sdk::abi::{CapRights, FaultType, MessageInfo, ObjectType, slots};
use atoll_sdk::syscall::{self, read_cycle};
use atoll_sdk::{cnode, vspace};
use core::sync::atomic::{AtomicU64, Ordering};

/// Figures, or what went wrong with the measured operations.
pub type Outcome = Result<Stats, &'static str>;

pub struct Scenario {
    pub name: &'static str,
    pub run: fn(usize, u64) -> Outcome,
}

/// With MCS the length-0 rows call a passive server, which runs on its caller's scheduling
/// context (the fastpath), and the length-10 ones an active one, as sel4bench measures them.
const PASSIVE: bool = cfg!(feature = "mcs");

pub const ALL: &[Scenario] = &[
    Scenario { name: "call_same_as_len0", run: |n, o| ipc(n, o, false, 0, Half::Call, PASSIVE) },
    Scenario { name: "replyrecv_same_as_len0", run: |n, o| ipc(n, o, false, 0, Half::Reply, PASSIVE) },
    Scenario { name: "call_other_as_len0", run: |n, o| ipc(n, o, true, 0, Half::Call, PASSIVE) },
    Scenario { name: "replyrecv_other_as_len0", run: |n, o| ipc(n, o, true, 0, Half::Reply, PASSIVE) },
    #[cfg(feature = "mcs")]
    Scenario { name: "call_active_same_as_len0", run: |n, o| ipc(n, o, false, 0, Half::Call, false) },
    #[cfg(feature = "mcs")]
    Scenario { name: "replyrecv_active_same_as_len0", run: |n, o| ipc(n, o, false, 0, Half::Reply, false) },
    Scenario { name: "call_other_as_len10", run: |n, o| ipc(n, o, true, 10, Half::Call, false) },
    Scenario { name: "replyrecv_other_as_len10", run: |n, o| ipc(n, o, true, 10, Half::Reply, false) },
    Scenario { name: "send_prio253_to_waiting_prio254", run: send_to_higher_priority },
    Scenario { name: "signal_to_waiting_thread", run: signal_to_waiting },
    Scenario { name: "yield_between_two_threads", run: yield_between_threads },
    Scenario { name: "fault_round_trip_other_as", run: fault_round_trip },
    Scenario { name: "untyped_retype_4k_frame", run: retype_frame },
    Scenario { name: "map_4k_page", run: |n, o| map_pages(n, o, true) },
    Scenario { name: "unmap_4k_page", run: |n, o| map_pages(n, o, false) },
    #[cfg(feature = "hyp")]
    Scenario { name: "vm_exit_sbi_call_round_trip", run: crate::vm::sbi_round_trip },
    #[cfg(feature = "hyp")]
    Scenario { name: "vm_exit_mmio_load_emulated", run: crate::vm::mmio_load },
];

/// Timestamps shared between the threads of a benchmark (the image is shared memory).
static STAMPS: [AtomicU64; 4] = [const { AtomicU64::new(0) }; 4];
static PARAM: AtomicU64 = AtomicU64::new(0);
/// The message word a helper thread got last, stored just after its timestamp (a store, so the
/// compiler cannot move work on it into the timed region); checked and cleared by the measuring
/// loop outside the timed region.
static SEEN: AtomicU64 = AtomicU64::new(NOTHING_SEEN);
const NOTHING_SEEN: u64 = u64::MAX;
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

#[inline(always)]
fn saw(word: u64) {
    SEEN.store(word, Ordering::Relaxed);
}

/// Whether the helper got `expected` since the last check.
fn got(expected: u64) -> bool {
    SEEN.swap(NOTHING_SEEN, Ordering::Relaxed) == expected
}

/// Figures if every operation was seen to succeed, else `what` went wrong.
fn finish_checked(count: usize, overhead: u64, all_ok: bool, what: &'static str) -> Outcome {
    if all_ok { Ok(finish(count, overhead)) } else { Err(what) }
}

#[derive(Clone, Copy, PartialEq)]
enum Half {
    Call,
    Reply,
}

/// Label of the server's replies, so the client can tell a reply from anything else.
const REPLY_LABEL: u64 = 0x77;

extern "C" fn ipc_server(endpoint: u64) -> ! {
    let length = PARAM.load(Ordering::Relaxed);
    let info = MessageInfo::new(REPLY_LABEL, 0, 0, length);
    let mut request = syscall::recv(endpoint);
    loop {
        record(1, read_cycle());
        saw(request.info.word());
        let start = read_cycle();
        record(2, start);
        request = syscall::reply_recv(endpoint, info, [0; 4]);
    }
}

fn ipc(count: usize, overhead: u64, other_as: bool, length: u64, half: Half, passive: bool) -> Outcome {
    let endpoint = new_object(ObjectType::Endpoint, 0);
    let space = if other_as { shared_image_vspace() } else { slots::CAP_INIT_THREAD_VSPACE };
    PARAM.store(length, Ordering::Relaxed);
    let server = spawn(space, 255, 0, ipc_server, endpoint);
    let info = MessageInfo::new(0, 0, 0, length);
    // The server is ready and waiting once it has had one message.
    syscall::call(endpoint, info, [0; 4]);
    let mut all_ok = got(info.word());
    if passive {
        // MCS: waiting in its ReplyRecv, it gives up its own scheduling context.
        #[cfg(feature = "mcs")]
        atoll_sdk::sched::unbind_object(server.sc, server.tcb).map_err(|_| "making the server passive failed")?;
    }
    for sample in samples().iter_mut().take(WARMUP + count) {
        let start = read_cycle();
        let reply = syscall::call(endpoint, info, [1, 2, 3, 4]);
        let end = read_cycle();
        *sample = match half {
            Half::Call => stamp(1) - start,
            Half::Reply => end - stamp(2),
        };
        let reply_ok = reply.info.label() == REPLY_LABEL && reply.info.length() == length;
        all_ok &= reply_ok && got(info.word());
    }
    stop(server);
    finish_checked(count, overhead, all_ok, "a Call or its reply did not arrive intact")
}

extern "C" fn waiting_receiver(endpoint: u64) -> ! {
    loop {
        let message = syscall::recv(endpoint);
        record(1, read_cycle());
        saw(message.info.word());
    }
}

extern "C" fn low_priority_sender(endpoint: u64) -> ! {
    let count = PARAM.load(Ordering::Relaxed) as usize;
    let info = MessageInfo::new(0, 0, 0, 0);
    let mut all_ok = true;
    for sample in samples().iter_mut().take(WARMUP + count) {
        let start = read_cycle();
        syscall::send(endpoint, info, [0; 4]);
        *sample = stamp(1) - start;
        all_ok &= got(info.word());
    }
    PARAM.store(all_ok as u64, Ordering::Relaxed);
    syscall::signal(stamp(3));
    loop {
        syscall::wait(stamp(3));
    }
}

fn send_to_higher_priority(count: usize, overhead: u64) -> Outcome {
    let endpoint = new_object(ObjectType::Endpoint, 0);
    let done = new_object(ObjectType::Notification, 0);
    record(3, done);
    PARAM.store(count as u64, Ordering::Relaxed);
    let receiver = spawn(slots::CAP_INIT_THREAD_VSPACE, 254, 0, waiting_receiver, endpoint);
    let sender = spawn(slots::CAP_INIT_THREAD_VSPACE, 253, 0, low_priority_sender, endpoint);
    syscall::wait(done);
    stop(sender);
    stop(receiver);
    // The sender leaves its verdict in PARAM.
    finish_checked(count, overhead, PARAM.load(Ordering::Relaxed) == 1, "the receiver did not get every Send")
}

extern "C" fn signal_waiter(notification: u64) -> ! {
    loop {
        let badge = syscall::wait(notification);
        record(1, read_cycle());
        saw(badge);
    }
}

const SIGNAL_BADGE: u64 = 0b1000;

fn signal_to_waiting(count: usize, overhead: u64) -> Outcome {
    let notification = new_object(ObjectType::Notification, 0);
    let badged = alloc_slot();
    let slot = |index| cnode::SlotPath { root: slots::CAP_INIT_THREAD_CNODE, index, depth: 64 };
    cnode::mint(slot(badged), slot(notification), CapRights::ALL_RIGHTS, SIGNAL_BADGE).map_err(|_| "Mint failed")?;
    // Higher priority than us: it runs as soon as it is signalled.
    let waiter = spawn(slots::CAP_INIT_THREAD_VSPACE, 255, 0, signal_waiter, notification);
    let root = slots::CAP_INIT_THREAD_TCB;
    atoll_sdk::tcb::set_priority(root, root, 254).map_err(|_| "lowering our priority failed")?;
    let mut all_ok = true;
    for sample in samples().iter_mut().take(WARMUP + count) {
        let start = read_cycle();
        syscall::signal(badged);
        *sample = stamp(1) - start;
        all_ok &= got(SIGNAL_BADGE);
    }
    atoll_sdk::tcb::set_priority(root, root, 255).map_err(|_| "restoring our priority failed")?;
    stop(waiter);
    finish_checked(count, overhead, all_ok, "the waiter did not get every signal")
}

extern "C" fn yielder(_: u64) -> ! {
    loop {
        record(1, read_cycle());
        saw(1);
        syscall::yield_now();
    }
}

fn yield_between_threads(count: usize, overhead: u64) -> Outcome {
    let other = spawn(slots::CAP_INIT_THREAD_VSPACE, 255, 0, yielder, 0);
    syscall::yield_now();
    let mut all_ok = got(1);
    for sample in samples().iter_mut().take(WARMUP + count) {
        let start = read_cycle();
        syscall::yield_now();
        *sample = stamp(1) - start;
        all_ok &= got(1);
    }
    stop(other);
    finish_checked(count, overhead, all_ok, "a Yield did not run the other thread")
}

/// The syscall number the faulting thread uses; another one tells the handler it is done.
const FAULTING_SYSCALL: u64 = 1000;
const LAST_SYSCALL: u64 = 1001;

extern "C" fn faulter(_: u64) -> ! {
    let count = PARAM.load(Ordering::Relaxed) as usize;
    let fault = MessageInfo::new(FaultType::UnknownSyscall.value(), 0, 0, UNKNOWN_SYSCALL_LENGTH as u64);
    let mut all_ok = true;
    for sample in samples().iter_mut().take(WARMUP + count) {
        let start = read_cycle();
        syscall::raw(FAULTING_SYSCALL as i64, [0; 6]);
        *sample = read_cycle() - start;
        // The handler got an unknown-syscall fault message for this call.
        all_ok &= got(fault.word());
    }
    PARAM.store(all_ok as u64, Ordering::Relaxed);
    // The handler stops this thread instead of replying.
    loop {
        syscall::raw(LAST_SYSCALL as i64, [0; 6]);
    }
}

fn fault_round_trip(count: usize, overhead: u64) -> Outcome {
    let endpoint = new_object(ObjectType::Endpoint, 0);
    PARAM.store(count as u64, Ordering::Relaxed);
    let space = shared_image_vspace();
    let thread = spawn(space, 254, endpoint, faulter, 0);
    loop {
        let fault = syscall::recv(endpoint);
        saw(fault.info.word());
        if atoll_sdk::invocation::reply_mr(&fault, UNKNOWN_SYSCALL_SYSCALL) == LAST_SYSCALL {
            break;
        }
        // Resume after the ecall.
        syscall::reply(MessageInfo::new(0, 0, 0, 1), [fault.mrs[0] + 4, 0, 0, 0]);
    }
    stop(thread);
    // The faulting thread leaves its verdict in PARAM.
    finish_checked(
        count,
        overhead,
        PARAM.load(Ordering::Relaxed) == 1,
        "a fault message was not an unknown-syscall fault",
    )
}

fn retype_frame(count: usize, overhead: u64) -> Outcome {
    let memory = new_object(ObjectType::Untyped, 22);
    let first = alloc_slot();
    for _ in 1..WARMUP + count {
        alloc_slot();
    }
    // The first retype resets (zeroes) the untyped; do it before measuring.
    retype(memory, ObjectType::Endpoint, 0, alloc_slot());
    for (index, sample) in samples().iter_mut().take(WARMUP + count).enumerate() {
        let start = read_cycle();
        let result = cnode::untyped_retype(
            memory,
            ObjectType::Riscv4KPage.value(),
            0,
            slots::CAP_INIT_THREAD_CNODE,
            0,
            0,
            first + index as u64,
            1,
        );
        *sample = read_cycle() - start;
        result.map_err(|_| "Untyped_Retype failed")?;
    }
    finish_checked_caps(first, WARMUP + count, count, overhead)
}

/// Figures, if every slot from `first` holds a new 4 KiB frame cap: Page_GetAddress works on
/// each (an invocation every seL4 build has) and the frames follow each other in memory, as
/// consecutive retypes of one untyped place them.
fn finish_checked_caps(first: u64, slots_used: usize, count: usize, overhead: u64) -> Outcome {
    let address = |index: u64| atoll_sdk::invocation::page_get_address(first + index).ok();
    let Some(base) = address(0) else { return Err("a retype did not leave a frame cap") };
    if (1..slots_used as u64).all(|index| address(index) == Some(base + index * 4096)) {
        Ok(finish(count, overhead))
    } else {
        Err("a retype did not leave a frame cap")
    }
}

const MAP_BASE: u64 = 0x30_0000_0000;

/// The frame the measured map uses: with the `inject-map-error` feature (the harness's check that
/// failures are caught), one of them is a null capability, so Page_Map fails.
fn frame_to_map(frames: &[u64], index: usize) -> u64 {
    if cfg!(feature = "inject-map-error") && index == WARMUP { 0 } else { frames[index] }
}

fn map_pages(count: usize, overhead: u64, map: bool) -> Outcome {
    let root = slots::CAP_INIT_THREAD_VSPACE;
    let offset = if map { 0 } else { 1 << 30 };
    let base = MAP_BASE + offset;
    let top = new_object(ObjectType::RiscvPageTable, 0);
    vspace::page_table_map(top, root, base, 0).map_err(|_| "PageTable_Map failed")?;
    let table = new_object(ObjectType::RiscvPageTable, 0);
    vspace::page_table_map(table, root, base, 0).map_err(|_| "PageTable_Map failed")?;
    let frames: [u64; WARMUP + MAX_SAMPLES] =
        core::array::from_fn(|i| if i < WARMUP + count { new_object(ObjectType::Riscv4KPage, 0) } else { 0 });
    let rights = CapRights::ALL_RIGHTS;
    for (index, sample) in samples().iter_mut().take(WARMUP + count).enumerate() {
        let vaddr = base + index as u64 * 4096;
        let frame = frame_to_map(&frames, index);
        let start = read_cycle();
        let mapped = vspace::page_map(frame, root, vaddr, rights, 0);
        let end = read_cycle();
        mapped.map_err(|_| "Page_Map failed")?;
        // SAFETY: Page_Map succeeded, so `vaddr` is mapped readable in our address space; a
        // mapping that is not there faults and the benchmark never finishes, which fails it too.
        let _ = unsafe { core::ptr::read_volatile(vaddr as *const u64) };
        if !map {
            let start = read_cycle();
            let unmapped = vspace::page_unmap(frame);
            *sample = read_cycle() - start;
            unmapped.map_err(|_| "Page_Unmap failed")?;
        } else {
            *sample = end - start;
        }
    }
    Ok(finish(count, overhead))
}
