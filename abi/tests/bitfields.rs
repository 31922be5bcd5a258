//! Host tests: encode/decode properties of MessageInfo, CapRights and CNodeCapData.

use atoll_abi::message::*;
use atoll_abi::{CNodeCapData, CapRights, MessageInfo};
use proptest::prelude::*;

const LABEL_MAX: u64 = (1 << 52) - 1;

#[test]
fn message_info_known_words() {
    // label << 12 | capsUnwrapped << 9 | extraCaps << 7 | length
    assert_eq!(MessageInfo::new(0, 0, 0, 0).word(), 0);
    assert_eq!(MessageInfo::new(1, 0, 0, 0).word(), 0x1000);
    assert_eq!(MessageInfo::new(0, 1, 0, 0).word(), 0x200);
    assert_eq!(MessageInfo::new(0, 0, 1, 0).word(), 0x80);
    assert_eq!(MessageInfo::new(0, 0, 0, 1).word(), 0x1);
    assert_eq!(MessageInfo::new(LABEL_MAX, 7, 3, 127).word(), u64::MAX);
    assert_eq!(MessageInfo::new(0x1234, 5, 2, 120).word(), (0x1234 << 12) | (5 << 9) | (2 << 7) | 120);
    assert_eq!(MSG_MAX_LENGTH, 120);
    assert_eq!(MSG_LENGTH_BITS, 7);
    assert_eq!(MSG_EXTRA_CAP_BITS, 2);
    assert_eq!(MSG_MAX_EXTRA_CAPS, 3);
    assert_eq!((GUARD_BITS, GUARD_SIZE_BITS, BADGE_BITS), (58, 6, 64));
}

#[test]
fn message_info_clamps_length_like_the_kernel() {
    let m = MessageInfo::new(9, 1, 2, 127).with_clamped_length();
    assert_eq!((m.label(), m.caps_unwrapped(), m.extra_caps(), m.length()), (9, 1, 2, 120));
    let m = MessageInfo::new(9, 1, 2, 120);
    assert_eq!(m.with_clamped_length(), m);
}

#[test]
fn cap_rights_known_words() {
    assert_eq!(CapRights::ALL_RIGHTS.word(), 0xf);
    assert_eq!(CapRights::READ_WRITE.word(), 0x3);
    assert_eq!(CapRights::CAN_READ.word(), 0x2);
    assert_eq!(CapRights::CAN_WRITE.word(), 0x1);
    assert_eq!(CapRights::CAN_GRANT.word(), 0x4);
    assert_eq!(CapRights::CAN_GRANT_REPLY.word(), 0x8);
    assert_eq!(CapRights::NO_WRITE.word(), 0xe);
    assert_eq!(CapRights::NO_READ.word(), 0xd);
    assert_eq!(CapRights::NO_RIGHTS.word(), 0x0);
    assert_eq!(CAP_RIGHTS_BITS, 4);
}

#[test]
fn cnode_cap_data_known_words() {
    assert_eq!(CNodeCapData::new(0, 0).word(), 0);
    assert_eq!(CNodeCapData::new(0, 52).word(), 52);
    assert_eq!(CNodeCapData::new(1, 0).word(), 1 << 6);
    assert_eq!(CNodeCapData::new(0x5, 3).word(), (0x5 << 6) | 3);
    assert_eq!(CNodeCapData::new((1 << 58) - 1, 63).word(), u64::MAX);
    assert_eq!(NIL_DATA, 0);
}

proptest! {
    #[test]
    fn message_info_round_trip(
        label in 0..=LABEL_MAX,
        caps_unwrapped in 0u64..8,
        extra_caps in 0u64..4,
        length in 0u64..128,
    ) {
        let m = MessageInfo::new(label, caps_unwrapped, extra_caps, length);
        prop_assert_eq!(m.label(), label);
        prop_assert_eq!(m.caps_unwrapped(), caps_unwrapped);
        prop_assert_eq!(m.extra_caps(), extra_caps);
        prop_assert_eq!(m.length(), length);
        prop_assert_eq!(MessageInfo::checked_new(label, caps_unwrapped, extra_caps, length), Some(m));
        prop_assert_eq!(MessageInfo::from_word(m.word()), m);
        prop_assert_eq!(MessageInfo::from(u64::from(m)), m);
    }

    #[test]
    fn message_info_any_fields(
        label in any::<u64>(),
        caps_unwrapped in any::<u64>(),
        extra_caps in any::<u64>(),
        length in any::<u64>(),
    ) {
        let m = MessageInfo::new(label, caps_unwrapped, extra_caps, length);
        // `new` keeps exactly the low bits of each field.
        prop_assert_eq!(m.label(), label & LABEL_MAX);
        prop_assert_eq!(m.caps_unwrapped(), caps_unwrapped & 7);
        prop_assert_eq!(m.extra_caps(), extra_caps & 3);
        prop_assert_eq!(m.length(), length & 127);
        // `checked_new` accepts exactly when nothing would be lost, and then agrees with `new`.
        let fits = label <= LABEL_MAX && caps_unwrapped < 8 && extra_caps < 4 && length < 128;
        let checked = MessageInfo::checked_new(label, caps_unwrapped, extra_caps, length);
        prop_assert_eq!(checked.is_some(), fits);
        if let Some(c) = checked {
            prop_assert_eq!(c, m);
        }
        // Setters mask the same way as `new`.
        let s = MessageInfo::default()
            .with_label(label)
            .with_caps_unwrapped(caps_unwrapped)
            .with_extra_caps(extra_caps)
            .with_length(length);
        prop_assert_eq!(s, m);
    }

    #[test]
    fn message_info_any_word(word in any::<u64>(), field in any::<u64>()) {
        let m = MessageInfo::from_word(word);
        prop_assert_eq!(m.word(), word);
        prop_assert_eq!(MessageInfo::new(m.label(), m.caps_unwrapped(), m.extra_caps(), m.length()), m);
        // Each setter changes only its own field.
        let l = m.with_label(field);
        prop_assert_eq!((l.caps_unwrapped(), l.extra_caps(), l.length()), (m.caps_unwrapped(), m.extra_caps(), m.length()));
        let c = m.with_caps_unwrapped(field);
        prop_assert_eq!((c.label(), c.extra_caps(), c.length()), (m.label(), m.extra_caps(), m.length()));
        let e = m.with_extra_caps(field);
        prop_assert_eq!((e.label(), e.caps_unwrapped(), e.length()), (m.label(), m.caps_unwrapped(), m.length()));
        let n = m.with_length(field);
        prop_assert_eq!((n.label(), n.caps_unwrapped(), n.extra_caps()), (m.label(), m.caps_unwrapped(), m.extra_caps()));
        let k = m.with_clamped_length();
        prop_assert!(k.length() <= MSG_MAX_LENGTH as u64);
        prop_assert_eq!(k.length(), m.length().min(MSG_MAX_LENGTH as u64));
        prop_assert_eq!((k.label(), k.caps_unwrapped(), k.extra_caps()), (m.label(), m.caps_unwrapped(), m.extra_caps()));
    }

    #[test]
    fn cap_rights_round_trip(gr in any::<bool>(), g in any::<bool>(), r in any::<bool>(), w in any::<bool>()) {
        let c = CapRights::new(gr, g, r, w);
        prop_assert_eq!((c.can_grant_reply(), c.can_grant(), c.can_read(), c.can_write()), (gr, g, r, w));
        prop_assert!(c.word() < 16);
        prop_assert_eq!(CapRights::checked_from_word(c.word()), Some(c));
        prop_assert_eq!(CapRights::from_word(c.word()), c);
        prop_assert_eq!(c.masked(), c);
        let s = CapRights::NO_RIGHTS.with_grant_reply(gr).with_grant(g).with_read(r).with_write(w);
        prop_assert_eq!(s, c);
    }

    #[test]
    fn cap_rights_any_word(word in any::<u64>()) {
        let c = CapRights::from_word(word);
        prop_assert_eq!(c.word(), word);
        prop_assert_eq!(c.masked().word(), word & 0xf);
        prop_assert_eq!(CapRights::checked_from_word(word).is_some(), word < 16);
        // Accessors see only the low four bits, so high garbage changes nothing.
        let m = c.masked();
        prop_assert_eq!(
            (c.can_grant_reply(), c.can_grant(), c.can_read(), c.can_write()),
            (m.can_grant_reply(), m.can_grant(), m.can_read(), m.can_write())
        );
        prop_assert_eq!(CapRights::new(c.can_grant_reply(), c.can_grant(), c.can_read(), c.can_write()), m);
        prop_assert_eq!(c.intersection(CapRights::ALL_RIGHTS), m);
        prop_assert_eq!(c.intersection(CapRights::NO_RIGHTS), CapRights::NO_RIGHTS);
    }

    #[test]
    fn cnode_cap_data_round_trip(guard in 0u64..(1 << 58), guard_size in 0u64..64) {
        let d = CNodeCapData::new(guard, guard_size);
        prop_assert_eq!(d.guard(), guard);
        prop_assert_eq!(d.guard_size(), guard_size);
        prop_assert_eq!(CNodeCapData::checked_new(guard, guard_size), Some(d));
        prop_assert_eq!(CNodeCapData::from_word(d.word()), d);
    }

    #[test]
    fn cnode_cap_data_any_fields(guard in any::<u64>(), guard_size in any::<u64>()) {
        let d = CNodeCapData::new(guard, guard_size);
        prop_assert_eq!(d.guard(), guard & ((1 << 58) - 1));
        prop_assert_eq!(d.guard_size(), guard_size & 63);
        let fits = guard < (1 << 58) && guard_size < 64;
        let checked = CNodeCapData::checked_new(guard, guard_size);
        prop_assert_eq!(checked.is_some(), fits);
        if let Some(c) = checked {
            prop_assert_eq!(c, d);
        }
        let w = CNodeCapData::from_word(guard);
        prop_assert_eq!(CNodeCapData::new(w.guard(), w.guard_size()), w);
    }
}
