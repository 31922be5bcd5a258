//! Untyped_Retype (sel4test's RETYPE area and more): every object type, every error path, the
//! watermark, reuse after revoke, and retyping until memory runs out.
use crate::framework::{Outcome, Test};
use crate::support::{alloc_slot, alloc_slots, fresh_untyped, retype, root_radix, root_slot};
use crate::{check, check_eq, check_err, check_ok};
use atoll_sdk::BootInfo;
use atoll_sdk::abi::{CapType, Error, ObjectType, slots};
use atoll_sdk::cnode;
use atoll_sdk::invocation::page_get_address;
use atoll_sdk::syscall::debug_cap_identify as identify;

pub const TESTS: &[Test] = &[
    Test { name: "retype::every_object_type", run: every_object_type },
    Test { name: "retype::bad_object_type_is_invalid_argument", run: bad_object_type_is_invalid_argument },
    Test { name: "retype::size_out_of_range", run: size_out_of_range },
    Test { name: "retype::too_small_cnode_or_untyped", run: too_small_cnode_or_untyped },
    Test { name: "retype::destination_window_checks", run: destination_window_checks },
    Test { name: "retype::occupied_destination_is_delete_first", run: occupied_destination_is_delete_first },
    Test { name: "retype::not_enough_memory_reports_what_is_left", run: not_enough_memory_reports_what_is_left },
    Test { name: "retype::watermark_aligns_each_object", run: watermark_aligns_each_object },
    Test { name: "retype::device_untyped_makes_only_frames", run: device_untyped_makes_only_frames },
    Test { name: "retype::revoke_makes_untyped_reusable", run: revoke_makes_untyped_reusable },
    Test {
        name: "retype::deleting_last_cnode_cap_deletes_its_contents",
        run: deleting_last_cnode_cap_deletes_its_contents,
    },
    Test { name: "retype::until_memory_runs_out", run: until_memory_runs_out },
    Test { name: "retype::destination_through_node_index", run: destination_through_node_index },
    Test { name: "revoke::long_revoke_is_preempted", run: long_revoke_is_preempted },
];

fn every_object_type(_: &'static BootInfo) -> Outcome {
    let untyped = fresh_untyped(22);
    let cases = [
        (ObjectType::Untyped, 4, CapType::Untyped),
        (ObjectType::Tcb, 0, CapType::Thread),
        (ObjectType::Endpoint, 0, CapType::Endpoint),
        (ObjectType::Notification, 0, CapType::Notification),
        (ObjectType::CapTable, 1, CapType::CNode),
        (ObjectType::CapTable, 10, CapType::CNode),
        (ObjectType::Riscv4KPage, 0, CapType::Frame),
        (ObjectType::RiscvPageTable, 0, CapType::PageTable),
        // Last: aligned to 2 MiB, it fills the rest of the 4 MiB block.
        (ObjectType::RiscvMegaPage, 0, CapType::Frame),
    ];
    for (ty, size, cap_type) in cases {
        let slot = alloc_slot();
        check_ok!(retype(untyped, ty, size, slot, 1));
        check_eq!((ty, identify(slot)), (ty, cap_type.value()));
    }
    Ok(())
}

fn bad_object_type_is_invalid_argument(_: &'static BootInfo) -> Outcome {
    let untyped = fresh_untyped(12);
    let slot = alloc_slot();
    // The first numbers past the last object type (MCS adds two non-arch types).
    let count = atoll_sdk::abi::object::OBJECT_TYPE_COUNT;
    for ty in [count, count + 1, u64::MAX] {
        let failure = check_err!(
            cnode::untyped_retype(untyped, ty, 0, slots::CAP_INIT_THREAD_CNODE, 0, 0, slot, 1),
            Error::InvalidArgument
        );
        check_eq!(failure.detail(), &[0][..]);
    }
    Ok(())
}

fn size_out_of_range(_: &'static BootInfo) -> Outcome {
    let untyped = fresh_untyped(12);
    let slot = alloc_slot();
    for (ty, size) in [(ObjectType::Untyped, 39), (ObjectType::Untyped, 64), (ObjectType::CapTable, 34)] {
        let failure = check_err!(retype(untyped, ty, size, slot, 1), Error::RangeError);
        check_eq!(failure.detail(), &[0, 38][..]);
    }
    Ok(())
}

fn too_small_cnode_or_untyped(_: &'static BootInfo) -> Outcome {
    let untyped = fresh_untyped(12);
    let slot = alloc_slot();
    let failure = check_err!(retype(untyped, ObjectType::CapTable, 0, slot, 1), Error::InvalidArgument);
    check_eq!(failure.detail(), &[1][..]);
    let failure = check_err!(retype(untyped, ObjectType::Untyped, 3, slot, 1), Error::InvalidArgument);
    check_eq!(failure.detail(), &[1][..]);
    Ok(())
}

fn destination_window_checks(_: &'static BootInfo) -> Outcome {
    let untyped = fresh_untyped(16);
    let slots = 1 << root_radix();
    let failure = check_err!(retype(untyped, ObjectType::Endpoint, 0, slots, 1), Error::RangeError);
    check_eq!(failure.detail(), &[0, slots - 1][..]);
    let slot = alloc_slot();
    let failure = check_err!(retype(untyped, ObjectType::Endpoint, 0, slot, 0), Error::RangeError);
    check_eq!(failure.detail(), &[1, 256][..]);
    let failure = check_err!(retype(untyped, ObjectType::Endpoint, 0, slot, 257), Error::RangeError);
    check_eq!(failure.detail(), &[1, 256][..]);
    let failure = check_err!(retype(untyped, ObjectType::Endpoint, 0, slots - 2, 3), Error::RangeError);
    check_eq!(failure.detail(), &[1, 2][..]);
    Ok(())
}

fn occupied_destination_is_delete_first(_: &'static BootInfo) -> Outcome {
    let untyped = fresh_untyped(16);
    let first = alloc_slots(3);
    check_ok!(cnode::copy(root_slot(first + 2), root_slot(slots::CAP_DOMAIN), atoll_sdk::abi::CapRights::ALL_RIGHTS));
    check_err!(retype(untyped, ObjectType::Endpoint, 0, first, 3), Error::DeleteFirst);
    check_eq!((identify(first), identify(first + 1)), (0, 0));
    Ok(())
}

fn not_enough_memory_reports_what_is_left(_: &'static BootInfo) -> Outcome {
    let untyped = fresh_untyped(12);
    let slots = alloc_slots(2);
    let failure = check_err!(retype(untyped, ObjectType::Riscv4KPage, 0, slots, 2), Error::NotEnoughMemory);
    check_eq!(failure.detail(), &[4096][..]);
    check_ok!(retype(untyped, ObjectType::Endpoint, 0, slots, 1));
    let failure = check_err!(retype(untyped, ObjectType::Riscv4KPage, 0, slots + 1, 1), Error::NotEnoughMemory);
    check_eq!(failure.detail(), &[4096 - 16][..]);
    Ok(())
}

fn watermark_aligns_each_object(_: &'static BootInfo) -> Outcome {
    let untyped = fresh_untyped(14);
    let s = alloc_slots(5);
    check_ok!(retype(untyped, ObjectType::Endpoint, 0, s, 1));
    check_ok!(retype(untyped, ObjectType::Riscv4KPage, 0, s + 1, 1));
    check_ok!(retype(untyped, ObjectType::Riscv4KPage, 0, s + 2, 2));
    let base = check_ok!(page_get_address(s + 1));
    check_eq!(base % 4096, 0);
    check_eq!(check_ok!(page_get_address(s + 2)), base + 4096);
    check_eq!(check_ok!(page_get_address(s + 3)), base + 8192);
    // The endpoint took the first 16 bytes, so the first page is at +4 KiB and the block is full.
    let failure = check_err!(retype(untyped, ObjectType::Endpoint, 0, s + 4, 1), Error::NotEnoughMemory);
    check_eq!(failure.detail(), &[0][..]);
    Ok(())
}

fn device_untyped_makes_only_frames(bootinfo: &'static BootInfo) -> Outcome {
    let count = (bootinfo.untyped.end - bootinfo.untyped.start) as usize;
    let index = bootinfo.untyped_list[..count].iter().position(|d| d.is_device != 0 && d.size_bits >= 12);
    let Some(index) = index else {
        check!(false, "no device untyped");
        unreachable!()
    };
    let untyped = bootinfo.untyped.start + index as u64;
    let slot = alloc_slot();
    for ty in [ObjectType::Tcb, ObjectType::Endpoint, ObjectType::CapTable, ObjectType::RiscvPageTable] {
        let size = if ty == ObjectType::CapTable { 4 } else { 0 };
        let failure = check_err!(retype(untyped, ty, size, slot, 1), Error::InvalidArgument);
        check_eq!(failure.detail(), &[1][..]);
    }
    check_ok!(retype(untyped, ObjectType::Riscv4KPage, 0, slot, 1));
    check_eq!(check_ok!(page_get_address(slot)), bootinfo.untyped_list[index].paddr);
    check_ok!(cnode::revoke(root_slot(untyped)));
    check_eq!(identify(slot), 0);
    Ok(())
}

fn revoke_makes_untyped_reusable(_: &'static BootInfo) -> Outcome {
    let untyped = fresh_untyped(13);
    let s = alloc_slots(3);
    check_ok!(retype(untyped, ObjectType::Riscv4KPage, 0, s, 2));
    let first = check_ok!(page_get_address(s));
    check_err!(retype(untyped, ObjectType::Riscv4KPage, 0, s + 2, 1), Error::NotEnoughMemory);
    check_ok!(cnode::revoke(root_slot(untyped)));
    check_eq!((identify(s), identify(s + 1)), (0, 0));
    check_ok!(retype(untyped, ObjectType::Riscv4KPage, 0, s + 2, 1));
    check_eq!(check_ok!(page_get_address(s + 2)), first);
    Ok(())
}

fn deleting_last_cnode_cap_deletes_its_contents(_: &'static BootInfo) -> Outcome {
    let memory = fresh_untyped(13);
    let holder_memory = fresh_untyped(12);
    let cnode_slot = alloc_slot();
    check_ok!(retype(holder_memory, ObjectType::CapTable, 2, cnode_slot, 1));
    // A frame made straight into the new CNode's slot 1.
    check_ok!(cnode::untyped_retype(
        memory,
        ObjectType::Riscv4KPage.value(),
        0,
        slots::CAP_INIT_THREAD_CNODE,
        cnode_slot,
        64,
        1,
        1
    ));
    let frame_paddr = {
        let probe = alloc_slot();
        let inside = atoll_sdk::cnode::SlotPath { root: cnode_slot, index: 1, depth: 2 };
        check_ok!(cnode::copy(root_slot(probe), inside, atoll_sdk::abi::CapRights::ALL_RIGHTS));
        let paddr = check_ok!(page_get_address(probe));
        check_ok!(cnode::delete(root_slot(probe)));
        paddr
    };
    // Deleting the only cap to the CNode deletes the frame cap inside it, so the untyped has no
    // children left and its next retype starts again from its base.
    check_ok!(cnode::delete(root_slot(cnode_slot)));
    let again = alloc_slot();
    check_ok!(retype(memory, ObjectType::Riscv4KPage, 0, again, 1));
    check_eq!(check_ok!(page_get_address(again)), frame_paddr);
    Ok(())
}

fn until_memory_runs_out(_: &'static BootInfo) -> Outcome {
    let untyped = fresh_untyped(20);
    let first = alloc_slots(257);
    let mut made = 0;
    loop {
        match retype(untyped, ObjectType::Riscv4KPage, 0, first + made, 1) {
            Ok(()) => made += 1,
            Err(failure) => {
                check_eq!(failure.error, Error::NotEnoughMemory);
                check_eq!(failure.detail(), &[0][..]);
                break;
            }
        }
        check!(made <= 256, "more than 1 MiB of pages from a 1 MiB untyped");
    }
    check_eq!(made, 256);
    check_ok!(cnode::revoke(root_slot(untyped)));
    check_eq!(identify(first + 255), 0);
    Ok(())
}

fn destination_through_node_index(_: &'static BootInfo) -> Outcome {
    let untyped = fresh_untyped(14);
    let holder = alloc_slot();
    check_ok!(retype(untyped, ObjectType::CapTable, 3, holder, 1));
    // node_index/node_depth pick the destination CNode inside the root CNode.
    check_ok!(cnode::untyped_retype(
        untyped,
        ObjectType::Endpoint.value(),
        0,
        slots::CAP_INIT_THREAD_CNODE,
        holder,
        64,
        7,
        1
    ));
    let out = alloc_slot();
    check_ok!(cnode::move_cap(root_slot(out), atoll_sdk::cnode::SlotPath { root: holder, index: 7, depth: 3 }));
    check_eq!(identify(out), CapType::Endpoint.value());
    // A node_index that names something other than a CNode.
    let failure = check_err!(
        cnode::untyped_retype(untyped, ObjectType::Endpoint.value(), 0, slots::CAP_INIT_THREAD_CNODE, out, 64, 0, 1),
        Error::FailedLookup
    );
    check_eq!(failure.detail(), &[0, 2, 64][..]);
    Ok(())
}

/// 1 while the root task is inside its long revoke; the spinner counts only then.
static PREEMPT: crate::support::Board = crate::support::Board::new();

extern "C" fn spin_while_revoking(_: u64) -> ! {
    loop {
        if PREEMPT.get(0) == 1 {
            PREEMPT.increment(1);
        }
    }
}

fn long_revoke_is_preempted(_: &'static BootInfo) -> Outcome {
    // 32768 endpoint caps in eight CNodes, all from one untyped: revoking it deletes them one
    // by one, which takes longer than a time slice.
    let memory = fresh_untyped(21);
    let first = alloc_slots(8);
    for node in first..first + 8 {
        check_ok!(retype(memory, ObjectType::CapTable, 12, node, 1));
        for batch in 0..16 {
            check_ok!(cnode::untyped_retype(
                memory,
                ObjectType::Endpoint.value(),
                0,
                slots::CAP_INIT_THREAD_CNODE,
                node,
                64,
                batch * 256,
                256
            ));
        }
    }
    PREEMPT.clear();
    // An equal-priority thread that never yields: it can run during our revoke only if the
    // kernel stops the revoke at a preemption point and the time slice passes to it.
    let spinner = crate::support::spawn(255, 0, spin_while_revoking, 0);
    PREEMPT.set(0, 1);
    check_ok!(cnode::revoke(root_slot(memory)));
    PREEMPT.set(0, 2);
    let counted = PREEMPT.get(1);
    crate::support::stop(spinner);
    check!(counted > 0, "the spinner never ran during the revoke");
    check_eq!(identify(first), 0);
    check_eq!(identify(first + 7), 0);
    Ok(())
}
