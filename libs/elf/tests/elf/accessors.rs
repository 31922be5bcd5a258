//! Every accessor on well-formed files.

use crate::builder::{Builder, Seg, patch, sample};
use atoll_elf::*;

#[test]
fn header_fields() {
    let built = sample().build();
    let elf = Elf64::parse(&built.bytes).unwrap();
    assert_eq!(elf.entry(), 0x8020_0000);
    assert_eq!(elf.machine(), EM_RISCV);
    assert_eq!(elf.elf_type(), ET_EXEC);
    assert_eq!(elf.flags(), 5);
    assert_eq!(elf.phoff(), built.phoff);
    assert_eq!(elf.phnum(), 3);
    assert_eq!(elf.bytes().len(), built.bytes.len());
}

#[test]
fn other_types_and_machines() {
    let mut b = sample();
    b.elf_type = ET_DYN;
    b.machine = 62;
    b.entry = 0;
    let built = b.build();
    let elf = Elf64::parse(&built.bytes).unwrap();
    assert_eq!((elf.elf_type(), elf.machine(), elf.entry()), (ET_DYN, 62, 0));
}

#[test]
fn program_header_table_is_raw_bytes() {
    let built = sample().build();
    let elf = Elf64::parse(&built.bytes).unwrap();
    let table = elf.program_header_table();
    assert_eq!(table.len(), 3 * PHENT_SIZE);
    assert_eq!(table, &built.bytes[64..64 + 3 * 56]);
    let first = ProgramHeader::parse(table).unwrap();
    assert_eq!(first, elf.program_headers().next().unwrap());
}

#[test]
fn program_headers_fields() {
    let b = sample();
    let built = b.build();
    let elf = Elf64::parse(&built.bytes).unwrap();
    let phs: Vec<_> = elf.program_headers().collect();
    assert_eq!(phs.len(), 3);
    assert_eq!(elf.program_headers().len(), 3);
    for ((ph, seg), off) in phs.iter().zip(&b.segments).zip(&built.seg_offsets) {
        assert_eq!(ph.kind, seg.kind);
        assert_eq!(ph.flags, seg.flags);
        assert_eq!(ph.offset, *off);
        assert_eq!(ph.vaddr, seg.vaddr);
        assert_eq!(ph.paddr, seg.paddr);
        assert_eq!(ph.file_size, seg.data.len() as u64);
        assert_eq!(ph.mem_size, seg.mem_size);
        assert_eq!(ph.align, seg.align);
        assert_eq!(elf.segment_data(ph).unwrap(), &seg.data[..]);
    }
    assert!(phs[0].is_load() && phs[0].is_readable() && phs[0].is_executable());
    assert!(!phs[0].is_writable());
    assert!(phs[1].is_writable() && !phs[1].is_executable());
    assert_eq!(phs[2].kind, PT_TLS);
    assert!(!phs[2].is_load());
}

#[test]
fn loadable_segments_skip_others() {
    let mut b = sample();
    let mut phdr = Seg::load(0x8020_0040, &[], 0xa8);
    phdr.kind = PT_PHDR;
    b.segments.insert(0, phdr);
    let mut stack = Seg::load(0, &[], 0);
    stack.kind = PT_GNU_STACK;
    b.segments.push(stack);
    let built = b.build();
    let elf = Elf64::parse(&built.bytes).unwrap();
    assert_eq!(elf.program_headers().count(), 5);
    let loads: Vec<_> = elf.loadable_segments().map(|ph| ph.vaddr).collect();
    assert_eq!(loads, [0x8020_0000, 0x8021_0000]);
}

#[test]
fn virtual_extent_spans_load_segments_only() {
    let built = sample().build();
    let elf = Elf64::parse(&built.bytes).unwrap();
    // The TLS segment at 0x8030_0000 is not PT_LOAD.
    assert_eq!(elf.virtual_extent(), Some((0x8020_0000, 0x8021_2000)));
}

#[test]
fn virtual_extent_unordered_segments() {
    let b = Builder::with_segments(vec![
        Seg::load(0x5000, &[], 0x100),
        Seg::load(0x1000, &[], 0x10),
        Seg::load(0x3000, &[], 0x4000),
    ]);
    let built = b.build();
    let elf = Elf64::parse(&built.bytes).unwrap();
    assert_eq!(elf.virtual_extent(), Some((0x1000, 0x7000)));
}

#[test]
fn virtual_extent_overflow_and_edge() {
    let b = Builder::with_segments(vec![Seg::load(u64::MAX - 0x10, &[], 0x10)]);
    let built = b.build();
    let elf = Elf64::parse(&built.bytes).unwrap();
    assert_eq!(elf.virtual_extent(), Some((u64::MAX - 0x10, u64::MAX)));

    let b = Builder::with_segments(vec![Seg::load(0x1000, &[], 0x10), Seg::load(u64::MAX - 0xf, &[], 0x10)]);
    let built = b.build();
    assert_eq!(Elf64::parse(&built.bytes).unwrap().virtual_extent(), None);
}

#[test]
fn no_program_headers() {
    let mut built = Builder::default().build();
    // With e_phnum == 0, e_phentsize and e_phoff are not checked.
    patch(&mut built.bytes, 54, 0u16.to_le_bytes());
    patch(&mut built.bytes, 32, u64::MAX.to_le_bytes());
    let elf = Elf64::parse(&built.bytes).unwrap();
    assert_eq!(elf.phnum(), 0);
    assert!(elf.program_header_table().is_empty());
    assert_eq!(elf.program_headers().count(), 0);
    assert_eq!(elf.loadable_segments().count(), 0);
    assert_eq!(elf.virtual_extent(), None);
}

#[test]
fn empty_segment_and_bss_only() {
    let b = Builder::with_segments(vec![Seg::load(0x2000, &[], 0x3000)]);
    let built = b.build();
    let elf = Elf64::parse(&built.bytes).unwrap();
    let ph = elf.loadable_segments().next().unwrap();
    assert_eq!(elf.segment_data(&ph).unwrap(), &[] as &[u8]);
    assert_eq!(elf.virtual_extent(), Some((0x2000, 0x5000)));
}

#[test]
fn segment_ending_exactly_at_file_end() {
    let b = Builder::with_segments(vec![Seg::load(0, &[9; 16], 16)]);
    let built = b.build();
    assert_eq!(built.seg_offsets[0] + 16, built.bytes.len() as u64);
    let elf = Elf64::parse(&built.bytes).unwrap();
    let ph = elf.program_headers().next().unwrap();
    assert_eq!(elf.segment_data(&ph).unwrap(), &[9; 16]);
}

#[test]
fn error_display() {
    let text = format!("{}", Error::FileSizeExceedsMemSize);
    assert!(text.contains("file size"));
}
