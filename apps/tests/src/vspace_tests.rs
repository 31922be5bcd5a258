//! Virtual memory (sel4test's VSPACE, FRAMEDIPC and PAGEFAULT areas and more): mapping frames
//! and page tables, remapping, unmapping, shared frames, device frames, new address spaces
//! and ASID pools, and the faults that follow.
use crate::framework::{Failure as TestFailure, Outcome, Test};
use crate::support::{alloc_slot, fresh_untyped, new_object, park, retype, root_slot, spawn, stop};
use crate::{check, check_eq, check_err, check_ok};
use atoll_sdk::abi::{CapRights, CapType, Error, MessageInfo, ObjectType, slots};
use atoll_sdk::invocation::page_get_address;
use atoll_sdk::syscall::{self, debug_cap_identify as identify};
use atoll_sdk::vspace::{
    asid_control_make_pool, asid_pool_assign, page_map, page_table_map, page_table_unmap, page_unmap,
};
use atoll_sdk::{BootInfo, cnode};
/// seL4_Fault_VMFault's label (5 without MCS, 6 with it).
const VM_FAULT: u64 = atoll_sdk::abi::FaultType::VmFault.value();

use core::sync::atomic::{AtomicU64, Ordering};

pub const TESTS: &[Test] = &[
    Test { name: "vspace::map_frame_through_new_page_tables", run: map_frame_through_new_page_tables },
    Test { name: "vspace::map_without_page_table_fails_lookup", run: map_without_page_table_fails_lookup },
    Test { name: "vspace::large_and_huge_frames_map_at_their_levels", run: large_and_huge_frames },
    Test { name: "vspace::bad_addresses_and_double_maps", run: bad_addresses_and_double_maps },
    Test { name: "vspace::shared_frame_seen_through_two_mappings", run: shared_frame_seen_through_two_mappings },
    Test { name: "vspace::unmap_then_access_faults", run: unmap_then_access_faults },
    Test { name: "vspace::read_only_mapping_faults_on_write", run: read_only_mapping_faults_on_write },
    Test { name: "vspace::deleting_frame_cap_unmaps", run: deleting_frame_cap_unmaps },
    Test { name: "vspace::kernel_window_is_out_of_reach", run: kernel_window_is_out_of_reach },
    Test { name: "vspace::device_frame_maps_the_uart", run: device_frame_maps_the_uart },
    Test { name: "vspace::page_table_checks", run: page_table_checks },
    Test { name: "vspace::thread_in_new_address_space_faults_to_handler", run: thread_in_new_address_space },
    Test { name: "vspace::asid_pools_run_out", run: asid_pools_run_out },
    Test { name: "framedipc::frame_sent_over_ipc_is_shared_across_address_spaces", run: frame_sent_over_ipc },
];

const VSPACE: u64 = slots::CAP_INIT_THREAD_VSPACE;
/// A gigabyte-aligned region the root task's image does not use; each test takes its own 2 MiB.
const REGION: u64 = 0x40_0000_0000 / 2;
static NEXT_REGION: AtomicU64 = AtomicU64::new(0);
static LAST_FAULT: [AtomicU64; 4] = [const { AtomicU64::new(0) }; 4];

/// A fresh 2 MiB-aligned virtual range with its page tables mapped in the root VSpace.
fn fresh_range() -> Result<u64, TestFailure> {
    let n = NEXT_REGION.fetch_add(1, Ordering::Relaxed);
    // One level-1 table for the whole gigabyte at REGION, made on first use.
    if n == 0 {
        let top = new_object(ObjectType::RiscvPageTable, 0);
        check_ok!(page_table_map(top, VSPACE, REGION, 0));
    }
    let base = REGION + (n + 1) * (2 << 20);
    let table = new_object(ObjectType::RiscvPageTable, 0);
    check_ok!(page_table_map(table, VSPACE, base, 0));
    Ok(base)
}

fn frame() -> u64 {
    new_object(ObjectType::Riscv4KPage, 0)
}

fn map_frame_through_new_page_tables(_: &'static BootInfo) -> Outcome {
    let base = fresh_range()?;
    let page = frame();
    check_ok!(page_map(page, VSPACE, base, CapRights::ALL_RIGHTS, 0));
    let pointer = base as *mut u64;
    // SAFETY: just mapped read-write; fresh frames are zeroed.
    unsafe {
        check_eq!(core::ptr::read_volatile(pointer.add(7)), 0);
        core::ptr::write_volatile(pointer.add(7), 0xfeed);
        check_eq!(core::ptr::read_volatile(pointer.add(7)), 0xfeed);
    }
    check!(check_ok!(page_get_address(page)) % 4096 == 0);
    Ok(())
}

fn map_without_page_table_fails_lookup(_: &'static BootInfo) -> Outcome {
    let page = frame();
    // Nothing is mapped in the gigabyte at 0x30_0000_0000: the walk stops at the root with 30
    // bits left.
    let failure = check_err!(page_map(page, VSPACE, 0x30_0000_0000, CapRights::ALL_RIGHTS, 0), Error::FailedLookup);
    check_eq!(failure.detail(), &[0, 2, 30][..]);
    Ok(())
}

fn bad_addresses_and_double_maps(_: &'static BootInfo) -> Outcome {
    let base = fresh_range()?;
    let (a, b) = (frame(), frame());
    check_err!(page_map(a, VSPACE, base + 8, CapRights::ALL_RIGHTS, 0), Error::AlignmentError);
    let failure = check_err!(page_map(a, VSPACE, 0x3f_ffff_f000, CapRights::ALL_RIGHTS, 0), Error::InvalidArgument);
    check_eq!(failure.detail(), &[0][..]);
    check_err!(page_map(a, slots::CAP_INIT_THREAD_TCB, base, CapRights::ALL_RIGHTS, 0), Error::InvalidCapability);
    check_ok!(page_map(a, VSPACE, base, CapRights::ALL_RIGHTS, 0));
    check_err!(page_map(b, VSPACE, base, CapRights::ALL_RIGHTS, 0), Error::DeleteFirst);
    // A mapped frame can be remapped only at the same address (to change rights).
    check_ok!(page_map(a, VSPACE, base, CapRights::new(false, false, true, false), 0));
    let failure = check_err!(page_map(a, VSPACE, base + 4096, CapRights::ALL_RIGHTS, 0), Error::InvalidArgument);
    check_eq!(failure.detail(), &[0][..]);
    check_ok!(page_unmap(a));
    check_ok!(page_map(b, VSPACE, base, CapRights::ALL_RIGHTS, 0));
    Ok(())
}

fn shared_frame_seen_through_two_mappings(_: &'static BootInfo) -> Outcome {
    let base = fresh_range()?;
    let page = frame();
    let copy = alloc_slot();
    check_ok!(cnode::copy(root_slot(copy), root_slot(page), CapRights::ALL_RIGHTS));
    check_ok!(page_map(page, VSPACE, base, CapRights::ALL_RIGHTS, 0));
    check_ok!(page_map(copy, VSPACE, base + 0x3000, CapRights::ALL_RIGHTS, 0));
    // SAFETY: both addresses map the same frame, read-write.
    unsafe {
        core::ptr::write_volatile((base + 16) as *mut u64, 0x5151);
        check_eq!(core::ptr::read_volatile((base + 0x3000 + 16) as *const u64), 0x5151);
    }
    Ok(())
}

/// Fault endpoint for the access probes.
fn fault_endpoint() -> u64 {
    new_object(ObjectType::Endpoint, 0)
}

extern "C" fn read_probe(address: u64) -> ! {
    // SAFETY: the probe is meant to fault; the handler stops this thread.
    let value = unsafe { core::ptr::read_volatile(address as *const u64) };
    LAST_FAULT[3].store(value, Ordering::SeqCst);
    park()
}

extern "C" fn write_probe(address: u64) -> ! {
    // SAFETY: as for `read_probe`.
    unsafe { core::ptr::write_volatile(address as *mut u64, 1) };
    park()
}

/// Runs a probe against `address` in a helper and returns its VM fault (addr, prefetch, FSR).
fn probe(entry: extern "C" fn(u64) -> !, address: u64) -> (u64, u64, u64, u64) {
    let endpoint = fault_endpoint();
    let helper = spawn(100, endpoint, entry, address);
    let fault = syscall::recv(endpoint);
    stop(helper);
    (fault.info.label(), fault.mrs[1], fault.mrs[2], fault.mrs[3])
}

fn unmap_then_access_faults(_: &'static BootInfo) -> Outcome {
    let base = fresh_range()?;
    let page = frame();
    check_ok!(page_map(page, VSPACE, base, CapRights::ALL_RIGHTS, 0));
    // SAFETY: mapped read-write.
    unsafe { core::ptr::write_volatile(base as *mut u64, 3) };
    check_ok!(page_unmap(page));
    check_eq!(probe(read_probe, base + 8), (VM_FAULT, base + 8, 0, 5));
    // Mapping it again shows the same memory.
    check_ok!(page_map(page, VSPACE, base, CapRights::ALL_RIGHTS, 0));
    // SAFETY: mapped again.
    check_eq!(unsafe { core::ptr::read_volatile(base as *const u64) }, 3);
    Ok(())
}

fn read_only_mapping_faults_on_write(_: &'static BootInfo) -> Outcome {
    let base = fresh_range()?;
    let page = frame();
    check_ok!(page_map(page, VSPACE, base, CapRights::new(false, false, true, false), 0));
    // SAFETY: mapped read-only; reading is fine.
    check_eq!(unsafe { core::ptr::read_volatile(base as *const u64) }, 0);
    check_eq!(probe(write_probe, base), (VM_FAULT, base, 0, 7));
    Ok(())
}

fn deleting_frame_cap_unmaps(_: &'static BootInfo) -> Outcome {
    let base = fresh_range()?;
    let page = frame();
    check_ok!(page_map(page, VSPACE, base + 0x1000, CapRights::ALL_RIGHTS, 0));
    check_ok!(cnode::delete(root_slot(page)));
    check_eq!(probe(read_probe, base + 0x1000), (VM_FAULT, base + 0x1000, 0, 5));
    Ok(())
}

fn kernel_window_is_out_of_reach(_: &'static BootInfo) -> Outcome {
    let kernel = 0xffff_ffc0_8020_0000u64;
    check_eq!(probe(read_probe, kernel), (VM_FAULT, kernel, 0, 5));
    Ok(())
}

/// The UART's registers mapped in the root VSpace, from the device untyped that covers them;
/// returns (virtual base, the device untyped's slot to revoke afterwards).
pub fn map_uart(bootinfo: &'static BootInfo) -> Result<(u64, u64), TestFailure> {
    const UART: u64 = 0x1000_0000;
    let count = (bootinfo.untyped.end - bootinfo.untyped.start) as usize;
    let found = bootinfo.untyped_list[..count]
        .iter()
        .position(|d| d.is_device != 0 && d.paddr <= UART && UART < d.paddr + (1 << d.size_bits));
    let Some(index) = found else {
        check!(false, "no device untyped covers the UART");
        unreachable!()
    };
    let desc = bootinfo.untyped_list[index];
    let untyped = bootinfo.untyped.start + index as u64;
    // Carve the device untyped down to the UART's page with 4 KiB frames in order.
    let pages = (UART - desc.paddr) / 4096 + 1;
    check!(pages <= 256, "UART too far into its untyped for one retype");
    let first = crate::support::alloc_slots(pages);
    check_ok!(retype(untyped, ObjectType::Riscv4KPage, 0, first, pages));
    let uart_frame = first + pages - 1;
    check_eq!(check_ok!(page_get_address(uart_frame)), UART);
    let base = fresh_range()?;
    check_ok!(page_map(uart_frame, VSPACE, base, CapRights::ALL_RIGHTS, 0));
    Ok((base, untyped))
}

fn device_frame_maps_the_uart(bootinfo: &'static BootInfo) -> Outcome {
    let (base, untyped) = map_uart(bootinfo)?;
    // The 16550's line status register: transmitter empty bits set when idle.
    // SAFETY: the UART's registers, mapped read-write, read as bytes.
    let lsr = unsafe { core::ptr::read_volatile((base + 5) as *const u8) };
    check_eq!(lsr & 0x60, 0x60);
    check_ok!(cnode::revoke(root_slot(untyped)));
    Ok(())
}

fn page_table_checks(_: &'static BootInfo) -> Outcome {
    let base = fresh_range()?;
    let table = new_object(ObjectType::RiscvPageTable, 0);
    // The 2 MiB at `base` already has its table: mapping another there is DeleteFirst.
    check_err!(page_table_map(table, VSPACE, base, 0), Error::DeleteFirst);
    check_err!(page_table_map(table, VSPACE, 0x40_0000_0000, 0), Error::InvalidArgument);
    let next = base + (64 << 20);
    check_ok!(page_table_map(table, VSPACE, next, 0));
    check_err!(page_table_map(table, VSPACE, next, 0), Error::InvalidCapability);
    // A copy exists: not the last cap, so it cannot be unmapped until revoked.
    let copy = alloc_slot();
    check_ok!(cnode::copy(root_slot(copy), root_slot(table), CapRights::ALL_RIGHTS));
    check_err!(page_table_unmap(table), Error::RevokeFirst);
    check_ok!(cnode::delete(root_slot(copy)));
    check_ok!(page_table_unmap(table));
    // The root task's own VSpace root cannot be unmapped.
    let root_copy = alloc_slot();
    check_ok!(cnode::move_cap(root_slot(root_copy), root_slot(VSPACE)));
    check_err!(page_table_unmap(root_copy), Error::RevokeFirst);
    check_ok!(cnode::move_cap(root_slot(VSPACE), root_slot(root_copy)));
    Ok(())
}

fn thread_in_new_address_space(_: &'static BootInfo) -> Outcome {
    let root = new_object(ObjectType::RiscvPageTable, 0);
    check_ok!(asid_pool_assign(slots::CAP_INIT_THREAD_ASID_POOL, root));
    check_eq!(identify(root), CapType::PageTable.value());
    // A second assignment of the same (now mapped) root is refused.
    check_err!(asid_pool_assign(slots::CAP_INIT_THREAD_ASID_POOL, root), Error::InvalidCapability);
    // A thread in that empty address space faults on its very first instruction.
    let endpoint = fault_endpoint();
    let tcb = new_object(ObjectType::Tcb, 0);
    check_ok!(crate::support::configure(tcb, endpoint, slots::CAP_INIT_THREAD_CNODE, 0, root, 0, 0, 0));
    check_ok!(atoll_sdk::tcb::set_priority(tcb, slots::CAP_INIT_THREAD_TCB, 100));
    crate::support::give_budget(tcb);
    let mut regs = [0u64; 32];
    regs[0] = 0x7000;
    check_ok!(atoll_sdk::tcb::write_registers(tcb, true, &regs));
    let fault = syscall::recv(endpoint);
    check_eq!((fault.info.label(), fault.mrs[0], fault.mrs[1], fault.mrs[2]), (VM_FAULT, 0x7000, 0x7000, 1));
    check_ok!(cnode::delete(root_slot(tcb)));
    let _ = MessageInfo::new(0, 0, 0, 0);
    Ok(())
}

fn asid_pools_run_out(_: &'static BootInfo) -> Outcome {
    let parent = fresh_untyped(20);
    let mut made = 0;
    loop {
        let (untyped, pool) = (alloc_slot(), alloc_slot());
        check_ok!(retype(parent, ObjectType::Untyped, 12, untyped, 1));
        match asid_control_make_pool(slots::CAP_ASID_CONTROL, untyped, slots::CAP_INIT_THREAD_CNODE, pool, 64) {
            Ok(()) => {
                made += 1;
                check_eq!(identify(pool), CapType::AsidPool.value());
            }
            Err(failure) => {
                check_eq!(failure.error, Error::DeleteFirst);
                break;
            }
        }
        check!(made <= 127);
    }
    // 128 pools in all; the root task's is the first.
    check_eq!(made, 127);
    // A pool from the last batch hands out ASIDs to new VSpaces.
    let root = new_object(ObjectType::RiscvPageTable, 0);
    let _ = root;
    check_ok!(cnode::revoke(root_slot(parent)));
    Ok(())
}

/// Where the receiving thread maps the frame it is sent, in its own address space.
const SHARED_VADDR: u64 = 0x10_0000_0000;
static FRAME_TEST: [AtomicU64; 4] = [const { AtomicU64::new(0) }; 4];

/// In another address space: receive a frame cap, map it, read what the sender wrote, write
/// an answer, report. FRAME_TEST = [endpoint, receive slot, own VSpace cap, result].
extern "C" fn frame_receiver(_: u64) -> ! {
    let [endpoint, slot, own_vspace] = [0, 1, 2].map(|i| FRAME_TEST[i].load(Ordering::SeqCst));
    let buffer = crate::support::my_ipc_buffer();
    buffer.receive_cnode = slots::CAP_INIT_THREAD_CNODE;
    buffer.receive_index = slot;
    buffer.receive_depth = 64;
    syscall::recv(endpoint);
    let mapped = page_map(slot, own_vspace, SHARED_VADDR, CapRights::ALL_RIGHTS, 0).is_ok();
    if mapped {
        // SAFETY: just mapped read-write in this address space.
        unsafe {
            FRAME_TEST[3].store(core::ptr::read_volatile(SHARED_VADDR as *const u64), Ordering::SeqCst);
            core::ptr::write_volatile((SHARED_VADDR + 8) as *mut u64, 0x600d);
        }
    }
    crate::support::done();
    park()
}

fn frame_sent_over_ipc(_: &'static BootInfo) -> Outcome {
    let other = crate::support::vspace_sharing_image();
    // Page tables for the receiver's mapping, in its address space.
    let (top, table) = (new_object(ObjectType::RiscvPageTable, 0), new_object(ObjectType::RiscvPageTable, 0));
    check_ok!(page_table_map(top, other, SHARED_VADDR, 0));
    check_ok!(page_table_map(table, other, SHARED_VADDR, 0));
    let endpoint = new_object(ObjectType::Endpoint, 0);
    let receive_slot = alloc_slot();
    for (i, value) in [endpoint, receive_slot, other, 0].into_iter().enumerate() {
        FRAME_TEST[i].store(value, Ordering::SeqCst);
    }
    let helper = crate::support::new_helper_in(other, 100, 0);
    crate::support::start(&helper, frame_receiver, 0);
    // Our own mapping of a fresh frame, with a value in it.
    let base = fresh_range()?;
    let page = frame();
    check_ok!(page_map(page, VSPACE, base, CapRights::ALL_RIGHTS, 0));
    // SAFETY: mapped read-write.
    unsafe { core::ptr::write_volatile(base as *mut u64, 0xabcdef) };
    // Send a copy of the frame cap (the original stays mapped here).
    let copy = alloc_slot();
    check_ok!(cnode::copy(root_slot(copy), root_slot(page), CapRights::ALL_RIGHTS));
    atoll_sdk::runtime::ipc_buffer().caps_or_badges[0] = copy;
    syscall::send(endpoint, MessageInfo::new(0, 0, 1, 0), [0; 4]);
    crate::support::wait_done();
    check_eq!(identify(receive_slot), CapType::Frame.value());
    check_eq!(FRAME_TEST[3].load(Ordering::SeqCst), 0xabcdef);
    // SAFETY: still mapped here; the other address space wrote through its own mapping.
    check_eq!(unsafe { core::ptr::read_volatile((base + 8) as *const u64) }, 0x600d);
    stop(helper);
    Ok(())
}

fn large_and_huge_frames(bootinfo: &'static BootInfo) -> Outcome {
    // A 2 MiB frame goes straight into a level-1 table: the gigabyte at REGION has one.
    fresh_range()?;
    let large_vaddr = REGION + 0x3000_0000;
    let large = crate::support::fresh_untyped(21);
    let large_frame = alloc_slot();
    check_ok!(retype(large, ObjectType::RiscvMegaPage, 0, large_frame, 1));
    check_err!(page_map(large_frame, VSPACE, large_vaddr + 4096, CapRights::ALL_RIGHTS, 0), Error::AlignmentError);
    check_ok!(page_map(large_frame, VSPACE, large_vaddr, CapRights::ALL_RIGHTS, 0));
    // SAFETY: mapped read-write, 2 MiB.
    unsafe {
        core::ptr::write_volatile((large_vaddr + 0x1f_fff8) as *mut u64, 21);
        check_eq!(core::ptr::read_volatile((large_vaddr + 0x1f_fff8) as *const u64), 21);
    }
    // A 1 GiB frame goes straight into the root table, from a 1 GiB RAM untyped.
    let count = (bootinfo.untyped.end - bootinfo.untyped.start) as usize;
    let Some(index) = bootinfo.untyped_list[..count].iter().position(|d| d.is_device == 0 && d.size_bits == 30) else {
        check!(false, "no 1 GiB RAM untyped (QEMU needs at least 2 GiB)");
        unreachable!()
    };
    let huge_untyped = bootinfo.untyped.start + index as u64;
    let huge_frame = alloc_slot();
    check_ok!(retype(huge_untyped, ObjectType::RiscvGigaPage, 0, huge_frame, 1));
    let huge_vaddr = 0x38_0000_0000;
    check_ok!(page_map(huge_frame, VSPACE, huge_vaddr, CapRights::ALL_RIGHTS, 0));
    check_eq!(check_ok!(page_get_address(huge_frame)), bootinfo.untyped_list[index].paddr);
    // SAFETY: mapped read-write, 1 GiB.
    unsafe {
        core::ptr::write_volatile((huge_vaddr + 0x3fff_fff8) as *mut u64, 30);
        check_eq!(core::ptr::read_volatile((huge_vaddr + 0x3fff_fff8) as *const u64), 30);
    }
    check_ok!(cnode::revoke(root_slot(huge_untyped)));
    check_eq!(probe(read_probe, huge_vaddr), (VM_FAULT, huge_vaddr, 0, 5));
    Ok(())
}
