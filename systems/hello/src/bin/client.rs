//! Calls the server over channel 0, then notifies it and its peer over channel 1.
#![no_std]
#![no_main]

use atoll_pd::{Channel, Handler, MsgInfo, debug_println, mr_get, mr_set, name, notify, ppcall};

struct Client;

impl Handler for Client {
    fn notified(&mut self, channel: Channel) {
        debug_println!("{}: notified on channel {channel}; done", name());
    }
}

fn init() -> Client {
    debug_println!("{}: init", name());
    for (a, b) in [(1, 2), (20, 22)] {
        mr_set(0, a);
        mr_set(1, b);
        let reply = ppcall(0, MsgInfo::new(7, 0, 0, 2));
        debug_println!("{}: server says {a} + {b} = {} (reply length {})", name(), mr_get(0), reply.length());
    }
    notify(1);
    Client
}

atoll_pd::protection_domain!(init);
