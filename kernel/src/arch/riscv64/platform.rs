//! The machine, as found in the device tree or (when the loader hands over none, as seL4
//! Microkit's does) as built into the kernel for QEMU `virt`: RAM, the timebase, the interrupt
//! controller, power-off.
use super::layout::phys_to_kernel_ptr as paddr_to_ptr;
use crate::config::PLATFORM_RAM_MB;
use crate::memory::KernelCell;
use atoll_kernel_core::{Region, RegionSet};

/// QEMU `virt` (QEMU 7.2, one hart), as its device tree describes it; seL4 builds the same
/// description into its kernel from that tree. Only RAM's size varies, a build option.
mod qemu_virt {
    pub const RAM_BASE: u64 = 0x8000_0000;
    pub const PLIC: (u64, u64) = (0x0c00_0000, 0x60_0000);
    /// The PLIC's `riscv,ndev`.
    pub const PLIC_SOURCES: u64 = 95;
    pub const CLINT: (u64, u64) = (0x0200_0000, 0x1_0000);
    pub const TEST_DEVICE: u64 = 0x10_0000;
    pub const TIMEBASE_HZ: u64 = 10_000_000;
    /// Cycles per timebase tick under `-icount shift=0`: one instruction per nanosecond.
    pub const CYCLES_PER_TICK: u64 = 100;
}

/// Cycles per timebase tick, for time protection's exact padding (QEMU `virt` with icount).
pub fn cycles_per_tick() -> u64 {
    qemu_virt::CYCLES_PER_TICK
}

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
    let first_reg = |models: &[&str]| {
        let reg = fdt.find_compatible(models).and_then(|n| n.reg().next())?;
        Some((reg.address, reg.size))
    };
    let plic_models = ["riscv,plic0", "sifive,plic-1.0.0"];
    let max_irq = fdt.find_compatible(&plic_models).and_then(|n| n.property_u32("riscv,ndev")).unwrap_or(0);
    let platform = Platform {
        timebase_hz: fdt.timebase_frequency().unwrap_or(qemu_virt::TIMEBASE_HZ),
        test_device: first_reg(&["sifive,test1", "sifive,test0"]).map(|(address, _)| address),
    };
    init(platform, first_reg(&plic_models), max_irq as u64, first_reg(&["riscv,clint0", "sifive,clint0"]))
}

/// Boot without a device tree: RAM as the build option says, the rest as QEMU `virt` has it.
pub fn builtin_ram() -> Region {
    let base = qemu_virt::RAM_BASE;
    Region { start: base, end: base + (PLATFORM_RAM_MB << 20) }
}

/// As `init_from_device_tree`, from the built-in description.
pub fn init_builtin() -> RegionSet<4> {
    let platform = Platform { timebase_hz: qemu_virt::TIMEBASE_HZ, test_device: Some(qemu_virt::TEST_DEVICE) };
    init(platform, Some(qemu_virt::PLIC), qemu_virt::PLIC_SOURCES, Some(qemu_virt::CLINT))
}

/// Records the platform, starts the interrupt controller, and returns the kernel's device pages.
fn init(platform: Platform, plic: Option<(u64, u64)>, max_irq: u64, clint: Option<(u64, u64)>) -> RegionSet<4> {
    let mut kernel_devices = RegionSet::new();
    for (address, size) in [plic, clint].into_iter().flatten() {
        let region = address.checked_add(size).and_then(|end| Region::new(address, end));
        if let Some(pages) = region.and_then(|r| r.align_out(KERNEL_DEVICE_PAGE_BITS)) {
            let _ = kernel_devices.insert(pages);
        }
    }
    *PLATFORM.borrow_mut() = platform;
    if let Some((address, _)) = plic {
        super::interrupt::init(address, max_irq);
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
