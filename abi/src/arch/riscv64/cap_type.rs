//! Capability type tags, as stored in a capability and returned by `DebugCapIdentify`.

use crate::convert::abi_enum;

abi_enum! {
    /// The kernel's 5-bit `capType` tag for RISC-V 64 (the two scheduling caps only with MCS).
    ///
    /// Generic capabilities have even tags and architecture capabilities odd
    /// ones. `DebugCapIdentify` returns the tag of the capability at the given
    /// address, or `Null` (0) if the lookup fails.
    pub enum CapType: u64 {
        /// null_cap
        Null = 0,
        /// frame_cap
        Frame = 1,
        /// untyped_cap
        Untyped = 2,
        /// page_table_cap
        PageTable = 3,
        /// endpoint_cap
        Endpoint = 4,
        /// notification_cap
        Notification = 6,
        /// reply_cap
        Reply = 8,
        /// cnode_cap
        CNode = 10,
        /// asid_control_cap
        AsidControl = 11,
        /// thread_cap
        Thread = 12,
        /// asid_pool_cap
        AsidPool = 13,
        /// irq_control_cap
        IrqControl = 14,
        /// irq_handler_cap
        IrqHandler = 16,
        /// zombie_cap
        Zombie = 18,
        /// domain_cap
        Domain = 20,
        /// sched_context_cap
        #[cfg(feature = "mcs")]
        SchedContext = 22,
        /// sched_control_cap
        #[cfg(feature = "mcs")]
        SchedControl = 24,
        /// vcpu_cap (hypervisor builds)
        #[cfg(feature = "hyp")]
        Vcpu = 15,
    }
}

/// Width of the capability type tag in bits.
pub const CAP_TYPE_BITS: usize = 5;

impl CapType {
    /// Whether this is an architecture-specific capability (odd tag).
    #[inline]
    pub const fn is_arch(self) -> bool {
        (self as u64) & 1 == 1
    }
}
