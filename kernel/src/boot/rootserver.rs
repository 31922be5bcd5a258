//! Creates the root task exactly as seL4 does: its objects, its address space, its capabilities in
//! seL4's slot order, the bootinfo frame and the untyped capabilities for all remaining memory.
//!
//! Root task virtual layout (seL4's): the user image, then the IPC buffer page, then the bootinfo
//! page, then the extra bootinfo (which holds the device tree).
use super::devices::Machine;
use crate::arch::boot_vspace::{BootVSpace, TABLE_LEVEL_BITS, assign_initial_asid};
use crate::arch::layout::kernel_image_paddr;
use crate::arch::reg;
use crate::config::ROOT_CNODE_BITS;
use crate::cspace::cdt;
use crate::cspace::{Cap, Cte, Slot};
use crate::memory::{self, Handle, Tcb, ThreadState, caps, slot};
use atoll_abi::bootinfo::{BootInfo, BootInfoHeader, BootInfoId, SlotRegion, UntypedDesc};
use atoll_abi::config::MAX_NUM_BOOTINFO_UNTYPED_CAPS;
use atoll_abi::object::{MAX_UNTYPED_BITS, MIN_UNTYPED_BITS, PAGE_BITS, SLOT_BITS, TCB_BITS, USER_TOP};
use atoll_abi::{CapType, slots};
use atoll_kernel_core::cap::{FrameSize, VmRights};
use atoll_kernel_core::{Region, RegionSet, untyped_blocks};

const PAGE: u64 = 1 << PAGE_BITS;
/// The initial thread's ASID (seL4's IT_ASID).
const IT_ASID: u64 = 1;
/// Physical addresses seL4 hands out as device untyped: everything below 2^39 that is not RAM.
const PADDR_USER_DEVICE_TOP: u64 = 1 << 39;
const ROOT_CNODE_SLOTS: u64 = 1 << ROOT_CNODE_BITS;
/// seL4's default priority for the initial thread: the highest.
const MAX_PRIORITY: u8 = atoll_abi::tcb::MAX_PRIO as u8;

/// The root task's image as the loader placed it.
pub struct UserImage {
    pub phys: Region,
    pub pv_offset: u64,
    pub entry: u64,
    pub dtb: Region,
}

unsafe extern "C" {
    static _kernel_start: u8;
    static _kernel_end: u8;
}

pub fn kernel_image() -> Region {
    // Linker symbols: only their addresses are taken.
    let (start, end) = (&raw const _kernel_start, &raw const _kernel_end);
    Region { start: kernel_image_paddr(start), end: kernel_image_paddr(end) }
}

/// Size bits of the extra bootinfo region: a power of two of at least one page (seL4's rule).
fn extra_bootinfo_bits(size: u64) -> u32 {
    if size == 0 { 0 } else { size.next_power_of_two().trailing_zeros().max(PAGE_BITS as u32) }
}

/// Hands out the root CNode's slots in order.
struct Slots {
    cnode: Cap,
    next: u64,
}

impl Slots {
    /// Writes a boot cap: a CDT root, revocable and first-badged (seL4's write_slot).
    fn put(&self, index: u64, cap: Cap) {
        let mut cte = Cte { cap, ..Cte::default() };
        cte.mdb.set_revocable(true);
        cte.mdb.set_first_badged(true);
        self.slot(index).write(cte);
    }

    fn slot(&self, index: u64) -> Slot {
        Slot::in_cnode(self.cnode, index)
    }

    fn push(&mut self, cap: Cap) -> Option<u64> {
        if self.next >= ROOT_CNODE_SLOTS {
            return None;
        }
        self.put(self.next, cap);
        self.next += 1;
        Some(self.next - 1)
    }
}

/// Carves one zeroed object of `2^bits` bytes out of free memory.
fn alloc(free: &mut RegionSet<{ super::devices::MAX_REGIONS }>, bits: u32) -> u64 {
    let Some(paddr) = free.take(1 << bits, bits) else {
        panic!("not enough free memory for the root task's objects");
    };
    // SAFETY: the memory was free RAM and is now owned by this new object alone.
    unsafe { memory::zero(paddr, 1 << bits) };
    paddr
}

/// Builds the root task and returns the physical address of its TCB.
pub fn create(machine: &Machine, image: &UserImage, dtb: &[u8]) -> Handle<Tcb> {
    let ui_v_start = image.phys.start.wrapping_sub(image.pv_offset);
    let ui_v_end = image.phys.end.wrapping_sub(image.pv_offset);
    let ipc_buffer_vptr = ui_v_end;
    let bootinfo_vptr = ipc_buffer_vptr + PAGE;
    let extra_bi_vptr = bootinfo_vptr + PAGE;
    // The extra bootinfo carries the device tree, if there is one (seL4 adds none otherwise).
    let extra_bi_size =
        if dtb.is_empty() { 0 } else { core::mem::size_of::<BootInfoHeader>() as u64 + dtb.len() as u64 };
    let extra_bi_bits = extra_bootinfo_bits(extra_bi_size);
    let it_v_end = extra_bi_vptr + if extra_bi_bits > 0 { 1 << extra_bi_bits } else { 0 };
    if it_v_end >= USER_TOP {
        panic!("root task image [{ui_v_start:#x}..{it_v_end:#x}) reaches seL4_UserTop");
    }

    let mut free = machine.ram;
    for used in [kernel_image(), image.dtb, image.phys].into_iter().filter(|r| r.start < r.end) {
        if free.remove(used).is_err() {
            panic!("free memory splits into too many regions");
        }
    }

    // Objects, largest alignment first so small ones fill the gaps after.
    let cnode = alloc(&mut free, ROOT_CNODE_BITS + SLOT_BITS as u32);
    let extra_bi = if extra_bi_bits > 0 { alloc(&mut free, extra_bi_bits) } else { 0 };
    let tcb_paddr = alloc(&mut free, TCB_BITS as u32);
    let vspace = alloc(&mut free, PAGE_BITS as u32);
    let ipc_buffer = alloc(&mut free, PAGE_BITS as u32);
    let bootinfo_paddr = alloc(&mut free, PAGE_BITS as u32);
    let asid_pool = alloc(&mut free, PAGE_BITS as u32);
    #[cfg(feature = "mcs")]
    let sched_context = alloc(&mut free, atoll_abi::object::MIN_SCHED_CONTEXT_BITS as u32);

    let cnode_cap = Cap::cnode(cnode, ROOT_CNODE_BITS, 64 - ROOT_CNODE_BITS, 0);
    let mut slots = Slots { cnode: cnode_cap, next: slots::NUM_INITIAL_CAPS };
    slots.put(slots::CAP_INIT_THREAD_CNODE, cnode_cap);
    slots.put(slots::CAP_DOMAIN, Cap::control(CapType::Domain));
    slots.put(slots::CAP_IRQ_CONTROL, Cap::control(CapType::IrqControl));

    // SAFETY: the bootinfo frame was just allocated and zeroed; BootInfo fits in it.
    let bootinfo = unsafe { &mut *crate::arch::layout::phys_to_kernel_ptr::<BootInfo>(bootinfo_paddr) };
    bootinfo.node_id = 0;
    bootinfo.num_nodes = 1;
    bootinfo.ipc_buffer = ipc_buffer_vptr;
    bootinfo.init_thread_cnode_size_bits = ROOT_CNODE_BITS as u64;
    bootinfo.init_thread_domain = 0;
    bootinfo.extra_len = if extra_bi_bits > 0 { extra_bi_size } else { 0 };
    if extra_bi_bits > 0 {
        let header = BootInfoHeader { id: BootInfoId::Fdt.value(), len: extra_bi_size };
        // SAFETY: the extra bootinfo region was just allocated and is large enough.
        unsafe {
            memory::copy_to(extra_bi, &header.id.to_le_bytes());
            memory::copy_to(extra_bi + 8, &header.len.to_le_bytes());
            memory::copy_to(extra_bi + 16, dtb);
        }
    }

    // The address space: a page table for every 1 GiB, then every 2 MiB, of the task's range.
    let address_space = BootVSpace::new(Cap::page_table(vspace));
    let paging_start = slots.next;
    for (level, step_bits) in TABLE_LEVEL_BITS.into_iter().enumerate() {
        let mut vaddr = ui_v_start >> step_bits << step_bits;
        while vaddr < it_v_end {
            let table = Cap::page_table(alloc(&mut free, PAGE_BITS as u32));
            address_space.add_table(vaddr, level as u32, table);
            slots.push(table.with_mapping(IT_ASID, vaddr));
            vaddr += 1 << step_bits;
        }
    }
    bootinfo.user_image_paging = SlotRegion { start: paging_start, end: slots.next };

    let frame = |paddr| Cap::frame(paddr, FrameSize::Small, VmRights::ReadWrite, false);
    address_space.map_page(bootinfo_vptr, bootinfo_paddr, false);
    slots.put(slots::CAP_BOOT_INFO_FRAME, frame(bootinfo_paddr).with_mapping(IT_ASID, bootinfo_vptr));

    let extra_start = slots.next;
    if extra_bi_bits > 0 {
        for page in 0..(1u64 << extra_bi_bits) / PAGE {
            let (paddr, vaddr) = (extra_bi + page * PAGE, extra_bi_vptr + page * PAGE);
            address_space.map_page(vaddr, paddr, false);
            slots.push(frame(paddr).with_mapping(IT_ASID, vaddr));
        }
    }
    bootinfo.extra_bi_pages = SlotRegion { start: extra_start, end: slots.next };

    // MCS: one SchedControl cap per core, after the extra bootinfo pages (seL4's
    // init_sched_control).
    #[cfg(feature = "mcs")]
    {
        let start = slots.next;
        slots.push(Cap::sched_control(0));
        bootinfo.schedcontrol = SlotRegion { start, end: slots.next };
    }

    address_space.map_page(ipc_buffer_vptr, ipc_buffer, false);
    let ipc_buffer_cap = frame(ipc_buffer).with_mapping(IT_ASID, ipc_buffer_vptr);
    slots.put(slots::CAP_INIT_THREAD_IPC_BUFFER, ipc_buffer_cap);

    let frames_start = slots.next;
    let mut paddr = image.phys.start;
    while paddr < image.phys.end {
        let vaddr = paddr.wrapping_sub(image.pv_offset);
        address_space.map_page(vaddr, paddr, true);
        slots.push(frame(paddr).with_mapping(IT_ASID, vaddr));
        paddr += PAGE;
    }
    bootinfo.user_image_frames = SlotRegion { start: frames_start, end: slots.next };

    let pool_cap = Cap::asid_pool(asid_pool, 0);
    assign_initial_asid(pool_cap, IT_ASID, Cap::page_table(vspace));
    slots.put(slots::CAP_INIT_THREAD_ASID_POOL, pool_cap);
    slots.put(slots::CAP_ASID_CONTROL, Cap::control(CapType::AsidControl));
    let vspace_cap = Cap::page_table(vspace).with_mapping(IT_ASID, 0);
    slots.put(slots::CAP_INIT_THREAD_VSPACE, vspace_cap);

    // The TCB was just allocated and zeroed (a zeroed Tcb is a valid, inactive one).
    let tcb_cap = Cap::thread(tcb_paddr);
    let tcb = caps::thread(tcb_cap);
    // The thread's own slots hold CDT children of the root CNode's caps, as in seL4; its IPC
    // buffer cap is a derived (unmapped) copy.
    cdt::insert(cnode_cap, slots.slot(slots::CAP_INIT_THREAD_CNODE), tcb.slot(slot::CSPACE_ROOT));
    cdt::insert(vspace_cap, slots.slot(slots::CAP_INIT_THREAD_VSPACE), tcb.slot(slot::VSPACE_ROOT));
    let ipc_copy = ipc_buffer_cap.without_mapping();
    cdt::insert(ipc_copy, slots.slot(slots::CAP_INIT_THREAD_IPC_BUFFER), tcb.slot(slot::IPC_BUFFER));
    tcb.set_ipc_buffer(ipc_buffer_vptr);
    tcb.set_reg(reg::PC, image.entry);
    tcb.set_reg(reg::CAP, bootinfo_vptr);
    tcb.set_priority_only(MAX_PRIORITY);
    tcb.set_max_controlled_priority(MAX_PRIORITY);
    tcb.set_state_only(ThreadState::Running);
    tcb.set_name(b"rootserver");
    #[cfg(not(feature = "mcs"))]
    {
        tcb.set_time_slice(crate::config::TIME_SLICE_TICKS);
        crate::ipc::transfer::setup_reply_master(tcb);
    }
    crate::sched::register_thread(tcb);
    slots.put(slots::CAP_INIT_THREAD_TCB, tcb_cap);
    #[cfg(feature = "mcs")]
    slots.put(slots::CAP_INIT_THREAD_SC, root_sched_context(sched_context, tcb));

    create_untypeds(machine, &free, &mut slots, bootinfo);
    bootinfo.empty = SlotRegion { start: slots.next, end: ROOT_CNODE_SLOTS };
    tcb
}

/// Device untypeds for every non-RAM physical range, then untypeds for all free RAM.
/// MCS: the root task runs round robin on a scheduling context with seL4's boot time slice
/// (seL4's configure_sched_context with CONFIG_BOOT_THREAD_TIME_SLICE, 5 ms).
#[cfg(feature = "mcs")]
fn root_sched_context(paddr: u64, tcb: Handle<Tcb>) -> Cap {
    const BOOT_THREAD_TIME_SLICE_US: u64 = 5_000;
    let bits = atoll_abi::object::MIN_SCHED_CONTEXT_BITS as u32;
    let cap = Cap::sched_context(paddr, bits);
    let sc = caps::sched_context(cap);
    sc.set_size_bits(bits as u8);
    let budget = BOOT_THREAD_TIME_SLICE_US * atoll_kernel_core::refill::TICKS_PER_US;
    let now = crate::sched::time_now();
    sc.with_refills(|r| r.configure_new(atoll_kernel_core::refill::MIN_REFILLS, budget, 0, now));
    sc.set_tcb(Some(tcb));
    tcb.set_sched_context(Some(sc));
    cap
}

fn create_untypeds(
    machine: &Machine,
    free: &RegionSet<{ super::devices::MAX_REGIONS }>,
    slots: &mut Slots,
    bootinfo: &mut BootInfo,
) {
    let start = slots.next;
    let mut count = 0;
    let mut add = |paddr: u64, bits: u32, is_device: bool| {
        // Boot untypeds start "full" so that their first retype resets (zeroes) them, as in seL4.
        let cap = Cap::untyped(paddr, bits, is_device).with_free_index(1 << bits);
        if count >= MAX_NUM_BOOTINFO_UNTYPED_CAPS || slots.push(cap).is_none() {
            return;
        }
        bootinfo.untyped_list[count] = UntypedDesc::new(paddr, bits as u8, is_device);
        count += 1;
    };
    let mut not_device = RegionSet::<{ super::devices::MAX_REGIONS + 4 }>::new();
    for region in machine.ram.iter().chain(machine.kernel_devices.iter()) {
        let _ = not_device.insert(region);
    }
    let mut cursor = 0;
    let gaps = not_device.iter().map(|r| (r.start, r.end)).chain([(PADDR_USER_DEVICE_TOP, PADDR_USER_DEVICE_TOP)]);
    for (used_start, used_end) in gaps {
        if cursor < used_start {
            let gap = Region { start: cursor, end: used_start.min(PADDR_USER_DEVICE_TOP) };
            for (paddr, bits) in untyped_blocks(gap, MIN_UNTYPED_BITS as u32, MAX_UNTYPED_BITS as u32) {
                add(paddr, bits, true);
            }
        }
        cursor = cursor.max(used_end);
    }
    for region in free.iter() {
        for (paddr, bits) in untyped_blocks(region, MIN_UNTYPED_BITS as u32, MAX_UNTYPED_BITS as u32) {
            add(paddr, bits, false);
        }
    }
    bootinfo.untyped = SlotRegion { start, end: slots.next };
}
