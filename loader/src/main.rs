//! Atoll's boot loader: unpacks the kernel and root task, then enters the kernel as seL4's does.
//!
//! OpenSBI enters here in S-mode with the MMU off, a0 = hart id and a1 = device tree. The loader
//! places the kernel at its ELF physical address, the device tree on the next page after it, then
//! the root task's image and one page holding its program headers, exactly where seL4's own
//! elfloader puts them, turns on Sv39 with the kernel window mapped, and jumps to the kernel with
//! seL4's RISC-V hand-off registers.
#![no_std]
#![no_main]

mod console;
mod load;
mod mmu;

use core::panic::PanicInfo;

core::arch::global_asm!(
    ".section .text.entry",
    ".global _start",
    "_start:",
    "   la sp, _stack_top",
    "   j {main}",
    main = sym loader_main,
);

unsafe extern "C" {
    #[link_name = "_payload"]
    static PAYLOAD_START: u8;
    #[link_name = "_loader_start"]
    static LOADER_START: u8;
}

extern "C" fn loader_main(hart_id: usize, dtb: usize) -> ! {
    println!("atoll-loader: hart {hart_id}, device tree at {dtb:#x}");
    // Both symbols come from the linker script; only their addresses are used.
    let (loader_start, payload_start) = (&raw const LOADER_START as usize, &raw const PAYLOAD_START as usize);
    let handoff = match load::load_images(loader_start, payload_start, dtb) {
        Ok(handoff) => handoff,
        Err(error) => fail(format_args!("{error}")),
    };
    println!(
        "atoll-loader: kernel entry {:#x}, root task [{:#x}..{:#x}) entry {:#x}",
        handoff.kernel_entry, handoff.user_start, handoff.user_end, handoff.user_entry
    );
    mmu::enter_kernel(&handoff, hart_id)
}

fn fail(why: core::fmt::Arguments) -> ! {
    println!("atoll-loader: error: {why}");
    atoll_sbi::shutdown(true)
}

#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    fail(format_args!("{info}"))
}
