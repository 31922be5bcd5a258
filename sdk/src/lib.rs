//! Atoll's user-level SDK: seL4 system calls, a root-task runtime and debug output, in Rust.
//!
//! The ABI constants come from `atoll-abi`, the same definitions the kernel uses, so a program
//! built with this SDK also runs on seL4.
#![no_std]

pub mod cnode;
pub mod debug;
pub mod domain;
pub mod image;
pub mod invocation;
pub mod irq;
pub mod runtime;
#[cfg(feature = "mcs")]
pub mod sched;
pub mod syscall;
pub mod tcb;
#[cfg(feature = "hyp")]
pub mod vcpu;
pub mod vspace;

pub use atoll_abi as abi;
pub use atoll_abi::{BootInfo, CapType, Error, MessageInfo};
