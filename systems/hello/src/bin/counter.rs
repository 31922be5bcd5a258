//! Spins, and counts its turns: a jump in the timebase means another domain ran. Prints its
//! first turns, for the domain-schedule test.
#![no_std]
#![no_main]

use atoll_pd::{__sdk::syscall::read_time, Channel, Handler, debug_println, name};

struct Counter;

impl Handler for Counter {
    fn notified(&mut self, _channel: Channel) {}
}

fn init() -> Counter {
    let (mut last, mut turn) = (read_time(), 1u64);
    debug_println!("{}: turn 1", name());
    while turn < 4 {
        let now = read_time();
        // More than 500 us without running: another domain's turn came between.
        if now - last > 5_000 {
            turn += 1;
            debug_println!("{}: turn {turn}", name());
        }
        last = now;
    }
    Counter
}

atoll_pd::protection_domain!(init);
