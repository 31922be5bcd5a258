//! The root task's side: builds a partition (its own CNode, VSpace, untyped memory, thread and
//! private frames, in a scheduling domain) from an arena of untyped memory that is revoked after
//! each run, so every run starts from the same kernel state.
use atoll_sdk::abi::{CNodeCapData, CapRights, ObjectType, slots};
use atoll_sdk::cnode::{self, SlotPath};
use atoll_sdk::runtime::bootinfo;
use atoll_sdk::{domain, tcb, vspace};
use core::sync::atomic::{AtomicU64, Ordering};

/// Where a partition's private frames are mapped (its stack, IPC buffer, records, scratch).
pub const PRIVATE: u64 = 0x4000_0000;
pub const STACK_TOP: u64 = PRIVATE + 0x4000;
pub const IPC_BUFFER: u64 = PRIVATE + 0x4000;
pub const RECORDS: u64 = PRIVATE + 0x5000;
pub const SCRATCH: u64 = PRIVATE + 0x10000;
/// Where the root task maps Low's records frame to read them.
pub const ROOT_VIEW: u64 = 0x5000_0000;

/// A partition's own slots (its CNode has 2^8; addresses resolve through a 56-bit guard).
pub mod slot {
    pub const CNODE: u64 = 1;
    pub const VSPACE: u64 = 2;
    pub const UNTYPED: u64 = 3;
    pub const NOTIFICATION: u64 = 4;
    pub const TCB: u64 = 5;
    /// Low only: the notification it shares with the root task, to say it is done.
    pub const DONE: u64 = 6;
    /// The positive control only: a notification both partitions hold (a deliberate channel).
    pub const SHARED: u64 = 7;
    /// Free slots for the partition's own objects start here.
    pub const FREE: u64 = 10;
    pub const RADIX: u64 = 8;
}

const ROOT: u64 = slots::CAP_INIT_THREAD_CNODE;
static NEXT_SLOT: AtomicU64 = AtomicU64::new(0);
static RUN_BASE: AtomicU64 = AtomicU64::new(0);
static ARENA: AtomicU64 = AtomicU64::new(0);
static BOOT_MEMORY: AtomicU64 = AtomicU64::new(0);

fn path(index: u64) -> SlotPath {
    SlotPath { root: ROOT, index, depth: 64 }
}

fn alloc_slot() -> u64 {
    NEXT_SLOT.fetch_add(1, Ordering::Relaxed)
}

fn retype_into(untyped: u64, ty: ObjectType, size_bits: u64) -> u64 {
    let slot = alloc_slot();
    cnode::untyped_retype(untyped, ty.value(), size_bits, ROOT, 0, 0, slot, 1).expect("retype");
    slot
}

/// Objects of a run come from the arena.
fn new_object(ty: ObjectType, size_bits: u64) -> u64 {
    retype_into(ARENA.load(Ordering::Relaxed), ty, size_bits)
}

/// Once: the arena (4 MiB of RAM) and the root task's view of Low's records.
pub fn init() {
    let info = bootinfo();
    NEXT_SLOT.store(info.empty.start, Ordering::Relaxed);
    let count = (info.untyped.end - info.untyped.start) as usize;
    let (index, _) = info.untyped_list[..count]
        .iter()
        .enumerate()
        .filter(|(_, d)| d.is_device == 0 && d.size_bits >= 24)
        .min_by_key(|(_, d)| d.size_bits)
        .expect("a RAM untyped of 16 MiB");
    let memory = info.untyped.start + index as u64;
    BOOT_MEMORY.store(memory, Ordering::Relaxed);
    ARENA.store(retype_into(memory, ObjectType::Untyped, 22), Ordering::Relaxed);
    for _ in 0..2 {
        let table = retype_into(memory, ObjectType::RiscvPageTable, 0);
        vspace::page_table_map(table, slots::CAP_INIT_THREAD_VSPACE, ROOT_VIEW, 0).expect("root view table");
    }
    RUN_BASE.store(NEXT_SLOT.load(Ordering::Relaxed), Ordering::Relaxed);
}

/// Between runs: everything made from the arena goes, so do the copies of the image's frame
/// caps, and the run's slots are used again.
pub fn reset() {
    cnode::revoke(path(ARENA.load(Ordering::Relaxed))).expect("revoking the arena");
    let base = RUN_BASE.load(Ordering::Relaxed);
    for index in base..NEXT_SLOT.load(Ordering::Relaxed) {
        cnode::delete(path(index)).expect("emptying a run's slot");
    }
    NEXT_SLOT.store(base, Ordering::Relaxed);
}

/// A partition as the root task holds it: its thread.
pub struct Partition {
    pub tcb: u64,
}

fn map_private(frame: u64, vspace_root: u64, vaddr: u64) {
    vspace::page_map(frame, vspace_root, vaddr, CapRights::READ_WRITE, 0).expect("mapping a private frame");
}

/// A partition to build: `entry(arg)` in `domain`, with `untyped_bits` of its own memory, its
/// own notification, and (Low) the done notification it shares with the root task, whose view
/// of its records frame is then mapped at ROOT_VIEW.
pub struct Spec {
    pub domain: u64,
    pub entry: extern "C" fn(u64) -> !,
    pub arg: u64,
    pub untyped_bits: u64,
    pub done: Option<u64>,
    /// A root-task slot whose cap goes to slot SHARED (the positive control's channel).
    pub shared: Option<u64>,
}

pub fn build(spec: Spec) -> Partition {
    let Spec { domain, entry, arg, untyped_bits, done, shared } = spec;
    let view_records = done.is_some();
    let notification = new_object(ObjectType::Notification, 0);
    let cnode = new_object(ObjectType::CapTable, slot::RADIX);
    // Only the image's code and constants are mapped, read-only: the partitions share no
    // writable memory and cannot read the root task's (its stack holds the secret).
    let root = atoll_sdk::image::vspace_with_image_code(|ty| new_object(ty, 0), alloc_slot)
        .expect("a VSpace with the image's code");
    for _ in 0..2 {
        vspace::page_table_map(new_object(ObjectType::RiscvPageTable, 0), root, PRIVATE, 0).expect("private tables");
    }
    for page in 0..4 {
        map_private(new_object(ObjectType::Riscv4KPage, 0), root, PRIVATE + page * 4096);
    }
    let ipc_frame = new_object(ObjectType::Riscv4KPage, 0);
    map_private(ipc_frame, root, IPC_BUFFER);
    let records = new_object(ObjectType::Riscv4KPage, 0);
    map_private(records, root, RECORDS);
    if view_records {
        let view = alloc_slot();
        cnode::copy(path(view), path(records), CapRights::READ_WRITE).expect("copying the records frame");
        vspace::page_map(view, slots::CAP_INIT_THREAD_VSPACE, ROOT_VIEW, CapRights::READ_WRITE, 0).expect("root view");
    }
    let untyped = new_object(ObjectType::Untyped, untyped_bits);
    let thread = new_object(ObjectType::Tcb, 0);

    let own = |index| SlotPath { root: cnode, index, depth: slot::RADIX };
    for (index, source) in [
        (slot::CNODE, cnode),
        (slot::VSPACE, root),
        (slot::UNTYPED, untyped),
        (slot::NOTIFICATION, notification),
        (slot::TCB, thread),
    ] {
        cnode::copy(own(index), path(source), CapRights::ALL_RIGHTS).expect("filling the partition's CNode");
    }
    if let Some(done) = done {
        cnode::copy(own(slot::DONE), path(done), CapRights::ALL_RIGHTS).expect("the done notification");
    }
    if let Some(shared) = shared {
        cnode::copy(own(slot::SHARED), path(shared), CapRights::ALL_RIGHTS).expect("the shared notification");
    }

    let guard = CNodeCapData::new(0, 64 - slot::RADIX).word();
    tcb::configure(thread, 0, cnode, guard, root, 0, IPC_BUFFER, ipc_frame).expect("configuring");
    tcb::set_priority(thread, slots::CAP_INIT_THREAD_TCB, 100).expect("priority");
    domain::set(slots::CAP_DOMAIN, domain, thread).expect("domain");
    let mut regs = [0u64; 32];
    regs[tcb::context::PC] = entry as usize as u64;
    regs[tcb::context::SP] = STACK_TOP;
    regs[tcb::context::A0] = arg;
    regs[tcb::context::TP] = IPC_BUFFER;
    tcb::write_registers(thread, true, &regs).expect("starting");
    Partition { tcb: thread }
}

/// A notification in a root-task slot, made from the arena.
pub fn notification() -> u64 {
    new_object(ObjectType::Notification, 0)
}

/// A copy of the notification in `slot` that signals with `badge`.
pub fn badged(slot: u64, badge: u64) -> u64 {
    let copy = alloc_slot();
    cnode::mint(path(copy), path(slot), CapRights::ALL_RIGHTS, badge).expect("minting a badged notification");
    copy
}
