//! What the device tree (or, without one, the board description built into the kernel) says
//! about the machine: RAM, reserved memory, and (through the architecture) the devices the
//! kernel keeps for itself.
use crate::arch::platform;
use atoll_dtb::Fdt;
use atoll_kernel_core::{Region, RegionSet};

/// Memory regions the kernel tracks at boot.
pub const MAX_REGIONS: usize = 32;

pub struct Machine {
    /// RAM usable by the kernel and user level: memory nodes minus reserved memory.
    pub ram: RegionSet<MAX_REGIONS>,
    /// Device memory the kernel keeps for itself; never handed out as untyped.
    pub kernel_devices: RegionSet<4>,
}

fn region(r: atoll_dtb::Region) -> Option<Region> {
    Region::new(r.address, r.end()?)
}

/// What the device tree says, given where the kernel was loaded: RAM below the kernel's load
/// address belongs to the firmware, as in seL4 (its RAM starts at the kernel's physical base).
/// The architecture's platform code takes its devices from the tree as well.
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
    Machine { ram, kernel_devices: platform::init_from_device_tree(fdt) }
}

/// The built-in description, when the loader passed no device tree.
pub fn builtin(kernel_start: u64) -> Machine {
    let mut ram = RegionSet::new();
    let _ = ram.insert(platform::builtin_ram());
    if ram.remove(Region { start: 0, end: kernel_start }).is_err() {
        panic!("the firmware's memory splits RAM");
    }
    Machine { ram, kernel_devices: platform::init_builtin() }
}
