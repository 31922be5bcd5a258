//! The worker: faults on purpose on its first two runs (its parent restarts it), then works.
#![no_std]
#![no_main]

use atoll_demo_system::builder_variable;
use atoll_pd::{Channel, Handler, debug_println, name};

#[unsafe(no_mangle)]
static mut worker_shared: u64 = 0;

unsafe extern "C" {
    fn _start();
}

struct Worker;

impl Handler for Worker {
    fn notified(&mut self, _channel: Channel) {}
}

fn init() -> Worker {
    let shared = builder_variable!(worker_shared) as *mut u64;
    // SAFETY: the shared region is mapped read-write here; word 0 is where to restart us, word 1
    // counts runs (memory stays across restarts).
    let runs = unsafe {
        shared.write_volatile(_start as *const () as u64);
        let runs = shared.add(1).read_volatile() + 1;
        shared.add(1).write_volatile(runs);
        runs
    };
    if runs <= 2 {
        debug_println!("{}: run {runs}, faulting on purpose", name());
        // SAFETY: not sound on purpose: nothing is mapped there, so this faults to our parent.
        unsafe { (0x10 as *mut u64).write_volatile(runs) };
    }
    debug_println!("{}: run {runs}, working", name());
    Worker
}

atoll_pd::protection_domain!(init);
