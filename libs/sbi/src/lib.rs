//! Calls into the RISC-V Supervisor Binary Interface (OpenSBI under QEMU), shared by loader and kernel.
//!
//! Only the calls Atoll needs: the legacy console and timer (which seL4 also uses on this
//! platform), and system reset. Every function is safe: an `ecall` to M-mode firmware cannot
//! break Rust's memory model, it only clobbers the registers declared below.
#![no_std]

/// Legacy extension: set the timer (SBI v0.1).
const LEGACY_SET_TIMER: usize = 0x00;
/// Legacy extension: write one byte to the console (SBI v0.1).
const LEGACY_CONSOLE_PUTCHAR: usize = 0x01;
/// System Reset extension ("SRST").
const SRST_EXTENSION: usize = 0x5352_5354;
const SRST_RESET_SHUTDOWN: usize = 0;
const SRST_REASON_NONE: usize = 0;
const SRST_REASON_FAILURE: usize = 1;

#[cfg(target_arch = "riscv64")]
fn ecall(extension: usize, function: usize, arg0: usize, arg1: usize) -> (isize, usize) {
    let error: isize;
    let value: usize;
    // SAFETY: the SBI calling convention returns in a0/a1 and preserves every other register;
    // the firmware touches no memory that Rust owns.
    unsafe {
        core::arch::asm!(
            "ecall",
            inlateout("a0") arg0 => error,
            inlateout("a1") arg1 => value,
            in("a6") function,
            in("a7") extension,
            options(nostack),
        );
    }
    (error, value)
}

#[cfg(not(target_arch = "riscv64"))]
fn ecall(_extension: usize, _function: usize, _arg0: usize, _arg1: usize) -> (isize, usize) {
    unimplemented!("SBI exists only on RISC-V")
}

/// Writes one byte to the firmware console.
pub fn console_putchar(byte: u8) {
    ecall(LEGACY_CONSOLE_PUTCHAR, 0, byte as usize, 0);
}

/// Writes a string to the firmware console.
pub fn console_write(text: &str) {
    for byte in text.bytes() {
        console_putchar(byte);
    }
}

/// Asks for a supervisor timer interrupt once `time` reaches `deadline`.
pub fn set_timer(deadline: u64) {
    ecall(LEGACY_SET_TIMER, 0, deadline as usize, 0);
}

/// Powers the machine off. `failed` is reported to the firmware as a system failure; where the
/// firmware cannot say so to the host, callers that need a failure exit status use the
/// platform's test device first.
pub fn shutdown(failed: bool) -> ! {
    let reason = if failed { SRST_REASON_FAILURE } else { SRST_REASON_NONE };
    ecall(SRST_EXTENSION, 0, SRST_RESET_SHUTDOWN, reason);
    // Firmware without SRST: the legacy shutdown call (extension 0x08).
    ecall(0x08, 0, 0, 0);
    loop {
        core::hint::spin_loop();
    }
}

/// The firmware console as a `core::fmt::Write` sink, for formatted messages.
pub struct Console;

impl core::fmt::Write for Console {
    fn write_str(&mut self, text: &str) -> core::fmt::Result {
        console_write(text);
        Ok(())
    }
}
