//! Waits for a notification on channel 0 and answers it on the same channel.
#![no_std]
#![no_main]

use atoll_pd::{Channel, Handler, debug_println, name, notify};

struct Peer;

impl Handler for Peer {
    fn notified(&mut self, channel: Channel) {
        debug_println!("{}: notified on channel {channel}, notifying back", name());
        notify(channel);
    }
}

fn init() -> Peer {
    debug_println!("{}: init", name());
    Peer
}

atoll_pd::protection_domain!(init);
