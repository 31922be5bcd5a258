//! Boot: from the loader's hand-off to the root task's first instruction.
mod devices;
mod rootserver;

use crate::arch::{cpu, timer};
use crate::{entry, kprintln, memory, sched};
use atoll_kernel_core::Region;
use rootserver::UserImage;

/// Entered from the architecture's `_start` with seL4's boot hand-off: the user image, its
/// entry, the device tree, the hart and core.
// The architecture's `_start` calls this by name, so the architecture does not import boot.
#[allow(clippy::too_many_arguments)]
#[unsafe(no_mangle)]
pub extern "C" fn boot_main(
    ui_p_start: u64,
    ui_p_end: u64,
    pv_offset: u64,
    v_entry: u64,
    dtb_paddr: u64,
    dtb_size: u64,
    hart_id: u64,
    _core_id: u64,
) -> ! {
    let entry_cycle = cpu::cycles();
    cpu::init();
    // seL4's loaders pass the hart only in SMP builds (seL4 Microkit's leaves a6 as it was), so
    // a value no hart number could have is not printed.
    if hart_id < 4096 {
        kprintln!("atoll: booting on hart {hart_id}");
    } else {
        kprintln!("atoll: booting");
    }
    if cfg!(feature = "benchmark") {
        crate::kalways!("atoll: benchmark build (diagnostics off)");
    }

    let kernel_start = rootserver::kernel_image().start;
    let (machine, dtb_bytes): (_, &[u8]) = if dtb_size == 0 {
        // As seL4 Microkit's loader: the machine is the board description built in.
        kprintln!("atoll: no device tree; using the built-in description of QEMU virt");
        (devices::builtin(kernel_start), &[])
    } else {
        // SAFETY: the loader placed the device tree here and nothing else uses that memory yet.
        let dtb_bytes = unsafe { memory::bytes(dtb_paddr, dtb_size as usize) };
        let fdt = match atoll_dtb::Fdt::new(dtb_bytes) {
            Ok(fdt) => fdt,
            Err(error) => panic!("device tree at {dtb_paddr:#x} is unreadable: {error:?}"),
        };
        (devices::discover(&fdt, kernel_start), dtb_bytes)
    };

    let image = UserImage {
        phys: Region { start: ui_p_start, end: ui_p_end },
        pv_offset,
        entry: v_entry,
        dtb: Region { start: dtb_paddr, end: dtb_paddr + dtb_size },
    };
    #[cfg(feature = "mcs")]
    sched::start_clock();
    let root_tcb = rootserver::create(&machine, &image, dtb_bytes);
    sched::set_current(root_tcb);
    timer::start();
    let user_cycle = cpu::cycles();
    kprintln!("atoll: kernel boot took {} cycles; entering the root task at {v_entry:#x}", user_cycle - entry_cycle);
    entry::schedule_and_return()
}
