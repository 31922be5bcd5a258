//! The kernel's build options (see `build.rs`): seL4's configuration variables of the same
//! meaning, with seL4's defaults.
// Some options mean nothing in one configuration (the time slice with MCS, whose budgets are
// scheduling contexts').
#[allow(dead_code)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/config.rs"));
}
pub use generated::*;

/// Whether the kernel is built with time protection.
pub const TIME_PROTECTION: bool = TIME_PROTECTION_ON == 1;

/// Whether kernel diagnostics are printed (seL4's KernelPrinting): `ATOLL_PRINTING`, and never
/// in the benchmark build.
pub const PRINTING: bool = PRINTING_ON == 1 && !cfg!(feature = "benchmark");

// Time protection pads domain switches on the non-MCS kernel tick; MCS has no tick.
const _: () = assert!(!(TIME_PROTECTION && cfg!(feature = "mcs")), "ATOLL_TIME_PROTECTION needs the non-MCS kernel");
