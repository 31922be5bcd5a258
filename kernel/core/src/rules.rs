//! seL4's rules over capabilities: which caps name the same region or object, which copies are
//! revocable, and what deriving, masking rights or changing cap data produces.
use crate::arch::rules as arch;
use crate::cap::{Cap, EndpointRights};
use atoll_abi::object::{ENDPOINT_BITS, NOTIFICATION_BITS, SLOT_BITS, TCB_BITS};
use atoll_abi::{CapRights, CapType};

pub use arch::mask_vm_rights;

/// Whether a cap names memory (seL4's cap_get_capIsPhysical). With MCS, reply caps name reply
/// objects and scheduling-context caps their objects; without, a reply cap names a thread.
pub fn is_physical(cap: Cap) -> bool {
    let ty = cap.cap_type();
    matches!(
        ty,
        CapType::Untyped
            | CapType::Endpoint
            | CapType::Notification
            | CapType::CNode
            | CapType::Thread
            | CapType::Zombie
    ) || is_mcs_object(ty)
        || arch::is_physical(ty)
}

#[cfg(feature = "mcs")]
fn is_mcs_object(ty: CapType) -> bool {
    matches!(ty, CapType::Reply | CapType::SchedContext)
}

#[cfg(not(feature = "mcs"))]
fn is_mcs_object(_: CapType) -> bool {
    false
}

/// Size in bits of the memory a physical cap names (seL4's cap_get_capSizeBits).
pub fn size_bits(cap: Cap) -> u32 {
    let ty = cap.cap_type();
    match ty {
        CapType::Untyped => cap.untyped_size_bits(),
        CapType::Endpoint => ENDPOINT_BITS as u32,
        CapType::Notification => NOTIFICATION_BITS as u32,
        CapType::CNode => cap.cnode_radix() + SLOT_BITS as u32,
        CapType::Thread => TCB_BITS as u32,
        CapType::Zombie if cap.zombie_is_tcb() => TCB_BITS as u32,
        CapType::Zombie => cap.zombie_radix() + SLOT_BITS as u32,
        #[cfg(feature = "mcs")]
        CapType::Reply => atoll_abi::object::REPLY_BITS as u32,
        #[cfg(feature = "mcs")]
        CapType::SchedContext => cap.sched_context_size_bits(),
        _ => arch::size_bits(ty, cap),
    }
}

/// Last byte of the memory a physical cap names.
pub(crate) fn last_byte(cap: Cap) -> u64 {
    let size = 1u64.checked_shl(size_bits(cap)).unwrap_or(0).wrapping_sub(1);
    cap.paddr().saturating_add(size)
}

/// Whether `b` names memory within what `a` names, or the same kernel object (seL4's
/// sameRegionAs): the question behind "is b derived from a".
pub fn same_region_as(a: Cap, b: Cap) -> bool {
    use CapType::*;
    let ty = a.cap_type();
    match ty {
        Untyped => {
            is_physical(b) && a.paddr() <= b.paddr() && last_byte(b) <= last_byte(a) && b.paddr() <= last_byte(b)
        }
        Endpoint | Notification | Thread => b.is(ty) && a.paddr() == b.paddr(),
        CNode => b.is(CNode) && a.paddr() == b.paddr() && a.cnode_radix() == b.cnode_radix(),
        Reply => b.is(Reply) && a.paddr() == b.paddr(),
        Domain => b.is(ty),
        IrqControl => b.is(IrqControl) || b.is(IrqHandler),
        IrqHandler => b.is(IrqHandler) && a.irq() == b.irq(),
        #[cfg(feature = "mcs")]
        SchedContext => {
            b.is(SchedContext) && a.paddr() == b.paddr() && a.sched_context_size_bits() == b.sched_context_size_bits()
        }
        // seL4 counts any two scheduling-control caps as the same region, whatever their core.
        #[cfg(feature = "mcs")]
        SchedControl => b.is(SchedControl),
        Null | Zombie => false,
        _ => arch::same_region_as(ty, a, b),
    }
}

/// Whether `a` and `b` name the very same object (seL4's sameObjectAs).
pub fn same_object_as(a: Cap, b: Cap) -> bool {
    if a.is(CapType::Untyped) || a.is(CapType::IrqControl) {
        return false;
    }
    arch::same_object_as(a, b).unwrap_or_else(|| same_region_as(a, b))
}

/// Whether a cap derived from `src` becomes a revocable parent of later copies
/// (seL4's isCapRevocable).
pub fn is_cap_revocable(derived: Cap, src: Cap) -> bool {
    match derived.cap_type() {
        CapType::Endpoint | CapType::Notification => derived.badge() != src.badge(),
        CapType::IrqHandler => src.is(CapType::IrqControl),
        CapType::Untyped => true,
        _ => false,
    }
}

/// Why deriving failed (the syscall error seL4 reports).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeriveError {
    /// An untyped with children can only be copied after a revoke.
    RevokeFirst,
    /// An unmapped page table cannot be copied.
    IllegalOperation,
}

/// The cap a copy of `cap` gets (seL4's deriveCap); `has_children` says whether the source
/// slot has CDT children. A null result means "cannot be copied".
pub fn derive(cap: Cap, has_children: bool) -> Result<Cap, DeriveError> {
    match cap.cap_type() {
        CapType::Zombie | CapType::IrqControl => Ok(Cap::NULL),
        // A non-MCS reply cap is the kernel's to place; an MCS one names a reply object and
        // copies like any object cap.
        CapType::Reply if !cfg!(feature = "mcs") => Ok(Cap::NULL),
        CapType::Untyped if has_children => Err(DeriveError::RevokeFirst),
        _ => arch::derive(cap),
    }
}

/// Restricts a cap's rights to `rights` (seL4's maskCapRights).
pub fn mask_rights(cap: Cap, rights: CapRights) -> Cap {
    match cap.cap_type() {
        CapType::Endpoint => {
            let have = cap.endpoint_rights();
            cap.with_endpoint_rights(EndpointRights {
                send: have.send && rights.can_write(),
                receive: have.receive && rights.can_read(),
                grant: have.grant && rights.can_grant(),
                grant_reply: have.grant_reply && rights.can_grant_reply(),
            })
        }
        CapType::Notification => {
            let have = cap.endpoint_rights();
            cap.with_endpoint_rights(EndpointRights {
                send: have.send && rights.can_write(),
                receive: have.receive && rights.can_read(),
                ..EndpointRights::default()
            })
        }
        CapType::Reply => Cap::reply(cap.paddr(), cap.reply_is_master(), cap.reply_can_grant() && rights.can_grant()),
        _ => arch::mask_rights(cap, rights),
    }
}

/// Applies Mint/Mutate data to a cap (seL4's updateCapData). `preserve` is true for Mint of
/// an existing badge check: a badge can be set only once. Returns the null cap when the data
/// is invalid.
pub fn update_cap_data(preserve: bool, data: u64, cap: Cap) -> Cap {
    match cap.cap_type() {
        CapType::Endpoint | CapType::Notification => {
            if !preserve && cap.badge() == 0 {
                cap.with_badge(data)
            } else {
                Cap::NULL
            }
        }
        CapType::CNode => {
            let guard_size = (data & 0x3f) as u32;
            let guard = data >> 6;
            let radix = cap.cnode_radix();
            if guard_size + radix > 64 {
                return Cap::NULL;
            }
            let guard = if guard_size == 0 { 0 } else { guard & ((1u64 << guard_size.min(58)) - 1) };
            Cap::cnode(cap.paddr(), radix, guard_size, guard)
        }
        _ => cap,
    }
}
