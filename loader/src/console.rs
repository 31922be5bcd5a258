//! Loader messages, written through the SBI console.
use core::fmt::{self, Write};

struct SbiConsole;

impl Write for SbiConsole {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        atoll_sbi::console_write(text);
        Ok(())
    }
}

pub fn print(args: fmt::Arguments) {
    let _ = SbiConsole.write_fmt(args);
}

#[macro_export]
macro_rules! println {
    ($($arg:tt)*) => {
        $crate::console::print(format_args!("{}\n", format_args!($($arg)*)))
    };
}
