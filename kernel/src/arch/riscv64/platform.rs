//! The machine as found in the device tree: the timebase, the interrupt controller, power-off.
use super::layout::phys_to_kernel_ptr as paddr_to_ptr;
use crate::memory::KernelCell;
use atoll_kernel_core::{Region, RegionSet};

#[derive(Clone, Copy)]
struct Platform {
    /// `time` CSR ticks per second.
    timebase_hz: u64,
    /// QEMU's "sifive,test" finisher, used to exit with a status.
    test_device: Option<u64>,
}

static PLATFORM: KernelCell<Platform> = KernelCell::new(Platform { timebase_hz: 10_000_000, test_device: None });

/// seL4 maps its kernel devices with 2 MiB pages and keeps the whole pages from user level.
const KERNEL_DEVICE_PAGE_BITS: u32 = 21;

/// Boot: finds the timebase, the PLIC, the CLINT and QEMU's test device in the device tree,
/// starts the interrupt controller, and returns the device memory the kernel keeps for itself
/// (the PLIC's and the CLINT's 2 MiB pages, seL4's kernel devices on this platform).
pub fn init_from_device_tree(fdt: &atoll_dtb::Fdt) -> RegionSet<4> {
    let first_reg = |models: &[&str]| fdt.find_compatible(models).and_then(|n| n.reg().next());
    let plic_models = ["riscv,plic0", "sifive,plic-1.0.0"];
    let max_irq = fdt.find_compatible(&plic_models).and_then(|n| n.property_u32("riscv,ndev")).unwrap_or(0);
    let plic = first_reg(&plic_models);
    let clint = first_reg(&["riscv,clint0", "sifive,clint0"]);
    let mut kernel_devices = RegionSet::new();
    for r in [plic, clint].into_iter().flatten() {
        if let Some(pages) =
            r.end().and_then(|end| Region::new(r.address, end)).and_then(|r| r.align_out(KERNEL_DEVICE_PAGE_BITS))
        {
            let _ = kernel_devices.insert(pages);
        }
    }
    *PLATFORM.borrow_mut() = Platform {
        timebase_hz: fdt.timebase_frequency().unwrap_or(10_000_000),
        test_device: first_reg(&["sifive,test1", "sifive,test0"]).map(|r| r.address),
    };
    if let Some(plic) = plic {
        super::interrupt::init(plic.address, max_irq as u64);
    }
    kernel_devices
}

/// `time` CSR ticks per second.
pub fn timebase_hz() -> u64 {
    PLATFORM.borrow_mut().timebase_hz
}

/// Stops the machine; under QEMU the exit status says whether it `failed`.
pub fn power_off(failed: bool) -> ! {
    let test_device = PLATFORM.try_borrow_mut().and_then(|p| p.test_device);
    if let Some(base) = test_device {
        // QEMU's finisher: 0x5555 = pass; 0x3333 with an exit code in the upper half = fail.
        let value: u32 = if failed { (1 << 16) | 0x3333 } else { 0x5555 };
        // SAFETY: the device tree named this MMIO register, which the kernel window maps.
        unsafe { core::ptr::write_volatile(paddr_to_ptr::<u32>(base), value) };
    }
    atoll_sbi::shutdown(failed)
}
