//! The client: prints through the UART driver's transmit ring, calls the passive calculator,
//! asks the timer for three ticks, and echoes what is typed ('q' halts the machine).
#![no_std]
#![no_main]

use atoll_demo_system::{Ring, RingWriter, builder_variable};
use atoll_pd::{Channel, Handler, MsgInfo, mr_get, mr_set, notify, ppcall};
use core::fmt::Write;

const UART: Channel = 0;
const CALC: Channel = 1;
const TIMER: Channel = 2;

#[unsafe(no_mangle)]
static mut tx_ring: u64 = 0;
#[unsafe(no_mangle)]
static mut rx_ring: u64 = 0;

struct Client {
    tx: Ring,
    rx: Ring,
    ticks: u64,
}

impl Client {
    fn say(&self, text: core::fmt::Arguments) {
        let _ = RingWriter(self.tx).write_fmt(text);
        notify(UART);
    }

    fn tick_after(&self, ms: u64) {
        mr_set(0, ms);
        ppcall(TIMER, MsgInfo::new(0, 0, 0, 1));
    }
}

impl Handler for Client {
    fn notified(&mut self, channel: Channel) {
        match channel {
            UART => {
                while let Some(byte) = self.rx.pop() {
                    let shown = if byte == b'\r' { '\n' } else { byte as char };
                    self.say(format_args!("client: you typed '{}'\n", shown.escape_default()));
                    if byte == b'q' {
                        atoll_pd::debug_println!("client: 'q' ends the demo");
                        atoll_pd::__sdk::syscall::debug_halt();
                    }
                }
            }
            TIMER => {
                self.ticks += 1;
                self.say(format_args!("client: tick {} from the timer driver\n", self.ticks));
                if self.ticks < 3 {
                    self.tick_after(100);
                }
            }
            _ => {}
        }
    }
}

fn init() -> Client {
    let client =
        Client { tx: Ring::at(builder_variable!(tx_ring)), rx: Ring::at(builder_variable!(rx_ring)), ticks: 0 };
    client.say(format_args!("client: hello, through the UART driver's ring\n"));
    mr_set(0, 6);
    mr_set(1, 7);
    ppcall(CALC, MsgInfo::new(0, 0, 0, 2));
    client.say(format_args!("client: the passive calculator says 6 * 7 = {}\n", mr_get(0)));
    client.tick_after(100);
    client
}

atoll_pd::protection_domain!(init);
