//! Low-level reading of structure-block tokens and whole-tree validation.

use core::fmt;

use crate::header::be_u32;
use crate::{Error, MAX_DEPTH};

const FDT_BEGIN_NODE: u32 = 1;
const FDT_END_NODE: u32 = 2;
const FDT_PROP: u32 = 3;
const FDT_NOP: u32 = 4;
const FDT_END: u32 = 9;

/// Offset that no read can succeed at; walkers park here once finished.
pub(crate) const DONE: usize = usize::MAX;

/// One token of the structure block.
#[derive(Clone, Copy)]
pub(crate) enum Token<'a> {
    BeginNode(&'a [u8]),
    EndNode,
    Prop { name_offset: u32, value: &'a [u8] },
    Nop,
    End,
}

/// The structure and strings blocks of a blob.
#[derive(Clone, Copy)]
pub(crate) struct Tree<'a> {
    structs: &'a [u8],
    strings: &'a [u8],
}

impl fmt::Debug for Tree<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tree")
            .field("struct_len", &self.structs.len())
            .field("strings_len", &self.strings.len())
            .finish()
    }
}

fn align4(offset: usize) -> usize {
    offset.saturating_add(3) & !3
}

/// Returns the bytes before the first NUL, or `None` if there is no NUL.
fn until_nul(bytes: &[u8]) -> Option<&[u8]> {
    let len = bytes.iter().position(|&byte| byte == 0)?;
    bytes.get(..len)
}

impl<'a> Tree<'a> {
    pub(crate) fn new(structs: &'a [u8], strings: &'a [u8]) -> Self {
        Tree { structs, strings }
    }

    /// Reads the token at `offset`; returns it and the offset of the next one,
    /// which is always greater than `offset`.
    pub(crate) fn read(&self, offset: usize) -> Result<(Token<'a>, usize), Error> {
        let tag = be_u32(self.structs, offset).ok_or(Error::BadStructure)?;
        // `be_u32` succeeded, so `offset + 4 <= len` and nothing below overflows
        // before the checked additions.
        let body = offset + 4;
        match tag {
            FDT_BEGIN_NODE => {
                let rest = self.structs.get(body..).ok_or(Error::BadStructure)?;
                let name = until_nul(rest).ok_or(Error::BadName)?;
                Ok((Token::BeginNode(name), align4(body + name.len() + 1)))
            }
            FDT_PROP => {
                let len = be_u32(self.structs, body).ok_or(Error::BadProperty)?;
                let name_offset = be_u32(self.structs, body + 4).ok_or(Error::BadProperty)?;
                let start = body + 8;
                let len = usize::try_from(len).map_err(|_| Error::BadProperty)?;
                let end = start.checked_add(len).ok_or(Error::BadProperty)?;
                let value = self.structs.get(start..end).ok_or(Error::BadProperty)?;
                Ok((Token::Prop { name_offset, value }, align4(end)))
            }
            FDT_END_NODE => Ok((Token::EndNode, body)),
            FDT_NOP => Ok((Token::Nop, body)),
            FDT_END => Ok((Token::End, body)),
            _ => Err(Error::BadToken),
        }
    }

    /// Looks up a property name in the strings block.
    pub(crate) fn string(&self, offset: u32) -> Result<&'a str, Error> {
        let offset = usize::try_from(offset).map_err(|_| Error::BadName)?;
        let rest = self.strings.get(offset..).ok_or(Error::BadName)?;
        let name = until_nul(rest).ok_or(Error::BadName)?;
        core::str::from_utf8(name).map_err(|_| Error::BadName)
    }

    /// Walks the whole structure block once, checking every token, name and
    /// property, and that it holds exactly one balanced root no deeper than
    /// [`MAX_DEPTH`]. Returns the root's name and the offset just past its
    /// `FDT_BEGIN_NODE` token.
    pub(crate) fn validate(&self) -> Result<(&'a str, usize), Error> {
        let mut offset = 0;
        let mut depth = 0usize;
        let mut root = None;
        loop {
            let (token, next) = self.read(offset)?;
            match token {
                Token::Nop => {}
                Token::BeginNode(name) => {
                    let name = core::str::from_utf8(name).map_err(|_| Error::BadName)?;
                    if depth == 0 {
                        if root.is_some() {
                            return Err(Error::BadStructure);
                        }
                        root = Some((name, next));
                    }
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return Err(Error::TooDeep);
                    }
                }
                Token::EndNode => {
                    depth = depth.checked_sub(1).ok_or(Error::BadStructure)?;
                }
                Token::Prop { name_offset, .. } => {
                    if depth == 0 {
                        return Err(Error::BadStructure);
                    }
                    self.string(name_offset)?;
                }
                Token::End => {
                    return match root {
                        Some(root) if depth == 0 => Ok(root),
                        _ => Err(Error::BadStructure),
                    };
                }
            }
            offset = next;
        }
    }
}
