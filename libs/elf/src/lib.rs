//! ELF64 little-endian parser for the boot loader and the host image builder.
//!
//! Design: zero-copy, allocation-free and panic-free. [`Elf64::parse`] checks
//! the file header and that the program header table lies within the input;
//! every other accessor bounds-checks what it reads, so untrusted bytes can
//! at worst produce an [`Error`] or `None`.
#![no_std]
#![forbid(unsafe_code)]

mod error;
mod file;
mod program;
mod read;
mod symbol;

pub use error::Error;
pub use file::{EHDR_SIZE, EM_RISCV, ET_CORE, ET_DYN, ET_EXEC, ET_NONE, ET_REL, Elf64, PHENT_SIZE};
pub use program::{
    LoadableSegments, PF_R, PF_W, PF_X, PT_DYNAMIC, PT_GNU_STACK, PT_INTERP, PT_LOAD, PT_NOTE, PT_NULL, PT_PHDR,
    PT_TLS, ProgramHeader, ProgramHeaders,
};
pub use symbol::{FunctionSymbol, SHENT_SIZE, SHT_STRTAB, SHT_SYMTAB, STT_FUNC, SYM_SIZE};
