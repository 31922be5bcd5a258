//! Kernel objects, one module per seL4 object type.
pub mod cap;
pub mod cnode;
pub mod objecttype;
pub mod tcb;
pub mod untyped;
