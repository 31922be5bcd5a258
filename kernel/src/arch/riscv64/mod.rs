//! RISC-V 64 (RV64GC, Sv39, S-mode under OpenSBI).
pub mod boot_vspace;
pub mod context;
pub mod cpu;
mod csr;
mod entry;
mod fpu;
#[cfg(feature = "hyp")]
pub mod hyp;
pub mod interrupt;
pub mod invocation;
pub mod layout;
pub mod objects;
pub mod platform;
pub mod timer;
pub mod trap;
mod vm;
pub mod vspace;
