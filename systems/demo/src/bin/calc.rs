//! A passive server: multiplies the two message registers of each protected call, running on
//! its caller's scheduling context.
#![no_std]
#![no_main]

use atoll_pd::{Channel, Handler, MsgInfo, debug_println, mr_get, mr_set, name};

struct Calc;

impl Handler for Calc {
    fn notified(&mut self, _channel: Channel) {}

    fn protected(&mut self, _channel: Channel, _message: MsgInfo) -> MsgInfo {
        mr_set(0, mr_get(0) * mr_get(1));
        MsgInfo::new(0, 0, 0, 1)
    }
}

fn init() -> Calc {
    debug_println!("{}: ready; passive from now on", name());
    Calc
}

atoll_pd::protection_domain!(init);
