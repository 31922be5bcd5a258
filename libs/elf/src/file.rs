//! The ELF64 file header and the [`Elf64`] view over a whole file.

use crate::error::Error;
use crate::program::{LoadableSegments, ProgramHeader, ProgramHeaders};
use crate::read::{range, u16_at, u32_at, u64_at};

/// Size of the ELF64 file header.
pub const EHDR_SIZE: usize = 64;
/// Size of one ELF64 program header (`e_phentsize`).
pub const PHENT_SIZE: usize = 56;

/// `e_machine` for RISC-V.
pub const EM_RISCV: u16 = 243;

/// `e_type`: no file type.
pub const ET_NONE: u16 = 0;
/// `e_type`: relocatable object.
pub const ET_REL: u16 = 1;
/// `e_type`: executable.
pub const ET_EXEC: u16 = 2;
/// `e_type`: shared object or position-independent executable.
pub const ET_DYN: u16 = 3;
/// `e_type`: core dump.
pub const ET_CORE: u16 = 4;

const MAGIC: [u8; 4] = [0x7f, b'E', b'L', b'F'];
const ELFCLASS64: u8 = 2;
const ELFDATA2LSB: u8 = 1;
const EV_CURRENT: u8 = 1;

/// A validated, borrowed ELF64 little-endian file.
#[derive(Clone, Copy, Debug)]
pub struct Elf64<'a> {
    bytes: &'a [u8],
    phdrs: &'a [u8],
    elf_type: u16,
    machine: u16,
    flags: u32,
    entry: u64,
    phoff: u64,
    phnum: u16,
}

impl<'a> Elf64<'a> {
    /// Checks the file header and the program header table bounds.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, Error> {
        let ident = bytes.first_chunk::<16>().ok_or(Error::TooShort)?;
        if bytes.len() < EHDR_SIZE {
            return Err(Error::TooShort);
        }
        if ident[..4] != MAGIC {
            return Err(Error::BadMagic);
        }
        if ident[4] != ELFCLASS64 {
            return Err(Error::NotElf64);
        }
        if ident[5] != ELFDATA2LSB {
            return Err(Error::NotLittleEndian);
        }
        let field16 = |off| u16_at(bytes, off).ok_or(Error::TooShort);
        let field32 = |off| u32_at(bytes, off).ok_or(Error::TooShort);
        let field64 = |off| u64_at(bytes, off).ok_or(Error::TooShort);
        if ident[6] != EV_CURRENT || field32(20)? != u32::from(EV_CURRENT) {
            return Err(Error::BadVersion);
        }
        let phoff = field64(32)?;
        let phentsize = field16(54)?;
        let phnum = field16(56)?;
        let phdrs = if phnum == 0 {
            &[][..]
        } else {
            if usize::from(phentsize) != PHENT_SIZE {
                return Err(Error::BadPhentsize);
            }
            let size = u64::from(phnum) * PHENT_SIZE as u64;
            range(bytes, phoff, size).ok_or(Error::PhdrOutOfBounds)?
        };
        Ok(Elf64 {
            bytes,
            phdrs,
            elf_type: field16(16)?,
            machine: field16(18)?,
            flags: field32(48)?,
            entry: field64(24)?,
            phoff,
            phnum,
        })
    }

    /// The whole file.
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// `e_entry`: the entry point's virtual address.
    pub fn entry(&self) -> u64 {
        self.entry
    }

    /// `e_machine` (compare with [`EM_RISCV`]).
    pub fn machine(&self) -> u16 {
        self.machine
    }

    /// `e_type` (compare with [`ET_EXEC`], [`ET_DYN`], ...).
    pub fn elf_type(&self) -> u16 {
        self.elf_type
    }

    /// `e_flags` (on RISC-V: float ABI, RVC, ...).
    pub fn flags(&self) -> u32 {
        self.flags
    }

    /// `e_phoff`: file offset of the program header table.
    pub fn phoff(&self) -> u64 {
        self.phoff
    }

    /// `e_phnum`: number of program headers.
    pub fn phnum(&self) -> u16 {
        self.phnum
    }

    /// The raw bytes of the program header table (`phnum * 56` bytes).
    pub fn program_header_table(&self) -> &'a [u8] {
        self.phdrs
    }

    /// All program headers, in file order.
    pub fn program_headers(&self) -> ProgramHeaders<'a> {
        ProgramHeaders::new(self.phdrs)
    }

    /// The `PT_LOAD` program headers, in file order.
    pub fn loadable_segments(&self) -> LoadableSegments<'a> {
        LoadableSegments::new(self.program_headers())
    }

    /// The file contents of a segment (`p_filesz` bytes at `p_offset`).
    pub fn segment_data(&self, ph: &ProgramHeader) -> Result<&'a [u8], Error> {
        if ph.file_size > ph.mem_size {
            return Err(Error::FileSizeExceedsMemSize);
        }
        range(self.bytes, ph.offset, ph.file_size).ok_or(Error::SegmentOutOfBounds)
    }

    /// Lowest `p_vaddr` and highest `p_vaddr + p_memsz` over `PT_LOAD`
    /// segments; `None` if there are none or the end overflows.
    pub fn virtual_extent(&self) -> Option<(u64, u64)> {
        let mut extent: Option<(u64, u64)> = None;
        for ph in self.loadable_segments() {
            let end = ph.vaddr.checked_add(ph.mem_size)?;
            extent = Some(match extent {
                None => (ph.vaddr, end),
                Some((lo, hi)) => (lo.min(ph.vaddr), hi.max(end)),
            });
        }
        extent
    }
}
