//! A user-level driver for the virt machine's 16550 UART: it maps the device's registers from
//! device untyped memory, takes the receive interrupt through a notification, and echoes what
//! it reads. The device's address and interrupt come from the device tree in bootinfo.
use atoll_dtb::Fdt;
use atoll_sdk::abi::{CapRights, ObjectType, slots};
use atoll_sdk::{BootInfo, cnode, irq, println, syscall, vspace};

const ROOT: u64 = slots::CAP_INIT_THREAD_CNODE;
/// Where the driver maps the UART's registers (a gigabyte the image does not use).
const UART_VADDR: u64 = 0x20_0000_0000;
const RBR: u64 = 0;
const THR: u64 = 0;
const IER: u64 = 1;
const LSR: u64 = 5;
const DATA_READY: u8 = 0x01;
const THR_EMPTY: u8 = 0x20;

/// A bump allocator over the root task's empty slots.
pub struct Slots(pub u64);

impl Slots {
    pub fn next(&mut self) -> u64 {
        self.0 += 1;
        self.0 - 1
    }
}

fn device_tree(bootinfo: &'static BootInfo) -> Option<Fdt<'static>> {
    let extra = bootinfo as *const BootInfo as usize + 4096;
    // SAFETY: seL4 maps `extra_len` bytes of extra bootinfo right after the bootinfo frame;
    // the device tree follows its 16-byte header.
    let bytes = unsafe { core::slice::from_raw_parts(extra as *const u8, bootinfo.extra_len as usize) };
    Fdt::new(bytes.get(16..)?).ok()
}

fn reg(base: u64, offset: u64) -> *mut u8 {
    (base + offset) as *mut u8
}

/// Runs the echo driver until it reads `q`.
pub fn echo(bootinfo: &'static BootInfo, slots: &mut Slots) -> Result<(), &'static str> {
    let fdt = device_tree(bootinfo).ok_or("no device tree in bootinfo")?;
    let node = fdt.find_compatible(&["ns16550a"]).ok_or("no ns16550a UART in the device tree")?;
    let phys = node.reg().next().ok_or("UART without registers")?.address;
    let irq_number = node.interrupts().next().ok_or("UART without an interrupt")? as u64;

    // A frame for the UART's page, carved from the device untyped that covers it.
    let count = (bootinfo.untyped.end - bootinfo.untyped.start) as usize;
    let index = bootinfo.untyped_list[..count]
        .iter()
        .position(|d| d.is_device != 0 && d.paddr <= phys && phys < d.paddr + (1 << d.size_bits))
        .ok_or("no device untyped covers the UART")?;
    let desc = bootinfo.untyped_list[index];
    let untyped = bootinfo.untyped.start + index as u64;
    // Skip the memory below the UART's page with untyped children, largest first: each lands
    // aligned right where the previous one ended, so the frame after them is the UART's page.
    let page_offset = (phys & !0xfff) - desc.paddr;
    let mut done = 0;
    while done < page_offset {
        let bits = 63 - (page_offset - done).leading_zeros() as u64;
        cnode::untyped_retype(untyped, ObjectType::Untyped.value(), bits, ROOT, 0, 0, slots.next(), 1)
            .map_err(|_| "skipping device memory failed")?;
        done += 1 << bits;
    }
    let frame = slots.next();
    cnode::untyped_retype(untyped, ObjectType::Riscv4KPage.value(), 0, ROOT, 0, 0, frame, 1)
        .map_err(|_| "retyping the UART frame failed")?;
    // Two page tables at the same address: the first maps the gigabyte, the second its first
    // 2 MiB (each map goes to the deepest level still missing).
    for _level in 0..2 {
        let table = slots.next();
        cnode::untyped_retype(memory_untyped(bootinfo), ObjectType::RiscvPageTable.value(), 0, ROOT, 0, 0, table, 1)
            .map_err(|_| "page table")?;
        vspace::page_table_map(table, slots::CAP_INIT_THREAD_VSPACE, UART_VADDR, 0)
            .map_err(|_| "mapping a page table")?;
    }
    vspace::page_map(frame, slots::CAP_INIT_THREAD_VSPACE, UART_VADDR, CapRights::ALL_RIGHTS, 0)
        .map_err(|_| "mapping the UART")?;
    let base = UART_VADDR + (phys & 0xfff);

    // Its interrupt, delivered to a notification.
    let notification = slots.next();
    cnode::untyped_retype(memory_untyped(bootinfo), ObjectType::Notification.value(), 0, ROOT, 0, 0, notification, 1)
        .map_err(|_| "notification")?;
    let handler = slots.next();
    irq::control_get(slots::CAP_IRQ_CONTROL, irq_number, ROOT, handler, 64).map_err(|_| "IRQ handler")?;
    irq::set_notification(handler, notification).map_err(|_| "IRQ notification")?;

    println!("UART driver: {phys:#x} interrupt {irq_number} mapped at {base:#x}; echoing input, 'q' halts");
    // SAFETY: the UART's registers are mapped read-write at `base`; byte accesses only.
    unsafe { core::ptr::write_volatile(reg(base, IER), 0x01) };
    loop {
        syscall::wait(notification);
        // SAFETY: as above.
        while unsafe { core::ptr::read_volatile(reg(base, LSR)) } & DATA_READY != 0 {
            // SAFETY: as above.
            let byte = unsafe { core::ptr::read_volatile(reg(base, RBR)) };
            if byte == b'q' {
                println!();
                println!("UART driver: read 'q', done");
                return Ok(());
            }
            // SAFETY: as above.
            while unsafe { core::ptr::read_volatile(reg(base, LSR)) } & THR_EMPTY == 0 {}
            let out = if byte == b'\r' { b'\n' } else { byte };
            // SAFETY: as above.
            unsafe { core::ptr::write_volatile(reg(base, THR), out) };
        }
        irq::ack(handler).map_err(|_| "IRQ ack")?;
    }
}

/// The smallest RAM untyped of at least 64 KiB, for the driver's few kernel objects.
fn memory_untyped(bootinfo: &'static BootInfo) -> u64 {
    let count = (bootinfo.untyped.end - bootinfo.untyped.start) as usize;
    let (index, _) = bootinfo.untyped_list[..count]
        .iter()
        .enumerate()
        .filter(|(_, d)| d.is_device == 0 && d.size_bits >= 16)
        .min_by_key(|(_, d)| d.size_bits)
        .expect("RAM untyped");
    bootinfo.untyped.start + index as u64
}
