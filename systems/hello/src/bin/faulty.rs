//! Writes where nothing is mapped, to show the monitor's fault report.
#![no_std]
#![no_main]

use atoll_pd::{Channel, Handler, debug_println, name};

struct Faulty;

impl Handler for Faulty {
    fn notified(&mut self, _channel: Channel) {}
}

#[inline(never)]
fn write_nowhere(value: u64) {
    // SAFETY: not sound on purpose: nothing is mapped at 0x10, so this faults to the monitor.
    unsafe { (0x10 as *mut u64).write_volatile(value) };
}

fn init() -> Faulty {
    debug_println!("{}: writing to address 0x10", name());
    write_nowhere(1);
    debug_println!("{}: still running (this should not print)", name());
    Faulty
}

atoll_pd::protection_domain!(init);
