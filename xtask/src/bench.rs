//! `cargo xtask bench`: builds the benchmark kernel (diagnostics off) and root task, runs them
//! under QEMU with `-icount shift=0`, and reports instruction counts beside seL4's.
use crate::{build, qemu};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// seL4's figures on this platform (kernel 736bfd6a2, release, fastpath, non-MCS), from
/// sel4bench under the same QEMU, in guest instructions, one-way.
const SEL4: &[(&str, u64)] = &[
    ("call_same_as_len0", 335),
    ("replyrecv_same_as_len0", 373),
    ("call_other_as_len0", 335),
    ("replyrecv_other_as_len0", 373),
    ("call_other_as_len10", 1062),
    ("replyrecv_other_as_len10", 1025),
    ("send_prio253_to_waiting_prio254", 973),
    ("map_4k_page", 589),
];

const BANNER: &str = "atoll: benchmark build";

/// One benchmark result line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub name: String,
    pub min: u64,
    pub max: u64,
    pub mean: u64,
    pub stddev: u64,
    pub json: String,
}

fn field(json: &str, key: &str) -> Option<u64> {
    let start = json.find(&format!("\"{key}\":"))? + key.len() + 3;
    let digits: String = json[start..].chars().take_while(|c| c.is_ascii_digit()).collect();
    digits.parse().ok()
}

/// Parses `BENCH {...}` lines.
pub fn parse_row(line: &str) -> Option<Row> {
    let json = line.strip_prefix("BENCH ")?.trim();
    let name_start = json.find("\"name\":\"")? + 8;
    let name_end = name_start + json[name_start..].find('"')?;
    Some(Row {
        name: json[name_start..name_end].to_string(),
        min: field(json, "min")?,
        max: field(json, "max")?,
        mean: field(json, "mean")?,
        stddev: field(json, "stddev")?,
        json: json.to_string(),
    })
}

/// Builds and boots the benchmark image; returns its result rows.
pub fn run_benchmark(quick: bool) -> Result<Vec<Row>, String> {
    let dir = build::workspace_root().join("target").join("bench");
    let mut command = build::cargo();
    command.args(["build", "--profile", build::PROFILE, "--target", build::TARGET, "--target-dir"]).arg(&dir);
    command.args([
        "-p",
        "atoll-kernel",
        "-p",
        "atoll-loader",
        "-p",
        "atoll-bench",
        "--features",
        "atoll-kernel/benchmark",
    ]);
    if quick {
        command.args(["--features", "atoll-bench/quick"]);
    }
    let status = command.status().map_err(|e| format!("cargo: {e}"))?;
    if !status.success() {
        return Err("building the benchmark failed".into());
    }
    let out = dir.join(build::TARGET).join(build::PROFILE);
    let read = |name: &str| std::fs::read(out.join(name)).map_err(|e| format!("{name}: {e}"));
    let image = atoll_mkimage::build_image(&read("atoll-loader")?, &read("atoll-kernel")?, &read("atoll-bench")?)
        .map_err(|e| e.to_string())?;
    let path: PathBuf = dir.join(if quick { "bench-quick.elf" } else { "bench.elf" });
    std::fs::write(&path, image).map_err(|e| e.to_string())?;

    let mut session = qemu::Session::start(&path)?;
    let deadline = Instant::now() + Duration::from_secs(300);
    let (mut rows, mut release_build, mut finished) = (Vec::new(), false, false);
    while let Some(line) = session.next_line(deadline) {
        if line.contains(BANNER) {
            release_build = true;
        } else if line.contains("panic") {
            return Err(format!("benchmark run failed: {line}"));
        } else if let Some(row) = parse_row(&line) {
            rows.push(row);
        } else if line.starts_with("BENCH-END") {
            finished = true;
            break;
        }
    }
    if !release_build {
        return Err("refusing to report: the kernel that ran was not the benchmark build".into());
    }
    if !finished {
        return Err("the benchmark did not finish (hang or crash)".into());
    }
    Ok(rows)
}

/// `cargo xtask bench`: the full run, a table and `target/bench/results.json`.
pub fn bench() -> Result<(), String> {
    let rows = run_benchmark(false)?;
    println!();
    println!("Atoll benchmark build, QEMU virt -icount shift=0: instructions per operation (one-way)");
    println!(
        "{:<34} {:>8} {:>8} {:>8} {:>8} {:>8} {:>7}",
        "operation", "min", "mean", "max", "stddev", "seL4", "ratio"
    );
    for row in &rows {
        let sel4 = SEL4.iter().find(|(name, _)| *name == row.name).map(|(_, v)| *v);
        let (sel4_text, ratio) = match sel4 {
            Some(v) => (v.to_string(), format!("{:.2}", row.mean as f64 / v as f64)),
            None => ("-".into(), "-".into()),
        };
        println!(
            "{:<34} {:>8} {:>8} {:>8} {:>8} {:>8} {:>7}",
            row.name, row.min, row.mean, row.max, row.stddev, sel4_text, ratio
        );
    }
    let json = format!("[\n  {}\n]\n", rows.iter().map(|r| r.json.clone()).collect::<Vec<_>>().join(",\n  "));
    let path = build::workspace_root().join("target").join("bench").join("results.json");
    std::fs::write(&path, json).map_err(|e| e.to_string())?;
    println!("xtask: wrote {}", path.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_result_lines() {
        let row =
            parse_row("BENCH {\"name\":\"call\",\"min\":3,\"max\":9,\"mean\":5,\"stddev\":1,\"samples\":8}").unwrap();
        assert_eq!((row.name.as_str(), row.min, row.max, row.mean, row.stddev), ("call", 3, 9, 5, 1));
        assert!(parse_row("BENCH-END").is_none());
        assert!(parse_row("BENCH {\"name\":\"x\"}").is_none());
    }
}
