//! seL4 Microkit's system description format (SDF, Microkit 2.3.0): protection domains with
//! their program images, mappings, interrupts, variables and scheduling parameters, child PDs,
//! memory regions, channels, a domain schedule and virtual machines (a PD's `<virtual_machine>`,
//! of which it is the VMM), parsed and checked with Microkit's rules.
//!
//! Every error names the file, line, column and element, and says what is wrong:
//! `system.xml:12:5: <map>: mapping of 'buffer' at 0x4000000 overlaps 'ring' at 0x4000000`.
//! Unknown elements and attributes are errors too, so a misspelt attribute is never ignored.
mod model;
mod parse;
pub use parse::parse_number;
pub(crate) mod validate;

pub use model::*;

/// Where something is in the description: file, line and column (1-based), element name.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Location {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub element: String,
}

impl core::fmt::Display for Location {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}:{}:{}: <{}>", self.file, self.line, self.column, self.element)
    }
}

/// What is wrong, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub location: Location,
    pub message: String,
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

impl std::error::Error for Error {}

/// Parses and checks a system description; `file` names it in errors.
pub fn parse(file: &str, text: &str) -> Result<System, Error> {
    let system = parse::system(file, text)?;
    validate::system(&system)?;
    Ok(system)
}
