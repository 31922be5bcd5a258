//! What the device tree says about the machine: RAM, reserved memory and the kernel's devices.
use crate::arch::platform::Platform;
use atoll_dtb::Fdt;
use atoll_kernel_core::{Region, RegionSet};

/// Memory regions the kernel tracks at boot.
pub const MAX_REGIONS: usize = 32;

pub struct Machine {
    /// RAM usable by the kernel and user level: memory nodes minus reserved memory.
    pub ram: RegionSet<MAX_REGIONS>,
    /// Device memory the kernel keeps for itself (the PLIC); never handed out as untyped.
    pub kernel_devices: RegionSet<4>,
    pub platform: Platform,
    /// The PLIC's highest source number ("riscv,ndev").
    pub max_irq: u64,
}

fn region(r: atoll_dtb::Region) -> Option<Region> {
    Region::new(r.address, r.end()?)
}

/// seL4 maps its kernel devices with 2 MiB pages and keeps the whole pages from user level.
const KERNEL_DEVICE_PAGE_BITS: u32 = 21;

/// What the device tree says, given where the kernel was loaded: RAM below the kernel's load
/// address belongs to the firmware, as in seL4 (its RAM starts at the kernel's physical base).
pub fn discover(fdt: &Fdt, kernel_start: u64) -> Machine {
    let mut ram = RegionSet::new();
    for r in fdt.memory_regions().filter_map(region) {
        if ram.insert(r).is_err() {
            panic!("more than {MAX_REGIONS} RAM regions in the device tree");
        }
    }
    let firmware = Region { start: 0, end: kernel_start };
    for r in fdt.reserved_regions().chain(fdt.memory_reservations()).filter_map(region).chain([firmware]) {
        if ram.remove(r).is_err() {
            panic!("reserved memory splits RAM into more than {MAX_REGIONS} regions");
        }
    }
    let first_reg = |models: &[&str]| fdt.find_compatible(models).and_then(|n| n.reg().next());
    let mut kernel_devices = RegionSet::new();
    let plic_node = fdt.find_compatible(&["riscv,plic0", "sifive,plic-1.0.0"]);
    let max_irq = plic_node.and_then(|n| n.property_u32("riscv,ndev")).unwrap_or(0) as u64;
    let plic = first_reg(&["riscv,plic0", "sifive,plic-1.0.0"]);
    // The kernel keeps the PLIC and the CLINT (seL4's kernel devices on this platform).
    let clint = first_reg(&["riscv,clint0", "sifive,clint0"]);
    for r in [plic, clint].into_iter().flatten().filter_map(region) {
        if let Some(pages) = r.align_out(KERNEL_DEVICE_PAGE_BITS) {
            let _ = kernel_devices.insert(pages);
        }
    }
    let test_device = first_reg(&["sifive,test1", "sifive,test0"]).map(|r| r.address);
    Machine {
        max_irq,
        ram,
        kernel_devices,
        platform: Platform {
            timebase_hz: fdt.timebase_frequency().unwrap_or(10_000_000),
            test_device,
            plic: plic.map(|r| (r.address, r.size)),
        },
    }
}
