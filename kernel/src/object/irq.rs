//! Interrupts as seL4 hands them to user level: IRQControl issues handler caps, a handler cap
//! names the notification its interrupt signals and acknowledges it; the kernel keeps the timer.
use crate::arch::interrupt;
use crate::config::TIME_PROTECTION;
use crate::cspace::cdt;
use crate::cspace::{Cap, Slot, delete_one, ensure_empty_slot, lookup_slot_for_cnode_op};
use crate::error::SyscallError;
use crate::ipc::notification;
use crate::memory::{KernelCell, MAX_IRQS, caps, irq_slot};
use crate::message::Message;
use crate::sched;
use atoll_abi::{CapType, InvocationLabel as L};

#[derive(Clone, Copy, PartialEq, Eq)]
enum IrqState {
    Inactive,
    Signal,
}

static STATES: KernelCell<[IrqState; MAX_IRQS]> = KernelCell::new([IrqState::Inactive; MAX_IRQS]);

fn set_state(irq: u64, state: IrqState) {
    // An interrupt claimed for a domain that never ran before its handler went is finished
    // here, or the controller would never raise it again.
    if state == IrqState::Inactive && core::mem::take(&mut DEFERRED.borrow_mut()[irq as usize]) {
        complete_claim(irq);
    }
    STATES.borrow_mut()[irq as usize] = state;
    interrupt::mask(irq, state == IrqState::Inactive);
}

/// Finishes the claim of `irq` (IRQHandler_Ack). The interrupt controller may ignore the completion of a source it
/// has masked, so with time protection a source masked for another domain is unmasked for the
/// completion (the kernel runs with interrupts off) and masked again.
fn complete_claim(irq: u64) {
    if !TIME_PROTECTION {
        return interrupt::complete(irq);
    }
    interrupt::mask(irq, false);
    interrupt::complete(irq);
    interrupt::mask(irq, !belongs_to(irq, sched::current_domain()));
}

/// With time protection, an IRQ's domain follows its notification's bound thread: after a bind,
/// an unbind, a domain change or a new handler, the masks are set again for the running domain
/// (and deferred interrupts that now belong to it are delivered).
pub fn partition_changed() {
    if TIME_PROTECTION {
        enter_domain(sched::current_domain());
    }
}

/// seL4's Arch_checkIRQ: 1 ..= maxIRQ.
fn check_irq(irq: u64) -> Result<(), SyscallError> {
    let max = interrupt::max_irq().min(MAX_IRQS as u64 - 1);
    if irq == 0 || irq > max {
        return Err(SyscallError::RangeError { min: 1, max });
    }
    Ok(())
}

pub enum IrqOp {
    Issue { irq: u64, control_slot: Slot, dest: Slot },
    Ack(u64),
    SetNotification { irq: u64, cap: Cap, slot: Slot },
    Clear(u64),
}

pub fn decode_control(message: &Message, control_slot: Slot) -> Result<IrqOp, SyscallError> {
    match L::from_value(message.label) {
        Some(L::IrqIssueIrqHandler) => {
            let (Some(irq), Some(index), Some(depth), Some(root)) =
                (message.arg(0), message.arg(1), message.arg(2), message.extra_cap(0))
            else {
                return Err(SyscallError::TruncatedMessage);
            };
            check_irq(irq)?;
            if STATES.borrow_mut()[irq as usize] != IrqState::Inactive {
                return Err(SyscallError::RevokeFirst);
            }
            let dest = lookup_slot_for_cnode_op(false, root.cap, index, depth)?;
            ensure_empty_slot(dest)?;
            Ok(IrqOp::Issue { irq, control_slot, dest })
        }
        // Trigger modes only where the controller can change them (seL4's HAVE_SET_TRIGGER).
        _ => Err(SyscallError::IllegalOperation),
    }
}

pub fn decode_handler(message: &Message, cap: Cap) -> Result<IrqOp, SyscallError> {
    let irq = cap.irq();
    match L::from_value(message.label) {
        Some(L::IrqAckIrq) => Ok(IrqOp::Ack(irq)),
        Some(L::IrqSetIrqHandler) => {
            let target = message.extra_cap(0).ok_or(SyscallError::TruncatedMessage)?;
            if !target.cap.is(CapType::Notification) || !target.cap.endpoint_rights().send {
                return Err(SyscallError::InvalidCapability { cap: 0 });
            }
            Ok(IrqOp::SetNotification { irq, cap: target.cap, slot: target.slot })
        }
        Some(L::IrqClearIrqHandler) => Ok(IrqOp::Clear(irq)),
        _ => Err(SyscallError::IllegalOperation),
    }
}

pub fn invoke(op: IrqOp) {
    match op {
        IrqOp::Issue { irq, control_slot, dest } => {
            set_state(irq, IrqState::Signal);
            cdt::insert(Cap::irq_handler(irq), control_slot, dest);
        }
        IrqOp::Ack(irq) => complete_claim(irq),
        IrqOp::SetNotification { irq, cap, slot } => {
            delete_one(irq_slot(irq));
            cdt::insert(cap, slot, irq_slot(irq));
            partition_changed();
        }
        IrqOp::Clear(irq) => {
            delete_one(irq_slot(irq));
            // A deferred interrupt has nobody to go to now: finish its claim.
            if core::mem::take(&mut DEFERRED.borrow_mut()[irq as usize]) {
                complete_claim(irq);
            }
        }
    }
}

/// The last handler cap for `irq` is going away (seL4's deletingIRQHandler and
/// deletedIRQHandler).
pub fn handler_deleted(irq: u64) {
    if (irq as usize) < MAX_IRQS {
        delete_one(irq_slot(irq));
        set_state(irq, IrqState::Inactive);
    }
}

/// A device interrupt arrived: signal its notification; the claim stays open until user level
/// acknowledges it (seL4 completes the controller's claim on Ack).
pub fn handle_external_interrupt() {
    let irq = interrupt::claim();
    if irq == 0 {
        return;
    }
    let state = STATES.borrow_mut().get(irq as usize).copied().unwrap_or(IrqState::Inactive);
    if state != IrqState::Signal {
        interrupt::mask(irq, true);
        interrupt::complete(irq);
        return;
    }
    // With time protection, an interrupt of another domain waits, masked, for that domain.
    if TIME_PROTECTION && !belongs_to(irq, sched::current_domain()) {
        interrupt::mask(irq, true);
        DEFERRED.borrow_mut()[irq as usize] = true;
        return;
    }
    deliver(irq);
}

fn deliver(irq: u64) {
    let cap = irq_slot(irq).cap();
    if cap.is(CapType::Notification) && cap.endpoint_rights().send {
        notification::signal(caps::notification(cap), cap.badge());
    }
}

/// With time protection, interrupts are partitioned: an IRQ belongs to the domain of the thread
/// bound to its notification (a driver thread, as in a Microkit protection domain); an IRQ whose
/// notification has no bound thread belongs to no domain and is delivered whenever it comes.
fn domain_of(irq: u64) -> Option<u8> {
    let cap = irq_slot(irq).cap();
    if !cap.is(CapType::Notification) {
        return None;
    }
    caps::notification(cap).bound_tcb().map(|thread| thread.domain())
}

/// Whether `irq` may interrupt `domain`'s turn: it is that domain's, or no domain's.
fn belongs_to(irq: u64, domain: u8) -> bool {
    domain_of(irq).is_none_or(|owner| owner == domain)
}

/// Interrupts claimed in another domain's turn, delivered when their domain next runs.
static DEFERRED: KernelCell<[bool; MAX_IRQS]> = KernelCell::new([false; MAX_IRQS]);

/// Time protection, at the start of `domain`'s turn: only its interrupts (and those of no
/// domain) may interrupt it, and the ones that came while other domains ran are delivered now.
/// Every IRQ is visited, so the cost does not depend on what other domains did.
pub fn enter_domain(domain: u8) {
    for irq in 1..MAX_IRQS as u64 {
        if STATES.borrow_mut()[irq as usize] != IrqState::Signal {
            continue;
        }
        let mine = belongs_to(irq, domain);
        interrupt::mask(irq, !mine);
        if mine && core::mem::take(&mut DEFERRED.borrow_mut()[irq as usize]) {
            deliver(irq);
        }
    }
}
