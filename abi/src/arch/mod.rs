//! What differs between architectures: libsel4 generates these per architecture (object types,
//! cap-type tags, invocation labels with the architecture's appended, frame and page-table
//! sizes, mapping attributes, the user register context). The rest of the crate is generic and
//! re-exports the architecture it is built for.
pub mod riscv64;

#[cfg(feature = "hyp")]
pub use riscv64::vcpu;
pub use riscv64::{cap_type, context, invocation, object, vm};
