//! Kernel objects, one module per seL4 object type.
pub mod cap;
pub mod cnode;
pub mod domain;
pub mod endpoint;
pub mod irq;
pub mod notification;
pub mod objecttype;
pub mod tcb;
pub mod tcb_invocation;
pub mod untyped;
