//! The machine as found in the device tree: the timebase, the interrupt controller, power-off.
use super::layout::phys_to_kernel_ptr as paddr_to_ptr;
use crate::memory::KernelCell;

#[derive(Clone, Copy)]
pub struct Platform {
    /// `time` CSR ticks per second.
    pub timebase_hz: u64,
    /// QEMU's "sifive,test" finisher, used to exit with a status.
    pub test_device: Option<u64>,
    /// The PLIC's registers, kept by the kernel.
    pub plic: Option<(u64, u64)>,
}

static PLATFORM: KernelCell<Platform> =
    KernelCell::new(Platform { timebase_hz: 10_000_000, test_device: None, plic: None });

pub fn init(platform: Platform) {
    *PLATFORM.borrow_mut() = platform;
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
