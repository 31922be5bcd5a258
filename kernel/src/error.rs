//! seL4's syscall errors with their details, and why an invocation may stop before finishing.
//!
//! Every invocation is decoded first (all checks, no side effects) and then performed; the
//! decoder returns a [`SyscallError`] carrying seL4's details instead of setting a global.
use atoll_abi::{Error, LookupFailureType as L};
use atoll_kernel_core::cspace::LookupFault;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyscallError {
    InvalidArgument { argument: u64 },
    InvalidCapability { cap: u64 },
    IllegalOperation,
    RangeError { min: u64, max: u64 },
    AlignmentError,
    FailedLookup { source: bool, fault: LookupFault },
    TruncatedMessage,
    DeleteFirst,
    RevokeFirst,
    NotEnoughMemory { available: u64 },
}

/// Why an invocation stopped before finishing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interrupted {
    /// An interrupt is pending: restart the system call once it is handled.
    Preempted,
}

impl SyscallError {
    pub fn code(&self) -> Error {
        match self {
            SyscallError::InvalidArgument { .. } => Error::InvalidArgument,
            SyscallError::InvalidCapability { .. } => Error::InvalidCapability,
            SyscallError::IllegalOperation => Error::IllegalOperation,
            SyscallError::RangeError { .. } => Error::RangeError,
            SyscallError::AlignmentError => Error::AlignmentError,
            SyscallError::FailedLookup { .. } => Error::FailedLookup,
            SyscallError::TruncatedMessage => Error::TruncatedMessage,
            SyscallError::DeleteFirst => Error::DeleteFirst,
            SyscallError::RevokeFirst => Error::RevokeFirst,
            SyscallError::NotEnoughMemory { .. } => Error::NotEnoughMemory,
        }
    }

    /// The message registers that describe the error (seL4's setMRs_syscall_error).
    pub fn detail(&self, out: &mut [u64; 6]) -> usize {
        let mut put = |words: &[u64]| {
            out[..words.len()].copy_from_slice(words);
            words.len()
        };
        match *self {
            SyscallError::InvalidArgument { argument } => put(&[argument]),
            SyscallError::InvalidCapability { cap } => put(&[cap]),
            SyscallError::RangeError { min, max } => put(&[min, max]),
            SyscallError::NotEnoughMemory { available } => put(&[available]),
            SyscallError::FailedLookup { source, fault } => {
                out[0] = source as u64;
                1 + lookup_fault_words(fault, &mut out[1..])
            }
            _ => 0,
        }
    }
}

/// A lookup failure as message words: its seL4_LookupFailureType, then its details.
pub fn lookup_fault_words(fault: LookupFault, out: &mut [u64]) -> usize {
    let words: &[u64] = match fault {
        LookupFault::InvalidRoot => &[L::InvalidRoot.value()],
        LookupFault::MissingCapability { bits_left } => &[L::MissingCapability.value(), bits_left as u64],
        LookupFault::DepthMismatch { bits_left, bits_found } => {
            &[L::DepthMismatch.value(), bits_left as u64, bits_found as u64]
        }
        LookupFault::GuardMismatch { bits_left, guard_found, guard_size } => {
            &[L::GuardMismatch.value(), bits_left as u64, guard_found, guard_size as u64]
        }
    };
    out[..words.len()].copy_from_slice(words);
    words.len()
}
