//! Executable non-interference tests. A Low partition (domain 1) and a High partition (domain 2)
//! share no capability and no writable memory. High acts on a secret; Low records everything it
//! observes through the kernel: results and addresses (storage) and `rdcycle` times (timing).
//! The root task runs the experiment once per secret, from the same kernel state each time, and
//! compares Low's records. Secret 0 runs twice first, as a control: if those two runs differ,
//! the experiment itself is not repeatable and proves nothing.
//!
//! Under QEMU with `-icount shift=0,sleep=off` every run is exact, so records are either
//! bit-identical or the difference is a channel. Storage must never differ. Timing must not
//! differ in a kernel built with time protection; without it, the measured leak is reported.
#![no_std]
#![no_main]

mod high;
mod low;
mod partition;

use atoll_sdk::abi::slots;
use atoll_sdk::{BootInfo, domain, println, syscall, tcb};
use low::{SLICES, STORAGE_WORDS, TIMING_OFFSET, TIMING_WORDS, USABLE_OFFSET};
use partition::{ROOT_VIEW, Spec};

atoll_sdk::root_task!(main);

/// The kernel build option, as the harness builds this root task with the kernel's environment.
const TIME_PROTECTION: bool = match option_env!("ATOLL_TIME_PROTECTION") {
    Some(value) => value.len() == 1 && value.as_bytes()[0] == b'1',
    None => false,
};
const STORAGE: usize = SLICES * STORAGE_WORDS;
const TIMING: usize = SLICES * TIMING_WORDS;
/// The kernel tick (ATOLL_TIMER_TICK_MS, default 2), for the slice length.
const TIMER_TICK_MS: u64 = match option_env!("ATOLL_TIMER_TICK_MS") {
    Some(_) => panic!("the isolation test assumes the default 2 ms tick"),
    None => 2,
};
/// The runs: secret 0 twice (the control), then every other secret.
const RUNS: [u64; 6] = [0, 0, 1, 2, 3, 4];
/// seL4's DSCHED_MAX_DURATION.
const FOREVER: u64 = u64::MAX >> 8;

struct Records {
    storage: [u64; STORAGE],
    timing: [u64; TIMING],
    /// Cycles Low ran in each whole slice.
    usable: [u64; SLICES - 1],
}

/// One run. With `share`, the partitions also hold one notification (the positive control).
fn run(secret: u64, share: bool) -> Records {
    let done = partition::notification();
    let shared = share.then(partition::notification);
    let low = partition::build(Spec {
        domain: 1,
        entry: low::main,
        arg: share as u64,
        untyped_bits: 16,
        done: Some(done),
        shared,
    });
    let high_arg = if share { secret | high::SHARED_CHANNEL } else { secret };
    // High signals with badge 1, so Low's poll shows whether it did.
    let shared = shared.map(|slot| partition::badged(slot, 1));
    let high =
        partition::build(Spec { domain: 2, entry: high::main, arg: high_arg, untyped_bits: 20, done: None, shared });
    // One tick each for High, Low and the root task, round and round: Low's turn follows
    // High's directly, so whatever High leaves at its switch-out lands in Low's turn.
    let cap = slots::CAP_DOMAIN;
    for (index, domain) in [2, 1, 0].into_iter().enumerate() {
        domain::schedule_configure(cap, index as u64, domain, 1).expect("schedule entry");
    }
    // Start just after a tick, so every run starts at the same phase of the tick grid.
    let mut last = syscall::read_cycle();
    loop {
        let now = syscall::read_cycle();
        if now - last > 100 {
            break;
        }
        last = now;
    }
    domain::schedule_set_start(cap, 0).expect("starting the schedule");
    syscall::wait(done);
    tcb::suspend(low.tcb).expect("stopping Low");
    tcb::suspend(high.tcb).expect("stopping High");
    domain::schedule_configure(cap, 0, 0, FOREVER).expect("schedule back to domain 0");
    domain::schedule_set_start(cap, 0).expect("restarting the schedule");
    domain::schedule_configure(cap, 1, 0, 0).expect("end marker");
    domain::schedule_configure(cap, 2, 0, 0).expect("end marker");
    let view = ROOT_VIEW as *const u64;
    // SAFETY: Low's records frame is mapped at ROOT_VIEW until the arena is revoked below.
    let read = |index: usize| unsafe { view.add(index).read_volatile() };
    let records = Records {
        storage: core::array::from_fn(read),
        timing: core::array::from_fn(|index| read(TIMING_OFFSET + index)),
        usable: core::array::from_fn(|index| read(USABLE_OFFSET + index)),
    };
    partition::reset();
    records
}

/// How many of the observations differ between any runs, and the most distinct values any one
/// of them took (log2 of that bounds the bits per observation).
fn compare<const N: usize>(records: &[[u64; N]]) -> (usize, usize) {
    let (mut differing, mut most) = (0, 1);
    for index in 0..N {
        let mut values = [0u64; RUNS.len()];
        let mut distinct = 0;
        for record in records {
            if !values[..distinct].contains(&record[index]) {
                values[distinct] = record[index];
                distinct += 1;
            }
        }
        if distinct > 1 {
            differing += 1;
        }
        most = most.max(distinct);
    }
    (differing, most)
}

fn bits(distinct: usize) -> f64 {
    let mut bits = 0.0;
    let mut n = distinct;
    while n > 1 {
        bits += 1.0;
        n /= 2;
    }
    bits
}

fn main(_: &'static BootInfo) -> ! {
    println!(
        "isolation: Low (domain 1) observes while High (domain 2) acts on a secret; time protection {}",
        if TIME_PROTECTION { "on" } else { "off" }
    );
    for (secret, what) in high::SECRETS {
        println!("isolation: secret {secret}: High {what}");
    }
    partition::init();
    let mut switch_cost = (u64::MAX, 0);
    let mut usable = [[0u64; SLICES - 1]; RUNS.len()];
    let mut storage = [[0u64; STORAGE]; RUNS.len()];
    let mut timing = [[0u64; TIMING]; RUNS.len()];
    for (index, secret) in RUNS.into_iter().enumerate() {
        let records = run(secret, false);
        // A slice is one tick; what Low did not get of it went to the tick and the switch.
        let slice = 10_000_000 / 1000 * TIMER_TICK_MS * 100;
        for usable in records.usable {
            let cost = slice.saturating_sub(usable);
            switch_cost = (switch_cost.0.min(cost), switch_cost.1.max(cost));
        }
        usable[index] = records.usable;
        storage[index] = records.storage;
        timing[index] = records.timing;
        println!("isolation: run {index} (secret {secret}): storage {:x?}...", &records.storage[..STORAGE_WORDS]);
        println!("isolation: run {index} (secret {secret}): timing {:?}...", &records.timing[..TIMING_WORDS]);
    }
    let same = |equal: bool| if equal { "identical" } else { "DIFFERENT" };
    println!("isolation: control storage (secret 0 twice): {}", same(storage[0] == storage[1]));
    println!("isolation: control timing (secret 0 twice): {}", same(timing[0] == timing[1]));
    let (storage_diff, _) = compare(&storage);
    println!(
        "isolation: storage: {} of {STORAGE} observations differ across secrets{}",
        storage_diff,
        if storage_diff == 0 { " (identical)" } else { "" }
    );
    let (timing_diff, most) = compare(&timing);
    println!(
        "isolation: timing: {} of {TIMING} observations differ across secrets, up to {most} distinct values \
         (about {} bits per observation){}",
        timing_diff,
        bits(most),
        if timing_diff == 0 { " (identical)" } else { "" }
    );
    // How long Low ran in each slice is an observation too; with time protection it must not
    // differ either.
    let (usable_diff, _) = compare(&usable);
    println!(
        "isolation: slice lengths: {usable_diff} of {} differ across secrets{}",
        SLICES - 1,
        if usable_diff == 0 { " (identical)" } else { "" }
    );
    println!(
        "isolation: domain switch: Low lost {} to {} cycles of each {TIMER_TICK_MS} ms slice to the tick and the \
         switch into its domain",
        switch_cost.0, switch_cost.1
    );
    // The positive control: with a notification both hold, High's secret must show.
    let (quiet, loud) = (run(0, true), run(1, true));
    println!(
        "isolation: positive control (High signals a notification Low polls): storage differs: {}",
        if quiet.storage != loud.storage { "yes" } else { "NO" }
    );
    println!("isolation: done");
    syscall::debug_halt()
}
