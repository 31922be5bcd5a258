//! seL4-compatible ABI (non-MCS) shared by the Atoll kernel and its user-level SDK: generic
//! modules, and the architecture's part in `arch` (RISC-V 64), re-exported under the same names.
#![no_std]
#![forbid(unsafe_code)]

mod convert;

pub mod arch;

pub mod bootinfo;
pub mod config;
pub mod error;
pub mod fault;
pub mod ipc_buffer;
pub mod message;
pub mod object;
pub mod slots;
pub mod syscall;
pub mod tcb;

// The architecture's modules, under the names libsel4 users know.
pub use arch::{cap_type, invocation, vm};

pub use bootinfo::{BootInfo, BootInfoHeader, BootInfoId, SlotRegion, UntypedDesc};
pub use cap_type::CapType;
pub use convert::UnknownValue;
pub use error::{Error, LookupFailureType};
pub use fault::{FaultType, UserContext};
pub use invocation::InvocationLabel;
pub use ipc_buffer::IpcBuffer;
pub use message::{CNodeCapData, CapRights, MessageInfo};
pub use object::ObjectType;
pub use syscall::Syscall;
