//! Rejection of malformed headers and segments.

use crate::builder::{Builder, Seg, patch, sample};
use atoll_elf::*;

fn parse_err(bytes: &[u8]) -> Error {
    Elf64::parse(bytes).unwrap_err()
}

#[test]
fn too_short() {
    assert_eq!(parse_err(&[]), Error::TooShort);
    assert_eq!(parse_err(b"\x7fELF"), Error::TooShort);
    let built = sample().build();
    assert_eq!(parse_err(&built.bytes[..63]), Error::TooShort);
}

#[test]
fn bad_magic() {
    for i in 0..4 {
        let mut built = sample().build();
        built.bytes[i] ^= 0x20;
        assert_eq!(parse_err(&built.bytes), Error::BadMagic);
    }
}

#[test]
fn class_32_bit() {
    let mut built = sample().build();
    built.bytes[4] = 1;
    assert_eq!(parse_err(&built.bytes), Error::NotElf64);
}

#[test]
fn big_endian() {
    let mut built = sample().build();
    built.bytes[5] = 2;
    assert_eq!(parse_err(&built.bytes), Error::NotLittleEndian);
}

#[test]
fn bad_versions() {
    let mut built = sample().build();
    built.bytes[6] = 0;
    assert_eq!(parse_err(&built.bytes), Error::BadVersion);
    let mut built = sample().build();
    patch(&mut built.bytes, 20, 2u32.to_le_bytes());
    assert_eq!(parse_err(&built.bytes), Error::BadVersion);
}

#[test]
fn bad_phentsize() {
    let mut built = sample().build();
    patch(&mut built.bytes, 54, 32u16.to_le_bytes());
    assert_eq!(parse_err(&built.bytes), Error::BadPhentsize);
}

#[test]
fn truncated_phdr_table() {
    let b = Builder::with_segments(vec![Seg::load(0, &[], 0); 2]);
    let built = b.build();
    let end = 64 + 2 * 56;
    assert!(Elf64::parse(&built.bytes[..end]).is_ok());
    assert_eq!(parse_err(&built.bytes[..end - 1]), Error::PhdrOutOfBounds);
    assert_eq!(parse_err(&built.bytes[..64]), Error::PhdrOutOfBounds);
}

#[test]
fn phdr_table_offset_out_of_bounds() {
    for phoff in [u64::MAX, u64::MAX - 55, 1 << 40, 4096] {
        let mut built = sample().build();
        patch(&mut built.bytes, 32, phoff.to_le_bytes());
        assert_eq!(parse_err(&built.bytes), Error::PhdrOutOfBounds, "{phoff:#x}");
    }
}

#[test]
fn too_many_phdrs() {
    let mut built = sample().build();
    patch(&mut built.bytes, 56, u16::MAX.to_le_bytes());
    assert_eq!(parse_err(&built.bytes), Error::PhdrOutOfBounds);
}

#[test]
fn segment_out_of_bounds() {
    let built = sample().build();
    let elf = Elf64::parse(&built.bytes).unwrap();
    let ph = elf.program_headers().next().unwrap();
    let len = built.bytes.len() as u64;
    let cases = [(len, 1), (len - 4, 5), (u64::MAX, 1), (1, u64::MAX - 1), (u64::MAX, u64::MAX)];
    for (offset, file_size) in cases {
        let bad = ProgramHeader { offset, file_size, mem_size: u64::MAX, ..ph };
        assert_eq!(elf.segment_data(&bad), Err(Error::SegmentOutOfBounds));
    }
    let edge = ProgramHeader { offset: len, file_size: 0, ..ph };
    assert_eq!(elf.segment_data(&edge), Ok(&[] as &[u8]));
}

#[test]
fn segment_file_size_exceeds_mem_size() {
    let b = Builder::with_segments(vec![Seg::load(0x1000, &[1, 2, 3], 2)]);
    let built = b.build();
    let elf = Elf64::parse(&built.bytes).unwrap();
    let ph = elf.program_headers().next().unwrap();
    assert_eq!(elf.segment_data(&ph), Err(Error::FileSizeExceedsMemSize));
}

#[test]
fn segment_out_of_bounds_in_file() {
    let b = Builder::with_segments(vec![Seg::load(0x1000, &[1; 8], 8)]);
    let mut built = b.build();
    // Move p_offset past the end of the file.
    let len = built.bytes.len() as u64;
    patch(&mut built.bytes, 64 + 8, (len - 7).to_le_bytes());
    let elf = Elf64::parse(&built.bytes).unwrap();
    let ph = elf.program_headers().next().unwrap();
    assert_eq!(elf.segment_data(&ph), Err(Error::SegmentOutOfBounds));
}
