//! Cap layout round trips: every constructor's fields read back unchanged, and each setter
//! touches only its own field.

use atoll_abi::CapType;
use atoll_kernel_core::cap::{ADDRESS_BITS, Cap, EndpointRights, FrameSize, VmRights};
use proptest::prelude::*;
use std::collections::BTreeMap;

const ADDRESS_MASK: u64 = (1 << ADDRESS_BITS) - 1;

/// Every field the accessors report for a cap of this type, by name.
fn fields(cap: Cap) -> BTreeMap<&'static str, u64> {
    let mut f = BTreeMap::new();
    f.insert("tag", cap.tag());
    f.insert("paddr", cap.paddr());
    match cap.cap_type() {
        CapType::Untyped => {
            f.insert("size_bits", u64::from(cap.untyped_size_bits()));
            f.insert("is_device", u64::from(cap.untyped_is_device()));
            f.insert("free_index", cap.untyped_free_index());
        }
        CapType::Endpoint | CapType::Notification => {
            let r = cap.endpoint_rights();
            f.insert("badge", cap.badge());
            f.insert("send", u64::from(r.send));
            f.insert("receive", u64::from(r.receive));
            f.insert("grant", u64::from(r.grant));
            f.insert("grant_reply", u64::from(r.grant_reply));
        }
        CapType::Reply => {
            f.insert("master", u64::from(cap.reply_is_master()));
            f.insert("can_grant", u64::from(cap.reply_can_grant()));
        }
        CapType::CNode => {
            f.insert("radix", u64::from(cap.cnode_radix()));
            f.insert("guard_size", u64::from(cap.cnode_guard_size()));
            f.insert("guard", cap.cnode_guard());
        }
        CapType::IrqHandler => {
            f.insert("irq", cap.irq());
        }
        CapType::Zombie => {
            f.insert("is_tcb", u64::from(cap.zombie_is_tcb()));
            f.insert("radix", u64::from(cap.zombie_radix()));
            f.insert("remaining", cap.zombie_remaining());
        }
        CapType::Frame => {
            f.insert("size", cap.frame_size() as u64);
            f.insert("rights", cap.frame_rights() as u64);
            f.insert("is_device", u64::from(cap.frame_is_device()));
            f.insert("asid", cap.mapped_asid());
            f.insert("vaddr", cap.mapped_vaddr());
        }
        CapType::PageTable => {
            f.insert("is_mapped", u64::from(cap.page_table_is_mapped()));
            f.insert("asid", cap.mapped_asid());
            f.insert("vaddr", cap.mapped_vaddr());
        }
        CapType::AsidPool => {
            f.insert("asid_base", cap.asid_base());
        }
        _ => {}
    }
    f
}

/// Checks that `after` differs from `before` exactly in `changed` (given as name, new value).
fn assert_only_changed(before: Cap, after: Cap, changed: &[(&'static str, u64)]) {
    let mut expected = fields(before);
    for &(name, value) in changed {
        assert!(expected.contains_key(name), "{name} is not a field of {before:?}");
        expected.insert(name, value);
    }
    assert_eq!(fields(after), expected, "before {before:?}, after {after:?}");
}

fn assert_type(cap: Cap, ty: CapType) {
    assert_eq!(cap.cap_type(), ty);
    assert!(cap.is(ty));
    assert_eq!(cap.tag(), ty as u64);
    // seL4's tag lives in the top five bits of word 0 (what DebugCapIdentify reports).
    assert_eq!(cap.words()[0] >> 59, ty as u64);
    assert_eq!(cap.is_null(), ty == CapType::Null);
}

fn address() -> impl Strategy<Value = u64> {
    0..=ADDRESS_MASK
}

fn bits6() -> impl Strategy<Value = u32> {
    0u32..64
}

fn endpoint_rights() -> impl Strategy<Value = EndpointRights> {
    any::<[bool; 4]>().prop_map(|[send, receive, grant, grant_reply]| EndpointRights {
        send,
        receive,
        grant,
        grant_reply,
    })
}

fn frame_size() -> impl Strategy<Value = FrameSize> {
    prop_oneof![Just(FrameSize::Small), Just(FrameSize::Large), Just(FrameSize::Huge)]
}

fn vm_rights() -> impl Strategy<Value = VmRights> {
    prop_oneof![Just(VmRights::KernelOnly), Just(VmRights::ReadOnly), Just(VmRights::ReadWrite)]
}

fn rights_word(r: EndpointRights) -> [u64; 4] {
    [r.send, r.receive, r.grant, r.grant_reply].map(u64::from)
}

#[test]
fn null_cap_is_all_zero() {
    assert_eq!(Cap::NULL.words(), [0, 0]);
    assert_eq!(Cap::default(), Cap::NULL);
    assert_type(Cap::NULL, CapType::Null);
}

#[test]
fn control_caps_carry_only_their_tag() {
    for ty in [CapType::IrqControl, CapType::AsidControl, CapType::Domain] {
        let cap = Cap::control(ty);
        assert_type(cap, ty);
        assert_eq!(cap.words(), [(ty as u64) << 59, 0]);
        assert_eq!(cap.paddr(), 0);
    }
}

#[test]
fn addresses_are_truncated_to_39_bits() {
    let high = 0xffff_ff80_1234_5000u64;
    assert_eq!(Cap::thread(high).paddr(), high & ADDRESS_MASK);
    assert_type(Cap::thread(high), CapType::Thread);
    let frame = Cap::frame(high, FrameSize::Small, VmRights::ReadWrite, false).with_mapping(0x1_2345, high);
    assert_eq!(frame.mapped_vaddr(), high & ADDRESS_MASK);
    assert_eq!(frame.mapped_asid(), 0x2345);
    assert_type(frame, CapType::Frame);
}

proptest! {
    #[test]
    fn untyped_round_trip(paddr in address(), size_bits in bits6(), dev: bool, free: u64, free2: u64) {
        let cap = Cap::untyped(paddr, size_bits, dev);
        assert_type(cap, CapType::Untyped);
        prop_assert_eq!(cap.paddr(), paddr);
        prop_assert_eq!(cap.untyped_size_bits(), size_bits);
        prop_assert_eq!(cap.untyped_is_device(), dev);
        prop_assert_eq!(cap.untyped_free_index(), 0);
        let used = cap.with_free_index(free);
        assert_only_changed(cap, used, &[("free_index", free)]);
        assert_only_changed(used, used.with_free_index(free2), &[("free_index", free2)]);
    }

    #[test]
    fn endpoint_round_trip(
        paddr in address(),
        badge: u64,
        rights in endpoint_rights(),
        badge2: u64,
        rights2 in endpoint_rights(),
    ) {
        let cap = Cap::endpoint(paddr, badge, rights);
        assert_type(cap, CapType::Endpoint);
        prop_assert_eq!(cap.paddr(), paddr);
        prop_assert_eq!(cap.badge(), badge);
        prop_assert_eq!(cap.endpoint_rights(), rights);
        assert_only_changed(cap, cap.with_badge(badge2), &[("badge", badge2)]);
        let [s, r, g, gr] = rights_word(rights2);
        assert_only_changed(
            cap,
            cap.with_endpoint_rights(rights2),
            &[("send", s), ("receive", r), ("grant", g), ("grant_reply", gr)],
        );
    }

    #[test]
    fn notification_round_trip(
        paddr in address(),
        badge: u64,
        send: bool,
        receive: bool,
        badge2: u64,
        rights2 in endpoint_rights(),
    ) {
        let cap = Cap::notification(paddr, badge, send, receive);
        assert_type(cap, CapType::Notification);
        prop_assert_eq!(cap.paddr(), paddr);
        prop_assert_eq!(cap.badge(), badge);
        prop_assert_eq!(
            cap.endpoint_rights(),
            EndpointRights { send, receive, ..EndpointRights::default() }
        );
        assert_only_changed(cap, cap.with_badge(badge2), &[("badge", badge2)]);
        // Notifications have no grant rights: setting them changes nothing.
        assert_only_changed(
            cap,
            cap.with_endpoint_rights(rights2),
            &[("send", u64::from(rights2.send)), ("receive", u64::from(rights2.receive))],
        );
    }

    #[test]
    fn reply_round_trip(tcb in address(), master: bool, grant: bool) {
        let cap = Cap::reply(tcb, master, grant);
        assert_type(cap, CapType::Reply);
        prop_assert_eq!(cap.paddr(), tcb);
        prop_assert_eq!(cap.reply_is_master(), master);
        prop_assert_eq!(cap.reply_can_grant(), grant);
        prop_assert_eq!(cap.words()[1], 0);
    }

    #[test]
    fn cnode_round_trip(paddr in address(), radix in bits6(), guard_size in bits6(), guard: u64) {
        let cap = Cap::cnode(paddr, radix, guard_size, guard);
        assert_type(cap, CapType::CNode);
        prop_assert_eq!(cap.paddr(), paddr);
        prop_assert_eq!(cap.cnode_radix(), radix);
        prop_assert_eq!(cap.cnode_guard_size(), guard_size);
        prop_assert_eq!(cap.cnode_guard(), guard);
    }

    #[test]
    fn thread_round_trip(tcb in address()) {
        let cap = Cap::thread(tcb);
        assert_type(cap, CapType::Thread);
        prop_assert_eq!(cap.paddr(), tcb);
        prop_assert_eq!(cap.words(), [(CapType::Thread as u64) << 59 | tcb, 0]);
    }

    #[test]
    fn irq_handler_round_trip(irq: u64) {
        let cap = Cap::irq_handler(irq);
        assert_type(cap, CapType::IrqHandler);
        prop_assert_eq!(cap.irq(), irq);
        prop_assert_eq!(cap.paddr(), 0);
    }

    #[test]
    fn zombie_round_trip(paddr in address(), is_tcb: bool, radix in bits6(), remaining: u64) {
        let cap = Cap::zombie(paddr, is_tcb, radix, remaining);
        assert_type(cap, CapType::Zombie);
        prop_assert_eq!(cap.paddr(), paddr);
        prop_assert_eq!(cap.zombie_is_tcb(), is_tcb);
        prop_assert_eq!(cap.zombie_radix(), radix);
        prop_assert_eq!(cap.zombie_remaining(), remaining);
    }

    #[test]
    fn frame_round_trip(
        paddr in address(),
        size in frame_size(),
        rights in vm_rights(),
        dev: bool,
        asid in 0u64..1 << 16,
        vaddr in address(),
        rights2 in vm_rights(),
    ) {
        let cap = Cap::frame(paddr, size, rights, dev);
        assert_type(cap, CapType::Frame);
        prop_assert_eq!(cap.paddr(), paddr);
        prop_assert_eq!(cap.frame_size(), size);
        prop_assert_eq!(cap.frame_rights(), rights);
        prop_assert_eq!(cap.frame_is_device(), dev);
        prop_assert_eq!((cap.mapped_asid(), cap.mapped_vaddr()), (0, 0));

        let mapped = cap.with_mapping(asid, vaddr);
        assert_only_changed(cap, mapped, &[("asid", asid), ("vaddr", vaddr)]);
        assert_only_changed(mapped, mapped.without_mapping(), &[("asid", 0), ("vaddr", 0)]);
        assert_only_changed(
            mapped,
            mapped.with_frame_rights(rights2),
            &[("rights", rights2 as u64)],
        );
    }

    #[test]
    fn page_table_round_trip(paddr in address(), asid in 0u64..1 << 16, vaddr in address()) {
        let cap = Cap::page_table(paddr);
        assert_type(cap, CapType::PageTable);
        prop_assert_eq!(cap.paddr(), paddr);
        prop_assert!(!cap.page_table_is_mapped());

        let mapped = cap.with_mapping(asid, vaddr);
        assert_only_changed(cap, mapped, &[("is_mapped", 1), ("asid", asid), ("vaddr", vaddr)]);
        // A page table mapped with ASID 0 at address 0 is still mapped.
        prop_assert!(cap.with_mapping(0, 0).page_table_is_mapped());
        prop_assert_eq!(mapped.without_mapping(), cap);
    }

    #[test]
    fn asid_pool_round_trip(paddr in address(), asid_base in 0u64..1 << 16) {
        let cap = Cap::asid_pool(paddr, asid_base);
        assert_type(cap, CapType::AsidPool);
        prop_assert_eq!(cap.paddr(), paddr);
        prop_assert_eq!(cap.asid_base(), asid_base);
    }

    /// Cap word 1 setters on the wrong type must not disturb word 0 (type and address).
    #[test]
    fn word1_setters_keep_type_and_address(paddr in address(), value: u64) {
        for cap in [
            Cap::untyped(paddr, 20, false),
            Cap::endpoint(paddr, 0, EndpointRights::default()),
            Cap::cnode(paddr, 4, 0, 0),
        ] {
            for changed in [cap.with_badge(value), cap.with_free_index(value)] {
                prop_assert_eq!(changed.words()[0], cap.words()[0]);
                prop_assert_eq!(changed.words()[1], value);
            }
        }
    }
}
