//! Atoll: a capability microkernel in Rust, binary-compatible with seL4 (non-MCS); the
//! architectures it runs on live in `arch`.
//!
//! Design principles:
//! - seL4's published ABI is the specification; its names are used for its concepts.
//! - Mechanism, not policy: every byte of kernel memory after boot comes from untyped memory that
//!   user level owns. There is no heap.
//! - Nothing user level does can panic, hang or corrupt the kernel: user input is decoded with
//!   checked arithmetic into typed values before anything changes.
//! - `unsafe` lives in three audited places: `memory` (the typed memory layer: handles to kernel
//!   objects, user memory copied in and out), `arch` (entry, exit, CSRs, page tables) and `boot`.
//!   Each block says which invariant makes it sound.
//! - Logic that needs no hardware lives in `atoll-kernel-core` and is tested on the host.
//!
//! Layers, each using only those below it (`arch` sits beside them; see ARCHITECTURE.md):
//! `entry` and `boot`; `syscall` (dispatch and fastpath); `object` (invocations, creation,
//! deletion); `thread` (suspend, restart); `ipc` and `message`; `sched` and `cspace`; `memory`,
//! `error`, `config`.
#![no_std]
#![no_main]
#![deny(unsafe_code)]

#[allow(unsafe_code)]
mod arch;
#[allow(unsafe_code)]
mod boot;
mod config;
mod console;
mod cspace;
mod entry;
mod error;
mod ipc;
#[allow(unsafe_code)]
mod memory;
mod message;
mod object;
mod panic;
mod preemption;
mod sched;
mod syscall;
mod thread;
