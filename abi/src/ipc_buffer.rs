//! The per-thread IPC buffer shared between a thread and the kernel.

use crate::message::{MSG_MAX_EXTRA_CAPS, MSG_MAX_LENGTH, MessageInfo};

/// seL4_IPCBufferSizeBits: the buffer is 1 KiB and aligned to its size.
pub const IPC_BUFFER_SIZE_BITS: usize = 10;

/// seL4_IPCBuffer: message registers beyond the first four, capability
/// transfer parameters and a user data word.
#[repr(C, align(1024))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpcBuffer {
    /// tag: message info (not used by the kernel for transfers; kept for libsel4 compatibility).
    pub tag: MessageInfo,
    /// msg: message registers; the first four are also passed in `a2`..`a5`.
    pub msg: [u64; MSG_MAX_LENGTH],
    /// userData: free for user level (libsel4 keeps thread-local data here).
    pub user_data: u64,
    /// caps_or_badges: capabilities to send, or badges of received unwrapped capabilities.
    pub caps_or_badges: [u64; MSG_MAX_EXTRA_CAPS],
    /// receiveCNode: CNode in which a received capability is placed.
    pub receive_cnode: u64,
    /// receiveIndex: slot index for a received capability.
    pub receive_index: u64,
    /// receiveDepth: depth of the receive slot lookup.
    pub receive_depth: u64,
}

impl IpcBuffer {
    /// An all-zero buffer.
    pub const fn zeroed() -> Self {
        Self {
            tag: MessageInfo::from_word(0),
            msg: [0; MSG_MAX_LENGTH],
            user_data: 0,
            caps_or_badges: [0; MSG_MAX_EXTRA_CAPS],
            receive_cnode: 0,
            receive_index: 0,
            receive_depth: 0,
        }
    }
}

impl Default for IpcBuffer {
    fn default() -> Self {
        Self::zeroed()
    }
}

const _: () = {
    assert!(size_of::<IpcBuffer>() == 1 << IPC_BUFFER_SIZE_BITS);
    assert!(align_of::<IpcBuffer>() == 1 << IPC_BUFFER_SIZE_BITS);
};
