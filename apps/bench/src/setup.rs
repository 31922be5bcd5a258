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

/// Starts `entry(arg)` in `vspace` at `priority`, with its own stack and IPC buffer (found
/// through tp). Returns the TCB slot.
pub fn spawn(vspace: u64, priority: u64, fault_ep: u64, entry: extern "C" fn(u64) -> !, arg: u64) -> u64 {
    let kit = NEXT_KIT.fetch_add(1, Ordering::Relaxed) as usize % KITS;
    let thread = new_object(ObjectType::Tcb, 0);
    let ipc = (&raw const IPC_PAGES) as u64 + (kit * 4096) as u64;
    let stack_top = (&raw const STACKS) as u64 + ((kit + 1) * 16384) as u64;
    tcb::configure(thread, fault_ep, ROOT, 0, vspace, 0, ipc, atoll_sdk::image::image_frame_cap(ipc))
        .expect("configure");
    tcb::set_priority(thread, slots::CAP_INIT_THREAD_TCB, priority).expect("priority");
    let mut regs = [0u64; 32];
    regs[tcb::context::PC] = entry as *const () as u64;
    regs[tcb::context::SP] = stack_top;
    regs[tcb::context::A0] = arg;
    regs[tcb::context::TP] = ipc;
    tcb::write_registers(thread, true, &regs).expect("start");
    thread
}

/// Stops a thread by deleting its TCB cap.
pub fn stop(thread: u64) {
    cnode::delete(cnode::SlotPath { root: ROOT, index: thread, depth: 64 }).expect("delete thread");
}
