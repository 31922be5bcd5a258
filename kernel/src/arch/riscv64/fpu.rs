//! Saving and restoring the F/D registers and fcsr of a thread.
use crate::object::tcb::FpuState;

/// Saves the FPU registers into `state`.
pub fn save(state: &mut FpuState) {
    let base = state.f.as_mut_ptr();
    let fcsr: u64;
    // SAFETY: stores 32 doublewords into `state.f`, which has exactly that room; sstatus.FS is
    // never Off in the kernel, so the instructions are legal.
    unsafe {
        core::arch::asm!(
            ".irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31",
            "fsd f\\n, (\\n * 8)({base})",
            ".endr",
            "frcsr {fcsr}",
            base = in(reg) base,
            fcsr = out(reg) fcsr,
            options(nostack),
        );
    }
    state.fcsr = fcsr;
}

/// Loads the FPU registers from `state`.
pub fn restore(state: &FpuState) {
    let base = state.f.as_ptr();
    // SAFETY: loads 32 doublewords from `state.f`; see `save`.
    unsafe {
        core::arch::asm!(
            ".irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31",
            "fld f\\n, (\\n * 8)({base})",
            ".endr",
            "fscsr {fcsr}",
            base = in(reg) base,
            fcsr = in(reg) state.fcsr,
            options(nostack),
        );
    }
}
