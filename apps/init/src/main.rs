//! The initialiser of a system described by an seL4 Microkit SDF: reads the compact
//! description the builder appended to its image, builds every protection domain (objects,
//! address space, CSpace at libmicrokit's slots, scheduling context, IRQs), starts them, and
//! then serves as their monitor: it reports faults of top-level PDs and makes passive PDs
//! passive once their `init` has run. Built with `hyp`, it also builds the virtual machines
//! the description gives VMMs.
#![no_std]
#![no_main]

mod alloc;
mod build;
#[cfg(feature = "hyp")]
mod vm;

use atoll_sdk::{BootInfo, println, syscall};
use atoll_sysspec::Spec;

atoll_sdk::root_task!(main);

unsafe extern "C" {
    /// The end of this image, as the linker lays it out; the description starts at the next
    /// page (the builder puts it there).
    static _end: u8;
}

/// The description the builder appended after this image.
fn description() -> &'static [u8] {
    let start = ((&raw const _end) as usize).next_multiple_of(4096);
    let header = start as *const u64;
    // SAFETY: the builder appended the description as a loadable segment at this page, which
    // the kernel maps with the rest of the image; its fifth word is its length in bytes, and
    // Spec::parse checks the words it reads against that length.
    unsafe {
        let length = header.add(4).read();
        core::slice::from_raw_parts(start as *const u8, length as usize)
    }
}

fn main(_bootinfo: &'static BootInfo) -> ! {
    let spec = match Spec::parse(description()) {
        Ok(spec) => spec,
        Err(error) => {
            println!("atoll-init: no usable system description after the image ({error:?})");
            syscall::debug_halt()
        }
    };
    println!("atoll-init: building {} protection domains", spec.pd_count());
    let system = build::build(&spec);
    println!("atoll-init: all protection domains started");
    build::monitor(&spec, &system)
}
