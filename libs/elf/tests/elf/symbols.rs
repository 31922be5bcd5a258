//! Symbol lookup through `.symtab`, including malformed section data.

use crate::builder::{Builder, Seg, patch, sample, sym};

fn lookup(bytes: &[u8], name: &str) -> Option<u64> {
    atoll_elf::Elf64::parse(bytes).unwrap().symbol(name)
}

#[test]
fn finds_symbols() {
    let built = sample().build();
    assert_eq!(lookup(&built.bytes, "_start"), Some(0x8020_0000));
    assert_eq!(lookup(&built.bytes, "boot_info"), Some(0x8021_0010));
}

#[test]
fn missing_and_partial_names() {
    let mut b = sample();
    b.symbols = Some(vec![sym("foobar", 1), sym("foo", 2), sym("ba", 3)]);
    let built = b.build();
    assert_eq!(lookup(&built.bytes, "foo"), Some(2));
    assert_eq!(lookup(&built.bytes, "foobar"), Some(1));
    assert_eq!(lookup(&built.bytes, "fo"), None);
    assert_eq!(lookup(&built.bytes, "bar"), None);
    assert_eq!(lookup(&built.bytes, "bax"), None);
    assert_eq!(lookup(&built.bytes, ""), None);
}

#[test]
fn undefined_symbols_are_ignored() {
    let mut b = sample();
    let mut undef = sym("printf", 0);
    undef.shndx = 0;
    b.symbols = Some(vec![undef]);
    let built = b.build();
    assert_eq!(lookup(&built.bytes, "printf"), None);
}

#[test]
fn no_section_headers() {
    let built = sample().build();
    let mut bytes = built.bytes.clone();
    patch(&mut bytes, 60, 0u16.to_le_bytes());
    assert_eq!(lookup(&bytes, "_start"), None);
    let plain = Builder::with_segments(vec![Seg::load(0, &[1], 1)]).build();
    assert_eq!(lookup(&plain.bytes, "_start"), None);
}

#[test]
fn bad_section_data_gives_none() {
    let built = sample().build();
    let sh = built.shoff as usize;
    let symtab_sh = sh + 64;
    let strtab_sh = sh + 128;
    let cases: Vec<(usize, Vec<u8>)> = vec![
        (40, u64::MAX.to_le_bytes().to_vec()),                   // e_shoff
        (40, (built.bytes.len() as u64).to_le_bytes().to_vec()), // e_shoff at end
        (58, 40u16.to_le_bytes().to_vec()),                      // e_shentsize
        (symtab_sh + 40, 7u32.to_le_bytes().to_vec()),           // sh_link out of range
        (symtab_sh + 40, 0u32.to_le_bytes().to_vec()),           // sh_link to null section
        (symtab_sh + 40, u32::MAX.to_le_bytes().to_vec()),       // sh_link huge
        (symtab_sh + 56, 16u64.to_le_bytes().to_vec()),          // sh_entsize
        (symtab_sh + 24, u64::MAX.to_le_bytes().to_vec()),       // symtab offset
        (symtab_sh + 32, u64::MAX.to_le_bytes().to_vec()),       // symtab size
        (strtab_sh + 24, u64::MAX.to_le_bytes().to_vec()),       // strtab offset
        (strtab_sh + 32, (1u64 << 40).to_le_bytes().to_vec()),   // strtab size
        (strtab_sh + 4, 1u32.to_le_bytes().to_vec()),            // strtab type
    ];
    for (off, value) in cases {
        let mut bytes = built.bytes.clone();
        bytes[off..off + value.len()].copy_from_slice(&value);
        assert_eq!(lookup(&bytes, "_start"), None, "patch at {off}");
    }
}

#[test]
fn name_offsets_outside_strtab() {
    let built = sample().build();
    let symtab_off =
        u64::from_le_bytes(built.bytes[built.shoff as usize + 64 + 24..][..8].try_into().unwrap()) as usize;
    let first = symtab_off + 24; // entry 1 is `_start`
    let mut bytes = built.bytes.clone();
    patch(&mut bytes, first, u32::MAX.to_le_bytes());
    assert_eq!(lookup(&bytes, "_start"), None);
    assert_eq!(lookup(&bytes, "boot_info"), Some(0x8021_0010));
}

#[test]
fn name_without_terminator() {
    let built = sample().build();
    let strtab_sh = built.shoff as usize + 128;
    // Shrink .strtab so the last name ("boot_info") loses its NUL.
    let size = u64::from_le_bytes(built.bytes[strtab_sh + 32..][..8].try_into().unwrap());
    let mut bytes = built.bytes.clone();
    patch(&mut bytes, strtab_sh + 32, (size - 1).to_le_bytes());
    assert_eq!(lookup(&bytes, "boot_info"), None);
    assert_eq!(lookup(&bytes, "_start"), Some(0x8020_0000));
}
