//! The processor as the generic kernel uses it: entering user mode, idling, pending interrupts,
//! and lazy FPU switching.
use super::{csr, entry, fpu};
use crate::memory::{Handle, Tcb};

/// Boot: the kernel's own page table, and the processor state every return to user mode
/// relies on.
pub fn init() {
    super::vm::map_kernel_window();
    entry::install_trap_vector();
    // Let user level read cycle, time and instret (sel4bench reads the cycle counter).
    csr::write_scounteren(0b111);
    csr::enable_fpu();
    csr::prepare_user_return();
    #[cfg(feature = "hyp")]
    super::hyp::init();
}

/// Enters `thread` in user mode with its saved registers; its address space is already loaded.
/// `fpu` says whether it may use the FPU now (it owns it and is not fpuDisabled).
#[inline(always)]
pub fn enter_user(thread: Handle<Tcb>, fpu: bool) -> ! {
    if fpu {
        csr::enable_fpu();
    } else {
        csr::disable_fpu();
    }
    #[cfg(feature = "hyp")]
    super::hyp::prepare_return(thread);
    entry::enter_user(thread)
}

/// Waits until an interrupt is pending (interrupts stay masked in the kernel).
pub fn wait_for_interrupt() {
    #[cfg(feature = "hyp")]
    super::hyp::park();
    csr::wait_for_interrupt();
}

/// Whether the timer or a device has an interrupt pending (for preemption points).
#[inline(always)]
pub fn interrupt_pending() -> bool {
    csr::sip() & (csr::TIMER_INTERRUPT | csr::EXTERNAL_INTERRUPT) != 0
}

/// Which interrupts are pending, for the idle loop.
pub fn pending() -> Pending {
    let sip = csr::sip();
    Pending { timer: sip & csr::TIMER_INTERRUPT != 0, device: sip & csr::EXTERNAL_INTERRUPT != 0 }
}

pub struct Pending {
    pub timer: bool,
    pub device: bool,
}

/// The cycle counter (boot statistics).
pub fn cycles() -> u64 {
    csr::cycle()
}

/// Saves the FPU's registers into `owner`, which gives the FPU up.
pub fn save_fpu(owner: Handle<Tcb>) {
    csr::enable_fpu();
    fpu::save(owner);
}

/// Time protection at a domain switch: what one domain leaves in the processor is put away
/// before the next runs. The FPU's registers go back to their owner (if any) and are zeroed,
/// cached translations are dropped (`sfence.vma`) and the instruction fetch path fenced
/// (`fence.i`). Hardware with cache-flush instructions or `fence.t` would add them here; QEMU
/// models no caches.
pub fn flush_for_domain_switch(fpu_owner: Option<Handle<Tcb>>) {
    csr::enable_fpu();
    if let Some(owner) = fpu_owner {
        fpu::save(owner);
    }
    fpu::clear();
    // SAFETY: dropping cached translations and fencing instruction fetch change no memory.
    unsafe { core::arch::asm!("sfence.vma zero, zero", "fence.i", options(nostack)) };
}

/// Moves the FPU's registers from `from` (if any) to `to`, and leaves the FPU on.
pub fn switch_fpu(from: Option<Handle<Tcb>>, to: Handle<Tcb>) {
    csr::enable_fpu();
    if let Some(owner) = from {
        fpu::save(owner);
    }
    fpu::restore(to);
}
