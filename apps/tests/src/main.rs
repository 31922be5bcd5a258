//! The on-target test root task: runs named tests, prints one line per test and a final
//! `N passed, N failed`, then probes a fault that stops it (checked by the host harness).
#![no_std]
#![no_main]

mod boot_tests;
mod cnode_tests;
mod cspace_tests;
mod domain_tests;
mod fault_tests;
mod fpu_tests;
mod framework;
#[cfg(feature = "hyp")]
mod hyp_tests;
mod ipc_tests;
mod irq_tests;
#[cfg(feature = "mcs")]
mod mcs_tests;
mod notification_tests;
mod restart_tests;
mod retype_tests;
mod sched_tests;
mod shared_buffer_tests;
mod support;
mod syscall_tests;
mod thread_tests;
mod vspace_tests;

use atoll_sdk::{BootInfo, println, syscall};
use framework::Test;

atoll_sdk::root_task!(main);

const GROUPS: &[&[Test]] = &[
    syscall_tests::TESTS,
    cnode_tests::TESTS,
    cspace_tests::TESTS,
    retype_tests::TESTS,
    ipc_tests::TESTS,
    notification_tests::TESTS,
    fault_tests::TESTS,
    thread_tests::TESTS,
    restart_tests::TESTS,
    shared_buffer_tests::TESTS,
    sched_tests::TESTS,
    domain_tests::ANY_DOMAIN,
    domain_tests::MANY_DOMAINS,
    domain_tests::TIME_PROTECTED,
    fpu_tests::TESTS,
    vspace_tests::TESTS,
    irq_tests::TESTS,
    #[cfg(feature = "mcs")]
    mcs_tests::TESTS,
    #[cfg(feature = "hyp")]
    hyp_tests::TESTS,
];

fn main(bootinfo: &'static BootInfo) -> ! {
    println!("Atoll on-target tests");
    // The boot tests see the root CNode as the kernel left it; then the root thread gets what
    // the rest need.
    let (boot_passed, boot_failed) = framework::run_all(&[boot_tests::TESTS], bootinfo);
    support::init_root_thread();
    let (passed, failed) = framework::run_all(GROUPS, bootinfo);
    let (passed, failed) = (passed + boot_passed, failed + boot_failed);
    println!("{passed} passed, {failed} failed");
    // Last, a syscall number seL4 does not have. The caller has no fault handler, so seL4 stops
    // it and the kernel goes on; the harness checks the kernel's diagnostic line.
    println!("probe: unknown syscall 4660");
    syscall::raw(4660, [0; 6]);
    println!("probe: FAILED, the thread ran on after an unknown syscall");
    syscall::debug_halt()
}
