//! The MCS configuration's caps (built with `--features mcs`): scheduling contexts, scheduling
//! control and reply objects, and seL4's rules over them.
#![cfg(feature = "mcs")]

use atoll_abi::{CapRights, CapType};
use atoll_kernel_core::cap::Cap;
use atoll_kernel_core::rules;

const SC: u64 = 0x8040_0000;

#[test]
fn sched_context_cap_keeps_its_size() {
    for bits in [7, 8, 12, 20] {
        let cap = Cap::sched_context(SC, bits);
        assert_eq!(cap.cap_type(), CapType::SchedContext);
        assert_eq!(cap.paddr(), SC);
        assert_eq!(cap.sched_context_size_bits(), bits);
        assert!(rules::is_physical(cap));
        assert_eq!(rules::size_bits(cap), bits);
    }
}

#[test]
fn sched_control_names_a_core_and_no_memory() {
    let cap = Cap::sched_control(0);
    assert_eq!(cap.cap_type(), CapType::SchedControl);
    assert_eq!(cap.sched_control_core(), 0);
    assert!(!rules::is_physical(cap));
    assert!(rules::same_region_as(cap, Cap::sched_control(0)));
    // As in seL4, any two scheduling-control caps are the same region.
    assert!(rules::same_region_as(cap, Cap::sched_control(1)));
    assert!(!rules::same_region_as(cap, Cap::control(CapType::Domain)));
    assert_eq!(rules::derive(cap, false), Ok(cap));
}

#[test]
fn same_sched_context_needs_the_same_address_and_size() {
    let a = Cap::sched_context(SC, 8);
    assert!(rules::same_region_as(a, Cap::sched_context(SC, 8)));
    assert!(!rules::same_region_as(a, Cap::sched_context(SC, 9)));
    assert!(!rules::same_region_as(a, Cap::sched_context(SC + 0x100, 8)));
    assert!(rules::same_object_as(a, Cap::sched_context(SC, 8)));
}

#[test]
fn untyped_contains_the_mcs_objects_it_made() {
    let untyped = Cap::untyped(SC, 12, false);
    assert!(rules::same_region_as(untyped, Cap::sched_context(SC + 0x800, 8)));
    assert!(rules::same_region_as(untyped, Cap::reply(SC + 0xfe0, false, true)));
    assert!(!rules::same_region_as(untyped, Cap::sched_context(SC + 0x1000, 7)));
    // A reply object is 32 bytes, so one starting 16 bytes before the end sticks out.
    assert!(!rules::same_region_as(Cap::untyped(SC, 5, false), Cap::reply(SC + 0x10, false, true)));
}

#[test]
fn reply_object_caps_copy_and_lose_grant_with_the_right() {
    let reply = Cap::reply(SC, false, true);
    assert!(rules::is_physical(reply));
    assert_eq!(rules::size_bits(reply), 5);
    assert_eq!(rules::derive(reply, false), Ok(reply));
    let masked = rules::mask_rights(reply, CapRights::READ_WRITE);
    assert!(!masked.reply_can_grant());
    assert_eq!(rules::mask_rights(reply, CapRights::ALL_RIGHTS), reply);
    assert!(rules::same_region_as(reply, Cap::reply(SC, false, false)));
    assert!(!rules::same_region_as(reply, Cap::reply(SC + 32, false, true)));
}

#[test]
fn scheduling_caps_keep_their_rights_and_data() {
    let sc = Cap::sched_context(SC, 8);
    assert_eq!(rules::mask_rights(sc, CapRights::CAN_READ), sc);
    assert_eq!(rules::update_cap_data(false, 0x1234, sc), sc);
    assert!(!rules::is_cap_revocable(sc, sc));
}
