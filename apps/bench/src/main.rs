//! The benchmark root task: measures seL4 operations the way sel4bench does (warm-up, many
//! samples, the cost of reading the counter subtracted) and prints a table and JSON lines.
//!
//! Under QEMU with `-icount shift=0` the cycle counter counts instructions, so every figure is
//! an exact instruction count.
#![no_std]
#![no_main]

mod measure;
mod scenarios;
mod setup;
#[cfg(feature = "hyp")]
mod vm;

use atoll_sdk::{BootInfo, println, syscall};

atoll_sdk::root_task!(main);

fn main(_bootinfo: &'static BootInfo) -> ! {
    setup::init_root_thread();
    let samples = scenarios::sample_count();
    println!("BENCH-START samples={samples}");
    let overhead = measure::counter_overhead();
    println!("BENCH-OVERHEAD {overhead}");
    for scenario in scenarios::ALL {
        match (scenario.run)(samples, overhead) {
            Ok(stats) => println!(
                "BENCH {{\"name\":\"{}\",\"min\":{},\"max\":{},\"mean\":{},\"stddev\":{},\"samples\":{}}}",
                scenario.name, stats.min, stats.max, stats.mean, stats.stddev, stats.samples
            ),
            // No figures for operations that failed: the host reports the benchmark as failed.
            Err(what) => println!("BENCH-FAIL {}: {what}", scenario.name),
        }
    }
    println!("BENCH-END");
    syscall::debug_halt()
}
