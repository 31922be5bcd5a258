//! A 16550A UART as Linux's 8250 driver sees it (`compatible = "ns16550a"`, one-byte registers,
//! `reg-shift` 0).
//!
//! Transmission is immediate: every byte written to THR goes straight to the VMM, so the
//! transmitter is always empty. Input comes from the host through [`Uart::push_input`] into a
//! receive FIFO. The model has no notion of time, so receive interrupts do not wait for a FIFO
//! trigger level or a character timeout: any waiting byte raises "receive data available".

/// Receive FIFO size; more than a real 16550A's 16 bytes so host input rarely overruns.
pub const RX_FIFO_CAPACITY: usize = 64;

/// Register offsets (DLAB = 0 names first, DLAB = 1 names where they differ).
const RBR_THR_DLL: u64 = 0;
const IER_DLM: u64 = 1;
const IIR_FCR: u64 = 2;
const LCR: u64 = 3;
const MCR: u64 = 4;
const LSR: u64 = 5;
const MSR: u64 = 6;
const SCR: u64 = 7;

/// IER bits: receive data, transmitter empty, line status, modem status interrupts.
const IER_RX_DATA: u8 = 0x01;
const IER_TX_EMPTY: u8 = 0x02;
const IER_LINE_STATUS: u8 = 0x04;
const IER_MODEM_STATUS: u8 = 0x08;
const IER_MASK: u8 = 0x0F;

/// IIR values: the pending source with the highest priority, and the FIFO-enabled marker.
const IIR_NONE: u8 = 0x01;
const IIR_LINE_STATUS: u8 = 0x06;
const IIR_RX_DATA: u8 = 0x04;
const IIR_TX_EMPTY: u8 = 0x02;
const IIR_MODEM_STATUS: u8 = 0x00;
const IIR_FIFOS_ENABLED: u8 = 0xC0;

/// FCR bits.
const FCR_ENABLE_FIFOS: u8 = 0x01;
const FCR_CLEAR_RX: u8 = 0x02;

/// LCR divisor latch access bit.
const LCR_DLAB: u8 = 0x80;

/// MCR bits: DTR, RTS, OUT1, OUT2, loopback.
const MCR_DTR: u8 = 0x01;
const MCR_RTS: u8 = 0x02;
const MCR_OUT1: u8 = 0x04;
const MCR_OUT2: u8 = 0x08;
const MCR_LOOPBACK: u8 = 0x10;
const MCR_MASK: u8 = 0x1F;

/// LSR bits.
const LSR_DATA_READY: u8 = 0x01;
const LSR_OVERRUN: u8 = 0x02;
const LSR_THR_EMPTY: u8 = 0x20;
const LSR_TX_EMPTY: u8 = 0x40;

/// MSR status bits (upper nibble) and their change ("delta") bits (lower nibble).
const MSR_CTS: u8 = 0x10;
const MSR_DSR: u8 = 0x20;
const MSR_RI: u8 = 0x40;
const MSR_DCD: u8 = 0x80;
const MSR_DELTA_CTS: u8 = 0x01;
const MSR_DELTA_DSR: u8 = 0x02;
const MSR_TRAILING_RI: u8 = 0x04;
const MSR_DELTA_DCD: u8 = 0x08;
/// Outside loopback the modem lines read as a connected terminal: CTS, DSR and DCD active.
const MSR_CONNECTED: u8 = MSR_CTS | MSR_DSR | MSR_DCD;

/// A fixed-size byte queue (oldest first).
#[derive(Clone, Debug)]
struct Fifo {
    bytes: [u8; RX_FIFO_CAPACITY],
    /// Index of the oldest byte.
    head: usize,
    len: usize,
}

impl Fifo {
    const fn new() -> Self {
        Fifo { bytes: [0; RX_FIFO_CAPACITY], head: 0, len: 0 }
    }

    fn push(&mut self, byte: u8) -> bool {
        if self.len >= RX_FIFO_CAPACITY {
            return false;
        }
        // head and len are both below the capacity, so the sum cannot overflow.
        let tail = (self.head + self.len) % RX_FIFO_CAPACITY;
        self.bytes[tail] = byte;
        self.len += 1;
        true
    }

    fn pop(&mut self) -> Option<u8> {
        if self.len == 0 {
            return None;
        }
        let byte = self.bytes[self.head];
        self.head = (self.head + 1) % RX_FIFO_CAPACITY;
        self.len -= 1;
        Some(byte)
    }

    fn clear(&mut self) {
        self.head = 0;
        self.len = 0;
    }

    fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn is_full(&self) -> bool {
        self.len >= RX_FIFO_CAPACITY
    }
}

/// The interrupt sources, highest priority first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    LineStatus,
    RxData,
    TxEmpty,
    ModemStatus,
}

/// The register state of one 16550A.
#[derive(Clone, Debug)]
pub struct Uart {
    rx: Fifo,
    ier: u8,
    lcr: u8,
    mcr: u8,
    scr: u8,
    divisor_low: u8,
    divisor_high: u8,
    fifos_enabled: bool,
    overrun: bool,
    /// The transmitter-empty interrupt is latched: reading IIR while it is reported clears it.
    tx_empty_pending: bool,
    /// MSR change bits, cleared by reading MSR.
    modem_deltas: u8,
}

impl Default for Uart {
    fn default() -> Self {
        Self::new()
    }
}

impl Uart {
    /// A UART in its reset state: no interrupts enabled, FIFOs off, nothing received.
    pub const fn new() -> Self {
        Uart {
            rx: Fifo::new(),
            ier: 0,
            lcr: 0,
            mcr: 0,
            scr: 0,
            divisor_low: 0,
            divisor_high: 0,
            fifos_enabled: false,
            overrun: false,
            tx_empty_pending: false,
            modem_deltas: 0,
        }
    }

    /// A guest read of the byte register at `offset`; reads can change state (RBR pops the
    /// FIFO, IIR acknowledges the transmitter interrupt, LSR and MSR clear their error and
    /// change bits). Offsets past the eight registers read 0.
    pub fn read(&mut self, offset: u64) -> u8 {
        match offset {
            RBR_THR_DLL if self.dlab() => self.divisor_low,
            RBR_THR_DLL => self.rx.pop().unwrap_or(0),
            IER_DLM if self.dlab() => self.divisor_high,
            IER_DLM => self.ier,
            IIR_FCR => self.read_iir(),
            LCR => self.lcr,
            MCR => self.mcr,
            LSR => {
                let lsr = self.line_status();
                self.overrun = false;
                lsr
            }
            MSR => {
                let msr = self.modem_status() | self.modem_deltas;
                self.modem_deltas = 0;
                msr
            }
            SCR => self.scr,
            _ => 0,
        }
    }

    /// A guest write of `value` to the register at `offset`. Returns the byte the guest
    /// transmitted, for the VMM to print. Writes to read-only or absent registers are ignored.
    pub fn write(&mut self, offset: u64, value: u8) -> Option<u8> {
        match offset {
            RBR_THR_DLL if self.dlab() => self.divisor_low = value,
            RBR_THR_DLL => return self.transmit(value),
            IER_DLM if self.dlab() => self.divisor_high = value,
            IER_DLM => self.write_ier(value),
            IIR_FCR => self.write_fcr(value),
            LCR => self.lcr = value,
            MCR => self.write_mcr(value),
            SCR => self.scr = value,
            // LSR and MSR are read-only (writes are for factory testing).
            _ => {}
        }
        None
    }

    /// Queues a byte typed on the host. Returns false, and records an overrun as the hardware
    /// would, when the receive FIFO is full; the byte is then lost.
    pub fn push_input(&mut self, byte: u8) -> bool {
        self.receive(byte)
    }

    /// Whether [`Uart::push_input`] would accept another byte, so the VMM can hold input back
    /// instead of losing it.
    pub fn can_accept_input(&self) -> bool {
        !self.rx.is_full()
    }

    /// The level of the UART's interrupt line.
    pub fn interrupt_pending(&self) -> bool {
        self.pending_source().is_some()
    }

    /// The divisor latch the guest programmed (baud rate = clock / (16 × divisor)).
    pub fn divisor(&self) -> u16 {
        u16::from_le_bytes([self.divisor_low, self.divisor_high])
    }

    fn dlab(&self) -> bool {
        self.lcr & LCR_DLAB != 0
    }

    fn loopback(&self) -> bool {
        self.mcr & MCR_LOOPBACK != 0
    }

    fn receive(&mut self, byte: u8) -> bool {
        let accepted = self.rx.push(byte);
        if !accepted {
            self.overrun = true;
        }
        accepted
    }

    /// THR write: the byte leaves at once (or loops back), so THR is empty again and the
    /// transmitter-empty interrupt is raised anew.
    fn transmit(&mut self, byte: u8) -> Option<u8> {
        self.tx_empty_pending = true;
        if self.loopback() {
            self.receive(byte);
            None
        } else {
            Some(byte)
        }
    }

    fn write_ier(&mut self, value: u8) {
        let value = value & IER_MASK;
        let tx_empty_was_enabled = self.ier & IER_TX_EMPTY != 0;
        let tx_empty_enabled = value & IER_TX_EMPTY != 0;
        // THR is always empty, so enabling its interrupt raises it at once; disabling drops it.
        if tx_empty_enabled != tx_empty_was_enabled {
            self.tx_empty_pending = tx_empty_enabled;
        }
        self.ier = value;
    }

    fn write_fcr(&mut self, value: u8) {
        let enable = value & FCR_ENABLE_FIFOS != 0;
        // Switching between FIFO and 16450 mode empties the FIFOs, as does the clear bit.
        if enable != self.fifos_enabled || value & FCR_CLEAR_RX != 0 {
            self.rx.clear();
        }
        self.fifos_enabled = enable;
    }

    fn write_mcr(&mut self, value: u8) {
        let before = self.modem_status();
        self.mcr = value & MCR_MASK;
        let after = self.modem_status();
        let changed = before ^ after;
        if changed & MSR_CTS != 0 {
            self.modem_deltas |= MSR_DELTA_CTS;
        }
        if changed & MSR_DSR != 0 {
            self.modem_deltas |= MSR_DELTA_DSR;
        }
        // Ring indicator reports only its trailing (falling) edge.
        if before & MSR_RI != 0 && after & MSR_RI == 0 {
            self.modem_deltas |= MSR_TRAILING_RI;
        }
        if changed & MSR_DCD != 0 {
            self.modem_deltas |= MSR_DELTA_DCD;
        }
    }

    /// MSR's status half: in loopback the outputs of MCR drive the inputs.
    fn modem_status(&self) -> u8 {
        if !self.loopback() {
            return MSR_CONNECTED;
        }
        let mut status = 0;
        for (output, input) in [(MCR_RTS, MSR_CTS), (MCR_DTR, MSR_DSR), (MCR_OUT1, MSR_RI), (MCR_OUT2, MSR_DCD)] {
            if self.mcr & output != 0 {
                status |= input;
            }
        }
        status
    }

    fn line_status(&self) -> u8 {
        let mut lsr = LSR_THR_EMPTY | LSR_TX_EMPTY;
        if !self.rx.is_empty() {
            lsr |= LSR_DATA_READY;
        }
        if self.overrun {
            lsr |= LSR_OVERRUN;
        }
        lsr
    }

    fn pending_source(&self) -> Option<Source> {
        let enabled = |bit: u8| self.ier & bit != 0;
        if enabled(IER_LINE_STATUS) && self.overrun {
            Some(Source::LineStatus)
        } else if enabled(IER_RX_DATA) && !self.rx.is_empty() {
            Some(Source::RxData)
        } else if enabled(IER_TX_EMPTY) && self.tx_empty_pending {
            Some(Source::TxEmpty)
        } else if enabled(IER_MODEM_STATUS) && self.modem_deltas != 0 {
            Some(Source::ModemStatus)
        } else {
            None
        }
    }

    fn read_iir(&mut self) -> u8 {
        let fifo_bits = if self.fifos_enabled { IIR_FIFOS_ENABLED } else { 0 };
        let source = match self.pending_source() {
            None => IIR_NONE,
            Some(Source::LineStatus) => IIR_LINE_STATUS,
            Some(Source::RxData) => IIR_RX_DATA,
            Some(Source::TxEmpty) => {
                // Reporting the transmitter interrupt is its acknowledgement.
                self.tx_empty_pending = false;
                IIR_TX_EMPTY
            }
            Some(Source::ModemStatus) => IIR_MODEM_STATUS,
        };
        source | fifo_bits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Linux's 8250 setup: 8N1 at 115200 baud from a 1.8432 MHz clock, FIFOs on, OUT2 set.
    fn linux_startup() -> Uart {
        let mut uart = Uart::new();
        uart.write(LCR, LCR_DLAB | 0x03);
        uart.write(RBR_THR_DLL, 1);
        uart.write(IER_DLM, 0);
        uart.write(LCR, 0x03);
        uart.write(IIR_FCR, FCR_ENABLE_FIFOS | FCR_CLEAR_RX | 0x04 | 0x80);
        uart.write(MCR, MCR_DTR | MCR_RTS | MCR_OUT2);
        uart
    }

    #[test]
    fn reset_state_is_idle() {
        let mut uart = Uart::new();
        assert_eq!(uart.read(IER_DLM), 0);
        assert_eq!(uart.read(IIR_FCR), IIR_NONE);
        assert_eq!(uart.read(LCR), 0);
        assert_eq!(uart.read(MCR), 0);
        assert_eq!(uart.read(LSR), LSR_THR_EMPTY | LSR_TX_EMPTY);
        assert_eq!(uart.read(MSR), MSR_CONNECTED);
        assert_eq!(uart.read(RBR_THR_DLL), 0);
        assert!(!uart.interrupt_pending());
    }

    #[test]
    fn divisor_latch_shadows_data_and_ier() {
        let mut uart = Uart::new();
        uart.write(IER_DLM, IER_RX_DATA);
        uart.write(LCR, LCR_DLAB | 0x03);
        assert_eq!(uart.write(RBR_THR_DLL, 0x0C), None, "a DLL write transmits nothing");
        uart.write(IER_DLM, 0x01);
        assert_eq!(uart.read(RBR_THR_DLL), 0x0C);
        assert_eq!(uart.read(IER_DLM), 0x01);
        assert_eq!(uart.divisor(), 0x010C);
        uart.write(LCR, 0x03);
        assert_eq!(uart.read(IER_DLM), IER_RX_DATA, "IER kept its value");
        assert_eq!(uart.read(LCR), 0x03);
        assert_eq!(uart.divisor(), 0x010C);
    }

    #[test]
    fn transmitted_bytes_go_to_the_vmm() {
        let mut uart = linux_startup();
        for byte in *b"ok\n" {
            assert_ne!(uart.read(LSR) & LSR_THR_EMPTY, 0);
            assert_eq!(uart.write(RBR_THR_DLL, byte), Some(byte));
        }
        assert_eq!(uart.read(LSR), LSR_THR_EMPTY | LSR_TX_EMPTY);
    }

    #[test]
    fn fifo_bits_show_in_iir_once_enabled() {
        let mut uart = Uart::new();
        assert_eq!(uart.read(IIR_FCR), 0x01);
        uart.write(IIR_FCR, FCR_ENABLE_FIFOS);
        assert_eq!(uart.read(IIR_FCR), 0xC1);
        uart.write(IIR_FCR, 0);
        assert_eq!(uart.read(IIR_FCR), 0x01);
    }

    #[test]
    fn tx_empty_interrupt_follows_the_8250_startup_probe() {
        // serial8250_do_startup: enable THRI, read LSR and IIR, disable, enable again, read IIR.
        let mut uart = linux_startup();
        uart.write(IER_DLM, IER_TX_EMPTY);
        assert!(uart.interrupt_pending());
        assert_ne!(uart.read(LSR) & LSR_TX_EMPTY, 0);
        assert_eq!(uart.read(IIR_FCR), 0xC2);
        assert!(!uart.interrupt_pending(), "reading IIR acknowledged it");
        uart.write(IER_DLM, 0);
        uart.write(IER_DLM, IER_TX_EMPTY);
        assert_eq!(uart.read(IIR_FCR), 0xC2, "re-enabling raises it again");
        assert_eq!(uart.read(IIR_FCR), 0xC1);
        uart.write(IER_DLM, 0);
        assert!(!uart.interrupt_pending());
    }

    #[test]
    fn tx_empty_interrupt_returns_after_each_byte() {
        let mut uart = linux_startup();
        uart.write(IER_DLM, IER_RX_DATA | IER_LINE_STATUS | IER_TX_EMPTY);
        assert_eq!(uart.read(IIR_FCR), 0xC2);
        assert!(!uart.interrupt_pending());
        assert_eq!(uart.write(RBR_THR_DLL, b'a'), Some(b'a'));
        assert!(uart.interrupt_pending());
        // Writing again before acknowledging leaves it raised.
        assert_eq!(uart.write(RBR_THR_DLL, b'b'), Some(b'b'));
        assert_eq!(uart.read(IIR_FCR), 0xC2);
        assert_eq!(uart.read(IIR_FCR), 0xC1);
        // Rewriting IER with THRI still set is no new edge.
        uart.write(IER_DLM, IER_RX_DATA | IER_LINE_STATUS | IER_TX_EMPTY);
        assert!(!uart.interrupt_pending());
        // The driver stops transmitting by clearing THRI.
        uart.write(RBR_THR_DLL, b'c');
        uart.write(IER_DLM, IER_RX_DATA | IER_LINE_STATUS);
        assert!(!uart.interrupt_pending());
    }

    #[test]
    fn receive_path_raises_and_drops_the_interrupt() {
        let mut uart = linux_startup();
        assert!(uart.push_input(b'h'));
        assert!(!uart.interrupt_pending(), "receive interrupt not enabled yet");
        uart.write(IER_DLM, IER_RX_DATA | IER_LINE_STATUS);
        assert!(uart.interrupt_pending());
        assert!(uart.push_input(b'i'));
        assert_eq!(uart.read(IIR_FCR), 0xC4);
        assert_eq!(uart.read(IIR_FCR), 0xC4, "reading IIR does not acknowledge received data");
        assert_eq!(uart.read(LSR), LSR_DATA_READY | LSR_THR_EMPTY | LSR_TX_EMPTY);
        assert_eq!(uart.read(RBR_THR_DLL), b'h');
        assert!(uart.interrupt_pending());
        assert_eq!(uart.read(RBR_THR_DLL), b'i');
        assert_eq!(uart.read(LSR), LSR_THR_EMPTY | LSR_TX_EMPTY);
        assert_eq!(uart.read(IIR_FCR), 0xC1);
        assert!(!uart.interrupt_pending());
    }

    #[test]
    fn received_data_outranks_tx_empty() {
        let mut uart = linux_startup();
        uart.write(IER_DLM, IER_RX_DATA | IER_TX_EMPTY);
        uart.push_input(b'x');
        assert_eq!(uart.read(IIR_FCR), 0xC4);
        assert_eq!(uart.read(IIR_FCR), 0xC4, "tx-empty stays latched behind received data");
        assert_eq!(uart.read(RBR_THR_DLL), b'x');
        assert_eq!(uart.read(IIR_FCR), 0xC2);
        assert_eq!(uart.read(IIR_FCR), 0xC1);
    }

    #[test]
    fn overrun_loses_the_byte_and_clears_on_lsr_read() {
        let mut uart = linux_startup();
        for index in 0..RX_FIFO_CAPACITY {
            assert!(uart.can_accept_input());
            assert!(uart.push_input(index as u8));
        }
        assert!(!uart.can_accept_input());
        assert!(!uart.push_input(0xEE));
        uart.write(IER_DLM, IER_RX_DATA | IER_LINE_STATUS);
        assert_eq!(uart.read(IIR_FCR), 0xC6, "line status outranks received data");
        assert_eq!(uart.read(LSR), LSR_DATA_READY | LSR_OVERRUN | LSR_THR_EMPTY | LSR_TX_EMPTY);
        assert_eq!(uart.read(LSR) & LSR_OVERRUN, 0);
        assert_eq!(uart.read(IIR_FCR), 0xC4);
        for index in 0..RX_FIFO_CAPACITY {
            assert_eq!(uart.read(RBR_THR_DLL), index as u8);
        }
        assert_eq!(uart.read(LSR) & LSR_DATA_READY, 0);
        assert!(uart.push_input(1));
    }

    #[test]
    fn fifo_control_clears_received_bytes() {
        let mut uart = linux_startup();
        uart.push_input(1);
        uart.write(IIR_FCR, FCR_ENABLE_FIFOS);
        assert_eq!(uart.read(LSR) & LSR_DATA_READY, LSR_DATA_READY, "no clear bit, no mode change");
        uart.write(IIR_FCR, FCR_ENABLE_FIFOS | FCR_CLEAR_RX);
        assert_eq!(uart.read(LSR) & LSR_DATA_READY, 0);
        uart.push_input(2);
        uart.write(IIR_FCR, 0);
        assert_eq!(uart.read(LSR) & LSR_DATA_READY, 0, "leaving FIFO mode empties the FIFO");
    }

    #[test]
    fn loopback_mirrors_modem_lines_and_data() {
        // The 8250 autoconfig loopback test: MCR = LOOP | OUT2 | RTS must read MSR = DCD | CTS.
        let mut uart = Uart::new();
        uart.write(MCR, MCR_LOOPBACK | MCR_OUT2 | MCR_RTS);
        assert_eq!(uart.read(MSR) & 0xF0, MSR_DCD | MSR_CTS);
        uart.write(MCR, MCR_LOOPBACK | MCR_OUT1 | MCR_DTR);
        assert_eq!(uart.read(MSR), MSR_RI | MSR_DSR | MSR_DELTA_DCD | MSR_DELTA_CTS | MSR_DELTA_DSR);
        assert_eq!(uart.read(MSR), MSR_RI | MSR_DSR, "reading MSR clears the change bits");
        uart.write(MCR, MCR_LOOPBACK);
        assert_eq!(uart.read(MSR), MSR_TRAILING_RI | MSR_DELTA_DSR);
        assert_eq!(uart.write(RBR_THR_DLL, b'L'), None, "loopback keeps the byte inside");
        assert_eq!(uart.read(LSR) & LSR_DATA_READY, LSR_DATA_READY);
        assert_eq!(uart.read(RBR_THR_DLL), b'L');
        uart.write(MCR, 0);
        assert_eq!(uart.read(MSR) & 0xF0, MSR_CONNECTED);
        assert_eq!(uart.write(RBR_THR_DLL, b'M'), Some(b'M'));
    }

    #[test]
    fn modem_status_interrupt_has_lowest_priority() {
        let mut uart = Uart::new();
        uart.write(IER_DLM, IER_MODEM_STATUS | IER_TX_EMPTY);
        uart.write(MCR, MCR_LOOPBACK | MCR_RTS);
        assert_eq!(uart.read(IIR_FCR), IIR_TX_EMPTY);
        assert_eq!(uart.read(IIR_FCR), IIR_MODEM_STATUS);
        uart.read(MSR);
        assert_eq!(uart.read(IIR_FCR), IIR_NONE);
    }

    #[test]
    fn scratch_and_unknown_registers() {
        let mut uart = Uart::new();
        uart.write(SCR, 0x5A);
        assert_eq!(uart.read(SCR), 0x5A);
        uart.write(LSR, 0xFF);
        uart.write(MSR, 0xFF);
        assert_eq!(uart.read(LSR), LSR_THR_EMPTY | LSR_TX_EMPTY);
        assert_eq!(uart.read(MSR), MSR_CONNECTED);
        assert_eq!(uart.write(8, 1), None);
        assert_eq!(uart.read(8), 0);
        assert_eq!(uart.read(u64::MAX), 0);
        uart.write(IER_DLM, 0xFF);
        assert_eq!(uart.read(IER_DLM), IER_MASK);
        uart.write(MCR, 0xFF);
        assert_eq!(uart.read(MCR), MCR_MASK);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        #[derive(Clone, Debug)]
        enum Step {
            Read(u64),
            Write(u64, u8),
            Input(u8),
        }

        fn step() -> impl Strategy<Value = Step> {
            prop_oneof![
                (0u64..10).prop_map(Step::Read),
                (0u64..10, any::<u8>()).prop_map(|(offset, value)| Step::Write(offset, value)),
                any::<u8>().prop_map(Step::Input),
            ]
        }

        proptest! {
            #[test]
            fn interrupt_line_matches_iir(steps in proptest::collection::vec(step(), 0..200)) {
                let mut uart = Uart::new();
                for step in steps {
                    match step {
                        Step::Read(offset) => { uart.read(offset); }
                        Step::Write(offset, value) => { uart.write(offset, value); }
                        Step::Input(byte) => { uart.push_input(byte); }
                    }
                    let pending = uart.interrupt_pending();
                    let mut probe = uart.clone();
                    let iir = probe.read(IIR_FCR);
                    prop_assert_eq!(iir & 0x01 == 0, pending);
                    prop_assert_eq!(iir & 0x30, 0);
                }
            }

            #[test]
            fn input_comes_out_in_order(bytes in proptest::collection::vec(any::<u8>(), 0..RX_FIFO_CAPACITY)) {
                let mut uart = linux_startup();
                for &byte in &bytes {
                    prop_assert!(uart.push_input(byte));
                }
                for &byte in &bytes {
                    prop_assert_eq!(uart.read(LSR) & LSR_DATA_READY, LSR_DATA_READY);
                    prop_assert_eq!(uart.read(RBR_THR_DLL), byte);
                }
                prop_assert_eq!(uart.read(LSR) & LSR_DATA_READY, 0);
            }
        }
    }
}
