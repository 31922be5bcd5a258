//! The pure half of a RISC-V virtual machine monitor, host tested: everything a VMM decides
//! without touching a kernel object. The VMM protection domain (`systems/linux`) does the
//! system calls.

#![no_std]
#![forbid(unsafe_code)]

pub mod fdt;
pub mod image;
pub mod insn;
pub mod plic;
pub mod sbi;
pub mod uart;
pub mod walk;
