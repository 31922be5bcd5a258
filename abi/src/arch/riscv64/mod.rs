//! RISC-V 64 (Sv39, non-MCS): what libsel4 generates for this architecture.
pub mod cap_type;
pub mod context;
pub mod invocation;
pub mod object;
#[cfg(feature = "hyp")]
pub mod vcpu;
pub mod vm;
