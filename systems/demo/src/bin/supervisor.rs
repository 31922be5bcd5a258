//! The supervisor: the parent of `worker`, so its fault handler. A faulted worker is reported
//! and restarted, as often as it faults.
#![no_std]
#![no_main]

use atoll_demo_system::builder_variable;
use atoll_pd::{Channel, Child, Handler, MsgInfo, debug_println, mr_get, name, pd_restart};

#[unsafe(no_mangle)]
static mut worker_shared: u64 = 0;

struct Supervisor {
    shared: u64,
}

impl Handler for Supervisor {
    fn notified(&mut self, _channel: Channel) {}

    fn fault(&mut self, child: Child, message: MsgInfo) -> Option<MsgInfo> {
        // A VM fault's first message registers: the pc and the address.
        debug_println!(
            "{}: child {child} faulted (fault {}, pc {:#x}, address {:#x}); restarting it",
            name(),
            message.label(),
            mr_get(0),
            mr_get(1)
        );
        // The worker left its entry point in the shared page.
        // SAFETY: the shared region is mapped here at `shared`; the worker wrote the word.
        let entry = unsafe { (self.shared as *const u64).read_volatile() };
        pd_restart(child, entry);
        None
    }
}

fn init() -> Supervisor {
    debug_println!("{}: watching its child", name());
    Supervisor { shared: builder_variable!(worker_shared) }
}

atoll_pd::protection_domain!(init);
