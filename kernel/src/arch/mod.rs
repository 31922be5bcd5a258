//! Architecture-specific code; only RISC-V 64 for now.
pub mod riscv64;
