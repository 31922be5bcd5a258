//! Kernel messages, written through the SBI console as seL4 does on this platform.
use core::fmt::{self, Write};

pub fn print(args: fmt::Arguments) {
    let _ = atoll_sbi::Console.write_fmt(args);
}

/// Writes one byte for `seL4_DebugPutChar`.
pub fn putchar(byte: u8) {
    atoll_sbi::console_putchar(byte);
}

/// Kernel diagnostics; compiled out when `config::PRINTING` is off (the benchmark build, or
/// `ATOLL_PRINTING=0`).
#[macro_export]
macro_rules! kprintln {
    ($($arg:tt)*) => {{
        if $crate::config::PRINTING {
            $crate::console::print(format_args!("{}\n", format_args!($($arg)*)));
        }
    }};
}

/// Always printed: the panic path and the build banner.
#[macro_export]
macro_rules! kalways {
    ($($arg:tt)*) => {
        $crate::console::print(format_args!("{}\n", format_args!($($arg)*)))
    };
}
