//! seL4-compatible ABI (RISC-V 64, non-MCS) shared by the Atoll kernel and its user-level SDK.
#![no_std]
#![forbid(unsafe_code)]

mod convert;

pub mod bootinfo;
pub mod cap_type;
pub mod config;
pub mod error;
pub mod fault;
pub mod invocation;
pub mod ipc_buffer;
pub mod message;
pub mod object;
pub mod slots;
pub mod syscall;
pub mod tcb;
pub mod vm;

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
