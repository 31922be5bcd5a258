//! RISC-V 64 (RV64GC, Sv39, S-mode under OpenSBI).
pub mod csr;
pub mod entry;
pub mod fpu;
pub mod invocation;
pub mod platform;
pub mod plic;
pub mod trap;
pub mod vm;
pub mod vspace;
