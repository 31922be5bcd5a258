//! Property tests: arbitrary or corrupted input never panics.

use crate::builder::{Builder, Seg, sample, sym};
use atoll_elf::{Elf64, PHENT_SIZE};
use proptest::prelude::*;

/// Calls every accessor and drains every iterator, checking consistency.
fn exercise(bytes: &[u8]) {
    let Ok(elf) = Elf64::parse(bytes) else { return };
    let _ = (elf.entry(), elf.machine(), elf.elf_type(), elf.flags(), elf.phoff());
    let phnum = usize::from(elf.phnum());
    assert_eq!(elf.program_header_table().len(), phnum * PHENT_SIZE);
    assert_eq!(elf.program_headers().count(), phnum);
    assert!(elf.loadable_segments().count() <= phnum);
    for ph in elf.program_headers() {
        if let Ok(data) = elf.segment_data(&ph) {
            assert_eq!(data.len() as u64, ph.file_size);
            assert!(ph.file_size <= ph.mem_size);
        }
    }
    if let Some((lo, hi)) = elf.virtual_extent() {
        assert!(lo <= hi);
    }
    let _ = elf.symbol("_start");
    let _ = elf.symbol("boot_info");
}

fn arb_segment() -> impl Strategy<Value = Seg> {
    (any::<u32>(), 0u32..8, any::<u64>(), proptest::collection::vec(any::<u8>(), 0..32), 0u64..0x1_0000).prop_map(
        |(kind, flags, vaddr, data, extra)| Seg {
            kind: kind % 8,
            flags,
            vaddr,
            paddr: vaddr,
            mem_size: data.len() as u64 + extra,
            data,
            align: 8,
        },
    )
}

fn arb_builder() -> impl Strategy<Value = Builder> {
    (proptest::collection::vec(arb_segment(), 0..6), any::<u64>(), any::<bool>()).prop_map(|(segments, entry, syms)| {
        Builder {
            entry,
            segments,
            symbols: syms.then(|| vec![sym("_start", entry), sym("boot_info", 3)]),
            ..Builder::default()
        }
    })
}

proptest! {
    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        exercise(&bytes);
    }

    #[test]
    fn arbitrary_bytes_after_valid_ident(tail in proptest::collection::vec(any::<u8>(), 0..512)) {
        let mut bytes = vec![0x7f, b'E', b'L', b'F', 2, 1, 1, 0];
        bytes.extend_from_slice(&tail);
        exercise(&bytes);
    }

    #[test]
    fn built_files_round_trip(b in arb_builder()) {
        let built = b.build();
        let elf = Elf64::parse(&built.bytes).unwrap();
        prop_assert_eq!(elf.entry(), b.entry);
        let phs: Vec<_> = elf.program_headers().collect();
        prop_assert_eq!(phs.len(), b.segments.len());
        for (ph, seg) in phs.iter().zip(&b.segments) {
            prop_assert_eq!(ph.kind, seg.kind);
            prop_assert_eq!(ph.vaddr, seg.vaddr);
            prop_assert_eq!(elf.segment_data(ph).unwrap(), &seg.data[..]);
        }
        if b.symbols.is_some() {
            prop_assert_eq!(elf.symbol("_start"), Some(b.entry));
            prop_assert_eq!(elf.symbol("boot_info"), Some(3));
        }
        exercise(&built.bytes);
    }

    #[test]
    fn corrupted_files(
        b in arb_builder(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16),
    ) {
        let mut bytes = b.build().bytes;
        for (at, value) in edits {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        exercise(&bytes);
    }

    #[test]
    fn corrupted_header_words(
        at in 16usize..64,
        value in prop_oneof![Just(u64::MAX), Just(0), any::<u64>(), 0u64..4096],
    ) {
        let mut bytes = sample().build().bytes;
        let end = (at + 8).min(bytes.len());
        let n = end - at;
        bytes[at..end].copy_from_slice(&value.to_le_bytes()[..n]);
        exercise(&bytes);
    }

    #[test]
    fn truncated_files(b in arb_builder(), cut in any::<prop::sample::Index>()) {
        let bytes = b.build().bytes;
        let len = cut.index(bytes.len() + 1);
        exercise(&bytes[..len]);
    }
}
