//! Formatted output through seL4_DebugPutChar.
use core::fmt::{self, Write};

struct DebugConsole;

impl Write for DebugConsole {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        text.bytes().for_each(crate::syscall::debug_put_char);
        Ok(())
    }
}

pub fn print(args: fmt::Arguments) {
    let _ = DebugConsole.write_fmt(args);
}

#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => { $crate::debug::print(format_args!($($arg)*)) };
}

#[macro_export]
macro_rules! println {
    () => { $crate::print!("\n") };
    ($($arg:tt)*) => { $crate::debug::print(format_args!("{}\n", format_args!($($arg)*))) };
}
