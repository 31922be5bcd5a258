//! Pure kernel logic, no hardware, host tested.
//!
//! Everything here is `no_std`, allocation-free and panic-free, so the
//! kernel links it unchanged while `cargo test` exercises it on the host.
#![no_std]
#![forbid(unsafe_code)]

pub mod arch;
pub mod cap;
pub mod cdt;
pub mod cspace;
pub mod cte;
pub mod domain;
pub mod queue;
pub mod ready;
pub mod refill;
pub mod region;
pub mod region_set;
pub mod rules;
pub mod untyped;

pub use region::Region;
pub use region_set::{Full, RegionSet};
pub use untyped::{UntypedBlocks, untyped_blocks};
