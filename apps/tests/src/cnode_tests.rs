//! CNode invocations (sel4test's CNODEOP area and more): every operation and its error paths.
use crate::framework::{Outcome, Test};
use crate::support::{ROOT_DEPTH, alloc_slot, new_object, root_guard_bits, root_slot};
use crate::{check, check_eq, check_err, check_ok};
use atoll_sdk::BootInfo;
use atoll_sdk::abi::{CapRights, CapType, Error, InvocationLabel, ObjectType, slots};
use atoll_sdk::cnode::{self, SlotPath};
use atoll_sdk::invocation::invoke;
use atoll_sdk::syscall::debug_cap_identify as identify;

pub const TESTS: &[Test] = &[
    Test { name: "cnode::copy_makes_a_cap_of_the_same_type", run: copy_makes_a_cap_of_the_same_type },
    Test { name: "cnode::copy_to_occupied_slot_is_delete_first", run: copy_to_occupied_slot_is_delete_first },
    Test {
        name: "cnode::copy_from_empty_slot_fails_lookup_of_source",
        run: copy_from_empty_slot_fails_lookup_of_source,
    },
    Test { name: "cnode::depth_out_of_range_is_range_error", run: depth_out_of_range_is_range_error },
    Test { name: "cnode::guard_mismatch_reports_details", run: guard_mismatch_reports_details },
    Test { name: "cnode::short_depth_is_depth_mismatch", run: short_depth_is_depth_mismatch },
    Test { name: "cnode::non_cnode_source_root_is_invalid_root", run: non_cnode_source_root_is_invalid_root },
    Test { name: "cnode::truncated_messages", run: truncated_messages },
    Test { name: "cnode::wrong_label_is_illegal_operation", run: wrong_label_is_illegal_operation },
    Test { name: "cnode::move_empties_the_source", run: move_empties_the_source },
    Test { name: "cnode::mint_badges_once", run: mint_badges_once },
    Test { name: "cnode::mutate_moves_and_badges", run: mutate_moves_and_badges },
    Test { name: "cnode::mint_masks_rights", run: mint_masks_rights },
    Test { name: "cnode::rotate_three_slots", run: rotate_three_slots },
    Test { name: "cnode::rotate_swaps_when_source_is_dest", run: rotate_swaps_when_source_is_dest },
    Test { name: "cnode::rotate_rejects_pivot_equal_to_source", run: rotate_rejects_pivot_equal_to_source },
    Test { name: "cnode::delete_empties_and_empty_delete_succeeds", run: delete_empties_and_empty_delete_succeeds },
    Test { name: "cnode::revoke_deletes_derived_caps_only", run: revoke_deletes_derived_caps_only },
    Test {
        name: "cnode::copy_of_untyped_with_children_is_revoke_first",
        run: copy_of_untyped_with_children_is_revoke_first,
    },
    Test { name: "cnode::copy_of_unmapped_page_table_is_illegal", run: copy_of_unmapped_page_table_is_illegal },
    Test { name: "cnode::irq_control_cannot_be_copied", run: irq_control_cannot_be_copied },
    Test { name: "cnode::cancel_badged_sends_needs_full_endpoint", run: cancel_badged_sends_needs_full_endpoint },
    #[cfg(not(feature = "mcs"))]
    Test {
        name: "cnode::save_caller_without_caller_leaves_slot_empty",
        run: save_caller_without_caller_leaves_slot_empty,
    },
    Test {
        name: "cnode::invoking_an_empty_slot_is_invalid_capability",
        run: invoking_an_empty_slot_is_invalid_capability,
    },
];

fn copy_makes_a_cap_of_the_same_type(_: &'static BootInfo) -> Outcome {
    for source in [slots::CAP_INIT_THREAD_TCB, slots::CAP_INIT_THREAD_CNODE, slots::CAP_DOMAIN, slots::CAP_ASID_CONTROL]
    {
        let dest = alloc_slot();
        check_ok!(cnode::copy(root_slot(dest), root_slot(source), CapRights::ALL_RIGHTS));
        check_eq!((source, identify(dest)), (source, identify(source)));
    }
    Ok(())
}

fn copy_to_occupied_slot_is_delete_first(_: &'static BootInfo) -> Outcome {
    let dest = alloc_slot();
    check_ok!(cnode::copy(root_slot(dest), root_slot(slots::CAP_INIT_THREAD_TCB), CapRights::ALL_RIGHTS));
    check_err!(cnode::copy(root_slot(dest), root_slot(slots::CAP_DOMAIN), CapRights::ALL_RIGHTS), Error::DeleteFirst);
    check_eq!(identify(dest), CapType::Thread.value());
    Ok(())
}

fn copy_from_empty_slot_fails_lookup_of_source(_: &'static BootInfo) -> Outcome {
    let (dest, empty) = (alloc_slot(), alloc_slot());
    let failure =
        check_err!(cnode::copy(root_slot(dest), root_slot(empty), CapRights::ALL_RIGHTS), Error::FailedLookup);
    // Source lookup (1), missing capability (2) with the source depth as bits left.
    check_eq!(failure.detail(), &[1, 2, ROOT_DEPTH][..]);
    check_eq!(identify(dest), 0);
    Ok(())
}

fn depth_out_of_range_is_range_error(_: &'static BootInfo) -> Outcome {
    let dest = alloc_slot();
    for depth in [0, 65, u64::MAX] {
        let path = SlotPath { depth, ..root_slot(dest) };
        let failure = check_err!(cnode::delete(path), Error::RangeError);
        check_eq!(failure.detail(), &[1, 64][..]);
    }
    Ok(())
}

fn guard_mismatch_reports_details(_: &'static BootInfo) -> Outcome {
    let index = (1u64 << 40) | 5;
    let failure = check_err!(cnode::delete(root_slot(index)), Error::FailedLookup);
    // Not the source (0); guard mismatch (4); 64 bits left; the CNode's guard (0, as seL4
    // reports the guard it expected); the root's guard size (52 bits with seL4's default 12-bit
    // root CNode).
    check_eq!(failure.detail(), &[0, 4, 64, 0, root_guard_bits()][..]);
    Ok(())
}

fn short_depth_is_depth_mismatch(_: &'static BootInfo) -> Outcome {
    // seL4 checks the guard first: 12 bits cannot hold the root's guard.
    let path = SlotPath { depth: 12, ..root_slot(3) };
    let failure = check_err!(cnode::delete(path), Error::FailedLookup);
    check_eq!(failure.detail(), &[0, 4, 12, 0, root_guard_bits()][..]);
    // A CNode with no guard and 8 radix bits, addressed with 4: a depth mismatch.
    let cnode = new_object(ObjectType::CapTable, 8);
    let failure = check_err!(cnode::delete(SlotPath { root: cnode, index: 3, depth: 4 }), Error::FailedLookup);
    check_eq!(failure.detail(), &[0, 3, 4, 8][..]);
    Ok(())
}

fn non_cnode_source_root_is_invalid_root(_: &'static BootInfo) -> Outcome {
    let dest = alloc_slot();
    let src = SlotPath { root: slots::CAP_INIT_THREAD_TCB, index: 1, depth: ROOT_DEPTH };
    let failure = check_err!(cnode::copy(root_slot(dest), src, CapRights::ALL_RIGHTS), Error::FailedLookup);
    check_eq!(failure.detail(), &[1, 1][..]);
    Ok(())
}

fn truncated_messages(_: &'static BootInfo) -> Outcome {
    let cnode = slots::CAP_INIT_THREAD_CNODE;
    check_err!(invoke(cnode, InvocationLabel::CNodeDelete, &[5], &[]), Error::TruncatedMessage);
    // Copy without its rights word, and without the source root cap.
    let dest = alloc_slot();
    check_err!(invoke(cnode, InvocationLabel::CNodeCopy, &[dest, 64, 1, 64], &[cnode]), Error::TruncatedMessage);
    check_err!(
        invoke(cnode, InvocationLabel::CNodeCopy, &[dest, 64, 1, 64, CapRights::ALL_RIGHTS.word()], &[]),
        Error::TruncatedMessage
    );
    check_err!(
        invoke(cnode, InvocationLabel::CNodeMint, &[dest, 64, 1, 64, CapRights::ALL_RIGHTS.word()], &[cnode]),
        Error::TruncatedMessage
    );
    check_eq!(identify(dest), 0);
    Ok(())
}

fn wrong_label_is_illegal_operation(_: &'static BootInfo) -> Outcome {
    let cnode = slots::CAP_INIT_THREAD_CNODE;
    check_err!(invoke(cnode, InvocationLabel::UntypedRetype, &[0; 6], &[cnode]), Error::IllegalOperation);
    check_err!(invoke(cnode, InvocationLabel::TcbSuspend, &[], &[]), Error::IllegalOperation);
    Ok(())
}

fn move_empties_the_source(_: &'static BootInfo) -> Outcome {
    let (a, b) = (alloc_slot(), alloc_slot());
    check_ok!(cnode::copy(root_slot(a), root_slot(slots::CAP_INIT_THREAD_TCB), CapRights::ALL_RIGHTS));
    check_ok!(cnode::move_cap(root_slot(b), root_slot(a)));
    check_eq!((identify(a), identify(b)), (0, CapType::Thread.value()));
    Ok(())
}

fn mint_badges_once(_: &'static BootInfo) -> Outcome {
    let endpoint = new_object(ObjectType::Endpoint, 0);
    let (badged, rebadged) = (alloc_slot(), alloc_slot());
    check_ok!(cnode::mint(root_slot(badged), root_slot(endpoint), CapRights::ALL_RIGHTS, 42));
    check_eq!(identify(badged), CapType::Endpoint.value());
    // A badge can be set only once.
    check_err!(cnode::mint(root_slot(rebadged), root_slot(badged), CapRights::ALL_RIGHTS, 7), Error::IllegalOperation);
    // Copying the badged cap keeps its badge and is allowed.
    check_ok!(cnode::copy(root_slot(rebadged), root_slot(badged), CapRights::ALL_RIGHTS));
    Ok(())
}

fn mutate_moves_and_badges(_: &'static BootInfo) -> Outcome {
    let endpoint = new_object(ObjectType::Endpoint, 0);
    let (copy, mutated) = (alloc_slot(), alloc_slot());
    check_ok!(cnode::copy(root_slot(copy), root_slot(endpoint), CapRights::ALL_RIGHTS));
    // Mutate may not set a badge (that needs Mint), so it yields the null cap: illegal.
    check_err!(cnode::mutate(root_slot(mutated), root_slot(copy), 9), Error::IllegalOperation);
    // On a CNode cap, Mutate sets the guard: a guard of 0 as long as the root's keeps the same
    // CSpace shape.
    let cnode_copy = alloc_slot();
    check_ok!(cnode::copy(root_slot(cnode_copy), root_slot(slots::CAP_INIT_THREAD_CNODE), CapRights::ALL_RIGHTS));
    check_ok!(cnode::mutate(root_slot(mutated), root_slot(cnode_copy), root_guard_bits()));
    check_eq!((identify(cnode_copy), identify(mutated)), (0, CapType::CNode.value()));
    Ok(())
}

fn mint_masks_rights(_: &'static BootInfo) -> Outcome {
    let endpoint = new_object(ObjectType::Endpoint, 0);
    let (weak, full) = (alloc_slot(), alloc_slot());
    // CancelBadgedSends needs every right: a copy without grant cannot do it.
    let no_grant = CapRights::new(true, false, true, true);
    check_ok!(cnode::mint(root_slot(weak), root_slot(endpoint), no_grant, 5));
    check_err!(cnode::cancel_badged_sends(root_slot(weak)), Error::IllegalOperation);
    check_ok!(cnode::mint(root_slot(full), root_slot(endpoint), CapRights::ALL_RIGHTS, 6));
    check_ok!(cnode::cancel_badged_sends(root_slot(full)));
    Ok(())
}

fn rotate_three_slots(_: &'static BootInfo) -> Outcome {
    let (src, pivot, dest) = (alloc_slot(), alloc_slot(), alloc_slot());
    check_ok!(cnode::copy(root_slot(src), root_slot(slots::CAP_INIT_THREAD_TCB), CapRights::ALL_RIGHTS));
    check_ok!(cnode::copy(root_slot(pivot), root_slot(slots::CAP_DOMAIN), CapRights::ALL_RIGHTS));
    check_ok!(cnode::rotate(root_slot(dest), root_slot(pivot), 0, root_slot(src), 0));
    check_eq!((identify(src), identify(pivot), identify(dest)), (0, CapType::Thread.value(), CapType::Domain.value()));
    Ok(())
}

fn rotate_swaps_when_source_is_dest(_: &'static BootInfo) -> Outcome {
    let (a, b) = (alloc_slot(), alloc_slot());
    check_ok!(cnode::copy(root_slot(a), root_slot(slots::CAP_INIT_THREAD_TCB), CapRights::ALL_RIGHTS));
    check_ok!(cnode::copy(root_slot(b), root_slot(slots::CAP_DOMAIN), CapRights::ALL_RIGHTS));
    check_ok!(cnode::rotate(root_slot(a), root_slot(b), 0, root_slot(a), 0));
    check_eq!((identify(a), identify(b)), (CapType::Domain.value(), CapType::Thread.value()));
    Ok(())
}

fn rotate_rejects_pivot_equal_to_source(_: &'static BootInfo) -> Outcome {
    let (a, dest) = (alloc_slot(), alloc_slot());
    check_ok!(cnode::copy(root_slot(a), root_slot(slots::CAP_INIT_THREAD_TCB), CapRights::ALL_RIGHTS));
    check_err!(cnode::rotate(root_slot(dest), root_slot(a), 0, root_slot(a), 0), Error::IllegalOperation);
    // A non-empty destination that is not the source must be deleted first.
    let b = alloc_slot();
    check_ok!(cnode::copy(root_slot(b), root_slot(slots::CAP_DOMAIN), CapRights::ALL_RIGHTS));
    check_err!(cnode::rotate(root_slot(b), root_slot(a), 0, root_slot(slots::CAP_DOMAIN), 0), Error::DeleteFirst);
    Ok(())
}

fn delete_empties_and_empty_delete_succeeds(_: &'static BootInfo) -> Outcome {
    let slot = alloc_slot();
    check_ok!(cnode::delete(root_slot(slot)));
    check_ok!(cnode::copy(root_slot(slot), root_slot(slots::CAP_INIT_THREAD_TCB), CapRights::ALL_RIGHTS));
    check_ok!(cnode::delete(root_slot(slot)));
    check_eq!(identify(slot), 0);
    check_eq!(identify(slots::CAP_INIT_THREAD_TCB), CapType::Thread.value());
    Ok(())
}

fn revoke_deletes_derived_caps_only(_: &'static BootInfo) -> Outcome {
    let endpoint = new_object(ObjectType::Endpoint, 0);
    let (child, grandchild, sibling) = (alloc_slot(), alloc_slot(), alloc_slot());
    check_ok!(cnode::mint(root_slot(child), root_slot(endpoint), CapRights::ALL_RIGHTS, 1));
    check_ok!(cnode::copy(root_slot(grandchild), root_slot(child), CapRights::ALL_RIGHTS));
    let other = new_object(ObjectType::Endpoint, 0);
    check_ok!(cnode::copy(root_slot(sibling), root_slot(other), CapRights::ALL_RIGHTS));
    check_ok!(cnode::revoke(root_slot(endpoint)));
    check_eq!(
        (identify(endpoint), identify(child), identify(grandchild), identify(sibling)),
        (CapType::Endpoint.value(), 0, 0, CapType::Endpoint.value())
    );
    Ok(())
}

fn copy_of_untyped_with_children_is_revoke_first(_: &'static BootInfo) -> Outcome {
    let untyped = crate::support::fresh_untyped(12);
    let (copy, object) = (alloc_slot(), alloc_slot());
    check_ok!(cnode::copy(root_slot(copy), root_slot(untyped), CapRights::ALL_RIGHTS));
    check_ok!(cnode::delete(root_slot(copy)));
    check_ok!(crate::support::retype(untyped, ObjectType::Endpoint, 0, object, 1));
    check_err!(cnode::copy(root_slot(copy), root_slot(untyped), CapRights::ALL_RIGHTS), Error::RevokeFirst);
    check!(identify(copy) == 0);
    Ok(())
}

fn copy_of_unmapped_page_table_is_illegal(_: &'static BootInfo) -> Outcome {
    let table = new_object(ObjectType::RiscvPageTable, 0);
    let dest = alloc_slot();
    check_err!(cnode::copy(root_slot(dest), root_slot(table), CapRights::ALL_RIGHTS), Error::IllegalOperation);
    // The root task's own page tables are mapped, so they can be copied.
    let paging = atoll_sdk::runtime::bootinfo().user_image_paging.start;
    check_ok!(cnode::copy(root_slot(dest), root_slot(paging), CapRights::ALL_RIGHTS));
    check_eq!(identify(dest), CapType::PageTable.value());
    Ok(())
}

fn irq_control_cannot_be_copied(_: &'static BootInfo) -> Outcome {
    let dest = alloc_slot();
    check_err!(
        cnode::copy(root_slot(dest), root_slot(slots::CAP_IRQ_CONTROL), CapRights::ALL_RIGHTS),
        Error::IllegalOperation
    );
    // But it can be moved, and moved back.
    check_ok!(cnode::move_cap(root_slot(dest), root_slot(slots::CAP_IRQ_CONTROL)));
    check_ok!(cnode::move_cap(root_slot(slots::CAP_IRQ_CONTROL), root_slot(dest)));
    check_eq!(identify(slots::CAP_IRQ_CONTROL), CapType::IrqControl.value());
    Ok(())
}

fn cancel_badged_sends_needs_full_endpoint(_: &'static BootInfo) -> Outcome {
    let notification = new_object(ObjectType::Notification, 0);
    check_err!(cnode::cancel_badged_sends(root_slot(notification)), Error::IllegalOperation);
    check_err!(cnode::cancel_badged_sends(root_slot(alloc_slot())), Error::IllegalOperation);
    let endpoint = new_object(ObjectType::Endpoint, 0);
    check_ok!(cnode::cancel_badged_sends(root_slot(endpoint)));
    Ok(())
}

#[cfg(not(feature = "mcs"))]
fn save_caller_without_caller_leaves_slot_empty(_: &'static BootInfo) -> Outcome {
    let slot = alloc_slot();
    check_ok!(cnode::save_caller(root_slot(slot)));
    check_eq!(identify(slot), 0);
    check_err!(cnode::save_caller(root_slot(slots::CAP_DOMAIN)), Error::DeleteFirst);
    Ok(())
}

fn invoking_an_empty_slot_is_invalid_capability(_: &'static BootInfo) -> Outcome {
    let failure =
        check_err!(invoke(alloc_slot(), InvocationLabel::CNodeDelete, &[1, 64], &[]), Error::InvalidCapability);
    check_eq!(failure.detail(), &[0][..]);
    Ok(())
}
