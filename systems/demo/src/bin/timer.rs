//! The timer driver: owns the goldfish real-time clock. A client's protected call asks for a
//! notification after some milliseconds; the clock's alarm interrupt delivers it.
#![no_std]
#![no_main]

use atoll_demo_system::builder_variable;
use atoll_pd::{Channel, Handler, MsgInfo, debug_println, irq_ack, mr_get, name, notify};

const IRQ: Channel = 0;
const CLIENT: Channel = 1;
const TIME_LOW: u64 = 0x00;
const TIME_HIGH: u64 = 0x04;
const ALARM_LOW: u64 = 0x08;
const ALARM_HIGH: u64 = 0x0c;
const IRQ_ENABLED: u64 = 0x10;
const CLEAR_INTERRUPT: u64 = 0x1c;

#[unsafe(no_mangle)]
static mut rtc_base: u64 = 0;

struct Timer {
    base: u64,
}

impl Timer {
    fn register(&self, offset: u64) -> *mut u32 {
        (self.base + offset) as *mut u32
    }

    /// Nanoseconds since the epoch (reading the low word latches the high one).
    fn now(&self) -> u64 {
        // SAFETY: the clock's page is mapped uncached at `base`; 32-bit register accesses.
        unsafe {
            let low = self.register(TIME_LOW).read_volatile() as u64;
            let high = self.register(TIME_HIGH).read_volatile() as u64;
            high << 32 | low
        }
    }
}

impl Handler for Timer {
    fn notified(&mut self, channel: Channel) {
        if channel == IRQ {
            // SAFETY: as in `now`.
            unsafe { self.register(CLEAR_INTERRUPT).write_volatile(1) };
            irq_ack(IRQ);
            notify(CLIENT);
        }
    }

    fn protected(&mut self, _channel: Channel, _message: MsgInfo) -> MsgInfo {
        let alarm = self.now() + mr_get(0) * 1_000_000;
        // SAFETY: as in `now`; the high word first, the low word arms the alarm.
        unsafe {
            self.register(IRQ_ENABLED).write_volatile(1);
            self.register(ALARM_HIGH).write_volatile((alarm >> 32) as u32);
            self.register(ALARM_LOW).write_volatile(alarm as u32);
        }
        MsgInfo::new(0, 0, 0, 0)
    }
}

fn init() -> Timer {
    let timer = Timer { base: builder_variable!(rtc_base) };
    debug_println!("{}: the real-time clock reads {} s", name(), timer.now() / 1_000_000_000);
    timer
}

atoll_pd::protection_domain!(init);
