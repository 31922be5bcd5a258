//! Properties: name/value pairs and typed views of their values.

use core::iter::FusedIterator;

use crate::reg::cells_to_u64;
use crate::token::{DONE, Token, Tree};

/// One property of a node; the value borrows the blob.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Property<'a> {
    name: &'a str,
    value: &'a [u8],
}

impl<'a> Property<'a> {
    /// The property name, e.g. `"compatible"`.
    pub fn name(&self) -> &'a str {
        self.name
    }

    /// The raw value bytes.
    pub fn value(&self) -> &'a [u8] {
        self.value
    }

    /// True for an empty (boolean) property such as `interrupt-controller`.
    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }

    /// The value as one big-endian 32-bit cell; `None` unless exactly 4 bytes.
    pub fn as_u32(&self) -> Option<u32> {
        Some(u32::from_be_bytes(self.value.try_into().ok()?))
    }

    /// The value as one or two big-endian cells; `None` unless 4 or 8 bytes.
    pub fn as_u64(&self) -> Option<u64> {
        match self.value.len() {
            4 | 8 => cells_to_u64(self.value),
            _ => None,
        }
    }

    /// The value as a NUL-terminated string, without the NUL. For a string
    /// list this is the first entry. `None` if unterminated or not UTF-8.
    pub fn as_str(&self) -> Option<&'a str> {
        let len = self.value.iter().position(|&byte| byte == 0)?;
        core::str::from_utf8(self.value.get(..len)?).ok()
    }

    /// The value as a list of NUL-separated strings (e.g. `compatible`).
    pub fn strings(&self) -> StrList<'a> {
        StrList { rest: self.value }
    }

    /// The value as big-endian 32-bit cells; trailing partial bytes are ignored.
    pub fn cells(&self) -> U32Cells<'a> {
        U32Cells { rest: self.value }
    }
}

/// Iterator over the strings of a string-list property.
///
/// It ends early at an entry that is not valid UTF-8.
#[derive(Clone, Debug, Default)]
pub struct StrList<'a> {
    rest: &'a [u8],
}

impl<'a> StrList<'a> {
    pub(crate) fn empty() -> Self {
        StrList { rest: &[] }
    }
}

impl<'a> Iterator for StrList<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let bytes = core::mem::take(&mut self.rest);
        if bytes.is_empty() {
            return None;
        }
        let len = bytes.iter().position(|&byte| byte == 0).unwrap_or(bytes.len());
        let text = core::str::from_utf8(bytes.get(..len)?).ok()?;
        self.rest = bytes.get(len + 1..).unwrap_or(&[]);
        Some(text)
    }
}

impl FusedIterator for StrList<'_> {}

/// Iterator over the 32-bit big-endian cells of a property value.
#[derive(Clone, Debug, Default)]
pub struct U32Cells<'a> {
    rest: &'a [u8],
}

impl U32Cells<'_> {
    pub(crate) fn empty() -> Self {
        U32Cells { rest: &[] }
    }
}

impl Iterator for U32Cells<'_> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        let (cell, rest) = self.rest.split_first_chunk::<4>()?;
        self.rest = rest;
        Some(u32::from_be_bytes(*cell))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.rest.len() / 4;
        (n, Some(n))
    }
}

impl ExactSizeIterator for U32Cells<'_> {}
impl FusedIterator for U32Cells<'_> {}

/// Iterator over the properties of one node, in blob order.
#[derive(Clone, Debug)]
pub struct Properties<'a> {
    tree: Tree<'a>,
    offset: usize,
}

impl<'a> Properties<'a> {
    pub(crate) fn new(tree: Tree<'a>, offset: usize) -> Self {
        Properties { tree, offset }
    }
}

impl<'a> Iterator for Properties<'a> {
    type Item = Property<'a>;

    fn next(&mut self) -> Option<Property<'a>> {
        loop {
            let token = self.tree.read(self.offset);
            self.offset = DONE;
            match token.ok()? {
                (Token::Nop, next) => self.offset = next,
                (Token::Prop { name_offset, value }, next) => {
                    let name = self.tree.string(name_offset).ok()?;
                    self.offset = next;
                    return Some(Property { name, value });
                }
                // Properties precede subnodes; anything else ends the list.
                _ => return None,
            }
        }
    }
}

impl FusedIterator for Properties<'_> {}
