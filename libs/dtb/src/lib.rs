//! Allocation-free, panic-free parser for flattened device trees (FDT v17).
//!
//! [`Fdt::new`] validates a whole blob once; afterwards every query walks the
//! borrowed bytes iteratively (no recursion, no allocation) and returns
//! `Option`s or iterators that end on anything unexpected.
//!
//! ```
//! fn discover(bytes: &[u8]) -> Result<(), atoll_dtb::Error> {
//!     let fdt = atoll_dtb::Fdt::new(bytes)?;
//!     let uart = fdt.find_compatible(&["ns16550a"]).and_then(|n| n.reg().next());
//!     let ram_bytes: u64 = fdt.memory_regions().map(|r| r.size).sum();
//!     let _ = (uart, ram_bytes, fdt.timebase_frequency());
//!     Ok(())
//! }
//! assert!(discover(&[0; 64]).is_err());
//! ```

#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod error;
mod fdt;
mod header;
mod node;
mod property;
mod reg;
mod reserve;
mod token;

pub use error::Error;
pub use fdt::Fdt;
pub use header::{FDT_MAGIC, Header, MAX_VERSION, MIN_VERSION};
pub use node::{AllNodes, Children, Node};
pub use property::{Properties, Property, StrList, U32Cells};
pub use reg::{CellSizes, Reg, Region};
pub use reserve::MemoryReservations;

/// Deepest node nesting accepted (the root is at depth 1).
pub const MAX_DEPTH: usize = 32;
