//! Deleting capabilities and finalising objects: seL4's cteDelete, finaliseSlot, reduceZombie and
//! cteRevoke.
//!
//! Deleting the last cap to a CNode or TCB turns it into a zombie that still holds the object's
//! slots; the zombie is reduced one slot at a time, with a preemption point after each, so no
//! single kernel entry runs unbounded. A nested container found on the way is swapped into
//! slot 0 of its own object (a "cyclic zombie") instead of being recursed into, which bounds the
//! recursion at two levels, exactly as in seL4.
use super::irq;
use crate::arch::vspace;
use crate::cspace::cdt;
use crate::cspace::{Cap, Slot};
use crate::error::Interrupted;
use crate::ipc::{endpoint, notification};
use crate::memory::{caps, slot};
use crate::{preemption, sched};
use atoll_abi::CapType;

/// What finalising a cap leaves in its slot.
enum Remainder {
    /// Nothing: the slot can be emptied.
    Removable,
    /// A zombie still holding the object's slots.
    Zombie(Cap),
}

/// Zombie for a CNode of `2^radix` slots or a TCB's slots, named by its slot array's address.
fn cnode_zombie(cnode: Cap) -> Cap {
    Cap::zombie(cnode.paddr(), false, cnode.cnode_radix(), 1u64 << cnode.cnode_radix())
}

fn tcb_zombie(thread: Cap) -> Cap {
    Cap::zombie(caps::thread(thread).slots_paddr(), true, 0, slot::COUNT as u64)
}

/// Whether a zombie has no slots left to clear (or only its own slot 0 where it sits).
fn zombie_done(zombie: Cap, slot: Slot) -> bool {
    let remaining = zombie.zombie_remaining();
    remaining == 0 || (remaining == 1 && zombie.paddr() == slot.paddr())
}

/// Undoes what an object's cap meant (seL4's finaliseCap); `is_final` says no other cap to
/// the object remains.
fn finalise_cap(cap: Cap, is_final: bool) -> Remainder {
    match cap.cap_type() {
        CapType::CNode if is_final => Remainder::Zombie(cnode_zombie(cap)),
        CapType::Thread if is_final => {
            let thread = caps::thread(cap);
            notification::unbind(thread);
            #[cfg(feature = "mcs")]
            if let Some(sc) = thread.sched_context() {
                if let Some(yielder) = sc.yield_from() {
                    super::sched_context::complete_yield_to(yielder);
                }
                super::sched_context::unbind_thread(sc);
            }
            crate::thread::suspend(thread);
            sched::unregister_thread(thread);
            Remainder::Zombie(tcb_zombie(cap))
        }
        CapType::Endpoint if is_final => {
            endpoint::cancel_all(caps::endpoint(cap));
            Remainder::Removable
        }
        CapType::IrqHandler if is_final => {
            irq::handler_deleted(cap.irq());
            Remainder::Removable
        }
        CapType::Notification if is_final => {
            let ntfn = caps::notification(cap);
            #[cfg(feature = "mcs")]
            notification::unbind_sched_context(ntfn);
            notification::unbind_any(ntfn);
            notification::cancel_all(ntfn);
            Remainder::Removable
        }
        #[cfg(feature = "mcs")]
        CapType::SchedContext if is_final => {
            super::sched_context::finalise(caps::sched_context(cap));
            Remainder::Removable
        }
        #[cfg(feature = "mcs")]
        CapType::Reply if is_final => {
            crate::ipc::reply::finalise(caps::reply(cap));
            Remainder::Removable
        }
        CapType::Zombie => Remainder::Zombie(cap),
        _ => {
            vspace::finalise(cap, is_final);
            Remainder::Removable
        }
    }
}

/// Deletes the cap in `slot` (seL4's cteDelete). `exposed` is true for user-visible deletes.
pub fn delete(slot: Slot, exposed: bool) -> Result<(), Interrupted> {
    let removed = finalise_slot(slot, exposed)?;
    if exposed || removed {
        cdt::unlink(slot);
    }
    Ok(())
}

/// Finalises until the slot can be emptied; `Ok(false)` when it holds a cyclic zombie that must
/// stay (seL4's finaliseSlot).
fn finalise_slot(slot: Slot, immediate: bool) -> Result<bool, Interrupted> {
    loop {
        let cap = slot.cap();
        if cap.is_null() {
            return Ok(true);
        }
        let is_final = cdt::is_final(slot);
        let zombie = match finalise_cap(cap, is_final) {
            Remainder::Removable => return Ok(true),
            Remainder::Zombie(zombie) if zombie_done(zombie, slot) => return Ok(true),
            Remainder::Zombie(zombie) => zombie,
        };
        slot.set_cap(zombie);
        if !immediate && zombie.paddr() == slot.paddr() {
            return Ok(false);
        }
        reduce_zombie(slot, immediate)?;
        preemption::point()?;
    }
}

/// Clears the last remaining slot of the zombie in `slot`, or (not immediate) moves the zombie
/// into slot 0 of its own object (seL4's reduceZombie).
fn reduce_zombie(slot: Slot, immediate: bool) -> Result<(), Interrupted> {
    let zombie = slot.cap();
    let first = Slot::in_zombie(zombie, 0);
    let remaining = zombie.zombie_remaining();
    if immediate {
        let end = Slot::in_zombie(zombie, remaining - 1);
        delete(end, false)?;
        let now = slot.cap();
        if now.is(CapType::Zombie) && now.paddr() == zombie.paddr() && now.zombie_remaining() == remaining {
            slot.set_cap(Cap::zombie(zombie.paddr(), now.zombie_is_tcb(), now.zombie_radix(), remaining - 1));
        }
    } else if first != slot {
        let (here, there) = (slot.cap(), first.cap());
        cdt::swap(here, slot, there, first);
    }
    Ok(())
}

/// Deletes every CDT descendant of the cap in `slot` (seL4's cteRevoke).
pub fn revoke(slot: Slot) -> Result<(), Interrupted> {
    while let Some(child) = cdt::first_child(slot) {
        delete(child, true)?;
        preemption::point()?;
    }
    Ok(())
}
