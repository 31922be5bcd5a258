//! Notifies back on the channel it was notified on.
#![no_std]
#![no_main]

use atoll_pd::{Channel, Handler, notify};

struct Echo;

impl Handler for Echo {
    fn notified(&mut self, channel: Channel) {
        notify(channel);
    }
}

fn init() -> Echo {
    Echo
}

atoll_pd::protection_domain!(init);
