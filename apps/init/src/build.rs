//! Building the protection domains the description lists, and the monitor loop after.
use crate::alloc::{Allocator, path};
use atoll_sdk::abi::object::MIN_SCHED_CONTEXT_BITS;
use atoll_sdk::abi::vm::RISCV_EXECUTE_NEVER;
use atoll_sdk::abi::{CapRights, Error, ObjectType, slots};
use atoll_sdk::runtime::bootinfo;
use atoll_sdk::{cnode, domain, irq, println, sched, syscall, tcb, vspace};
use atoll_sysspec::{self as spec, Spec};

const MAX_PDS: usize = 64;
const MAX_REGIONS: usize = 64;
/// Where the initialiser maps a frame while it fills it: 4 KiB frames at SCRATCH, 2 MiB
/// frames a gigabyte above (where no 4 KiB page table ever takes their slot).
const SCRATCH: u64 = 0x20_0000_0000;
const SCRATCH_LARGE: u64 = SCRATCH + (1 << 30);
/// A PD's CSpace, as seL4 Microkit lays it out: a root CNode of 2^6 slots, whose slot 0 holds
/// libmicrokit's CNode of 2^9 slots behind a guard that fills the rest of the word (so small
/// cptrs name its slots) and whose slots 1 to 63 hold the description's `<cspace>` caps.
const PD_ROOT_BITS: u64 = 6;
const PD_CNODE_BITS: u64 = 9;

#[derive(Clone, Copy, Default)]
pub struct Pd {
    root: u64,
    tcb: u64,
    sc: u64,
    cnode: u64,
    vspace: u64,
    pub endpoint: u64,
    notification: u64,
    reply: u64,
}

pub struct System {
    pub pds: [Pd; MAX_PDS],
    /// Each region's first frame slot (its frames are in consecutive slots) and frame count.
    regions: [(u64, u64); MAX_REGIONS],
    monitor: u64,
    /// The virtual machines' vCPUs.
    #[cfg(feature = "hyp")]
    vms: crate::vm::Vms,
}

/// Maps `frame` at `vaddr` in `vspace_root` (a VSpace or a guest's root, where `vaddr` is
/// guest-physical), adding page tables as the walk needs them.
fn map(alloc: &mut Allocator, frame: u64, vspace_root: u64, vaddr: u64, perms: u64) {
    let rights = if perms & spec::PERM_WRITE != 0 { CapRights::ALL_RIGHTS } else { CapRights::CAN_READ };
    let attributes = if perms & spec::PERM_EXECUTE != 0 { 0 } else { RISCV_EXECUTE_NEVER };
    loop {
        match vspace::page_map(frame, vspace_root, vaddr, rights, attributes) {
            Ok(()) => return,
            Err(failure) if failure.error == Error::FailedLookup => {
                let table = alloc.object(ObjectType::RiscvPageTable, 0);
                vspace::page_table_map(table, vspace_root, vaddr, 0).expect("a page table");
            }
            Err(failure) => panic!("mapping a frame at {vaddr:#x}: {failure:?}"),
        }
    }
}

/// Fills a fresh page of a PD's image: zeroes, then its part of the segment's data, then the
/// patches that fall in it; `page` is the page's address in the PD.
fn fill(alloc: &mut Allocator, frame: u64, page: u64, spec: &Spec, pd: &spec::Pd, segment: &spec::Segment) {
    map(alloc, frame, slots::CAP_INIT_THREAD_VSPACE, SCRATCH, spec::PERM_READ | spec::PERM_WRITE);
    let scratch = SCRATCH as *mut u8;
    // SAFETY: the frame was just mapped read-write at SCRATCH in this address space, and no
    // other reference to that page exists; every write below stays inside its 4096 bytes.
    unsafe { core::ptr::write_bytes(scratch, 0, 4096) };
    let data = spec.data(segment.data, segment.file_size).expect("segment data inside the description");
    let (from, to) = (page.max(segment.vaddr), (page + 4096).min(segment.vaddr + segment.file_size));
    if from < to {
        let source = &data[(from - segment.vaddr) as usize..(to - segment.vaddr) as usize];
        // SAFETY: as above; `from - page + len` is at most 4096.
        unsafe { core::ptr::copy_nonoverlapping(source.as_ptr(), scratch.add((from - page) as usize), source.len()) };
    }
    for index in 0..pd.patch_count() {
        let patch = pd.patch(index).expect("patch");
        if patch.vaddr < page || patch.vaddr >= page + 4096 {
            continue;
        }
        let bytes = patch.value.to_le_bytes();
        let len = if patch.size == 1 { 1 } else { 8 }.min((page + 4096 - patch.vaddr) as usize);
        // SAFETY: as above; the write ends inside the page.
        unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), scratch.add((patch.vaddr - page) as usize), len) };
    }
    vspace::page_unmap(frame).expect("unmapping the scratch page");
}

fn region_frames(alloc: &mut Allocator, region: spec::Region) -> (u64, u64) {
    let bits = region.page_size.trailing_zeros() as u64;
    let count = region.size / region.page_size;
    let ty = if bits == 12 { ObjectType::Riscv4KPage } else { ObjectType::RiscvMegaPage };
    let mut frame = |index: u64| match region.phys_addr {
        Some(paddr) => alloc.frame_at(paddr + index * region.page_size, bits),
        None => alloc.object(ty, 0),
    };
    let first = frame(0);
    (1..count).for_each(|index| {
        frame(index);
    });
    (first, count)
}

/// Copies a region's prefill data into its first frames, of the region's page size.
fn prefill(alloc: &mut Allocator, spec: &Spec, region: spec::Region, (first, count): (u64, u64)) {
    let (offset, len) = region.prefill;
    if len == 0 {
        return;
    }
    let data = spec.data(offset, len).expect("prefill data inside the description");
    let (page_size, scratch) = if region.page_size == 4096 { (4096, SCRATCH) } else { (1 << 21, SCRATCH_LARGE) };
    assert!(len <= count * page_size, "prefill data larger than its region");
    for (page, chunk) in data.chunks(page_size as usize).enumerate() {
        let frame = first + page as u64;
        map(alloc, frame, slots::CAP_INIT_THREAD_VSPACE, scratch, spec::PERM_READ | spec::PERM_WRITE);
        // SAFETY: the frame, `page_size` bytes, is mapped read-write at `scratch` in this
        // address space and nothing else refers to that page; the chunk is at most that long.
        unsafe { core::ptr::copy_nonoverlapping(chunk.as_ptr(), scratch as *mut u8, chunk.len()) };
        vspace::page_unmap(frame).expect("unmapping the scratch page");
    }
}

/// Maps region `entry.region` at `entry.vaddr` in `root` (a PD's VSpace, or a guest's root at
/// guest-physical addresses), frame by frame at its page size. A frame cap maps once, so each
/// mapping gets copies and the region's own caps stay unmapped.
pub fn map_region(alloc: &mut Allocator, spec: &Spec, system: &System, root: u64, entry: spec::Map) {
    let region = spec.region(entry.region).expect("region");
    let (first, count) = system.regions[entry.region as usize];
    for frame in 0..count {
        let copy = alloc.slot();
        cnode::copy(path(copy), path(first + frame), CapRights::ALL_RIGHTS).expect("a frame copy");
        map(alloc, copy, root, entry.vaddr + frame * region.page_size, entry.perms & 7);
    }
}

/// Creates every PD's objects and address space, then the virtual machines, then the PDs'
/// CSpaces, then starts the PDs (a VMM starts its VM).
pub fn build(spec: &Spec) -> System {
    if spec.vm_count() > 0 && !cfg!(feature = "hyp") {
        println!(
            "atoll-init: the system has {} virtual machine(s), but this initialiser was built without its `hyp` \
             feature; build the system in the hyp configuration (a kernel with the hypervisor extension)",
            spec.vm_count()
        );
        syscall::debug_halt();
    }
    let mut alloc = Allocator::new();
    atoll_sdk::runtime::set_reply_cap(alloc.object(ObjectType::Reply, 0));
    let mut system = System {
        pds: [Pd::default(); MAX_PDS],
        regions: [(0, 0); MAX_REGIONS],
        monitor: 0,
        #[cfg(feature = "hyp")]
        vms: crate::vm::Vms::default(),
    };
    system.monitor = alloc.object(ObjectType::Endpoint, 0);
    assert!(spec.pd_count() as usize <= MAX_PDS && spec.region_count() as usize <= MAX_REGIONS, "too large");
    // Device regions are carved from their untypeds in address order.
    let region = |index: u64| spec.region(index).expect("region");
    let mut done = [false; MAX_REGIONS];
    for _ in 0..spec.region_count() {
        let next = (0..spec.region_count())
            .filter(|&i| !done[i as usize])
            .min_by_key(|&i| region(i).phys_addr.unwrap_or(0))
            .expect("a region left");
        done[next as usize] = true;
        system.regions[next as usize] = region_frames(&mut alloc, region(next));
        prefill(&mut alloc, spec, region(next), system.regions[next as usize]);
    }
    for index in 0..spec.pd_count() {
        let pd = spec.pd(index).expect("PD");
        let objects = Pd {
            root: alloc.object(ObjectType::CapTable, PD_ROOT_BITS),
            tcb: alloc.object(ObjectType::Tcb, 0),
            sc: alloc.object(ObjectType::SchedContext, MIN_SCHED_CONTEXT_BITS as u64),
            cnode: alloc.object(ObjectType::CapTable, PD_CNODE_BITS),
            vspace: alloc.object(ObjectType::RiscvPageTable, 0),
            endpoint: if pd.flags & spec::PD_HAS_ENDPOINT != 0 { alloc.object(ObjectType::Endpoint, 0) } else { 0 },
            notification: alloc.object(ObjectType::Notification, 0),
            reply: alloc.object(ObjectType::Reply, 0),
        };
        vspace::asid_pool_assign(slots::CAP_INIT_THREAD_ASID_POOL, objects.vspace).expect("an ASID");
        system.pds[index as usize] = objects;
        address_space(&mut alloc, spec, &pd, &system, objects);
    }
    // Virtual machines after their VMMs, whose endpoints take their exits; before the VMMs'
    // CSpaces, which hold their threads and VCPUs.
    #[cfg(feature = "hyp")]
    {
        system.vms = crate::vm::build(&mut alloc, spec, &system);
    }
    for index in 0..spec.pd_count() {
        cspace(&mut alloc, &spec.pd(index).expect("PD"), &system, system.pds[index as usize]);
    }
    for index in 0..spec.pd_count() {
        start(&mut alloc, &spec.pd(index).expect("PD"), &system, system.pds[index as usize]);
    }
    domain_schedule(spec);
    system
}

fn address_space(alloc: &mut Allocator, spec: &Spec, pd: &spec::Pd, system: &System, objects: Pd) {
    for index in 0..pd.segment_count() {
        let segment = pd.segment(index).expect("segment");
        let mut page = segment.vaddr & !0xfff;
        while page < segment.vaddr + segment.mem_size {
            let frame = alloc.object(ObjectType::Riscv4KPage, 0);
            fill(alloc, frame, page, spec, pd, &segment);
            map(alloc, frame, objects.vspace, page, segment.perms);
            page += 4096;
        }
    }
    let rw = spec::PERM_READ | spec::PERM_WRITE;
    let mut page = spec::STACK_TOP - pd.stack_size;
    while page < spec::STACK_TOP {
        let frame = alloc.object(ObjectType::Riscv4KPage, 0);
        map(alloc, frame, objects.vspace, page, rw);
        page += 4096;
    }
    for index in 0..pd.map_count() {
        map_region(alloc, spec, system, objects.vspace, pd.map(index).expect("map"));
    }
}

/// Fills the PD's CNodes with the caps the builder planned, at their slots.
fn cspace(alloc: &mut Allocator, pd: &spec::Pd, system: &System, objects: Pd) {
    let into = |slot: u64| cnode::SlotPath { root: objects.cnode, index: slot, depth: PD_CNODE_BITS };
    let into_root = |slot: u64| cnode::SlotPath { root: objects.root, index: slot, depth: PD_ROOT_BITS };
    let guard = 64 - PD_ROOT_BITS - PD_CNODE_BITS;
    cnode::mint(into_root(0), path(objects.cnode), CapRights::ALL_RIGHTS, guard).expect("libmicrokit's CNode");
    for index in 0..pd.cap_count() {
        let cap = pd.cap(index).expect("cap");
        let other = |pd: u64| system.pds[pd as usize];
        let all = CapRights::ALL_RIGHTS;
        let result = match cap.kind {
            spec::cap::OWN_ENDPOINT => cnode::copy(into(cap.slot), path(objects.endpoint), all),
            spec::cap::OWN_NOTIFICATION => cnode::copy(into(cap.slot), path(objects.notification), all),
            spec::cap::OWN_REPLY => cnode::copy(into(cap.slot), path(objects.reply), all),
            spec::cap::OWN_TCB => cnode::copy(into(cap.slot), path(objects.tcb), all),
            spec::cap::OWN_VSPACE => cnode::copy(into(cap.slot), path(objects.vspace), all),
            spec::cap::ENDPOINT => {
                let endpoint = if cap.a == spec::NONE { system.monitor } else { other(cap.a).endpoint };
                cnode::mint(into(cap.slot), path(endpoint), all, cap.b)
            }
            spec::cap::NOTIFICATION => cnode::mint(into(cap.slot), path(other(cap.a).notification), all, cap.b),
            spec::cap::IRQ_HANDLER => {
                let handler = alloc.slot();
                let number = cap.a & !spec::cap::EDGE_TRIGGERED;
                irq::control_get(slots::CAP_IRQ_CONTROL, number, slots::CAP_INIT_THREAD_CNODE, handler, 64)
                    .expect("an IRQ handler");
                let badged = alloc.slot();
                cnode::mint(path(badged), path(objects.notification), all, cap.b).expect("a badged notification");
                irq::set_notification(handler, badged).expect("IRQ delivery");
                cnode::move_cap(into(cap.slot), path(handler))
            }
            spec::cap::CHILD_TCB => cnode::copy(into(cap.slot), path(other(cap.a).tcb), all),
            spec::cap::ROOT_TCB => cnode::copy(into_root(cap.slot), path(other(cap.a).tcb), all),
            spec::cap::ROOT_SCHED_CONTEXT => cnode::copy(into_root(cap.slot), path(other(cap.a).sc), all),
            spec::cap::ROOT_VSPACE => cnode::copy(into_root(cap.slot), path(other(cap.a).vspace), all),
            #[cfg(feature = "hyp")]
            spec::cap::VM_TCB => cnode::copy(into(cap.slot), path(system.vms.vcpu(cap.a, cap.b).tcb), all),
            #[cfg(feature = "hyp")]
            spec::cap::VCPU => cnode::copy(into(cap.slot), path(system.vms.vcpu(cap.a, cap.b).vcpu), all),
            kind => panic!("unknown cap kind {kind}"),
        };
        result.unwrap_or_else(|failure| panic!("cap in slot {}: {failure:?}", cap.slot));
    }
}

fn start(alloc: &mut Allocator, pd: &spec::Pd, system: &System, objects: Pd) {
    let ipc = alloc.object(ObjectType::Riscv4KPage, 0);
    map(alloc, ipc, objects.vspace, spec::IPC_BUFFER_VADDR, spec::PERM_READ | spec::PERM_WRITE);
    tcb::configure(objects.tcb, objects.root, 0, objects.vspace, 0, spec::IPC_BUFFER_VADDR, ipc)
        .expect("configuring a PD's thread");
    if objects.endpoint != 0 {
        tcb::bind_notification(objects.tcb, objects.notification).expect("binding its notification");
    }
    if let Some(d) = pd.domain {
        domain::set(slots::CAP_DOMAIN, d, objects.tcb).expect("its domain");
    }
    let control = bootinfo().schedcontrol.start;
    sched::configure_flags(control, objects.sc, pd.budget_us, pd.period_us, 0, 0x100, 0).expect("its budget");
    // The fault endpoint the builder planned for slot 2 (the parent's, or the monitor's badged
    // with the PD's index + 1) is also the thread's fault handler.
    let fault = alloc.slot();
    let fault_cap =
        (0..pd.cap_count()).map(|i| pd.cap(i).expect("cap")).find(|cap| cap.slot == 2).expect("a fault endpoint cap");
    let source = if fault_cap.a == spec::NONE { system.monitor } else { system.pds[fault_cap.a as usize].endpoint };
    cnode::mint(path(fault), path(source), CapRights::ALL_RIGHTS, fault_cap.b).expect("its fault endpoint");
    tcb::set_sched_params(objects.tcb, slots::CAP_INIT_THREAD_TCB, pd.priority, pd.priority, objects.sc, fault)
        .expect("its scheduling parameters");
    let mut regs = [0u64; 32];
    regs[tcb::context::PC] = pd.entry;
    regs[tcb::context::SP] = spec::STACK_TOP;
    tcb::write_registers(objects.tcb, true, &regs).expect("starting it");
}

/// The description's domain schedule, set and started (seL4 16.0.0's run-time schedule).
fn domain_schedule(spec: &Spec) {
    if spec.schedule_count() == 0 {
        return;
    }
    for index in 0..spec.schedule_count() {
        let (domain_number, ticks) = spec.schedule_entry(index).expect("schedule entry");
        domain::schedule_configure(slots::CAP_DOMAIN, index, domain_number, ticks).expect("a domain schedule entry");
    }
    domain::schedule_set_start(slots::CAP_DOMAIN, spec.schedule_start()).expect("starting the domain schedule");
    println!("atoll-init: domain schedule of {} entries started", spec.schedule_count());
}

/// A top-level PD faulted: which fault, where (symbolised from the PD's function symbols),
/// and its registers. It stays stopped, as in seL4 Microkit.
fn report_fault(pd: &spec::Pd, name: &str, thread: u64, label: u64, message: &syscall::Reply) {
    use atoll_sdk::abi::FaultType;
    let mut regs = [0u64; 32];
    let _ = tcb::read_registers(thread, false, &mut regs);
    let place = |pc: u64| match pd.symbolise(pc) {
        Some((function, offset)) => (core::str::from_utf8(function).unwrap_or("?"), offset),
        None => ("?", pc),
    };
    let (pc, sp, ra) = (regs[tcb::context::PC], regs[tcb::context::SP], regs[tcb::context::RA]);
    let (function, offset) = place(pc);
    match FaultType::from_value(label) {
        Some(FaultType::VmFault) => println!(
            "atoll-init: '{name}' faulted: VM fault at address {:#x} ({}), pc {pc:#x} in {function}+{offset:#x}",
            message.mrs[1],
            if message.mrs[2] != 0 { "instruction fetch" } else { "data access" }
        ),
        Some(kind) => println!("atoll-init: '{name}' faulted: {kind:?}, pc {pc:#x} in {function}+{offset:#x}"),
        None => println!("atoll-init: '{name}' faulted: fault {label}, pc {pc:#x} in {function}+{offset:#x}"),
    }
    let (caller, caller_offset) = place(ra);
    println!("atoll-init:   sp {sp:#x}, ra {ra:#x} in {caller}+{caller_offset:#x}; '{name}' stays stopped");
}

/// The monitor: top-level PDs' faults are reported; a passive PD that finished its `init`
/// (it signals the monitor) loses its scheduling context.
pub fn monitor(spec: &Spec, system: &System) -> ! {
    loop {
        let message = syscall::recv(system.monitor);
        let Some(index) = message.badge.checked_sub(1).filter(|&i| i < spec.pd_count()) else { continue };
        let pd = spec.pd(index).expect("PD");
        let name = core::str::from_utf8(pd.name).unwrap_or("?");
        let objects = system.pds[index as usize];
        match message.info.label() {
            0 if pd.flags & spec::PD_PASSIVE != 0 => {
                sched::unbind_object(objects.sc, objects.tcb).expect("making it passive");
                println!("atoll-init: '{name}' is now passive");
            }
            label => report_fault(&pd, name, objects.tcb, label, &message),
        }
    }
}
