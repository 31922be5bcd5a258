//! The UART driver: owns the 16550's registers and its interrupt. Bytes clients put in the
//! transmit ring go out on the UART; bytes typed go into the receive ring, and the client is
//! notified. A second, optional ring carries whole lines from a log client; they go out only
//! where the main client's output is at the start of a line, so neither cuts into the other's
//! lines.
#![no_std]
#![no_main]

use atoll_demo_system::{Ring, builder_variable};
use atoll_pd::{Channel, Handler, debug_println, irq_ack, name, notify};

const IRQ: Channel = 0;
const CLIENT: Channel = 1;
const LOG_CLIENT: Channel = 2;
const RBR_THR: u64 = 0;
const IER: u64 = 1;
const LSR: u64 = 5;
const DATA_READY: u8 = 1;
const THR_EMPTY: u8 = 0x20;

#[unsafe(no_mangle)]
static mut uart_base: u64 = 0;
#[unsafe(no_mangle)]
static mut tx_ring: u64 = 0;
#[unsafe(no_mangle)]
static mut rx_ring: u64 = 0;
/// The log client's ring (0: this system has none).
#[unsafe(no_mangle)]
static mut log_ring: u64 = 0;

struct Uart {
    base: u64,
    tx: Ring,
    rx: Ring,
    log: Option<Ring>,
    /// The main client's output last ended a line.
    at_line_start: bool,
}

impl Uart {
    fn register(&self, offset: u64) -> *mut u8 {
        (self.base + offset) as *mut u8
    }

    fn put(&self, byte: u8) {
        // SAFETY: the UART's page is mapped uncached at `base` (the description's map); byte
        // accesses to its registers only.
        unsafe {
            while self.register(LSR).read_volatile() & THR_EMPTY == 0 {}
            self.register(RBR_THR).write_volatile(byte);
        }
    }
}

impl Uart {
    fn drain(&mut self) {
        while let Some(byte) = self.tx.pop() {
            self.put(byte);
            self.at_line_start = byte == b'\n';
        }
        if let Some(log) = self.log.filter(|_| self.at_line_start) {
            while let Some(byte) = log.pop() {
                self.put(byte);
            }
        }
    }
}

impl Handler for Uart {
    fn notified(&mut self, channel: Channel) {
        match channel {
            IRQ => {
                // SAFETY: as in `put`.
                while unsafe { self.register(LSR).read_volatile() } & DATA_READY != 0 {
                    let byte = unsafe { self.register(RBR_THR).read_volatile() };
                    self.rx.push(byte);
                }
                notify(CLIENT);
                irq_ack(IRQ);
            }
            CLIENT | LOG_CLIENT => self.drain(),
            _ => debug_println!("{}: unexpected channel {channel}", name()),
        }
    }
}

fn init() -> Uart {
    let uart = Uart {
        base: builder_variable!(uart_base),
        tx: Ring::at(builder_variable!(tx_ring)),
        rx: Ring::at(builder_variable!(rx_ring)),
        log: Some(builder_variable!(log_ring)).filter(|&vaddr| vaddr != 0).map(Ring::at),
        at_line_start: true,
    };
    // SAFETY: as in `put`: receive interrupts on.
    unsafe { uart.register(IER).write_volatile(1) };
    debug_println!("{}: driving the UART at {:#x}; type, and the client hears it", name(), uart.base);
    uart
}

atoll_pd::protection_domain!(init);
