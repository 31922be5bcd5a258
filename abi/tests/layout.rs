//! Host tests: sizes, alignments and field offsets of the `#[repr(C)]` ABI structures.

use core::mem::{align_of, offset_of, size_of};

use atoll_abi::bootinfo::{BOOT_INFO_FRAME_SIZE, MAX_NUM_BOOTINFO_UNTYPED_CAPS};
use atoll_abi::fault::USER_CONTEXT_WORDS;
use atoll_abi::ipc_buffer::IPC_BUFFER_SIZE_BITS;
use atoll_abi::{BootInfo, BootInfoHeader, IpcBuffer, MessageInfo, SlotRegion, UntypedDesc, UserContext};

#[test]
fn slot_region_layout() {
    assert_eq!(size_of::<SlotRegion>(), 16);
    assert_eq!(align_of::<SlotRegion>(), 8);
    assert_eq!(offset_of!(SlotRegion, start), 0);
    assert_eq!(offset_of!(SlotRegion, end), 8);
}

#[test]
fn untyped_desc_layout() {
    assert_eq!(size_of::<UntypedDesc>(), 16);
    assert_eq!(align_of::<UntypedDesc>(), 8);
    assert_eq!(offset_of!(UntypedDesc, paddr), 0);
    assert_eq!(offset_of!(UntypedDesc, size_bits), 8);
    assert_eq!(offset_of!(UntypedDesc, is_device), 9);
    assert_eq!(offset_of!(UntypedDesc, padding), 10);
}

#[test]
fn boot_info_header_layout() {
    assert_eq!(size_of::<BootInfoHeader>(), 16);
    assert_eq!(offset_of!(BootInfoHeader, id), 0);
    assert_eq!(offset_of!(BootInfoHeader, len), 8);
}

#[test]
fn boot_info_layout() {
    assert_eq!(MAX_NUM_BOOTINFO_UNTYPED_CAPS, 230);
    assert_eq!(align_of::<BootInfo>(), 8);
    assert_eq!(offset_of!(BootInfo, extra_len), 0);
    assert_eq!(offset_of!(BootInfo, node_id), 8);
    assert_eq!(offset_of!(BootInfo, num_nodes), 16);
    assert_eq!(offset_of!(BootInfo, num_io_pt_levels), 24);
    assert_eq!(offset_of!(BootInfo, ipc_buffer), 32);
    assert_eq!(offset_of!(BootInfo, empty), 40);
    assert_eq!(offset_of!(BootInfo, shared_frames), 56);
    assert_eq!(offset_of!(BootInfo, user_image_frames), 72);
    assert_eq!(offset_of!(BootInfo, user_image_paging), 88);
    assert_eq!(offset_of!(BootInfo, io_space_caps), 104);
    assert_eq!(offset_of!(BootInfo, extra_bi_pages), 120);
    assert_eq!(offset_of!(BootInfo, init_thread_cnode_size_bits), 136);
    assert_eq!(offset_of!(BootInfo, init_thread_domain), 144);
    // MCS inserts the schedcontrol region before the untypeds.
    let mcs = if cfg!(feature = "mcs") { 16 } else { 0 };
    #[cfg(feature = "mcs")]
    assert_eq!(offset_of!(BootInfo, schedcontrol), 152);
    assert_eq!(offset_of!(BootInfo, untyped), 152 + mcs);
    assert_eq!(offset_of!(BootInfo, untyped_list), 168 + mcs);
    assert_eq!(size_of::<BootInfo>(), 168 + mcs + 230 * 16);
    assert_eq!(size_of::<BootInfo>(), if cfg!(feature = "mcs") { 3864 } else { 3848 });
    assert!(size_of::<BootInfo>() <= BOOT_INFO_FRAME_SIZE);
    assert_eq!(BOOT_INFO_FRAME_SIZE, 4096);
}

#[test]
fn boot_info_helpers() {
    let mut bi = BootInfo::zeroed();
    assert_eq!(bi, BootInfo::default());
    assert!(bi.untyped_descs().is_empty());
    bi.untyped = SlotRegion::new(100, 103);
    bi.untyped_list[0] = UntypedDesc::new(0x8000_0000, 20, false);
    bi.untyped_list[2] = UntypedDesc::new(0x1000_0000, 12, true);
    let descs = bi.untyped_descs();
    assert_eq!(descs.len(), 3);
    assert_eq!(descs[0].paddr, 0x8000_0000);
    assert!(!descs[0].is_device());
    assert!(descs[2].is_device());
    assert!(bi.untyped.contains(102) && !bi.untyped.contains(103));
    // A corrupt region never indexes past the array.
    bi.untyped = SlotRegion::new(0, 10_000);
    assert_eq!(bi.untyped_descs().len(), 230);
    bi.untyped = SlotRegion::new(10, 5);
    assert!(bi.untyped.is_empty());
    bi.ipc_buffer = 0x1000;
    assert_eq!(bi.ipc_buffer_ptr() as usize, 0x1000);
}

#[test]
fn ipc_buffer_layout() {
    assert_eq!(IPC_BUFFER_SIZE_BITS, 10);
    assert_eq!(size_of::<IpcBuffer>(), 1024);
    assert_eq!(align_of::<IpcBuffer>(), 1024);
    assert_eq!(size_of::<MessageInfo>(), 8);
    assert_eq!(offset_of!(IpcBuffer, tag), 0);
    assert_eq!(offset_of!(IpcBuffer, msg), 8);
    assert_eq!(offset_of!(IpcBuffer, user_data), 8 + 120 * 8);
    assert_eq!(offset_of!(IpcBuffer, user_data), 968);
    assert_eq!(offset_of!(IpcBuffer, caps_or_badges), 976);
    assert_eq!(offset_of!(IpcBuffer, receive_cnode), 1000);
    assert_eq!(offset_of!(IpcBuffer, receive_index), 1008);
    assert_eq!(offset_of!(IpcBuffer, receive_depth), 1016);
    assert_eq!(IpcBuffer::zeroed(), IpcBuffer::default());
}

#[test]
fn user_context_layout() {
    assert_eq!(USER_CONTEXT_WORDS, 32);
    assert_eq!(size_of::<UserContext>(), 32 * 8);
    let expected = [
        offset_of!(UserContext, pc),
        offset_of!(UserContext, ra),
        offset_of!(UserContext, sp),
        offset_of!(UserContext, gp),
        offset_of!(UserContext, s0),
        offset_of!(UserContext, s1),
        offset_of!(UserContext, s2),
        offset_of!(UserContext, s3),
        offset_of!(UserContext, s4),
        offset_of!(UserContext, s5),
        offset_of!(UserContext, s6),
        offset_of!(UserContext, s7),
        offset_of!(UserContext, s8),
        offset_of!(UserContext, s9),
        offset_of!(UserContext, s10),
        offset_of!(UserContext, s11),
        offset_of!(UserContext, a0),
        offset_of!(UserContext, a1),
        offset_of!(UserContext, a2),
        offset_of!(UserContext, a3),
        offset_of!(UserContext, a4),
        offset_of!(UserContext, a5),
        offset_of!(UserContext, a6),
        offset_of!(UserContext, a7),
        offset_of!(UserContext, t0),
        offset_of!(UserContext, t1),
        offset_of!(UserContext, t2),
        offset_of!(UserContext, t3),
        offset_of!(UserContext, t4),
        offset_of!(UserContext, t5),
        offset_of!(UserContext, t6),
        offset_of!(UserContext, tp),
    ];
    for (i, off) in expected.iter().enumerate() {
        assert_eq!(*off, i * 8, "field {i}");
    }
}

#[test]
fn user_context_words_follow_field_order() {
    let words: [u64; 32] = core::array::from_fn(|i| 100 + i as u64);
    let ctx = UserContext::from_words(words);
    assert_eq!(ctx.pc, 100);
    assert_eq!(ctx.s11, 115);
    assert_eq!(ctx.a0, 116);
    assert_eq!(ctx.tp, 131);
    assert_eq!(ctx.to_words(), words);
    // The word array must match the in-memory layout.
    let bytes: &[u8; 256] = unsafe { &*(&ctx as *const UserContext as *const [u8; 256]) };
    for (i, w) in words.iter().enumerate() {
        let got = u64::from_ne_bytes(bytes[i * 8..i * 8 + 8].try_into().unwrap());
        assert_eq!(got, *w);
    }
}
