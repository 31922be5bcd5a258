//! Capabilities: the layout and rules live in `atoll-kernel-core` (host tested); re-exported here.
pub use atoll_kernel_core::cap::{Cap, EndpointRights, FrameSize, VmRights};
