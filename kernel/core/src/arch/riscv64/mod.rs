//! RISC-V 64: its caps and their rules.
pub mod cap;
pub mod rules;
