//! The demo root task: prints what the kernel handed it, then halts the machine.
#![no_std]
#![no_main]

mod uart;

use atoll_sdk::abi::{CapType, slots};
use atoll_sdk::{BootInfo, println, syscall};

atoll_sdk::root_task!(main);

const INITIAL_CAPS: [(u64, &str); 11] = [
    (slots::CAP_INIT_THREAD_TCB, "initial thread TCB"),
    (slots::CAP_INIT_THREAD_CNODE, "root CNode"),
    (slots::CAP_INIT_THREAD_VSPACE, "VSpace"),
    (slots::CAP_IRQ_CONTROL, "IRQ control"),
    (slots::CAP_ASID_CONTROL, "ASID control"),
    (slots::CAP_INIT_THREAD_ASID_POOL, "ASID pool"),
    (slots::CAP_IO_PORT_CONTROL, "I/O port control"),
    (slots::CAP_IO_SPACE, "I/O space"),
    (slots::CAP_BOOT_INFO_FRAME, "bootinfo frame"),
    (slots::CAP_INIT_THREAD_IPC_BUFFER, "IPC buffer"),
    (slots::CAP_DOMAIN, "domain"),
];

fn type_name(tag: u64) -> &'static str {
    match CapType::from_value(tag) {
        Some(CapType::Null) | None => "null",
        Some(CapType::Frame) => "frame",
        Some(CapType::Untyped) => "untyped",
        Some(CapType::PageTable) => "page table",
        Some(CapType::Endpoint) => "endpoint",
        Some(CapType::Notification) => "notification",
        Some(CapType::Reply) => "reply",
        Some(CapType::CNode) => "CNode",
        Some(CapType::AsidControl) => "ASID control",
        Some(CapType::Thread) => "thread",
        Some(CapType::AsidPool) => "ASID pool",
        Some(CapType::IrqControl) => "IRQ control",
        Some(CapType::IrqHandler) => "IRQ handler",
        Some(CapType::Zombie) => "zombie",
        Some(CapType::Domain) => "domain",
    }
}

fn main(bootinfo: &'static BootInfo) -> ! {
    let started_at = syscall::read_cycle();
    println!("Atoll demo root task");
    println!("  entered at cycle {started_at}");
    println!("Initial capabilities:");
    for (slot, what) in INITIAL_CAPS {
        println!("  slot {slot:2} {what:<18} -> {}", type_name(syscall::debug_cap_identify(slot)));
    }
    let untypeds = &bootinfo.untyped_list[..(bootinfo.untyped.end - bootinfo.untyped.start) as usize];
    let (mut ram, mut device, mut ram_count) = (0u64, 0u64, 0);
    for desc in untypeds {
        if desc.is_device != 0 {
            device += 1 << desc.size_bits;
        } else {
            ram += 1 << desc.size_bits;
            ram_count += 1;
        }
    }
    println!(
        "Untyped memory: {} caps in slots [{}..{}): {} RAM ({} KiB), {} device ({} GiB of address space)",
        untypeds.len(),
        bootinfo.untyped.start,
        bootinfo.untyped.end,
        ram_count,
        ram / 1024,
        untypeds.len() - ram_count,
        device >> 30
    );
    for desc in untypeds.iter().filter(|d| d.is_device == 0) {
        println!(
            "  RAM {:#011x} .. {:#011x} (2^{} bytes)",
            desc.paddr,
            desc.paddr + (1 << desc.size_bits),
            desc.size_bits
        );
    }
    let frames = bootinfo.user_image_frames.end - bootinfo.user_image_frames.start;
    println!(
        "Own image: {} frames ({} KiB) in slots [{}..{}), {} page tables, IPC buffer at {:#x}",
        frames,
        frames * 4,
        bootinfo.user_image_frames.start,
        bootinfo.user_image_frames.end,
        bootinfo.user_image_paging.end - bootinfo.user_image_paging.start,
        bootinfo.ipc_buffer
    );
    println!(
        "Empty slots: [{}..{}) = {} of 2^{}",
        bootinfo.empty.start,
        bootinfo.empty.end,
        bootinfo.empty.end - bootinfo.empty.start,
        bootinfo.init_thread_cnode_size_bits
    );
    println!("Extra bootinfo: {} bytes (device tree)", bootinfo.extra_len);
    println!("Summary printed after {} cycles.", syscall::read_cycle() - started_at);
    let mut slots = uart::Slots(bootinfo.empty.start);
    if let Err(why) = uart::echo(bootinfo, &mut slots) {
        println!("UART driver failed: {why}");
    }
    println!("Demo done; halting.");
    syscall::debug_halt()
}
