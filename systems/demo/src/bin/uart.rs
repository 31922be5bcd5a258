//! The UART driver: owns the 16550's registers and its interrupt. Bytes clients put in the
//! transmit ring go out on the UART; bytes typed go into the receive ring, and the client is
//! notified.
#![no_std]
#![no_main]

use atoll_demo_system::{Ring, builder_variable};
use atoll_pd::{Channel, Handler, debug_println, irq_ack, name, notify};

const IRQ: Channel = 0;
const CLIENT: Channel = 1;
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

struct Uart {
    base: u64,
    tx: Ring,
    rx: Ring,
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
            CLIENT => {
                while let Some(byte) = self.tx.pop() {
                    self.put(byte);
                }
            }
            _ => debug_println!("{}: unexpected channel {channel}", name()),
        }
    }
}

fn init() -> Uart {
    let uart = Uart {
        base: builder_variable!(uart_base),
        tx: Ring::at(builder_variable!(tx_ring)),
        rx: Ring::at(builder_variable!(rx_ring)),
    };
    // SAFETY: as in `put`: receive interrupts on.
    unsafe { uart.register(IER).write_volatile(1) };
    debug_println!("{}: driving the UART at {:#x}; type, and the client hears it", name(), uart.base);
    uart
}

atoll_pd::protection_domain!(init);
