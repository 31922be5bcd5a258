//! The kernel's panic path: say where and why, then stop QEMU with a failure status.
use crate::arch::platform;
use core::panic::PanicInfo;

#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    crate::kalways!("atoll: kernel panic: {info}");
    platform::power_off(true)
}
