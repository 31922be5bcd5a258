//! Answers every protected call at once, with an empty message (a passive server).
#![no_std]
#![no_main]

use atoll_pd::{Channel, Handler, MsgInfo};

struct Ponger;

impl Handler for Ponger {
    fn notified(&mut self, _channel: Channel) {}

    fn protected(&mut self, _channel: Channel, _message: MsgInfo) -> MsgInfo {
        MsgInfo::new(0, 0, 0, 0)
    }
}

fn init() -> Ponger {
    Ponger
}

atoll_pd::protection_domain!(init);
