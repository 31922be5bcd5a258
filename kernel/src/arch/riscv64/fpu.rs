//! Saving and restoring the F/D registers and fcsr of a thread, in its TCB.
use crate::memory::{Handle, Tcb};

/// Saves the FPU registers into `thread`'s TCB.
pub fn save(thread: Handle<Tcb>) {
    let state = thread.fpu_ptr();
    // SAFETY: `state` points at a live TCB's FpuState (a Handle names a live TCB): 32
    // doublewords then fcsr, exactly what is stored; sstatus.FS is never Off in the kernel, so
    // the instructions are legal.
    unsafe {
        let base = (&raw mut (*state).f) as *mut u64;
        let fcsr: u64;
        core::arch::asm!(
            ".irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31",
            "fsd f\\n, (\\n * 8)({base})",
            ".endr",
            "frcsr {fcsr}",
            base = in(reg) base,
            fcsr = out(reg) fcsr,
            options(nostack),
        );
        (&raw mut (*state).fcsr).write(fcsr);
    }
}

/// Loads the FPU registers from `thread`'s TCB.
pub fn restore(thread: Handle<Tcb>) {
    let state = thread.fpu_ptr();
    // SAFETY: as for `save`, loading instead of storing.
    unsafe {
        let base = (&raw const (*state).f) as *const u64;
        let fcsr = (&raw const (*state).fcsr).read();
        core::arch::asm!(
            ".irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31",
            "fld f\\n, (\\n * 8)({base})",
            ".endr",
            "fscsr {fcsr}",
            base = in(reg) base,
            fcsr = in(reg) fcsr,
            options(nostack),
        );
    }
}

/// Zeroes the FPU registers and fcsr, so nothing of the last owner's state stays in them.
pub fn clear() {
    // SAFETY: only FPU registers are written, and the kernel keeps nothing in them; the caller
    // has turned the FPU on (flush_for_domain_switch does first).
    unsafe {
        core::arch::asm!(
            ".irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31",
            "fmv.d.x f\\n, zero",
            ".endr",
            "fscsr zero",
            options(nostack, nomem),
        );
    }
}
