//! The guest's exits: SBI calls, and loads and stores to guest-physical memory no RAM backs
//! (the emulated UART and PLIC, or nothing). Each handler returns whether the guest resumes.
use crate::guest::Registers;
use crate::{PLIC_BASE, PLIC_SIZE, UART_BASE, UART_SIZE, VCPU, Vmm};
use atoll_pd::{VcpuReg, debug_println, mr_get, mr_set, vcpu_read_reg, vcpu_stop, vcpu_write_reg};
use atoll_sdk::abi::arch::vcpu::{CAUSE_SBI_CALL, GUEST_STORE_PAGE_FAULT, VCPU_FAULT_A0, VCPU_FAULT_PC};
use atoll_virt::sbi::{self, Decision, Reply, SbiCall};
use atoll_virt::{insn, walk};

/// Stray accesses reported one by one; after that only every thousandth, so a guest storming
/// unbacked memory cannot flood the console.
const REPORTED_STRAYS: u64 = 8;
/// The most the VMM copies for one console write (the rest is the guest's to retry).
const CONSOLE_CHUNK: u64 = 256;

impl Vmm {
    /// A VCPU fault: an SBI call, or another trap the guest cannot handle itself. The fault
    /// message carries the guest's pc and a0..a7, and the reply sets pc, a0 and a1, so an SBI
    /// call needs no register reads or writes. Returns the reply's length, or None to leave
    /// the guest stopped.
    pub fn vcpu_exit(&mut self, cause: u64, data: u64) -> Option<u64> {
        let pc = mr_get(VCPU_FAULT_PC);
        let a = |n: usize| mr_get(VCPU_FAULT_A0 + n);
        if cause != CAUSE_SBI_CALL {
            // A virtual-instruction trap: nothing the VMM emulates; skip it and say so.
            debug_println!("vmm: guest trap {cause} (data {data:#x}) at pc {pc:#x}, skipped");
            mr_set(0, pc.wrapping_add(4));
            return Some(1);
        }
        let call = SbiCall { extension: a(7), function: a(6), args: [a(0), a(1), a(2), a(3), a(4), a(5)] };
        let old_a1 = a(1);
        let decision = sbi::handle(&call);
        let reply = match decision {
            Decision::SetTimer { deadline, .. } => {
                vcpu_write_reg(VCPU, VcpuReg::Timer, deadline);
                decision.reply_on_success()
            }
            Decision::ConsolePutchar(byte) | Decision::ConsoleWriteByte(byte) => {
                self.output(byte);
                decision.reply_on_success()
            }
            Decision::ConsoleGetchar => Some(Reply::getchar(None)),
            Decision::ConsoleWrite { gpa, len } => Some(self.console_write(gpa, len)),
            // Input belongs to the emulated UART.
            Decision::ConsoleRead { .. } => Some(Reply::value(0)),
            Decision::SendIpi { .. } => {
                self.set_software_interrupt(true);
                decision.reply_on_success()
            }
            Decision::ClearIpi => {
                self.set_software_interrupt(false);
                decision.reply_on_success()
            }
            Decision::Reply(_) | Decision::RemoteFence { .. } => decision.reply_on_success(),
            Decision::HartStop | Decision::Shutdown { .. } => {
                debug_println!("vmm: the guest powered off");
                vcpu_stop(VCPU);
                return None;
            }
            Decision::Reboot { .. } => {
                debug_println!("vmm: the guest reset; booting it again");
                if let Err(why) = self.boot_guest() {
                    debug_println!("vmm: {why}");
                }
                return None;
            }
        };
        let reply = reply.unwrap_or(Reply::error(sbi::ERR_FAILED));
        let (a0, a1) = reply.registers(old_a1);
        // Set last: the calls above use the IPC buffer's message registers too.
        mr_set(0, pc.wrapping_add(4));
        mr_set(1, a0);
        mr_set(2, a1);
        Some(3)
    }

    fn console_write(&mut self, gpa: u64, len: u64) -> Reply {
        let len = len.min(CONSOLE_CHUNK);
        let mut bytes = [0u8; CONSOLE_CHUNK as usize];
        if !self.ram.read(gpa, &mut bytes[..len as usize]) {
            return Reply::error(sbi::ERR_INVALID_PARAM);
        }
        for &byte in &bytes[..len as usize] {
            self.output(byte);
        }
        Reply::value(len)
    }

    fn set_software_interrupt(&mut self, pending: bool) {
        // The guest clears its own SSIP in the hart, so start from what the VCPU holds now.
        let current = vcpu_read_reg(VCPU, VcpuReg::Sip);
        let wanted = if pending { current | 1 << 1 } else { current & !(1 << 1) };
        self.injected = wanted;
        vcpu_write_reg(VCPU, VcpuReg::Sip, wanted);
    }

    /// A guest page fault: an access to an emulated device, or to nothing.
    pub fn guest_page_fault(&mut self, gpa: u64, cause: u64) -> bool {
        let mut registers = Registers::read(VCPU);
        let pc = registers.pc();
        let access = self.fetch(pc).and_then(insn::decode);
        let Some(access) = access else {
            debug_println!("vmm: guest fault at {gpa:#x} by pc {pc:#x}, which is no load or store; guest stopped");
            return false;
        };
        let store = cause == GUEST_STORE_PAGE_FAULT;
        let value = insn::store_value(registers.x(access.reg), access.width);
        let loaded = if (UART_BASE..UART_BASE + UART_SIZE).contains(&gpa) {
            self.uart_access(gpa - UART_BASE, store, value)
        } else if (PLIC_BASE..PLIC_BASE + PLIC_SIZE).contains(&gpa) {
            self.plic_access(gpa - PLIC_BASE, store, value)
        } else {
            self.stray_access(gpa, pc, store);
            0
        };
        if !store {
            registers.set_x(access.reg, insn::load_value(loaded, access.width, access.signed));
        }
        registers.step(access.length as u64);
        registers.write(VCPU);
        true
    }

    fn uart_access(&mut self, offset: u64, store: bool, value: u64) -> u64 {
        let loaded = if store {
            if let Some(byte) = self.uart.write(offset, value as u8) {
                self.output(byte);
            }
            0
        } else {
            self.uart.read(offset) as u64
        };
        if !store && offset == 0 {
            // A byte left the FIFO: room for more typed ones.
            self.take_input();
        } else {
            self.update_interrupts();
        }
        loaded
    }

    fn plic_access(&mut self, offset: u64, store: bool, value: u64) -> u64 {
        let loaded = if store {
            self.plic.write(offset, value as u32);
            0
        } else {
            self.plic.read(offset).unwrap_or(0) as u64
        };
        self.update_interrupts();
        loaded
    }

    /// Guest-physical memory nothing backs: reads give 0, writes are dropped, and it is
    /// reported, so a misbehaving guest is seen but neither stops nor floods anything.
    fn stray_access(&mut self, gpa: u64, pc: u64, store: bool) {
        self.stray_accesses += 1;
        let count = self.stray_accesses;
        if count <= REPORTED_STRAYS || count.is_multiple_of(1000) {
            let kind = if store { "store to" } else { "load from" };
            debug_println!("vmm: guest {kind} unbacked guest-physical {gpa:#x} at pc {pc:#x} (stray access {count})");
        }
    }

    /// The instruction at guest virtual address `pc`, through the guest's own page tables.
    fn fetch(&self, pc: u64) -> Option<u32> {
        let vsatp = vcpu_read_reg(VCPU, VcpuReg::Satp);
        let translate = |va: u64| walk::translate(vsatp, va, |pte| self.ram.read_u64(pte)).ok();
        let low = self.ram.read_u16(translate(pc)?)?;
        if insn::instruction_length(low) == 2 {
            return Some(low as u32);
        }
        let high = self.ram.read_u16(translate(pc.wrapping_add(2))?)?;
        Some(low as u32 | (high as u32) << 16)
    }
}
