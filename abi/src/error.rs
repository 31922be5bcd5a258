//! Invocation error codes (`seL4_Error`) and capability lookup failure kinds.

use core::fmt;

use crate::convert::abi_enum;

abi_enum! {
    /// seL4_Error: the result an invocation returns as the label of its reply.
    pub enum Error: u64 {
        /// seL4_NoError
        NoError = 0,
        /// seL4_InvalidArgument
        InvalidArgument = 1,
        /// seL4_InvalidCapability
        InvalidCapability = 2,
        /// seL4_IllegalOperation
        IllegalOperation = 3,
        /// seL4_RangeError
        RangeError = 4,
        /// seL4_AlignmentError
        AlignmentError = 5,
        /// seL4_FailedLookup
        FailedLookup = 6,
        /// seL4_TruncatedMessage
        TruncatedMessage = 7,
        /// seL4_DeleteFirst
        DeleteFirst = 8,
        /// seL4_RevokeFirst
        RevokeFirst = 9,
        /// seL4_NotEnoughMemory
        NotEnoughMemory = 10,
    }
}

/// seL4_NumErrors: number of distinct error codes.
pub const NUM_ERRORS: usize = 11;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl core::error::Error for Error {}

abi_enum! {
    /// seL4_LookupFailureType: why a capability lookup failed, as reported in
    /// cap-fault messages and in `FailedLookup` error replies.
    pub enum LookupFailureType: u64 {
        /// seL4_NoFailure
        NoFailure = 0,
        /// seL4_InvalidRoot
        InvalidRoot = 1,
        /// seL4_MissingCapability
        MissingCapability = 2,
        /// seL4_DepthMismatch
        DepthMismatch = 3,
        /// seL4_GuardMismatch
        GuardMismatch = 4,
    }
}
