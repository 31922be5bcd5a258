//! seL4's cap rules: same region, same object, revocability, derivation, rights masking and
//! cap data (Mint/Mutate).

use atoll_abi::{CapRights, CapType};
use atoll_kernel_core::cap::{Cap, EndpointRights, FrameSize, VmRights};
use atoll_kernel_core::rules::{
    DeriveError, derive, is_cap_revocable, mask_rights, mask_vm_rights, same_object_as, same_region_as, update_cap_data,
};
use proptest::prelude::*;

const ALL: EndpointRights = EndpointRights { send: true, receive: true, grant: true, grant_reply: true };

fn ep(paddr: u64, badge: u64) -> Cap {
    Cap::endpoint(paddr, badge, ALL)
}

fn frame(paddr: u64, size: FrameSize) -> Cap {
    Cap::frame(paddr, size, VmRights::ReadWrite, false)
}

fn small(paddr: u64) -> Cap {
    frame(paddr, FrameSize::Small)
}

/// Every combination of the four cap rights.
fn all_cap_rights() -> impl Iterator<Item = CapRights> {
    (0..16u64).map(CapRights::from_word)
}

#[test]
fn untyped_covers_objects_inside_it() {
    let u = Cap::untyped(0x8000_0000, 21, false); // [0x8000_0000, 0x8020_0000)
    let inside = [
        small(0x8000_0000),
        small(0x801f_f000),
        frame(0x8000_0000, FrameSize::Large),
        Cap::frame(0x8010_0000, FrameSize::Small, VmRights::KernelOnly, true),
        ep(0x8000_0000, 0),
        ep(0x801f_fff0, 9),
        // The last notification that fits (64 bytes with MCS, 32 without).
        Cap::notification(0x801f_ffc0, 0, true, true),
        Cap::cnode(0x8010_0000, 4, 0, 0),
        Cap::thread(0x801f_f800),
        Cap::page_table(0x8000_1000),
        Cap::asid_pool(0x8000_2000, 0),
        Cap::untyped(0x8000_0000, 21, false),
        Cap::untyped(0x8010_0000, 20, false),
        Cap::zombie(0x8000_4000, false, 2, 4),
        Cap::zombie(0x8000_4000, true, 0, 0),
    ];
    for cap in inside {
        assert!(same_region_as(u, cap), "{cap:?} should be inside");
    }
    let outside = [
        small(0x8020_0000),
        small(0x7fff_f000),
        frame(0x8020_0000, FrameSize::Large),
        frame(0x8000_0000, FrameSize::Huge),
        ep(0x8020_0000, 0),
        ep(0x7fff_fff0, 0),
        Cap::notification(0x801f_fff0, 0, true, true), // 32 bytes straddle the end
        Cap::cnode(0x801f_ff00, 4, 0, 0),              // 512 bytes straddle the end
        Cap::untyped(0x8000_0000, 22, false),
        Cap::untyped(0x801f_0000, 17, false),
    ];
    for cap in outside {
        assert!(!same_region_as(u, cap), "{cap:?} should be outside");
    }
    // Caps that name no memory are never inside an untyped, whatever their address field.
    let not_physical = [
        Cap::NULL,
        Cap::irq_handler(0x8000_0000),
        Cap::control(CapType::IrqControl),
        Cap::control(CapType::AsidControl),
        Cap::control(CapType::Domain),
        // Without MCS a reply cap names a thread, not memory (with MCS: mcs_caps.rs).
        #[cfg(not(feature = "mcs"))]
        Cap::reply(0x8000_0000, true, true),
    ];
    for cap in not_physical {
        assert!(!same_region_as(u, cap), "{cap:?} is not physical");
    }
    // Nothing is inside the objects untyped memory holds in the untyped's sense.
    assert!(!same_region_as(small(0x8000_0000), u));
    assert!(!same_region_as(ep(0x8000_0000, 0), u));
}

#[test]
fn frames_inside_frames() {
    let large = frame(0x8020_0000, FrameSize::Large);
    assert!(same_region_as(large, small(0x8020_0000)));
    assert!(same_region_as(large, small(0x803f_f000)));
    assert!(same_region_as(large, large));
    assert!(!same_region_as(large, small(0x8040_0000)));
    assert!(!same_region_as(large, small(0x801f_f000)));
    assert!(!same_region_as(small(0x8020_0000), large));
    assert!(same_region_as(frame(0x8000_0000, FrameSize::Huge), large));
    assert!(same_region_as(small(0x8000_0000), small(0x8000_0000)));
    assert!(!same_region_as(small(0x8000_0000), small(0x8000_1000)));
    // Rights, mapping and device-ness do not change the region.
    let mapped_ro = small(0x8020_1000).with_frame_rights(VmRights::ReadOnly).with_mapping(3, 0x40_0000);
    assert!(same_region_as(large, mapped_ro));
    // Frames and page tables are different kinds of object.
    assert!(!same_region_as(small(0x8500_0000), Cap::page_table(0x8500_0000)));
    assert!(!same_region_as(Cap::page_table(0x8500_0000), small(0x8500_0000)));
}

#[test]
fn same_region_for_object_caps() {
    assert!(same_region_as(ep(0x100, 0), ep(0x100, 5)));
    assert!(!same_region_as(ep(0x100, 0), ep(0x110, 0)));
    assert!(!same_region_as(ep(0x100, 0), Cap::notification(0x100, 0, true, true)));
    assert!(same_region_as(Cap::notification(0x200, 1, true, false), Cap::notification(0x200, 2, false, true)));
    assert!(same_region_as(Cap::cnode(0x1000, 4, 0, 0), Cap::cnode(0x1000, 4, 60, 7)));
    assert!(!same_region_as(Cap::cnode(0x1000, 4, 0, 0), Cap::cnode(0x1000, 3, 0, 0)));
    assert!(!same_region_as(Cap::cnode(0x1000, 4, 0, 0), Cap::cnode(0x2000, 4, 0, 0)));
    assert!(same_region_as(Cap::thread(0x4000), Cap::thread(0x4000)));
    assert!(!same_region_as(Cap::thread(0x4000), Cap::thread(0x4800)));
    assert!(same_region_as(Cap::reply(0x4000, true, true), Cap::reply(0x4000, false, false)));
    assert!(!same_region_as(Cap::reply(0x4000, true, true), Cap::thread(0x4000)));
    let page_table = Cap::page_table(0x5000);
    assert!(same_region_as(page_table, page_table.with_mapping(1, 0x20_0000)));
    assert!(same_region_as(Cap::asid_pool(0x6000, 0), Cap::asid_pool(0x6000, 512)));
    assert!(!same_region_as(Cap::asid_pool(0x6000, 0), Cap::asid_pool(0x7000, 0)));

    let irq_control = Cap::control(CapType::IrqControl);
    assert!(same_region_as(irq_control, Cap::irq_handler(3)));
    assert!(same_region_as(irq_control, irq_control));
    assert!(!same_region_as(Cap::irq_handler(3), irq_control));
    assert!(same_region_as(Cap::irq_handler(3), Cap::irq_handler(3)));
    assert!(!same_region_as(Cap::irq_handler(3), Cap::irq_handler(4)));

    let asid_control = Cap::control(CapType::AsidControl);
    let domain = Cap::control(CapType::Domain);
    assert!(same_region_as(asid_control, asid_control));
    assert!(!same_region_as(asid_control, Cap::asid_pool(0, 0)));
    assert!(same_region_as(domain, domain));
    assert!(!same_region_as(domain, asid_control));

    assert!(!same_region_as(Cap::NULL, Cap::NULL));
    let zombie = Cap::zombie(0x1000, false, 4, 16);
    assert!(!same_region_as(zombie, zombie));
}

#[test]
fn same_object_as_cases() {
    // Frames of different sizes at one address overlap but are different objects.
    let (s, l, h) = (small(0x4000_0000), frame(0x4000_0000, FrameSize::Large), frame(0x4000_0000, FrameSize::Huge));
    assert!(same_region_as(l, s));
    for (a, b) in [(s, l), (l, s), (l, h), (h, l), (s, h)] {
        assert!(!same_object_as(a, b), "{a:?} / {b:?}");
    }
    // Same frame with other rights or mapping: same object. Device-ness differs: not.
    assert!(same_object_as(s, s.with_frame_rights(VmRights::ReadOnly).with_mapping(2, 0x1000)));
    assert!(!same_object_as(s, Cap::frame(0x4000_0000, FrameSize::Small, VmRights::ReadWrite, true)));
    // A small frame inside a large one is not the large frame.
    assert!(!same_object_as(l, small(0x4000_1000)));

    // Untyped caps are never the same object, not even as themselves.
    let u = Cap::untyped(0x8000_0000, 12, false);
    assert!(!same_object_as(u, u));
    // IRQ control is not the object an IRQ handler names.
    assert!(!same_object_as(Cap::control(CapType::IrqControl), Cap::irq_handler(1)));
    assert!(same_object_as(Cap::irq_handler(1), Cap::irq_handler(1)));
    // Badges, rights and guards do not make a different object.
    assert!(same_object_as(ep(0x100, 0), ep(0x100, 9)));
    assert!(same_object_as(Cap::cnode(0x1000, 4, 0, 0), Cap::cnode(0x1000, 4, 3, 5)));
    assert!(!same_object_as(ep(0x100, 0), ep(0x200, 0)));
    assert!(!same_object_as(Cap::NULL, Cap::NULL));
}

#[test]
fn irq_control_is_never_the_same_object() {
    let irq_control = Cap::control(CapType::IrqControl);
    assert!(!same_object_as(irq_control, irq_control));
}

#[test]
fn is_cap_revocable_cases() {
    assert!(is_cap_revocable(ep(0x100, 5), ep(0x100, 0)));
    assert!(!is_cap_revocable(ep(0x100, 5), ep(0x100, 5)));
    assert!(!is_cap_revocable(ep(0x100, 0), ep(0x100, 0)));
    let n = |badge| Cap::notification(0x200, badge, true, true);
    assert!(is_cap_revocable(n(1), n(0)));
    assert!(!is_cap_revocable(n(1), n(1)));
    assert!(is_cap_revocable(Cap::irq_handler(4), Cap::control(CapType::IrqControl)));
    assert!(!is_cap_revocable(Cap::irq_handler(4), Cap::irq_handler(4)));
    let u = Cap::untyped(0x8000_0000, 16, false);
    assert!(is_cap_revocable(u, u));
    for cap in [
        small(0x4000_0000),
        Cap::cnode(0x1000, 4, 0, 0),
        Cap::thread(0x4000),
        Cap::page_table(0x5000).with_mapping(1, 0),
        Cap::asid_pool(0x6000, 0),
        Cap::control(CapType::AsidControl),
        Cap::control(CapType::Domain),
    ] {
        assert!(!is_cap_revocable(cap, cap), "{cap:?}");
    }
}

#[test]
fn derive_cases() {
    // A frame copy forgets its mapping and keeps everything else.
    let mapped = Cap::frame(0x4000_0000, FrameSize::Large, VmRights::ReadOnly, true).with_mapping(7, 0x20_0000);
    let copy = derive(mapped, false).unwrap();
    assert_eq!(copy, Cap::frame(0x4000_0000, FrameSize::Large, VmRights::ReadOnly, true));
    assert_eq!((copy.mapped_asid(), copy.mapped_vaddr()), (0, 0));
    assert_eq!(derive(mapped, true), Ok(copy));

    // Page tables: only mapped ones can be copied, and they stay mapped.
    assert_eq!(derive(Cap::page_table(0x5000), false), Err(DeriveError::IllegalOperation));
    let pt = Cap::page_table(0x5000).with_mapping(1, 0x4000_0000);
    assert_eq!(derive(pt, false), Ok(pt));

    // Untyped: RevokeFirst while it has children.
    let u = Cap::untyped(0x8000_0000, 16, false).with_free_index(0x100);
    assert_eq!(derive(u, true), Err(DeriveError::RevokeFirst));
    assert_eq!(derive(u, false), Ok(u));

    // Caps that cannot be copied derive to the null cap.
    for cap in [
        Cap::zombie(0x1000, false, 4, 16),
        Cap::zombie(0x1000, true, 0, 0),
        Cap::control(CapType::IrqControl),
        // Without MCS a reply cap is the kernel's to place (MCS reply objects copy: mcs_caps.rs).
        #[cfg(not(feature = "mcs"))]
        Cap::reply(0x4000, true, true),
        #[cfg(not(feature = "mcs"))]
        Cap::reply(0x4000, false, false),
    ] {
        assert_eq!(derive(cap, false), Ok(Cap::NULL), "{cap:?}");
        assert_eq!(derive(cap, true), Ok(Cap::NULL), "{cap:?}");
    }

    // Everything else is copied as is.
    for cap in [
        ep(0x100, 3),
        Cap::notification(0x200, 0, true, false),
        Cap::cnode(0x1000, 4, 2, 1),
        Cap::thread(0x4000),
        Cap::irq_handler(9),
        Cap::asid_pool(0x6000, 512),
        Cap::control(CapType::AsidControl),
        Cap::control(CapType::Domain),
        Cap::NULL,
    ] {
        assert_eq!(derive(cap, false), Ok(cap), "{cap:?}");
    }
}

#[test]
fn mask_rights_on_endpoints() {
    for bits in 0..16u64 {
        let have = EndpointRights {
            send: bits & 1 != 0,
            receive: bits & 2 != 0,
            grant: bits & 4 != 0,
            grant_reply: bits & 8 != 0,
        };
        let cap = Cap::endpoint(0x100, 42, have);
        for rights in all_cap_rights() {
            let masked = mask_rights(cap, rights);
            let want = EndpointRights {
                send: have.send && rights.can_write(),
                receive: have.receive && rights.can_read(),
                grant: have.grant && rights.can_grant(),
                grant_reply: have.grant_reply && rights.can_grant_reply(),
            };
            assert_eq!(masked, Cap::endpoint(0x100, 42, want), "{have:?} & {:#b}", rights.word());
        }
        assert_eq!(mask_rights(cap, CapRights::ALL_RIGHTS), cap);
    }
}

#[test]
fn mask_rights_on_notifications_replies_frames_and_the_rest() {
    for (send, receive) in [(false, false), (true, false), (false, true), (true, true)] {
        let cap = Cap::notification(0x200, 7, send, receive);
        for rights in all_cap_rights() {
            assert_eq!(
                mask_rights(cap, rights),
                Cap::notification(0x200, 7, send && rights.can_write(), receive && rights.can_read())
            );
        }
    }
    for (master, grant) in [(false, false), (true, false), (false, true), (true, true)] {
        let cap = Cap::reply(0x4000, master, grant);
        for rights in all_cap_rights() {
            assert_eq!(mask_rights(cap, rights), Cap::reply(0x4000, master, grant && rights.can_grant()));
        }
    }
    for vm in [VmRights::KernelOnly, VmRights::ReadOnly, VmRights::ReadWrite] {
        let cap = Cap::frame(0x4000_0000, FrameSize::Huge, vm, true).with_mapping(3, 0x4000_0000);
        for rights in all_cap_rights() {
            let masked = mask_rights(cap, rights);
            assert_eq!(masked, cap.with_frame_rights(mask_vm_rights(vm, rights)));
        }
    }
    for cap in [
        Cap::untyped(0x8000_0000, 16, false),
        Cap::cnode(0x1000, 4, 2, 1),
        Cap::thread(0x4000),
        Cap::irq_handler(9),
        Cap::zombie(0x1000, false, 4, 16),
        Cap::page_table(0x5000).with_mapping(1, 0),
        Cap::asid_pool(0x6000, 0),
        Cap::control(CapType::IrqControl),
        Cap::control(CapType::Domain),
        Cap::NULL,
    ] {
        for rights in all_cap_rights() {
            assert_eq!(mask_rights(cap, rights), cap, "{cap:?}");
        }
    }
}

#[test]
fn mask_vm_rights_table() {
    use VmRights::*;
    let r = |read, write| CapRights::new(false, false, read, write);
    let table = [
        (ReadWrite, r(true, true), ReadWrite),
        (ReadWrite, r(true, false), ReadOnly),
        (ReadWrite, r(false, true), KernelOnly), // write-only is not supported
        (ReadWrite, r(false, false), KernelOnly),
        (ReadOnly, r(true, true), ReadOnly),
        (ReadOnly, r(true, false), ReadOnly),
        (ReadOnly, r(false, true), KernelOnly),
        (ReadOnly, r(false, false), KernelOnly),
        (KernelOnly, r(true, true), KernelOnly),
        (KernelOnly, r(false, false), KernelOnly),
    ];
    for (vm, rights, want) in table {
        assert_eq!(mask_vm_rights(vm, rights), want, "{vm:?} & {:#b}", rights.word());
        // Grant rights do not matter.
        assert_eq!(mask_vm_rights(vm, rights.with_grant(true)), want);
    }
}

#[test]
fn update_cap_data_sets_a_badge_once() {
    let unbadged = ep(0x100, 0);
    let badged = update_cap_data(false, 0xdead_beef, unbadged);
    assert_eq!(badged, unbadged.with_badge(0xdead_beef));
    assert_eq!(update_cap_data(false, 1, badged), Cap::NULL);
    assert_eq!(update_cap_data(false, 0, badged), Cap::NULL);
    // Mutate (preserve) never badges.
    assert_eq!(update_cap_data(true, 5, unbadged), Cap::NULL);
    // Minting badge 0 onto an unbadged cap leaves it unbadged (and still mintable).
    assert_eq!(update_cap_data(false, 0, unbadged), unbadged);
    // The full word is the badge.
    assert_eq!(update_cap_data(false, u64::MAX, unbadged).badge(), u64::MAX);

    let n = Cap::notification(0x200, 0, true, true);
    assert_eq!(update_cap_data(false, 3, n), n.with_badge(3));
    assert_eq!(update_cap_data(false, 4, n.with_badge(3)), Cap::NULL);
    assert_eq!(update_cap_data(true, 3, n), Cap::NULL);
}

#[test]
fn update_cap_data_leaves_other_caps_alone() {
    for cap in [
        small(0x4000_0000).with_mapping(1, 0x1000),
        Cap::untyped(0x8000_0000, 16, false),
        Cap::thread(0x4000),
        Cap::page_table(0x5000),
        Cap::irq_handler(3),
        Cap::reply(0x4000, true, false),
        Cap::control(CapType::IrqControl),
        Cap::NULL,
    ] {
        for preserve in [false, true] {
            assert_eq!(update_cap_data(preserve, 0x1234_5678, cap), cap, "{cap:?}");
        }
    }
}

#[test]
fn update_cap_data_cnode_guard_examples() {
    let cnode = Cap::cnode(0x1000, 12, 0, 0);
    // seL4_CNode_CapData_new(guard, guardSize) packs guard << 6 | guardSize.
    assert_eq!(update_cap_data(false, 0b101 << 6 | 3, cnode), Cap::cnode(0x1000, 12, 3, 0b101));
    // Mutate too (preserve does not matter for CNodes).
    assert_eq!(update_cap_data(true, 0b101 << 6 | 3, cnode), Cap::cnode(0x1000, 12, 3, 0b101));
    // Guard bits above the guard size are dropped.
    assert_eq!(update_cap_data(false, 0b1101 << 6 | 3, cnode), Cap::cnode(0x1000, 12, 3, 0b101));
    // guard_size 0: no guard.
    assert_eq!(update_cap_data(false, 0xff << 6, cnode), Cap::cnode(0x1000, 12, 0, 0));
    // radix + guard_size may be 64 but no more.
    assert_eq!(update_cap_data(false, 52, cnode), Cap::cnode(0x1000, 12, 52, 0));
    assert_eq!(update_cap_data(false, 53, cnode), Cap::NULL);
    // The largest guard: 58 bits with a radix of 6.
    let wide = Cap::cnode(0x1000, 6, 0, 0);
    assert_eq!(update_cap_data(false, u64::MAX << 6 | 58, wide), Cap::cnode(0x1000, 6, 58, (1 << 58) - 1));
    // A new guard replaces the old one.
    let guarded = Cap::cnode(0x1000, 12, 8, 0xab);
    assert_eq!(update_cap_data(false, 1 << 6 | 1, guarded), Cap::cnode(0x1000, 12, 1, 1));
}

proptest! {
    #[test]
    fn update_cap_data_cnode_guard(paddr in 0u64..1 << 39, radix in 0u32..64, guard_size in 0u32..64, guard: u64, old in 0u32..8) {
        let cnode = Cap::cnode(paddr, radix, old, 1);
        let data = guard << 6 | u64::from(guard_size);
        let got = update_cap_data(false, data, cnode);
        if guard_size + radix > 64 {
            prop_assert_eq!(got, Cap::NULL);
        } else {
            let kept = (guard << 6 >> 6) & ((1u128 << guard_size) - 1) as u64;
            prop_assert_eq!(got, Cap::cnode(paddr, radix, guard_size, kept));
        }
    }
}
