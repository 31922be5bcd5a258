//! A tiny ELF64 little-endian file writer for the tests.

use atoll_elf::{EM_RISCV, ET_EXEC, PF_R, PF_X, PT_LOAD};

/// One segment to emit: a program header plus its file contents.
#[derive(Clone, Debug)]
pub struct Seg {
    pub kind: u32,
    pub flags: u32,
    pub vaddr: u64,
    pub paddr: u64,
    pub data: Vec<u8>,
    pub mem_size: u64,
    pub align: u64,
}

impl Seg {
    /// A `PT_LOAD` segment with `data` and `mem_size` bytes in memory.
    pub fn load(vaddr: u64, data: &[u8], mem_size: u64) -> Self {
        Seg { kind: PT_LOAD, flags: PF_R | PF_X, vaddr, paddr: vaddr, data: data.to_vec(), mem_size, align: 0x1000 }
    }
}

/// One symbol to emit: name, value, section index (0 = undefined).
#[derive(Clone, Debug)]
pub struct Sym {
    pub name: String,
    pub value: u64,
    pub shndx: u16,
}

pub fn sym(name: &str, value: u64) -> Sym {
    Sym { name: name.into(), value, shndx: 1 }
}

/// Description of a file to build.
#[derive(Clone, Debug)]
pub struct Builder {
    pub entry: u64,
    pub machine: u16,
    pub elf_type: u16,
    pub flags: u32,
    pub segments: Vec<Seg>,
    /// `Some` emits section headers: null, `.symtab`, `.strtab`.
    pub symbols: Option<Vec<Sym>>,
}

/// A built file plus where things ended up in it.
#[derive(Clone, Debug)]
pub struct Built {
    pub bytes: Vec<u8>,
    pub phoff: u64,
    /// File offset of each segment's data.
    pub seg_offsets: Vec<u64>,
    /// File offset of the section header table (0 if none).
    pub shoff: u64,
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            entry: 0x8020_0000,
            machine: EM_RISCV,
            elf_type: ET_EXEC,
            flags: 5,
            segments: Vec::new(),
            symbols: None,
        }
    }
}

fn put16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}
fn put32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}
fn put64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_le_bytes());
}
fn pad8(out: &mut Vec<u8>) {
    while !out.len().is_multiple_of(8) {
        out.push(0);
    }
}

/// Appends a section header.
fn section(out: &mut Vec<u8>, kind: u32, offset: u64, size: u64, link: u32, entsize: u64) {
    put32(out, 0); // sh_name
    put32(out, kind);
    put64(out, 0); // sh_flags
    put64(out, 0); // sh_addr
    put64(out, offset);
    put64(out, size);
    put32(out, link);
    put32(out, 0); // sh_info
    put64(out, 8); // sh_addralign
    put64(out, entsize);
}

impl Builder {
    pub fn with_segments(segments: Vec<Seg>) -> Self {
        Builder { segments, ..Builder::default() }
    }

    pub fn build(&self) -> Built {
        let phoff = 64u64;
        let phnum = self.segments.len() as u64;
        let mut body = Vec::new();
        let mut seg_offsets = Vec::new();
        let data_start = phoff + 56 * phnum;
        for seg in &self.segments {
            seg_offsets.push(data_start + body.len() as u64);
            body.extend_from_slice(&seg.data);
            pad8(&mut body);
        }
        let mut shoff = 0;
        let mut shnum = 0u16;
        if let Some(symbols) = &self.symbols {
            let mut strtab = vec![0u8];
            let mut symtab = vec![0u8; 24]; // null symbol
            for s in symbols {
                put32(&mut symtab, strtab.len() as u32);
                symtab.extend_from_slice(&[0x12, 0]); // global function
                put16(&mut symtab, s.shndx);
                put64(&mut symtab, s.value);
                put64(&mut symtab, 0);
                strtab.extend_from_slice(s.name.as_bytes());
                strtab.push(0);
            }
            let symtab_off = data_start + body.len() as u64;
            body.extend_from_slice(&symtab);
            let strtab_off = data_start + body.len() as u64;
            body.extend_from_slice(&strtab);
            pad8(&mut body);
            shoff = data_start + body.len() as u64;
            shnum = 3;
            section(&mut body, 0, 0, 0, 0, 0);
            section(&mut body, 2, symtab_off, symtab.len() as u64, 2, 24);
            section(&mut body, 3, strtab_off, strtab.len() as u64, 0, 0);
        }

        let mut out = Vec::new();
        out.extend_from_slice(&[0x7f, b'E', b'L', b'F', 2, 1, 1, 0]);
        out.extend_from_slice(&[0; 8]);
        put16(&mut out, self.elf_type);
        put16(&mut out, self.machine);
        put32(&mut out, 1);
        put64(&mut out, self.entry);
        put64(&mut out, if phnum == 0 { 0 } else { phoff });
        put64(&mut out, shoff);
        put32(&mut out, self.flags);
        put16(&mut out, 64);
        put16(&mut out, 56);
        put16(&mut out, phnum as u16);
        put16(&mut out, 64);
        put16(&mut out, shnum);
        put16(&mut out, 0);
        assert_eq!(out.len(), 64);
        for (seg, off) in self.segments.iter().zip(&seg_offsets) {
            put32(&mut out, seg.kind);
            put32(&mut out, seg.flags);
            put64(&mut out, *off);
            put64(&mut out, seg.vaddr);
            put64(&mut out, seg.paddr);
            put64(&mut out, seg.data.len() as u64);
            put64(&mut out, seg.mem_size);
            put64(&mut out, seg.align);
        }
        out.extend_from_slice(&body);
        Built { bytes: out, phoff, seg_offsets, shoff }
    }
}

/// A typical kernel-like image: text, data+bss, TLS, plus symbols.
pub fn sample() -> Builder {
    let mut tls = Seg::load(0x8030_0000, &[7; 8], 16);
    tls.kind = atoll_elf::PT_TLS;
    tls.flags = PF_R;
    let mut data = Seg::load(0x8021_0000, &[1, 2, 3, 4, 5], 0x2000);
    data.flags = PF_R | atoll_elf::PF_W;
    Builder {
        segments: vec![Seg::load(0x8020_0000, b"\x13\x00\x00\x00text", 8), data, tls],
        symbols: Some(vec![sym("_start", 0x8020_0000), sym("boot_info", 0x8021_0010)]),
        ..Builder::default()
    }
}

/// Overwrites a little-endian field of `N` bytes at `off`.
pub fn patch<const N: usize>(bytes: &mut [u8], off: usize, value: [u8; N]) {
    bytes[off..off + N].copy_from_slice(&value);
}
