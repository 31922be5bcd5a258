//! Measures round trips from this PD: a protected procedure call to a passive server and back,
//! and a notification to another PD answered by a notification back. Under QEMU with
//! `-icount shift=0` the cycle counter counts instructions, so the figures are exact.
#![no_std]
#![no_main]

use atoll_pd::__sdk::syscall::read_cycle;
use atoll_pd::{Channel, Handler, MsgInfo, debug_println, notify, ppcall};

const SERVER: Channel = 0;
const ECHO: Channel = 1;
const WARMUP: usize = 10;
const SAMPLES: usize = 100;

struct Pinger {
    sample: usize,
    start: u64,
    notify_trips: [u64; SAMPLES],
}

fn report(name: &str, samples: &[u64]) {
    let min = samples.iter().copied().min().unwrap_or(0);
    let mean = samples.iter().sum::<u64>() / samples.len().max(1) as u64;
    debug_println!("BENCH-PD {name} min={min} mean={mean} samples={}", samples.len());
}

impl Handler for Pinger {
    fn notified(&mut self, channel: Channel) {
        if channel != ECHO {
            return;
        }
        let end = read_cycle();
        if self.sample >= WARMUP {
            self.notify_trips[self.sample - WARMUP] = end - self.start;
        }
        self.sample += 1;
        if self.sample < WARMUP + SAMPLES {
            self.start = read_cycle();
            notify(ECHO);
        } else {
            report("notify_round_trip", &self.notify_trips);
            debug_println!("BENCH-PD done");
        }
    }
}

fn init() -> Pinger {
    let mut trips = [0u64; SAMPLES];
    for sample in 0..WARMUP + SAMPLES {
        let start = read_cycle();
        ppcall(SERVER, MsgInfo::new(0, 0, 0, 0));
        let end = read_cycle();
        if sample >= WARMUP {
            trips[sample - WARMUP] = end - start;
        }
    }
    report("ppc_round_trip", &trips);
    let pinger = Pinger { sample: 0, start: read_cycle(), notify_trips: [0; SAMPLES] };
    notify(ECHO);
    pinger
}

atoll_pd::protection_domain!(init);
