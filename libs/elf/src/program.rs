//! Program headers (segments) and iterators over them.

use crate::file::PHENT_SIZE;
use crate::read::{u32_at, u64_at};
use core::slice::ChunksExact;

/// `p_type`: unused entry.
pub const PT_NULL: u32 = 0;
/// `p_type`: loadable segment.
pub const PT_LOAD: u32 = 1;
/// `p_type`: dynamic linking information.
pub const PT_DYNAMIC: u32 = 2;
/// `p_type`: interpreter path.
pub const PT_INTERP: u32 = 3;
/// `p_type`: auxiliary notes.
pub const PT_NOTE: u32 = 4;
/// `p_type`: the program header table itself.
pub const PT_PHDR: u32 = 6;
/// `p_type`: thread-local storage template.
pub const PT_TLS: u32 = 7;
/// `p_type`: GNU stack permissions.
pub const PT_GNU_STACK: u32 = 0x6474_e551;

/// `p_flags`: executable.
pub const PF_X: u32 = 1;
/// `p_flags`: writable.
pub const PF_W: u32 = 2;
/// `p_flags`: readable.
pub const PF_R: u32 = 4;

/// One ELF64 program header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProgramHeader {
    /// `p_type` (`PT_*`).
    pub kind: u32,
    /// `p_flags` (`PF_*`).
    pub flags: u32,
    /// `p_offset`: file offset of the segment contents.
    pub offset: u64,
    /// `p_vaddr`: virtual address.
    pub vaddr: u64,
    /// `p_paddr`: physical address.
    pub paddr: u64,
    /// `p_filesz`: bytes present in the file.
    pub file_size: u64,
    /// `p_memsz`: bytes in memory (the rest past `file_size` is zero).
    pub mem_size: u64,
    /// `p_align`.
    pub align: u64,
}

impl ProgramHeader {
    /// Decodes a program header from the start of `bytes` (56 bytes needed).
    pub fn parse(bytes: &[u8]) -> Option<Self> {
        Some(ProgramHeader {
            kind: u32_at(bytes, 0)?,
            flags: u32_at(bytes, 4)?,
            offset: u64_at(bytes, 8)?,
            vaddr: u64_at(bytes, 16)?,
            paddr: u64_at(bytes, 24)?,
            file_size: u64_at(bytes, 32)?,
            mem_size: u64_at(bytes, 40)?,
            align: u64_at(bytes, 48)?,
        })
    }

    /// Whether this is a `PT_LOAD` segment.
    pub fn is_load(&self) -> bool {
        self.kind == PT_LOAD
    }

    /// Whether `PF_R` is set.
    pub fn is_readable(&self) -> bool {
        self.flags & PF_R != 0
    }

    /// Whether `PF_W` is set.
    pub fn is_writable(&self) -> bool {
        self.flags & PF_W != 0
    }

    /// Whether `PF_X` is set.
    pub fn is_executable(&self) -> bool {
        self.flags & PF_X != 0
    }
}

/// Iterator over all program headers of a file.
#[derive(Clone, Debug)]
pub struct ProgramHeaders<'a> {
    chunks: ChunksExact<'a, u8>,
}

impl<'a> ProgramHeaders<'a> {
    pub(crate) fn new(table: &'a [u8]) -> Self {
        ProgramHeaders { chunks: table.chunks_exact(PHENT_SIZE) }
    }
}

impl Iterator for ProgramHeaders<'_> {
    type Item = ProgramHeader;

    fn next(&mut self) -> Option<ProgramHeader> {
        ProgramHeader::parse(self.chunks.next()?)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.chunks.size_hint()
    }
}

impl ExactSizeIterator for ProgramHeaders<'_> {}

/// Iterator over the `PT_LOAD` program headers of a file.
#[derive(Clone, Debug)]
pub struct LoadableSegments<'a> {
    inner: ProgramHeaders<'a>,
}

impl<'a> LoadableSegments<'a> {
    pub(crate) fn new(inner: ProgramHeaders<'a>) -> Self {
        LoadableSegments { inner }
    }
}

impl Iterator for LoadableSegments<'_> {
    type Item = ProgramHeader;

    fn next(&mut self) -> Option<ProgramHeader> {
        self.inner.by_ref().find(ProgramHeader::is_load)
    }
}
