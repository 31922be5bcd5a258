//! Object invocations, one module per seL4 object type (the arch's are in `arch::invocation`),
//! object creation, and deletion with finalisation.
pub mod cnode;
pub mod create;
pub mod delete;
pub mod domain;
pub mod irq;
#[cfg(feature = "mcs")]
pub mod sched_context;
pub mod tcb;
pub mod untyped;
