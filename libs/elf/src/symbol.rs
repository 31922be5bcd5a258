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

/// `STT_FUNC` in a symbol's `st_info`.
pub const STT_FUNC: u8 = 2;

/// A defined function symbol: its name, address and size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FunctionSymbol<'a> {
    pub name: &'a [u8],
    pub value: u64,
    pub size: u64,
}

impl<'a> Elf64<'a> {
    /// Calls `f` with every defined function symbol of `.symtab` (for symbolising addresses).
    pub fn for_each_function(&self, mut f: impl FnMut(FunctionSymbol<'a>)) {
        let Some(count) = self.section_count() else { return };
        for index in 0..count {
            let Some(sec) = self.section(index).filter(|s| s.kind == SHT_SYMTAB && s.entsize == SYM_SIZE as u64) else {
                continue;
            };
            let Some(strtab) = self.section(sec.link).filter(|s| s.kind == SHT_STRTAB) else { continue };
            let (Some(strings), Some(symbols)) =
                (range(self.bytes(), strtab.offset, strtab.size), range(self.bytes(), sec.offset, sec.size))
            else {
                continue;
            };
            for sym in symbols.chunks_exact(SYM_SIZE) {
                let info = sym[4];
                if info & 0xf != STT_FUNC || u16_at(sym, 6) == Some(SHN_UNDEF) {
                    continue;
                }
                let name = u32_at(sym, 0)
                    .and_then(|at| strings.get(usize::try_from(at).ok()?..))
                    .map(|rest| &rest[..rest.iter().position(|&b| b == 0).unwrap_or(rest.len())]);
                if let (Some(name), Some(value), Some(size)) = (name, u64_at(sym, 8), u64_at(sym, 16)) {
                    f(FunctionSymbol { name, value, size });
                }
            }
        }
    }
}
