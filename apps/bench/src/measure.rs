//! Samples and their statistics, and the cost of reading the counter itself.
use atoll_sdk::syscall::read_cycle;

/// Warm-up iterations discarded before sampling.
pub const WARMUP: usize = 16;
pub const MAX_SAMPLES: usize = 256;

#[derive(Clone, Copy, Default)]
pub struct Stats {
    pub min: u64,
    pub max: u64,
    pub mean: u64,
    pub stddev: u64,
    pub samples: usize,
}

/// Statistics of `values` after subtracting `overhead` from each.
pub fn stats(values: &[u64], overhead: u64) -> Stats {
    let n = values.len().max(1) as u64;
    let adjusted = values.iter().map(|&v| v.saturating_sub(overhead));
    let (mut min, mut max, mut sum) = (u64::MAX, 0, 0u64);
    for v in adjusted.clone() {
        min = min.min(v);
        max = max.max(v);
        sum += v;
    }
    let mean = sum / n;
    let variance = adjusted.map(|v| (v as i64 - mean as i64).pow(2) as u64).sum::<u64>() / n;
    Stats { min, max, mean, stddev: isqrt(variance), samples: values.len() }
}

fn isqrt(value: u64) -> u64 {
    let mut root = 0u64;
    while (root + 1) * (root + 1) <= value {
        root += 1;
    }
    root
}

/// The cost of one counter read as the benchmarks use it: the least difference between two
/// reads with a store to shared memory between them.
pub fn counter_overhead() -> u64 {
    let mut best = u64::MAX;
    for _ in 0..WARMUP + MAX_SAMPLES {
        let start = read_cycle();
        crate::scenarios::record(0, start);
        let end = read_cycle();
        best = best.min(end - start);
    }
    best
}
