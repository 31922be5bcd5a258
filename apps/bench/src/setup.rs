//! What the benchmarks need from the root task's resources: slots, memory, threads, and a
//! second address space that maps the same image (so statics are shared memory).
use atoll_sdk::abi::{ObjectType, slots};
use atoll_sdk::runtime::bootinfo;
use atoll_sdk::{cnode, tcb};
use core::sync::atomic::{AtomicU64, Ordering};

const ROOT: u64 = slots::CAP_INIT_THREAD_CNODE;
static NEXT_SLOT: AtomicU64 = AtomicU64::new(0);
static MEMORY: AtomicU64 = AtomicU64::new(0);

pub fn alloc_slot() -> u64 {
    let _ = NEXT_SLOT.compare_exchange(0, bootinfo().empty.start, Ordering::Relaxed, Ordering::Relaxed);
    NEXT_SLOT.fetch_add(1, Ordering::Relaxed)
}

/// The smallest RAM untyped of at least 32 MiB: all benchmark objects come from it (its first
/// use zeroes it, so a smaller one starts faster).
fn memory() -> u64 {
    let known = MEMORY.load(Ordering::Relaxed);
    if known != 0 {
        return known;
    }
    let info = bootinfo();
    let count = (info.untyped.end - info.untyped.start) as usize;
    let (index, _) = info.untyped_list[..count]
        .iter()
        .enumerate()
        .filter(|(_, d)| d.is_device == 0 && d.size_bits >= 25)
        .min_by_key(|(_, d)| d.size_bits)
        .expect("RAM untyped");
    let slot = info.untyped.start + index as u64;
    MEMORY.store(slot, Ordering::Relaxed);
    slot
}

pub fn retype(untyped: u64, ty: ObjectType, size_bits: u64, slot: u64) {
    cnode::untyped_retype(untyped, ty.value(), size_bits, ROOT, 0, 0, slot, 1).expect("retype");
}

pub fn new_object(ty: ObjectType, size_bits: u64) -> u64 {
    let slot = alloc_slot();
    retype(memory(), ty, size_bits, slot);
    slot
}

#[repr(C, align(4096))]
struct Page([u8; 4096]);

#[repr(C, align(16))]
struct Stack([u8; 16384]);

const KITS: usize = 4;
static mut IPC_PAGES: [Page; KITS] = [const { Page([0; 4096]) }; KITS];
static mut STACKS: [Stack; KITS] = [const { Stack([0; 16384]) }; KITS];
static NEXT_KIT: AtomicU64 = AtomicU64::new(0);

/// A new VSpace that maps every frame of this image at the same address.
pub fn shared_image_vspace() -> u64 {
    atoll_sdk::image::vspace_sharing_image(|ty| new_object(ty, 0), alloc_slot).expect("VSpace sharing the image")
}

/// A thread started by `spawn`: its TCB and (MCS) scheduling context slots.
#[derive(Clone, Copy)]
pub struct Thread {
    pub tcb: u64,
    #[cfg_attr(not(feature = "mcs"), allow(dead_code))]
    pub sc: u64,
}

/// MCS: a round-robin budget of one second, so no timer interrupt falls inside a measurement
/// (as sel4bench's 1000 ms tick without MCS).
#[cfg(feature = "mcs")]
const BUDGET_US: u64 = 1_000_000;

/// MCS: the root thread gets a reply object and a one-second budget.
pub fn init_root_thread() {
    #[cfg(feature = "mcs")]
    {
        atoll_sdk::runtime::set_reply_cap(new_object(ObjectType::Reply, 0));
        let control = bootinfo().schedcontrol.start;
        atoll_sdk::sched::configure_flags(control, slots::CAP_INIT_THREAD_SC, BUDGET_US, BUDGET_US, 0, 0, 0)
            .expect("the root thread's budget");
    }
}

/// MCS: a new scheduling context with the benchmark's one-second round-robin budget.
#[cfg(feature = "mcs")]
pub fn new_sched_context() -> u64 {
    let sc = new_object(ObjectType::SchedContext, atoll_sdk::abi::object::MIN_SCHED_CONTEXT_BITS as u64);
    let control = bootinfo().schedcontrol.start;
    atoll_sdk::sched::configure_flags(control, sc, BUDGET_US, BUDGET_US, 0, 0, 0).expect("budget");
    sc
}

/// Starts `entry(arg)` in `vspace` at `priority`, with its own stack and IPC buffer (found
/// through tp), and with MCS its own scheduling context and reply object.
pub fn spawn(vspace: u64, priority: u64, fault_ep: u64, entry: extern "C" fn(u64) -> !, arg: u64) -> Thread {
    let kit = NEXT_KIT.fetch_add(1, Ordering::Relaxed) as usize % KITS;
    let thread = new_object(ObjectType::Tcb, 0);
    let ipc = (&raw const IPC_PAGES) as u64 + (kit * 4096) as u64;
    let stack_top = (&raw const STACKS) as u64 + ((kit + 1) * 16384) as u64;
    let frame = atoll_sdk::image::image_frame_cap(ipc);
    #[cfg(not(feature = "mcs"))]
    let sc = {
        tcb::configure(thread, fault_ep, ROOT, 0, vspace, 0, ipc, frame).expect("configure");
        tcb::set_priority(thread, slots::CAP_INIT_THREAD_TCB, priority).expect("priority");
        0
    };
    #[cfg(feature = "mcs")]
    let sc = {
        tcb::configure(thread, ROOT, 0, vspace, 0, ipc, frame).expect("configure");
        let sc = new_sched_context();
        let root = slots::CAP_INIT_THREAD_TCB;
        tcb::set_sched_params(thread, root, 0, priority, sc, fault_ep).expect("scheduling parameters");
        let reply = new_object(ObjectType::Reply, 0);
        let user_data = ipc as usize + core::mem::offset_of!(atoll_sdk::abi::IpcBuffer, user_data);
        // SAFETY: the word is in this kit's IPC page, which no running thread uses now.
        unsafe { (user_data as *mut u64).write_volatile(reply) };
        sc
    };
    let mut regs = [0u64; 32];
    regs[tcb::context::PC] = entry as *const () as u64;
    regs[tcb::context::SP] = stack_top;
    regs[tcb::context::A0] = arg;
    regs[tcb::context::TP] = ipc;
    tcb::write_registers(thread, true, &regs).expect("start");
    Thread { tcb: thread, sc }
}

/// Stops a thread by deleting its TCB cap.
pub fn stop(thread: Thread) {
    cnode::delete(cnode::SlotPath { root: ROOT, index: thread.tcb, depth: 64 }).expect("delete thread");
}
