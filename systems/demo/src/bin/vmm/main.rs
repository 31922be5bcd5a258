//! The virtual machine monitor: boots a Linux guest on the VM the system description gives this
//! PD, and serves its exits. It loads the kernel and initramfs (prefilled regions) into guest
//! RAM with a device tree it writes, emulates SBI, a 16550 UART and a PLIC, passes the UART's
//! bytes to and from the UART driver's rings, and restarts the guest when it resets.
#![no_std]
#![no_main]

mod exits;
mod guest;

use atoll_demo_system::{Ring, builder_variable};
use atoll_pd::{Channel, Child, Handler, MsgInfo as MessageInfo, VcpuReg, debug_println, notify, vcpu_write_reg};
use atoll_sdk::abi::FaultType;
use atoll_virt::{fdt, image, plic::Plic, uart::Uart};
use guest::{RAM_BASE, Ram};

/// The one vCPU of the virtual machine.
const VCPU: Child = 0;
/// The UART driver's channel: bytes for the guest's console arrive, and go out, through it.
const UART_DRIVER: Channel = 1;

/// Where the guest sees its devices (as on QEMU's `virt` board, which Linux knows).
const UART_BASE: u64 = 0x1000_0000;
const UART_SIZE: u64 = 0x100;
const UART_IRQ: u32 = 10;
const PLIC_BASE: u64 = 0x0c00_0000;
const PLIC_SIZE: u64 = 0x40_0000;
const PLIC_SOURCES: u32 = 31;
/// The guest's view of the hart: no H (it cannot nest) and Sstc, so its timer needs no exits.
const GUEST_ISA: &str = "rv64imafdc_zicsr_zifencei_zihintpause_zba_zbb_zbc_zbs_sstc";
const BOOTARGS: &str = "console=ttyS0 earlycon=sbi quiet";
const TIMEBASE_HZ: u32 = 10_000_000;
/// Room for the device tree the VMM writes.
const DTB_BYTES: usize = 4096;

#[unsafe(no_mangle)]
static mut guest_ram: u64 = 0;
#[unsafe(no_mangle)]
static mut guest_ram_size: u64 = 0;
#[unsafe(no_mangle)]
static mut guest_kernel: u64 = 0;
#[unsafe(no_mangle)]
static mut guest_kernel_size: u64 = 0;
#[unsafe(no_mangle)]
static mut guest_initrd: u64 = 0;
/// An S-mode firmware to boot instead of Linux (U-Boot), if the system maps one.
#[unsafe(no_mangle)]
static mut guest_firmware: u64 = 0;
#[unsafe(no_mangle)]
static mut guest_firmware_size: u64 = 0;
#[unsafe(no_mangle)]
static mut guest_initrd_size: u64 = 0;
#[unsafe(no_mangle)]
static mut tx_ring: u64 = 0;
#[unsafe(no_mangle)]
static mut rx_ring: u64 = 0;

pub struct Vmm {
    ram: Ram,
    uart: Uart,
    plic: Plic,
    tx: Ring,
    rx: Ring,
    /// Bytes the guest wrote that the driver's ring has not taken yet.
    output_pending: bool,
    /// The guest interrupts the VMM injects now (guest sip bits: SSIP 1, SEIP 9).
    injected: u64,
    /// Accesses to guest-physical memory nothing backs, reported and ignored.
    stray_accesses: u64,
    boots: u64,
}

/// A prefilled region: its bytes as the builder put them.
fn prefilled(vaddr: u64, len: u64) -> &'static [u8] {
    // SAFETY: the region is mapped read-only at `vaddr` in this PD for its whole life, and the
    // builder's prefill size is at most the region's size; nothing writes it at run time.
    unsafe { core::slice::from_raw_parts(vaddr as *const u8, len as usize) }
}

impl Vmm {
    /// Loads the kernel, initramfs and a fresh device tree into guest RAM and starts the vCPU
    /// at the kernel's entry with a0 = hart 0 and a1 = the device tree.
    fn boot_guest(&mut self) -> Result<(), &'static str> {
        let firmware = prefilled(builder_variable!(guest_firmware), builder_variable!(guest_firmware_size));
        let (what, kernel, initrd, info) = if firmware.is_empty() {
            let kernel = prefilled(builder_variable!(guest_kernel), builder_variable!(guest_kernel_size));
            let initrd = prefilled(builder_variable!(guest_initrd), builder_variable!(guest_initrd_size));
            ("Linux", kernel, initrd, image::parse(kernel).map_err(|e| report("guest kernel", e))?)
        } else {
            // An S-mode firmware (U-Boot) has no Linux header: it runs where Linux would, 2 MiB
            // into RAM, and gets the same hart id and device tree.
            let size = (firmware.len() as u64).next_multiple_of(image::MEGAPAGE);
            (
                "firmware",
                firmware,
                &[][..],
                image::ImageInfo { text_offset: image::MEGAPAGE, image_size: size, version: 0, efi_stub: false },
            )
        };
        let layout =
            image::plan(RAM_BASE, self.ram.size(), &info, kernel.len() as u64, initrd.len() as u64, DTB_BYTES as u64)
                .map_err(|e| report("guest layout", e))?;
        let mut dtb = [0u8; DTB_BYTES];
        let seed = rng_seed();
        let config = fdt::GuestConfig {
            ram_base: RAM_BASE,
            ram_size: self.ram.size(),
            bootargs: BOOTARGS,
            isa: GUEST_ISA,
            timebase_frequency: TIMEBASE_HZ,
            initrd: layout.initrd,
            rng_seed: &seed,
            plic: Some(fdt::Plic { base: PLIC_BASE, size: PLIC_SIZE, ndev: PLIC_SOURCES }),
            uart: Some(fdt::Uart { base: UART_BASE, size: UART_SIZE, irq: UART_IRQ }),
        };
        let dtb_len = fdt::guest_tree(&config, &mut dtb).map_err(|e| report("guest device tree", e))?;
        let initrd_fits = layout.initrd.is_none_or(|(start, _)| self.ram.write(start, initrd));
        if !(self.ram.write(layout.kernel, kernel) && initrd_fits && self.ram.write(layout.dtb, &dtb[..dtb_len])) {
            return Err("guest payloads do not fit in guest RAM");
        }
        self.uart = Uart::new();
        self.plic = Plic::new(PLIC_SOURCES);
        self.injected = 0;
        for (reg, value) in [(VcpuReg::Sstatus, 0), (VcpuReg::Sie, 0), (VcpuReg::Satp, 0), (VcpuReg::Sip, 0)] {
            vcpu_write_reg(VCPU, reg, value);
        }
        // No timer interrupt until the guest asks for one.
        vcpu_write_reg(VCPU, VcpuReg::Timer, u64::MAX);
        let mut registers = [0u64; 32];
        registers[atoll_sdk::tcb::context::PC] = layout.entry;
        registers[atoll_sdk::tcb::context::A0] = 0;
        registers[atoll_sdk::tcb::context::A1] = layout.dtb;
        let _ = atoll_sdk::tcb::write_registers(atoll_pd::BASE_VM_TCB_CAP + VCPU, true, &registers);
        self.boots += 1;
        debug_println!(
            "vmm: booting {what} ({} KiB image, {} KiB initramfs, {} MiB RAM) at {:#x}, boot {}",
            kernel.len() >> 10,
            initrd.len() >> 10,
            self.ram.size() >> 20,
            layout.entry,
            self.boots
        );
        Ok(())
    }

    /// Puts the guest's console bytes in the driver's ring, waking the driver when it fills.
    fn output(&mut self, byte: u8) {
        while !self.tx.push(byte) {
            notify(UART_DRIVER);
        }
        self.output_pending = true;
    }

    fn flush_output(&mut self) {
        if self.output_pending {
            self.output_pending = false;
            notify(UART_DRIVER);
        }
    }

    /// Feeds typed bytes to the emulated UART as far as its FIFO takes them.
    fn take_input(&mut self) {
        while self.uart.can_accept_input() {
            match self.rx.pop() {
                Some(byte) => {
                    self.uart.push_input(byte);
                }
                None => break,
            }
        }
        self.update_interrupts();
    }

    /// Presents the PLIC's output (and a pending software interrupt) to the guest.
    fn update_interrupts(&mut self) {
        self.plic.set_level(UART_IRQ, self.uart.interrupt_pending());
        let external = if self.plic.external_interrupt() { 1 << 9 } else { 0 };
        let wanted = (self.injected & !(1 << 9)) | external;
        if wanted != self.injected {
            self.injected = wanted;
            vcpu_write_reg(VCPU, VcpuReg::Sip, wanted);
        }
    }
}

/// A seed for the guest's random pool, so it need not wait to gather entropy at boot. It comes
/// from the cycle and time counters, which is all a PD here has: fine for a demo; a product
/// would take it from a hardware entropy source.
fn rng_seed() -> [u8; 32] {
    let mut seed = [0u8; 32];
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for chunk in seed.chunks_mut(8) {
        let (cycle, time): (u64, u64);
        // SAFETY: reading the cycle and time counters (user level may: scounteren).
        unsafe {
            core::arch::asm!("rdcycle {0}", "rdtime {1}", out(reg) cycle, out(reg) time, options(nomem, nostack))
        };
        state = (state ^ cycle ^ time.rotate_left(32)).wrapping_mul(0x2545_f491_4f6c_dd1d);
        chunk.copy_from_slice(&state.to_le_bytes());
    }
    seed
}

fn report(what: &str, error: impl core::fmt::Display) -> &'static str {
    debug_println!("vmm: {what}: {error}");
    "the guest cannot boot"
}

impl Handler for Vmm {
    fn notified(&mut self, channel: Channel) {
        if channel == UART_DRIVER {
            self.take_input();
        }
    }

    fn fault(&mut self, child: Child, message: MessageInfo) -> Option<MessageInfo> {
        if child != VCPU {
            debug_println!("vmm: fault from unknown child {child}");
            return None;
        }
        let label = message.label();
        let reply_length = if label == FaultType::VcpuFault.value() {
            self.vcpu_exit(atoll_pd::mr_get(0), atoll_pd::mr_get(1))
        } else if label == FaultType::VmFault.value() {
            self.guest_page_fault(atoll_pd::mr_get(1), atoll_pd::mr_get(3)).then_some(0)
        } else {
            debug_println!("vmm: the guest stopped with fault {label} at pc {:#x}", atoll_pd::mr_get(0));
            None
        };
        self.flush_output();
        reply_length.map(|length| MessageInfo::new(0, 0, 0, length))
    }
}

fn init() -> Vmm {
    let mut vmm = Vmm {
        ram: Ram::new(builder_variable!(guest_ram), builder_variable!(guest_ram_size)),
        uart: Uart::new(),
        plic: Plic::new(PLIC_SOURCES),
        tx: Ring::at(builder_variable!(tx_ring)),
        rx: Ring::at(builder_variable!(rx_ring)),
        output_pending: false,
        injected: 0,
        stray_accesses: 0,
        boots: 0,
    };
    if let Err(why) = vmm.boot_guest() {
        debug_println!("vmm: {why}; the VMM keeps running without a guest");
    }
    vmm
}

atoll_pd::protection_domain!(init);
