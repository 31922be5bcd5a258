//! Kernel objects, one module per seL4 object type.
pub mod cap;
pub mod cnode;
pub mod tcb;
