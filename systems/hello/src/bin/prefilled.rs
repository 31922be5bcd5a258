//! Reads a memory region the builder prefilled from a file, with its address, size and
//! prefill length given by setvars.
#![no_std]
#![no_main]

use atoll_pd::{Channel, Handler, debug_println, name};

#[unsafe(no_mangle)]
static mut greeting: u64 = 0;
#[unsafe(no_mangle)]
static mut greeting_size: u64 = 0;
#[unsafe(no_mangle)]
static mut greeting_length: u64 = 0;

struct Prefilled;

impl Handler for Prefilled {
    fn notified(&mut self, _channel: Channel) {}
}

fn init() -> Prefilled {
    // SAFETY: statics the builder patched before the PD started; read through raw pointers.
    let (at, size, length) = unsafe {
        (
            (&raw const greeting).read_volatile(),
            (&raw const greeting_size).read_volatile(),
            (&raw const greeting_length).read_volatile(),
        )
    };
    // SAFETY: the region is mapped read-only at `at`, `size` bytes, the first `length` prefilled.
    let text = unsafe { core::slice::from_raw_parts(at as *const u8, length as usize) };
    let text = core::str::from_utf8(text).unwrap_or("(not UTF-8)");
    debug_println!("{}: region of {size:#x} bytes at {at:#x}, {length} prefilled: \"{text}\"", name());
    Prefilled
}

atoll_pd::protection_domain!(init);
