//! The typed memory layer: the one place where a physical address becomes access to memory.
//!
//! - Kernel objects (TCBs, endpoints, notifications, capability slots, page tables, ASID pools)
//!   are reached through [`Handle`]s. A handle is built from a capability of the right type, from
//!   a typed field of another object, or by `unsafe` code that states why the address names a
//!   live object of that type. Handles give field getters and setters that read and write in
//!   place: no `&mut` to an object ever exists, so two handles to one object cannot alias.
//! - Memory user level can write (IPC buffers, and any frame) is reached through [`UserWords`],
//!   which copies words in and out and never lends a reference.
//! - Kernel global state lives in [`KernelCell`] and [`KernelWord`].
//!
//! Every `unsafe` block of this layer relies on one invariant, kept by the object code above it:
//! **an address the kernel stores as an object reference names a live object of that type.**
//! A capability of type T in a slot names a live T (a cap is deleted, and queues, bindings and
//! mappings that name the object are cleaned, before its memory can be retyped); typed fields
//! (`Option<Handle<T>>`, the thread-queue links) are only ever written with live objects and
//! cleared when an object is finalised.

pub mod caps;
mod global;
mod handle;
mod objects;
mod queues;
mod slots;
mod user;

pub use global::{KernelCell, KernelWord};
pub use handle::{Handle, KernelObject};
pub use objects::{
    Blocking, Endpoint, FAULT_IP_OFFSET_FROM_CONTEXT, FaultRecord, Notification, Tcb, ThreadState, WaitingOn, slot,
};
#[cfg(feature = "mcs")]
pub use objects::{CallLink, Reply, SchedContext};
#[cfg(feature = "mcs")]
pub use queues::ReleaseQueue;
pub use queues::{ReadyQueues, ThreadList, ThreadQueue};
pub use slots::{MAX_IRQS, Slot, cdt, irq_slot, resolve};
pub use user::UserWords;

use crate::arch::layout::phys_to_kernel_ptr;
use atoll_kernel_core::cap::Cap;

/// Zeroes part of an untyped's memory that nothing uses (the untyped has no children, or the
/// range lies above its watermark).
pub fn clear_untyped(untyped: Cap, offset: u64, len: u64) {
    let end = offset.saturating_add(len);
    assert!(
        untyped.is(atoll_abi::CapType::Untyped) && end <= 1u64 << untyped.untyped_size_bits(),
        "clearing outside an untyped (kernel invariant: callers stay inside the block)"
    );
    // SAFETY: the range lies inside the untyped's block, which holds no live object there.
    unsafe { zero(untyped.paddr() + offset, len) };
}

/// Zeroes `len` bytes of physical memory.
///
/// # Safety
/// `[paddr, paddr + len)` must be RAM that no live object or handle uses.
pub unsafe fn zero(paddr: u64, len: u64) {
    // SAFETY: forwarded caller obligation; the kernel window maps all physical memory.
    unsafe { core::ptr::write_bytes(phys_to_kernel_ptr::<u8>(paddr), 0, len as usize) };
}

/// Copies bytes into physical memory.
///
/// # Safety
/// As for [`zero`], for `[paddr, paddr + bytes.len())`.
pub unsafe fn copy_to(paddr: u64, bytes: &[u8]) {
    // SAFETY: forwarded caller obligation; `bytes` cannot overlap unused memory.
    unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), phys_to_kernel_ptr::<u8>(paddr), bytes.len()) };
}

/// A byte slice over physical memory.
///
/// # Safety
/// `[paddr, paddr + len)` must stay unchanged while the slice is used.
pub unsafe fn bytes(paddr: u64, len: usize) -> &'static [u8] {
    // SAFETY: forwarded caller obligation.
    unsafe { core::slice::from_raw_parts(phys_to_kernel_ptr::<u8>(paddr), len) }
}
