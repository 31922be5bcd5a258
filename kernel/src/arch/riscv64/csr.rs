//! One-line wrappers around the supervisor CSRs the kernel uses.
use core::arch::asm;

macro_rules! csr_read {
    ($name:ident, $csr:literal) => {
        #[inline(always)]
        pub fn $name() -> u64 {
            let value: u64;
            // SAFETY: reading this CSR has no side effects.
            unsafe { asm!(concat!("csrr {0}, ", $csr), out(reg) value, options(nomem, nostack)) };
            value
        }
    };
}

macro_rules! csr_write {
    ($name:ident, $csr:literal) => {
        #[inline(always)]
        pub fn $name(value: u64) {
            // SAFETY: the kernel owns this CSR; callers keep it consistent with the rest of
            // the trap and address-space state (see each call site).
            unsafe { asm!(concat!("csrw ", $csr, ", {0}"), in(reg) value, options(nostack)) };
        }
    };
}

csr_read!(scause, "scause");
#[cfg(feature = "hyp")]
csr_read!(sstatus, "sstatus");
csr_read!(stval, "stval");
csr_read!(sepc, "sepc");
csr_read!(sip, "sip");
csr_read!(time, "time");
csr_read!(cycle, "cycle");
csr_write!(write_stvec, "stvec");
csr_write!(write_sie, "sie");
csr_write!(write_scounteren, "scounteren");

/// sie/sip bit for the supervisor timer interrupt.
pub const TIMER_INTERRUPT: u64 = 1 << 5;
/// sie/sip bit for supervisor external interrupts (the PLIC).
pub const EXTERNAL_INTERRUPT: u64 = 1 << 9;
/// scause's top bit: the trap is an interrupt.
pub const CAUSE_INTERRUPT: u64 = 1 << 63;

/// Installs a new address space and flushes all stale translations.
#[inline(always)]
pub fn write_satp_and_flush(satp: u64) {
    // SAFETY: callers pass a root table that maps the kernel window identically to the current
    // one (kernel entries are copied into every VSpace root), so the kernel keeps running.
    unsafe { asm!("csrw satp, {0}", "sfence.vma", in(reg) satp, options(nostack)) };
}

/// Makes `sret` return to user mode with interrupts enabled there (SPP = 0, SPIE = 1). Traps
/// from user mode keep it so; boot sets it once.
pub fn prepare_user_return() {
    // SAFETY: only the sret target state changes; the kernel runs with SIE clear regardless.
    unsafe {
        asm!("li {0}, 0x100", "csrc sstatus, {0}", "li {0}, 0x20", "csrs sstatus, {0}", out(reg) _, options(nostack))
    };
}

/// Turns the FPU on for the kernel's own use (saving and restoring threads' registers).
pub fn enable_fpu() {
    // SAFETY: setting sstatus.FS only makes FP instructions legal.
    unsafe { asm!("li {0}, 0x6000", "csrs sstatus, {0}", out(reg) _, options(nostack)) };
}

/// Turns the FPU off: any FP instruction traps as illegal (a thread with seL4_TCBFlag_fpuDisabled).
pub fn disable_fpu() {
    // SAFETY: clearing sstatus.FS only makes FP instructions trap.
    unsafe { asm!("li {0}, 0x6000", "csrc sstatus, {0}", out(reg) _, options(nostack)) };
}

/// Waits for an interrupt to become pending.
#[inline(always)]
pub fn wait_for_interrupt() {
    // SAFETY: `wfi` only stalls the hart; with sstatus.SIE clear nothing traps.
    unsafe { asm!("wfi", options(nomem, nostack)) };
}
