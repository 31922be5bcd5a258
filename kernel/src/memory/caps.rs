//! Handles from capabilities: the safe way to reach an object. A cap of the right type in a slot
//! names a live object of that type (the layer's invariant), so these check the type and build
//! the handle. A cap of another type is a kernel bug, caught by the assertion.
use super::handle::Handle;
use super::objects::{Endpoint, Notification, Tcb};
use atoll_abi::CapType;
use atoll_kernel_core::cap::Cap;

/// The thread a Thread cap (or, without MCS, a Reply cap) names.
#[inline(always)]
pub fn thread(cap: Cap) -> Handle<Tcb> {
    assert!(cap.is(CapType::Thread) || (!cfg!(feature = "mcs") && cap.is(CapType::Reply)), "not a thread cap");
    // SAFETY: see the module documentation.
    unsafe { Handle::from_paddr(cap.paddr()) }
}

/// The endpoint an Endpoint cap names.
#[inline(always)]
pub fn endpoint(cap: Cap) -> Handle<Endpoint> {
    assert!(cap.is(CapType::Endpoint), "not an endpoint cap");
    // SAFETY: see the module documentation.
    unsafe { Handle::from_paddr(cap.paddr()) }
}

/// The notification a Notification cap names.
#[inline(always)]
pub fn notification(cap: Cap) -> Handle<Notification> {
    assert!(cap.is(CapType::Notification), "not a notification cap");
    // SAFETY: see the module documentation.
    unsafe { Handle::from_paddr(cap.paddr()) }
}

/// The scheduling context a SchedContext cap names (MCS).
#[cfg(feature = "mcs")]
#[inline(always)]
pub fn sched_context(cap: Cap) -> Handle<super::SchedContext> {
    assert!(cap.is(CapType::SchedContext), "not a scheduling-context cap");
    // SAFETY: see the module documentation.
    unsafe { Handle::from_paddr(cap.paddr()) }
}

/// The reply object a Reply cap names (MCS).
#[cfg(feature = "mcs")]
#[inline(always)]
pub fn reply(cap: Cap) -> Handle<super::Reply> {
    assert!(cap.is(CapType::Reply), "not a reply cap");
    // SAFETY: see the module documentation.
    unsafe { Handle::from_paddr(cap.paddr()) }
}
