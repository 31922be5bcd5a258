//! Symbol lookup through the section headers' `.symtab` and its string table.

use crate::file::Elf64;
use crate::read::{range, u16_at, u32_at, u64_at};

/// Size of one ELF64 section header (`e_shentsize`).
pub const SHENT_SIZE: usize = 64;
/// Size of one ELF64 symbol table entry.
pub const SYM_SIZE: usize = 24;
/// `sh_type`: symbol table.
pub const SHT_SYMTAB: u32 = 2;
/// `sh_type`: string table.
pub const SHT_STRTAB: u32 = 3;

const SHN_UNDEF: u16 = 0;

/// The fields of a section header that symbol lookup needs.
struct Section {
    kind: u32,
    offset: u64,
    size: u64,
    link: u32,
    entsize: u64,
}

impl<'a> Elf64<'a> {
    /// The value of the defined `.symtab` symbol called `name`.
    ///
    /// Returns `None` if there is no symbol table, no such defined symbol,
    /// or the section data needed to find it is malformed.
    pub fn symbol(&self, name: &str) -> Option<u64> {
        let name = name.as_bytes();
        if name.is_empty() {
            return None;
        }
        let count = self.section_count()?;
        (0..count).find_map(|index| {
            let sec = self.section(index)?;
            if sec.kind != SHT_SYMTAB || sec.entsize != SYM_SIZE as u64 {
                return None;
            }
            let strtab = self.section(sec.link)?;
            if strtab.kind != SHT_STRTAB {
                return None;
            }
            let strings = range(self.bytes(), strtab.offset, strtab.size)?;
            let symbols = range(self.bytes(), sec.offset, sec.size)?;
            symbols.chunks_exact(SYM_SIZE).find_map(|sym| match_symbol(sym, strings, name))
        })
    }

    /// `e_shnum`, provided the section header table is well-formed.
    fn section_count(&self) -> Option<u32> {
        let shentsize = u16_at(self.bytes(), 58)?;
        let shnum = u16_at(self.bytes(), 60)?;
        (usize::from(shentsize) == SHENT_SIZE).then_some(u32::from(shnum))
    }

    fn section(&self, index: u32) -> Option<Section> {
        let shoff = u64_at(self.bytes(), 40)?;
        let at = u64::from(index).checked_mul(SHENT_SIZE as u64)?;
        let sh = range(self.bytes(), shoff.checked_add(at)?, SHENT_SIZE as u64)?;
        Some(Section {
            kind: u32_at(sh, 4)?,
            offset: u64_at(sh, 24)?,
            size: u64_at(sh, 32)?,
            link: u32_at(sh, 40)?,
            entsize: u64_at(sh, 56)?,
        })
    }
}

/// `st_value` of the symbol entry `sym` if it is defined and named `name`.
fn match_symbol(sym: &[u8], strings: &[u8], name: &[u8]) -> Option<u64> {
    let st_name = usize::try_from(u32_at(sym, 0)?).ok()?;
    if u16_at(sym, 6)? == SHN_UNDEF {
        return None;
    }
    let rest = strings.get(st_name..)?.strip_prefix(name)?;
    if rest.first() != Some(&0) {
        return None;
    }
    u64_at(sym, 8)
}
