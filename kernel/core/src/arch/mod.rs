//! What differs between architectures: the arch caps' layouts and their rules (seL4's Arch_*
//! hooks). The generic modules hand the arch cap types to the architecture the crate is built
//! for.
pub mod riscv64;

pub use riscv64::{cap, rules};
