//! Loader messages, written through the SBI console.
use core::fmt::{self, Write};

pub fn print(args: fmt::Arguments) {
    let _ = atoll_sbi::Console.write_fmt(args);
}

#[macro_export]
macro_rules! println {
    ($($arg:tt)*) => {
        $crate::console::print(format_args!("{}\n", format_args!($($arg)*)))
    };
}
