//! A passive server: answers protected calls on channel 0 with the sum of the two message
//! registers, running on its callers' scheduling context.
#![no_std]
#![no_main]

use atoll_pd::{Channel, Handler, MsgInfo, debug_println, mr_get, mr_set, name};

struct Server {
    calls: u64,
}

impl Handler for Server {
    fn notified(&mut self, channel: Channel) {
        debug_println!("{}: notified on channel {channel}", name());
    }

    fn protected(&mut self, channel: Channel, message: MsgInfo) -> MsgInfo {
        self.calls += 1;
        let sum = mr_get(0) + mr_get(1);
        debug_println!(
            "{}: call {} on channel {channel} (label {}): {} + {} = {sum}",
            name(),
            self.calls,
            message.label(),
            mr_get(0),
            mr_get(1)
        );
        mr_set(0, sum);
        MsgInfo::new(0, 0, 0, 1)
    }
}

fn init() -> Server {
    debug_println!("{}: init", name());
    Server { calls: 0 }
}

atoll_pd::protection_domain!(init);
