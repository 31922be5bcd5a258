//! `cargo xtask bench`: builds the benchmark kernel (diagnostics off) and root task, runs them
//! under QEMU with `-icount shift=0`, and reports instruction counts beside seL4's.
use crate::{build, qemu};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// seL4's figures, measured the same way: this benchmark's root task run unchanged as the root
/// task of seL4's own elfloader image, in the same QEMU with `-icount shift=0`; minimum of 100
/// samples, one-way instructions. The kernel is seL4 16.0.0 built as sel4bench builds it
/// (release, fastpath, non-MCS, 1000 ms tick, 500-tick slice) plus KernelPrinting, without which
/// seL4_DebugPutChar does not exist and the root task cannot report.
const SEL4_SAME_HARNESS: &[(&str, u64)] = &[
    ("call_same_as_len0", 343),
    ("replyrecv_same_as_len0", 381),
    ("call_other_as_len0", 343),
    ("replyrecv_other_as_len0", 381),
    ("call_other_as_len10", 1046),
    ("replyrecv_other_as_len10", 1027),
    ("send_prio253_to_waiting_prio254", 942),
    ("signal_to_waiting_thread", 700),
    ("yield_between_two_threads", 509),
    ("fault_round_trip_other_as", 2311),
    ("untyped_retype_4k_frame", 1112),
    ("map_4k_page", 741),
    ("unmap_4k_page", 689),
];

/// seL4's own benchmark app, sel4bench (the commit that goes with seL4 16.0.0), on seL4 16.0.0 in
/// the same QEMU, for the rows where it measures the same operation the same way. Its
/// timestamps sit 8 instructions closer to the kernel than this harness's. Its IPC servers run
/// with the FPU disabled except in its "(FPU)" rows, which exist only for length 0; this root
/// task's threads keep the FPU enabled, so only those rows compare. Its page_mapping app now
/// measures a real map.
const SEL4BENCH: &[(&str, u64)] = &[
    ("call_same_as_len0", 335),
    ("replyrecv_same_as_len0", 373),
    ("call_other_as_len0", 335),
    ("replyrecv_other_as_len0", 373),
    ("map_4k_page", 746),
];

/// seL4's MCS figures: sel4bench on seL4 16.0.0 built with MCS, same QEMU, one-way instructions
/// (its length-0 IPC rows call a passive server, its length-10 ones an active server, as this
/// root task's MCS build does). Rows measured only by this root task have none.
const SEL4BENCH_MCS: &[(&str, u64)] = &[
    ("call_same_as_len0", 363),
    ("replyrecv_same_as_len0", 443),
    ("call_other_as_len0", 363),
    ("replyrecv_other_as_len0", 443),
    ("call_other_as_len10", 2051),
    ("replyrecv_other_as_len10", 2081),
    ("send_prio253_to_waiting_prio254", 1778),
];

/// The MCS rows the issue holds to 0.8 of seL4's figure.
pub const MCS_IPC_ROWS: [&str; 7] = [
    "call_same_as_len0",
    "replyrecv_same_as_len0",
    "call_other_as_len0",
    "replyrecv_other_as_len0",
    "call_other_as_len10",
    "replyrecv_other_as_len10",
    "send_prio253_to_waiting_prio254",
];

/// The benchmark kernel's build options: sel4bench's settings (a 1000 ms tick and a 500-tick time
/// slice), so no timer interrupt falls inside a measurement.
const KERNEL_OPTIONS: [(&str, &str); 2] = [("ATOLL_TIMER_TICK_MS", "1000"), ("ATOLL_TIME_SLICE", "500")];

/// What to run.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Run {
    /// 100 samples of every benchmark.
    Full,
    /// A handful of samples: the test command's check that the benchmark works and repeats.
    Quick,
    /// Quick, with one measured Page_Map given a null cap: the check that failures are caught.
    InjectedMapError,
}

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

/// Builds and boots the benchmark image (the MCS kernel and root task if `mcs`); returns its
/// result rows.
pub fn run_benchmark(run: Run, mcs: bool) -> Result<Vec<Row>, String> {
    run_benchmark_with(run, mcs, false)
}

/// As `run_benchmark`; `hyp` builds the hypervisor kernel (with MCS) and adds the VM-exit rows.
fn run_benchmark_with(run: Run, mcs: bool, hyp: bool) -> Result<Vec<Row>, String> {
    let quick = run != Run::Full;
    let dir = build::workspace_root().join("target").join(match (mcs, hyp) {
        (_, true) => "bench-hyp",
        (true, false) => "bench-mcs",
        (false, false) => "bench",
    });
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
    if mcs || hyp {
        command.args(["--features", "atoll-kernel/mcs,atoll-bench/mcs"]);
    }
    if hyp {
        command.args(["--features", "atoll-kernel/hyp,atoll-bench/hyp"]);
    }
    if run == Run::InjectedMapError {
        command.args(["--features", "atoll-bench/inject-map-error"]);
    }
    command.envs(KERNEL_OPTIONS);
    let status = command.status().map_err(|e| format!("cargo: {e}"))?;
    if !status.success() {
        return Err("building the benchmark failed".into());
    }
    let out = dir.join(build::TARGET).join(build::PROFILE);
    let read = |name: &str| std::fs::read(out.join(name)).map_err(|e| format!("{name}: {e}"));
    let image = atoll_mkimage::build_image(&read("atoll-loader")?, &read("atoll-kernel")?, &read("atoll-bench")?)
        .map_err(|e| e.to_string())?;
    let path: PathBuf = dir.join(match run {
        Run::Full => "bench.elf",
        Run::Quick => "bench-quick.elf",
        Run::InjectedMapError => "bench-injected-error.elf",
    });
    std::fs::write(&path, image).map_err(|e| e.to_string())?;

    let mut session = qemu::Session::start(&path)?;
    let deadline = Instant::now() + Duration::from_secs(300);
    let (mut rows, mut failures, mut release_build, mut finished) = (Vec::new(), Vec::new(), false, false);
    while let Some(line) = session.next_line(deadline) {
        if line.contains(BANNER) {
            release_build = true;
        } else if line.contains("panic") {
            return Err(format!("benchmark run failed: {line}"));
        } else if let Some(failure) = line.strip_prefix("BENCH-FAIL ") {
            failures.push(failure.trim().to_string());
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
    if !failures.is_empty() {
        return Err(format!("measured operations failed, so there are no figures for: {}", failures.join("; ")));
    }
    if !finished {
        return Err("the benchmark did not finish (hang or crash)".into());
    }
    Ok(rows)
}

/// The rows that have no same-harness seL4 figure (a new benchmark needs one before it lands).
pub fn rows_without_sel4_figure(rows: &[Row]) -> Vec<String> {
    rows.iter().filter(|row| lookup(SEL4_SAME_HARNESS, &row.name).is_none()).map(|row| row.name.clone()).collect()
}

fn lookup(table: &[(&str, u64)], name: &str) -> Option<u64> {
    table.iter().find(|(row, _)| *row == name).map(|(_, value)| *value)
}

/// `cargo xtask bench`: the full run, a table and `target/bench/results.json`.
pub fn bench() -> Result<(), String> {
    let rows = run_benchmark(Run::Full, false)?;
    let options: Vec<String> = KERNEL_OPTIONS.iter().map(|(name, value)| format!("{name}={value}")).collect();
    println!();
    println!("Atoll benchmark build ({}), QEMU virt -icount shift=0", options.join(" "));
    println!("Instructions per operation, one-way; ratio = Atoll's min / seL4's min (same root task).");
    println!(
        "{:<34} {:>7} {:>7} {:>7} {:>7} {:>7} {:>6} {:>10}",
        "operation", "min", "mean", "max", "stddev", "seL4", "ratio", "sel4bench"
    );
    for row in &rows {
        let sel4 = lookup(SEL4_SAME_HARNESS, &row.name);
        let text = |value: Option<u64>| value.map_or("-".to_string(), |v| v.to_string());
        let ratio = sel4.map_or("-".to_string(), |v| format!("{:.2}", row.min as f64 / v as f64));
        println!(
            "{:<34} {:>7} {:>7} {:>7} {:>7} {:>7} {:>6} {:>10}",
            row.name,
            row.min,
            row.mean,
            row.max,
            row.stddev,
            text(sel4),
            ratio,
            text(lookup(SEL4BENCH, &row.name))
        );
    }
    println!("seL4: this benchmark's root task run unchanged on seL4 16.0.0 (release, fastpath, non-MCS,");
    println!("      sel4bench's kernel settings, printing on) in seL4's own elfloader image, same QEMU; min of 100.");
    println!("sel4bench: seL4's own benchmark on seL4 16.0.0 where it measures the same operation the same way");
    println!("      (its IPC rows with the FPU on exist only for length 0; its page_mapping app maps one page).");
    mcs_rows()?;
    vm_rows()?;
    guest_boot_rows()?;
    pd_rows()?;
    builder_scale()?;
    domain_switch_rows()?;
    let json = format!("[\n  {}\n]\n", rows.iter().map(|r| r.json.clone()).collect::<Vec<_>>().join(",\n  "));
    let path = build::workspace_root().join("target").join("bench").join("results.json");
    std::fs::write(&path, json).map_err(|e| e.to_string())?;
    println!("xtask: wrote {}", path.display());
    Ok(())
}

/// The MCS kernel and root task: every row, with seL4's MCS figure where sel4bench has one.
fn mcs_rows() -> Result<(), String> {
    let rows = run_benchmark(Run::Full, true)?;
    println!();
    println!("MCS (the benchmark kernel with MCS; length-0 IPC to a passive server, length 10 to an active one)");
    println!(
        "{:<34} {:>7} {:>7} {:>7} {:>7} {:>14} {:>6}",
        "operation", "min", "mean", "max", "stddev", "sel4bench MCS", "ratio"
    );
    for row in &rows {
        let sel4 = lookup(SEL4BENCH_MCS, &row.name);
        let ratio = sel4.map_or("-".to_string(), |v| format!("{:.2}", row.min as f64 / v as f64));
        let sel4 = sel4.map_or("-".to_string(), |v| v.to_string());
        println!(
            "{:<34} {:>7} {:>7} {:>7} {:>7} {:>14} {:>6}",
            row.name, row.min, row.mean, row.max, row.stddev, sel4, ratio
        );
    }
    println!("sel4bench MCS: seL4's own benchmark on seL4 16.0.0 with MCS, same QEMU (its timestamps sit");
    println!("      8 instructions closer to the kernel than this harness's).");
    Ok(())
}

/// The hypervisor kernel: a guest's exits to its VMM and back, timed by the guest.
fn vm_rows() -> Result<(), String> {
    let rows = run_benchmark_with(Run::Full, true, true)?;
    println!();
    println!("Virtual machines (the benchmark kernel with MCS and the H extension; the guest times each exit");
    println!("with rdcycle, the VMM root task reads and writes its registers and replies, as a VMM does)");
    println!("{:<34} {:>7} {:>7} {:>7} {:>7}", "operation", "min", "mean", "max", "stddev");
    for row in rows.iter().filter(|row| row.name.starts_with("vm_exit") || row.name == "call_same_as_len0") {
        println!("{:<34} {:>7} {:>7} {:>7} {:>7}", row.name, row.min, row.mean, row.max, row.stddev);
    }
    println!("(call_same_as_len0 on the same kernel shows what the H extension's entry and exit work costs.)");
    Ok(())
}

/// The Linux guest's boot to its shell, straight on QEMU and under Atoll (the same kernel,
/// initramfs and command line), as the guest's uptime at its ready marker under
/// `-icount shift=0,sleep=off` (one nanosecond is one instruction).
pub fn guest_boot_rows() -> Result<(), String> {
    let files = crate::guest::prepare()?;
    let direct = crate::guest::direct_boot_uptime(&files)?;
    let image = crate::system::image(&build::workspace_root().join("systems/demo/linux.system"))?;
    let mut session = qemu::Session::start_exact_interactive(&image)?;
    let atoll = crate::guest::wait_ready(&mut session, crate::guest::BOOT_TIMEOUT)?.uptime;
    drop(session);
    println!();
    println!("Linux {} to its shell (guest uptime at the ready marker; 10 ms steps):", files.linux_package);
    println!("  straight on QEMU (OpenSBI)          {direct:.2} s = {:.0} M instructions", direct * 1e3);
    println!("  under Atoll (VMM, UART driver, RT)  {atoll:.2} s = {:.0} M instructions", atoll * 1e3);
    println!("  ratio                               {:.2}", atoll / direct);
    Ok(())
}

/// Round trips between protection domains (`systems/bench/bench.system`, built with Atoll's
/// system builder and atoll-pd), in instructions.
fn pd_rows() -> Result<(), String> {
    let image = crate::system::image(&build::workspace_root().join("systems/bench/bench.system"))?;
    let mut session = qemu::Session::start(&image)?;
    let deadline = Instant::now() + Duration::from_secs(120);
    println!();
    println!("Protection domains (systems/bench/bench.system, atoll-pd, MCS kernel), instructions per round trip");
    while let Some(line) = session.next_line(deadline) {
        if let Some(row) = line.strip_prefix("BENCH-PD ") {
            if row == "done" {
                return Ok(());
            }
            println!("  {row}");
        }
    }
    Err("the PD benchmark did not finish".into())
}

/// How long the system builder takes for the largest system Microkit allows: 63 PDs, each with
/// 62 channels (one to every other PD).
fn builder_scale() -> Result<(), String> {
    let mut sdf = String::from("<system>\n");
    for pd in 0..63 {
        sdf += &format!(
            "<protection_domain name=\"pd{pd}\" priority=\"{}\"><program_image path=\"p.elf\"/></protection_domain>\n",
            1 + pd
        );
    }
    for a in 0..63u32 {
        for b in a + 1..63 {
            // A PD's channel to PD n has id n, less one past itself: ids 0..=61.
            let (id_a, id_b) = (b - 1, a);
            sdf += &format!("<channel><end pd=\"pd{a}\" id=\"{id_a}\"/><end pd=\"pd{b}\" id=\"{id_b}\"/></channel>\n");
        }
    }
    sdf += "</system>\n";
    let elf = std::fs::read(
        build::workspace_root()
            .join("target/pds/atoll-bench-system")
            .join(build::TARGET)
            .join(build::PROFILE)
            .join("echo"),
    )
    .map_err(|e| format!("echo PD: {e}"))?;
    let start = Instant::now();
    let system = atoll_sdf::parse("63x62.system", &sdf).map_err(|e| e.to_string())?;
    let description = atoll_sysbuild::encode(&system, &vec![elf; 63])?;
    let elapsed = start.elapsed();
    println!();
    println!("System builder: 63 PDs with 62 channels each (1953 channels): parsed, checked and encoded");
    println!("  in {:.1} ms ({} KiB of description)", elapsed.as_secs_f64() * 1000.0, description.len() / 1024);
    Ok(())
}

/// Whether an MCS row has a seL4 MCS figure (the IPC rows the issue names all do).
pub fn has_mcs_figure(name: &str) -> bool {
    lookup(SEL4BENCH_MCS, name).is_some()
}

/// The domain switch with and without time protection, from the isolation experiment: the
/// cycles of each 2 ms slice that Low loses to the tick and the switch into its domain.
fn domain_switch_rows() -> Result<(), String> {
    println!();
    println!("Domain switch (apps/isolation, 2 ms slices, -icount shift=0,sleep=off): cycles of each slice");
    println!("the Low partition loses to the tick and the switch into its domain.");
    let mut least = Vec::new();
    for (config, label) in [("domains", "time protection off"), ("partitioned", "time protection on")] {
        let lines = crate::harness::isolation_lines(config)?;
        let line = lines.iter().find(|l| l.contains("domain switch:")).ok_or("the isolation run did not finish")?;
        let numbers: Vec<u64> =
            line.split_whitespace().filter_map(|word| word.parse().ok()).filter(|&n| n > 2).collect();
        let (min, max) = (numbers.first().copied().unwrap_or(0), numbers.get(1).copied().unwrap_or(0));
        println!("{:<34} {:>7} {:>7}", format!("domain switch, {label}"), min, max);
        least.push(min);
    }
    if let [off, on] = least[..] {
        println!("{:<34} {:>7}", "cost of the padding", on.saturating_sub(off));
    }
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
        assert!(parse_row("BENCH-FAIL map_4k_page: Page_Map failed").is_none());
    }

    #[test]
    fn every_row_has_a_same_harness_sel4_figure() {
        let names = ["call_same_as_len0", "map_4k_page", "unmap_4k_page", "fault_round_trip_other_as"];
        assert!(names.iter().all(|name| lookup(SEL4_SAME_HARNESS, name).is_some()));
        // sel4bench for 16.0.0 maps a real page; its length-10 IPC rows run without the FPU.
        assert_eq!(lookup(SEL4BENCH, "map_4k_page"), Some(746));
        assert_eq!(lookup(SEL4BENCH, "call_other_as_len10"), None);
    }
}
