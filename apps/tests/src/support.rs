//! Helpers shared by the tests: free slots, fresh untyped memory, slot paths, error checks.
use atoll_sdk::abi::{ObjectType, slots};
use atoll_sdk::cnode::{self, SlotPath};
use atoll_sdk::invocation::Failure;
use atoll_sdk::runtime::bootinfo;
use core::sync::atomic::{AtomicU64, Ordering};

/// The kernel build options this suite was built for: the harness builds the kernel and the
/// tests with the same environment, and the defaults are the kernel's.
pub mod kernel_config {
    /// ATOLL_NUM_DOMAINS
    pub const NUM_DOMAINS: u64 = option(option_env!("ATOLL_NUM_DOMAINS"), 1);
    /// ATOLL_NUM_DOMAIN_SCHEDULES
    pub const NUM_DOMAIN_SCHEDULES: u64 =
        option(option_env!("ATOLL_NUM_DOMAIN_SCHEDULES"), if NUM_DOMAINS > 1 { 100 } else { 2 });
    /// ATOLL_TIMER_TICK_MS
    pub const TIMER_TICK_MS: u64 = option(option_env!("ATOLL_TIMER_TICK_MS"), 2);
    /// ATOLL_PLATFORM_RAM_MB: RAM of the kernel's built-in board description.
    pub const PLATFORM_RAM_MB: u64 = option(option_env!("ATOLL_PLATFORM_RAM_MB"), 2048);
    /// Whether the image's loader hands the kernel a device tree (xtask sets
    /// ATOLL_NO_DEVICE_TREE for a configuration whose loader hands over none).
    pub const DEVICE_TREE: bool = option_env!("ATOLL_NO_DEVICE_TREE").is_none();
    /// ATOLL_TIME_PROTECTION
    pub const TIME_PROTECTION: bool = option(option_env!("ATOLL_TIME_PROTECTION"), 0) == 1;
    /// One kernel tick in timebase units (10 MHz).
    pub const TICK: u64 = TIMER_TICK_MS * 10_000;

    const fn option(text: Option<&str>, default: u64) -> u64 {
        let Some(text) = text else { return default };
        let bytes = text.as_bytes();
        let mut value = 0;
        let mut i = 0;
        while i < bytes.len() {
            assert!(bytes[i].is_ascii_digit(), "a kernel build option is not a number");
            value = value * 10 + (bytes[i] - b'0') as u64;
            i += 1;
        }
        value
    }
}

/// Depth of the root CNode's addresses: its radix bits behind a guard that fills the word.
pub const ROOT_DEPTH: u64 = 64;

static NEXT_SLOT: AtomicU64 = AtomicU64::new(0);
static PARENT_UNTYPED: AtomicU64 = AtomicU64::new(0);

/// A never-used slot of the root CNode.
pub fn alloc_slot() -> u64 {
    let start = bootinfo().empty.start;
    let _ = NEXT_SLOT.compare_exchange(0, start, Ordering::Relaxed, Ordering::Relaxed);
    let slot = NEXT_SLOT.fetch_add(1, Ordering::Relaxed);
    assert!(slot < bootinfo().empty.end, "tests ran out of empty slots");
    slot
}

/// `count` consecutive never-used slots; returns the first.
pub fn alloc_slots(count: u64) -> u64 {
    let first = alloc_slot();
    for _ in 1..count {
        alloc_slot();
    }
    first
}

/// The root CNode's radix bits (a kernel build option; seL4's default is 12).
pub fn root_radix() -> u64 {
    bootinfo().init_thread_cnode_size_bits
}

/// The root CNode's guard size: the guard and the radix fill the word.
pub fn root_guard_bits() -> u64 {
    ROOT_DEPTH - root_radix()
}

/// The root CNode slot `index` as a CNode-invocation path.
pub fn root_slot(index: u64) -> SlotPath {
    SlotPath { root: slots::CAP_INIT_THREAD_CNODE, index, depth: ROOT_DEPTH }
}

fn parent_untyped() -> u64 {
    let known = PARENT_UNTYPED.load(Ordering::Relaxed);
    if known != 0 {
        return known;
    }
    // The smallest RAM untyped of at least 64 MiB: big enough for every test, small enough
    // that its first reset (zeroing) is quick.
    let info = bootinfo();
    let count = (info.untyped.end - info.untyped.start) as usize;
    let chosen = info.untyped_list[..count]
        .iter()
        .enumerate()
        .filter(|(_, d)| d.is_device == 0 && d.size_bits >= 26)
        .min_by_key(|(_, d)| d.size_bits)
        .map(|(i, _)| info.untyped.start + i as u64)
        .expect("an untyped of at least 64 MiB");
    PARENT_UNTYPED.store(chosen, Ordering::Relaxed);
    chosen
}

/// A new untyped of `2^bits` bytes in a fresh slot, carved from the tests' parent untyped.
pub fn fresh_untyped(bits: u64) -> u64 {
    let slot = alloc_slot();
    retype(parent_untyped(), ObjectType::Untyped, bits, slot, 1).expect("carving a test untyped");
    slot
}

/// Untyped_Retype into root CNode slots starting at `slot`.
pub fn retype(untyped: u64, ty: ObjectType, size_bits: u64, slot: u64, count: u64) -> Result<(), Failure> {
    cnode::untyped_retype(untyped, ty.value(), size_bits, slots::CAP_INIT_THREAD_CNODE, 0, 0, slot, count)
}

/// A fresh object of type `ty` in a fresh slot, from a fresh untyped.
pub fn new_object(ty: ObjectType, size_bits: u64) -> u64 {
    let untyped = fresh_untyped(16.max(size_bits + 5));
    let slot = alloc_slot();
    retype(untyped, ty, size_bits, slot, 1).expect("creating a test object");
    slot
}

/// Stack and IPC buffer for one helper thread. Helpers are recycled round-robin, so a test
/// must stop (delete or suspend) the threads it starts before it returns.
const KITS: usize = 16;
const STACK_BYTES: usize = 16 * 1024;

#[repr(C, align(4096))]
struct IpcPage([u8; 4096]);

#[repr(C, align(16))]
struct Stack([u8; STACK_BYTES]);

static mut IPC_PAGES: [IpcPage; KITS] = [const { IpcPage([0; 4096]) }; KITS];
static mut STACKS: [Stack; KITS] = [const { Stack([0; STACK_BYTES]) }; KITS];
static NEXT_KIT: AtomicU64 = AtomicU64::new(0);

/// A helper thread started by a test: its TCB slot, IPC buffer address and (MCS) its
/// scheduling context's slot (0 without MCS).
#[derive(Clone, Copy, Debug)]
pub struct Helper {
    pub tcb: u64,
    pub ipc_buffer: u64,
    #[cfg_attr(not(feature = "mcs"), allow(dead_code))]
    pub sc: u64,
}

pub use atoll_sdk::image::image_frame_cap;

/// A new VSpace mapping this image's frames at the same addresses (code and statics shared).
pub fn vspace_sharing_image() -> u64 {
    atoll_sdk::image::vspace_sharing_image(|ty| new_object(ty, 0), alloc_slot).expect("VSpace sharing the image")
}

/// A TCB configured in the root task's CSpace and VSpace with its own stack and IPC buffer,
/// not yet running.
pub fn new_helper(priority: u64, fault_ep: u64) -> Helper {
    new_helper_in(slots::CAP_INIT_THREAD_VSPACE, priority, fault_ep)
}

/// As `new_helper`, in the address space `vspace` (which must map this image).
pub fn new_helper_in(vspace: u64, priority: u64, fault_ep: u64) -> Helper {
    init_notifications();
    let kit = (NEXT_KIT.fetch_add(1, Ordering::Relaxed) as usize) % KITS;
    let tcb = new_object(ObjectType::Tcb, 0);
    // SAFETY: only the address of the kit's IPC page is taken.
    let ipc_buffer = unsafe { core::ptr::addr_of!(IPC_PAGES[kit]) } as u64;
    let frame = image_frame_cap(ipc_buffer);
    configure(tcb, fault_ep, slots::CAP_INIT_THREAD_CNODE, 0, vspace, 0, ipc_buffer, frame)
        .expect("configuring a helper thread");
    atoll_sdk::tcb::set_priority(tcb, slots::CAP_INIT_THREAD_TCB, priority).expect("helper priority");
    let sc = give_budget(tcb);
    #[cfg(feature = "mcs")]
    {
        // The helper's own reply object, for `syscall::recv` and `reply` (MCS).
        let reply = new_object(ObjectType::Reply, 0);
        let user_data = (ipc_buffer as usize + IPC_BUFFER_USER_DATA) as *mut u64;
        // SAFETY: the word lies in this kit's IPC page, which no running thread uses now.
        unsafe { user_data.write_volatile(reply) };
    }
    Helper { tcb, ipc_buffer, sc }
}

/// Byte offset of `userData` in an IPC buffer.
#[cfg(feature = "mcs")]
const IPC_BUFFER_USER_DATA: usize = core::mem::offset_of!(atoll_sdk::abi::IpcBuffer, user_data);

/// seL4_TCB_Configure with a fault endpoint, in either configuration: with MCS, Configure
/// takes none and the fault endpoint is set with SetSpace.
#[allow(clippy::too_many_arguments)]
pub fn configure(
    tcb: u64,
    fault_ep: u64,
    cspace: u64,
    cspace_data: u64,
    vspace: u64,
    vspace_data: u64,
    buffer: u64,
    frame: u64,
) -> Result<(), Failure> {
    #[cfg(not(feature = "mcs"))]
    return atoll_sdk::tcb::configure(tcb, fault_ep, cspace, cspace_data, vspace, vspace_data, buffer, frame);
    #[cfg(feature = "mcs")]
    {
        atoll_sdk::tcb::configure(tcb, cspace, cspace_data, vspace, vspace_data, buffer, frame)?;
        if fault_ep != 0 {
            atoll_sdk::tcb::set_space(tcb, fault_ep, cspace, cspace_data, vspace, vspace_data)?;
        }
        Ok(())
    }
}

/// seL4_TCB_SetSchedParams for priorities only, in either configuration (MCS: no scheduling
/// context or fault endpoint is given, so a thread that has none keeps none).
pub fn set_sched_params(tcb: u64, authority: u64, mcp: u64, priority: u64) -> Result<(), Failure> {
    #[cfg(not(feature = "mcs"))]
    return atoll_sdk::tcb::set_sched_params(tcb, authority, mcp, priority);
    #[cfg(feature = "mcs")]
    atoll_sdk::tcb::set_sched_params(tcb, authority, mcp, priority, 0, 0)
}

/// MCS: a new round-robin scheduling context with a 5 ms budget, bound to `tcb`, so it can run
/// (as a thread without MCS can); returns its slot. Without MCS, nothing to do (0).
pub fn give_budget(#[allow(unused_variables)] tcb: u64) -> u64 {
    #[cfg(feature = "mcs")]
    {
        let sc = new_sched_context(5_000, 5_000);
        atoll_sdk::sched::bind(sc, tcb).expect("binding a helper's scheduling context");
        sc
    }
    #[cfg(not(feature = "mcs"))]
    0
}

/// MCS: a new scheduling context with `budget_us` in every `period_us`.
#[cfg(feature = "mcs")]
pub fn new_sched_context(budget_us: u64, period_us: u64) -> u64 {
    let sc = new_object(ObjectType::SchedContext, atoll_sdk::abi::object::MIN_SCHED_CONTEXT_BITS as u64);
    atoll_sdk::sched::configure_flags(sched_control(), sc, budget_us, period_us, 0, 0, 0)
        .expect("configuring a scheduling context");
    sc
}

/// MCS: the SchedControl cap of core 0.
#[cfg(feature = "mcs")]
pub fn sched_control() -> u64 {
    bootinfo().schedcontrol.start
}

/// MCS: the root thread gets a reply object for `syscall::recv` and `reply`.
pub fn init_root_thread() {
    #[cfg(feature = "mcs")]
    atoll_sdk::runtime::set_reply_cap(new_object(ObjectType::Reply, 0));
}

fn stack_top(helper: &Helper) -> u64 {
    let kit = ((helper.ipc_buffer - core::ptr::addr_of!(IPC_PAGES) as u64) / 4096) as usize;
    // SAFETY: only the address of the kit's stack is taken.
    unsafe { core::ptr::addr_of!(STACKS[kit]) as u64 + STACK_BYTES as u64 }
}

/// The registers that start a helper at `entry(arg)` on its own stack; it finds its IPC buffer
/// through `tp`.
pub fn start_registers(helper: &Helper, entry: extern "C" fn(u64) -> !, arg: u64) -> [u64; 32] {
    let mut regs = [0u64; 32];
    regs[atoll_sdk::tcb::context::PC] = entry as usize as u64;
    regs[atoll_sdk::tcb::context::SP] = stack_top(helper);
    regs[atoll_sdk::tcb::context::A0] = arg;
    regs[atoll_sdk::tcb::context::TP] = helper.ipc_buffer;
    regs
}

/// Starts a helper at `entry(arg)`.
pub fn start(helper: &Helper, entry: extern "C" fn(u64) -> !, arg: u64) {
    let regs = start_registers(helper, entry, arg);
    atoll_sdk::tcb::write_registers(helper.tcb, true, &regs).expect("starting a helper thread");
}

/// A new helper started at `entry(arg)`.
pub fn spawn(priority: u64, fault_ep: u64, entry: extern "C" fn(u64) -> !, arg: u64) -> Helper {
    let helper = new_helper(priority, fault_ep);
    start(&helper, entry, arg);
    helper
}

/// Stops a helper for good (deleting its only TCB cap suspends it).
pub fn stop(helper: Helper) {
    cnode::delete(root_slot(helper.tcb)).expect("deleting a helper's TCB cap");
}

/// A helper's own IPC buffer, for use inside the helper.
pub fn my_ipc_buffer() -> &'static mut atoll_sdk::abi::IpcBuffer {
    atoll_sdk::runtime::ipc_buffer()
}

/// Parks a helper forever (blocks on a notification nobody signals).
pub fn park() -> ! {
    let parking = PARKING.load(Ordering::Relaxed);
    loop {
        atoll_sdk::syscall::wait(parking);
    }
}

/// A helper says it has finished its part.
pub fn done() {
    atoll_sdk::syscall::signal(DONE.load(Ordering::Relaxed));
}

/// The notification `done` signals (MCS helpers signal it and wait in one call).
#[cfg(feature = "mcs")]
pub fn done_notification() -> u64 {
    DONE.load(Ordering::Relaxed)
}

/// Waits until a helper calls `done`.
pub fn wait_done() {
    atoll_sdk::syscall::wait(DONE.load(Ordering::Relaxed));
}

static PARKING: AtomicU64 = AtomicU64::new(0);
static DONE: AtomicU64 = AtomicU64::new(0);

/// Creates the notifications helpers use, before the first helper exists.
fn init_notifications() {
    if PARKING.load(Ordering::Relaxed) == 0 {
        PARKING.store(new_object(ObjectType::Notification, 0), Ordering::Relaxed);
        DONE.store(new_object(ObjectType::Notification, 0), Ordering::Relaxed);
    }
}

/// Words a test and its helper threads share, to report what they saw (the helpers run in the
/// same image, so statics are shared memory).
pub struct Board([AtomicU64; 8]);

impl Board {
    pub const fn new() -> Board {
        Board([const { AtomicU64::new(0) }; 8])
    }

    pub fn get(&self, index: usize) -> u64 {
        self.0[index].load(Ordering::SeqCst)
    }

    pub fn set(&self, index: usize, value: u64) {
        self.0[index].store(value, Ordering::SeqCst);
    }

    /// Adds one to word `index`; returns its old value.
    pub fn increment(&self, index: usize) -> u64 {
        self.0[index].fetch_add(1, Ordering::SeqCst)
    }

    pub fn clear(&self) {
        self.0.iter().for_each(|word| word.store(0, Ordering::SeqCst));
    }
}

/// Yields `count` times.
pub fn yield_times(count: usize) {
    for _ in 0..count {
        atoll_sdk::syscall::yield_now();
    }
}
