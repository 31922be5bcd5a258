//! The test command: host unit tests, then the on-target suite in QEMU, with a timeout.
//!
//! The test root task prints `test NAME ... ok|FAILED` per test and `N passed, N failed`, then
//! makes an unknown system call as its last act. seL4 stops a thread that faults with no fault
//! handler, so the harness counts one more test: the kernel must print its one-line diagnostic
//! for that thread and not panic.
use crate::bench::{Run, run_benchmark};
use crate::{build, qemu, setup};
use std::path::Path;
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(180);
const PROBE_TEST: &str = "harness::unknown_syscall_stops_only_the_caller";
const PROBE_DIAGNOSTIC: &str = "stopped: unknown syscall 4660";

/// What the console said so far.
#[derive(Default, Debug)]
pub struct Report {
    pub passed: Vec<String>,
    pub failed: Vec<String>,
    pub summary: Option<(u32, u32)>,
    pub panic: Option<String>,
    pub probe_stopped_thread: bool,
    pub probe_ran_on: bool,
}

impl Report {
    /// Takes one console line; returns true once the run has said all it will.
    pub fn feed(&mut self, line: &str) -> bool {
        let line = line.trim_end_matches('\r');
        if let Some(rest) = line.strip_prefix("test ") {
            if let Some(name) = rest.strip_suffix(" ... ok") {
                self.passed.push(name.to_string());
            } else if let Some((name, _)) = rest.split_once(" ... FAILED") {
                self.failed.push(name.to_string());
            }
        } else if let Some(summary) = parse_summary(line) {
            self.summary = Some(summary);
        } else if line.contains("kernel panic") || line.contains("root task panicked") {
            self.panic = Some(line.to_string());
        } else if line.contains(PROBE_DIAGNOSTIC) {
            self.probe_stopped_thread = true;
        } else if line.starts_with("probe: FAILED") {
            self.probe_ran_on = true;
        }
        self.panic.is_some() || self.probe_stopped_thread || self.probe_ran_on
    }

    /// Counts including the probe; `Err` says why the run cannot be trusted.
    pub fn verdict(&self) -> Result<(u32, u32), String> {
        if let Some(panic) = &self.panic {
            return Err(format!("panic: {panic}"));
        }
        let Some((passed, failed)) = self.summary else {
            return Err("the test root task never printed its summary (hang or crash)".into());
        };
        if passed as usize != self.passed.len() || failed as usize != self.failed.len() {
            return Err(format!(
                "summary says {passed} passed, {failed} failed but {} and {} test lines were printed",
                self.passed.len(),
                self.failed.len()
            ));
        }
        let probe_ok = self.probe_stopped_thread && !self.probe_ran_on;
        Ok((passed + probe_ok as u32, failed + !probe_ok as u32))
    }
}

/// `N passed, N failed` alone on a line.
pub fn parse_summary(line: &str) -> Option<(u32, u32)> {
    let (passed, failed) = line.trim().split_once(" passed, ")?;
    let failed = failed.strip_suffix(" failed")?;
    Some((passed.parse().ok()?, failed.parse().ok()?))
}

pub fn test_all(with_host_tests: bool) -> Result<(), String> {
    setup::ensure_tools()?;
    if with_host_tests {
        println!("xtask: host unit tests");
        // The workspace's host crates, then the ABI and kernel-core again in the MCS configuration.
        let runs: [&[&str]; 4] = [
            &["test", "--release"],
            &["test", "--release", "-p", "atoll-abi", "--features", "mcs"],
            &["test", "--release", "-p", "atoll-kernel-core", "--features", "mcs"],
            &["test", "--release", "-p", "atoll-abi", "--features", "hyp"],
        ];
        for args in runs {
            let status = build::cargo().args(args).status().map_err(|e| format!("cargo: {e}"))?;
            if !status.success() {
                return Err("host unit tests failed".into());
            }
        }
    }
    let artifacts = build::build_target()?;
    let image = build::image_for(&artifacts, &artifacts.tests, "tests")?;
    println!("xtask: on-target tests: {}", qemu::command_line(&image.display().to_string()));
    let (report, _) = run_suite(&image, true)?;
    let probe_ok = report.probe_stopped_thread && !report.probe_ran_on;
    println!("test {PROBE_TEST} ... {}", if probe_ok { "ok" } else { "FAILED" });
    let (passed, failed) = report.verdict()?;
    let (extra_passed, extra_failed) = tally([
        benchmark_repeats(),
        benchmark_fails_on_failed_operation(),
        mcs_benchmark_runs(),
        system_runs_typing(
            "systems/demo/demo.system",
            &[
                "atoll-init: 'calc' is now passive",
                "supervisor: child 0 faulted (fault 6, pc",
                "worker: run 3, working",
                "client: the passive calculator says 6 * 7 = 42",
                "client: tick 3 from the timer driver",
                "client: you typed 'k'",
            ],
            Some(("client: tick 3 from the timer driver", b"k")),
        ),
        system_runs(
            "systems/hello/domains.system",
            &[
                "atoll-init: domain schedule of 3 entries started",
                "left: turn 1",
                "right: turn 1",
                "left: turn 2",
                "right: turn 2",
                "left: turn 4",
                "right: turn 4",
            ],
        ),
        system_runs(
            "systems/hello/fault.system",
            &[
                "faulty: writing to address 0x10",
                "atoll-init: 'faulty' faulted: VM fault at address 0x10 (data access), pc",
                "in faulty::write_nowhere+",
                "'faulty' stays stopped",
            ],
        ),
        system_runs(
            "systems/hello/prefill.system",
            &[
                "prefilled: region of 0x1000 bytes at 0x5000000, 50 prefilled: \"Atoll prefilled this region before the PD started.\"",
            ],
        ),
        system_runs(
            "systems/hello/hello.system",
            &[
                "server: init",
                "atoll-init: 'server' is now passive",
                "client: server says 1 + 2 = 3 (reply length 1)",
                "client: server says 20 + 22 = 42 (reply length 1)",
                "peer: notified on channel 0, notifying back",
                "client: notified on channel 1; done",
            ],
        ),
        demo_echoes(&artifacts),
        configuration_passes_the_suite("mcs"),
        configuration_passes_the_suite("microkit"),
        configuration_passes_the_suite("partitioned"),
        configuration_passes_the_suite("hyp"),
        system_runs(
            "systems/hello/vm.system",
            &[
                "atoll-init: virtual machine 'guest': 1 vcpu(s), left for its VMM to start",
                "vmm: exit 1 from vcpu 1: VcpuFault, cause 10, pc 0x80000008 (SBI extension 0x10 function 0)",
                "vmm: exit 2 from vcpu 1: VmFault, cause 23, guest-physical 0x10000000, pc 0x80000014",
                "vmm: the guest shut down after 3 exits; it kept SBI version 0x2000000 from the VMM",
            ],
        ),
        linux_guest_beside_native_pds(),
        uboot_guest_runs(),
        system_runs(
            "systems/demo/bad-image.system",
            &[
                "vmm: guest kernel: guest kernel image: not a RISC-V Linux Image (no RSC\\x05 magic",
                "the VMM keeps running without a guest",
                "rt: 50 periods of 10000 us",
            ],
        ),
        isolation(true),
        isolation(false),
    ]);
    let (passed, failed) = (passed + extra_passed, failed + extra_failed);
    println!("on-target: {passed} passed, {failed} failed");
    if failed > 0 { Err(format!("{failed} on-target tests failed")) } else { Ok(()) }
}

/// Runs the test root task's image; returns its report and every console line. `echo` prints
/// the lines as they come.
fn run_suite(image: &std::path::Path, echo: bool) -> Result<(Report, Vec<String>), String> {
    let mut session = qemu::Session::start(image)?;
    let deadline = Instant::now() + TIMEOUT;
    let (mut report, mut lines) = (Report::default(), Vec::new());
    while let Some(line) = session.next_line(deadline) {
        if echo {
            println!("{line}");
        }
        let done = report.feed(&line);
        lines.push(line);
        if done {
            break;
        }
    }
    Ok((report, lines))
}

/// The whole suite in a configuration seL4 users build: `mcs` (seL4's defaults with MCS),
/// `microkit` (MCS, 17-bit root CNode, 16 domains, no device tree) and `partitioned` (without
/// MCS, 16 domains, with time protection, which adds its own tests). The root task must see the
/// configuration's root CNode, and the configuration's own tests (MCS, more than one domain,
/// time protection) must have run.
fn configuration_passes_the_suite(config: &str) -> (u32, u32) {
    let name = format!("harness::{config}_configuration_passes_the_suite");
    let outcome = (|| -> Result<String, String> {
        let settings = build::config(config)?;
        let artifacts = build::build_config(settings)?;
        let image = build::image_for(&artifacts, &artifacts.tests, "tests")?;
        let (report, lines) = run_suite(&image, false)?;
        let (passed, failed) = report.verdict()?;
        if failed != 0 {
            return Err(format!("{failed} tests failed in the {config} configuration: {:?}", report.failed));
        }
        let bits = settings.options.iter().find(|(name, _)| *name == "ATOLL_ROOT_CNODE_BITS").map_or("12", |o| o.1);
        if !lines.iter().any(|line| line.contains(&format!("root CNode: 2^{bits} slots"))) {
            return Err(format!("the root task did not see a {bits}-bit root CNode"));
        }
        let ran = |test: &str| report.passed.iter().any(|t| t == test);
        let domains = settings.options.iter().any(|(name, _)| *name == "ATOLL_NUM_DOMAINS");
        if domains && !ran("domains::idle_domain_does_not_lend_its_time") {
            return Err("the tests for more than one domain did not run".into());
        }
        if settings.mcs && !ran("mcs::passive_server_runs_on_callers_context") {
            return Err("the MCS tests did not run".into());
        }
        if settings.hyp && !ran("hyp::guest_exits_arrive_as_faults") {
            return Err("the hypervisor tests did not run".into());
        }
        if config == "partitioned" && !ran("domains::interrupt_waits_for_its_domain") {
            return Err("the time-protection tests did not run".into());
        }
        Ok(format!("{passed} tests pass"))
    })();
    report(&name, outcome)
}

/// The non-interference experiment (`apps/isolation`) in the `partitioned` configuration (time
/// protection on) or the `domains` one (off), under `-icount shift=0,sleep=off`. Storage must
/// never leak, the control (secret 0 twice) must repeat its storage record, and the positive
/// control (partitions sharing a notification) must show the secret. With time
/// protection, timing must not leak and the control must repeat exactly; without it, the
/// measured timing leak is reported.
fn isolation(time_protection: bool) -> (u32, u32) {
    let (name, config) = if time_protection {
        ("harness::isolation_with_time_protection", "partitioned")
    } else {
        ("harness::isolation_without_time_protection", "domains")
    };
    let outcome = (|| -> Result<String, String> {
        let lines = isolation_lines(config)?;
        let find = |prefix: &str| {
            lines
                .iter()
                .find_map(|l| l.split_once(prefix).map(|(_, rest)| rest.trim().to_string()))
                .ok_or_else(|| format!("no {prefix:?} line (the experiment did not finish: {:?})", lines.last()))
        };
        let protection = if time_protection { "on" } else { "off" };
        if !find("; time protection")?.starts_with(protection) {
            return Err(format!("the kernel did not run with time protection {protection}"));
        }
        let (control_storage, control_timing) = (find("control storage")?, find("control timing")?);
        let (storage, timing) = (find("isolation: storage:")?, find("isolation: timing:")?);
        if !control_storage.ends_with("identical") {
            return Err(format!("the control's storage record did not repeat: {control_storage}"));
        }
        if !storage.ends_with("(identical)") {
            return Err(format!("storage leaks: {storage}"));
        }
        // The comparison must be able to see a channel: a notification both hold is one.
        if !find("positive control")?.ends_with("yes") {
            return Err("the positive control (a shared notification) went unseen".into());
        }
        if time_protection && !control_timing.ends_with("identical") {
            return Err(format!("the control's timing record did not repeat: {control_timing}"));
        }
        if time_protection && !timing.ends_with("(identical)") {
            return Err(format!("timing leaks with time protection on: {timing}"));
        }
        let lengths = find("slice lengths:")?;
        if time_protection && !lengths.ends_with("(identical)") {
            return Err(format!("Low's slice lengths leak with time protection on: {lengths}"));
        }
        let switch = find("domain switch:")?;
        Ok(format!("storage: {storage}; timing: {timing}; control timing {control_timing}; {switch}"))
    })();
    report(name, outcome)
}

/// Runs the isolation experiment in a configuration under `-icount shift=0,sleep=off`; returns
/// its console lines.
pub fn isolation_lines(config: &str) -> Result<Vec<String>, String> {
    let artifacts = build::build_config(build::config(config)?)?;
    let image = build::image_for(&artifacts, &artifacts.isolation, "isolation")?;
    let mut session = qemu::Session::start_exact(&image)?;
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut lines = Vec::new();
    while let Some(line) = session.next_line(deadline) {
        let done = line.contains("isolation: done");
        lines.push(line);
        if done {
            break;
        }
    }
    Ok(lines)
}

/// The demo's user-level UART driver echoes what is typed and halts on `q`.
fn demo_echoes(artifacts: &build::Artifacts) -> (u32, u32) {
    let name = "harness::demo_uart_driver_echoes_input";
    let expected =
        ["Initial capabilities:", "UART driver: 0x10000000 interrupt 10", "hello atoll", "read 'q', done", "halting"];
    let outcome = (|| -> Result<(), String> {
        let image = build::image_for(artifacts, &artifacts.demo, "demo")?;
        let mut session = qemu::Session::start_interactive(&image)?;
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut found = 0;
        while let Some(line) = session.next_line(deadline) {
            if found < expected.len() && line.contains(expected[found]) {
                found += 1;
                // Type only once the driver listens: the firmware resets the UART at boot.
                if found == 2 {
                    session.type_text(b"hello atoll\rq")?;
                }
                if found == expected.len() {
                    return Ok(());
                }
            }
        }
        Err(format!("never saw {:?}", expected[found]))
    })();
    report(name, outcome.map(|()| "echoed".to_string()))
}

/// The benchmark test: a few samples of every benchmark, twice; under `-icount` the figures
/// must be identical. It checks that the benchmark works, not how fast anything is.
fn benchmark_repeats() -> (u32, u32) {
    let name = "harness::benchmark_runs_and_repeats_exactly";
    let outcome = run_benchmark(Run::Quick, false).and_then(|first| {
        let second = run_benchmark(Run::Quick, false)?;
        if first.is_empty() {
            return Err("no benchmark results".into());
        }
        if first != second {
            return Err(format!("figures differ between runs: {first:?} vs {second:?}"));
        }
        let missing = crate::bench::rows_without_sel4_figure(&first);
        if !missing.is_empty() {
            return Err(format!("no same-harness seL4 figure for {missing:?}"));
        }
        Ok(first.len())
    });
    report(name, outcome.map(|rows| format!("{rows} benchmarks, identical twice, each with a seL4 figure")))
}

/// The MCS benchmark runs: every row of the MCS kernel and root task, and each IPC row the issue
/// names has seL4's MCS figure beside it.
fn mcs_benchmark_runs() -> (u32, u32) {
    let name = "harness::mcs_benchmark_runs";
    let outcome = run_benchmark(Run::Quick, true).and_then(|rows| {
        let names: Vec<&str> = rows.iter().map(|row| row.name.as_str()).collect();
        let missing: Vec<&str> =
            crate::bench::MCS_IPC_ROWS.iter().copied().filter(|row| !names.contains(row)).collect();
        if !missing.is_empty() {
            return Err(format!("no MCS figures for {missing:?}"));
        }
        if !crate::bench::MCS_IPC_ROWS.iter().all(|row| crate::bench::has_mcs_figure(row)) {
            return Err("an MCS IPC row has no seL4 figure".into());
        }
        Ok(format!("{} benchmarks", rows.len()))
    });
    report(name, outcome)
}

/// A system built from its SDF boots, and its PDs print `expected` in that order.
fn system_runs(sdf: &str, expected: &[&str]) -> (u32, u32) {
    system_runs_typing(sdf, expected, None)
}

/// As `system_runs`; once the line `typed.0` has been seen, `typed.1` is typed on the console.
fn system_runs_typing(sdf: &str, expected: &[&str], typed: Option<(&str, &[u8])>) -> (u32, u32) {
    let name = format!("harness::system_{}_runs", Path::new(sdf).file_stem().and_then(|s| s.to_str()).unwrap_or("?"));
    let outcome = (|| -> Result<String, String> {
        let image = crate::system::image(&build::workspace_root().join(sdf))?;
        let mut session = qemu::Session::start_interactive(&image)?;
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut found = 0;
        let mut last = Vec::new();
        while let Some(line) = session.next_line(deadline) {
            if let Some((after, text)) = typed
                && line.contains(after)
            {
                session.type_text(text)?;
            }
            // One line may hold several of the expected texts, in order.
            while found < expected.len() && line.contains(expected[found]) {
                found += 1;
            }
            if found == expected.len() {
                return Ok(format!("{found} texts in order"));
            }
            last.push(line);
        }
        Err(format!("never saw {:?}; last lines: {:?}", expected[found], &last[last.len().saturating_sub(5)..]))
    })();
    report(&name, outcome)
}

/// Debian's Linux 6.12 in a virtual machine beside native PDs (`systems/demo/linux.system`): it
/// boots to its shell; `uname -a` and `/proc/cpuinfo` answer as Linux on a RISC-V hart does; a
/// read of guest-physical memory nothing backs reaches the VMM, which reports it and keeps the
/// guest running; and the real-time PD above them missed no deadline while Linux booted and
/// worked. Under `-icount shift=0,sleep=off`, so the guest's uptime at its shell is instructions.
/// Debian's U-Boot for QEMU in S-mode as the guest (`systems/demo/uboot.system`): it starts, a
/// key typed during its countdown stops the autoboot, and its `version` command answers.
fn uboot_guest_runs() -> (u32, u32) {
    system_runs_typing(
        "systems/demo/uboot.system",
        &["vmm: booting firmware", "U-Boot 2025.01", "Working FDT set to", "=> version", "U-Boot 2025.01"],
        Some(("Working FDT set to", b"\nversion\n")),
    )
}

/// `cargo xtask guest --atoll`: the Linux check on its own.
pub fn linux_check() -> Result<(), String> {
    setup::ensure_tools()?;
    match linux_guest_beside_native_pds() {
        (_, 0) => Ok(()),
        _ => Err("the Linux guest check failed".into()),
    }
}

fn linux_guest_beside_native_pds() -> (u32, u32) {
    let name = "harness::linux_guest_boots_to_a_shell_beside_native_pds";
    let outcome = (|| -> Result<String, String> {
        let image = crate::system::image(&build::workspace_root().join("systems/demo/linux.system"))?;
        let mut session = qemu::Session::start_exact_interactive(&image)?;
        let boot = crate::guest::wait_ready(&mut session, crate::guest::BOOT_TIMEOUT)?;
        let shell = crate::guest::shell_check(&mut session)?;
        if let Some((_, failed)) = shell.verdicts().into_iter().find(|(ok, _)| !ok) {
            return Err(format!("guest shell check failed: {failed}"));
        }
        let stray = crate::guest::run_command(&mut session, 3, "devmem 0x30000000 32", Duration::from_secs(60))?;
        if !stray.output.iter().any(|line| line.contains("0x00000000")) {
            return Err(format!("devmem of unbacked guest memory did not read 0: {:?}", stray.output));
        }
        if !stray.output.iter().any(|line| line.contains("vmm: guest load from unbacked guest-physical 0x30000000")) {
            return Err(format!("the VMM did not report the stray access: {:?}", stray.output));
        }
        // A storm of stray accesses: the guest, the VMM and the real-time PD carry on, and the
        // VMM's reports stay few.
        let storm = "i=0; while [ $i -lt 200 ]; do devmem 0x30000000 32 >/dev/null; i=$((i+1)); done";
        let storm = crate::guest::run_command(&mut session, 4, storm, Duration::from_secs(120))?;
        if storm.status != 0 {
            return Err(format!("the stray-access storm failed: {:?}", storm.output));
        }
        let reports = storm.output.iter().filter(|l| l.contains("unbacked guest-physical")).count();
        if reports > 8 {
            return Err(format!("the VMM reported {reports} of 200 stray accesses; it should rate-limit"));
        }
        let after = crate::guest::run_command(&mut session, 5, "uname -r", Duration::from_secs(60))?;
        // A reset: the guest asks SBI for a reboot, and the VMM boots it again.
        session.type_text(b"reboot -f\n")?;
        let again = crate::guest::wait_ready(&mut session, crate::guest::BOOT_TIMEOUT)?;
        if !again.console.iter().any(|l| l.contains("vmm: the guest reset; booting it again")) {
            return Err("the guest came back without the VMM saying it reset".into());
        }
        let is_rt = |line: &&String| line.contains("rt: ") && line.contains(" periods of ");
        let mut rt_lines: Vec<String> = boot.console.iter().chain(&again.console).filter(is_rt).cloned().collect();
        let outputs = [&shell.uname, &shell.cpuinfo, &stray.output, &storm.output, &after.output];
        rt_lines.extend(outputs.into_iter().flatten().filter(is_rt).cloned());
        let last = rt_lines.last().ok_or("the real-time PD reported nothing while Linux booted")?;
        if rt_lines.iter().any(|l| !l.contains(" 0 deadlines missed")) {
            return Err(format!("the real-time PD missed deadlines: {rt_lines:?}"));
        }
        Ok(format!(
            "Linux at its shell after {:.2} s of guest time; {}",
            boot.uptime,
            last.split_once("rt: ").map_or(last.as_str(), |(_, rest)| rest)
        ))
    })();
    report(name, outcome)
}

/// The benchmark checks what it measures: when one measured Page_Map fails (the bench root task
/// built to pass it a null cap), the run fails and names the row instead of reporting figures.
fn benchmark_fails_on_failed_operation() -> (u32, u32) {
    let name = "harness::benchmark_fails_when_a_measured_operation_fails";
    let outcome = match run_benchmark(Run::InjectedMapError, false) {
        Ok(rows) => Err(format!("reported {} rows although a Page_Map failed", rows.len())),
        Err(why) if why.contains("map_4k_page: Page_Map failed") => Ok(why),
        Err(why) => Err(format!("failed for another reason: {why}")),
    };
    report(name, outcome)
}

/// Prints a harness test's line; returns (passed, failed).
fn report(name: &str, outcome: Result<String, String>) -> (u32, u32) {
    match outcome {
        Ok(detail) => {
            println!("test {name} ... ok ({detail})");
            (1, 0)
        }
        Err(why) => {
            println!("test {name} ... FAILED: {why}");
            (0, 1)
        }
    }
}

fn tally<const N: usize>(results: [(u32, u32); N]) -> (u32, u32) {
    results.iter().fold((0, 0), |(p, f), (rp, rf)| (p + rp, f + rf))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(lines: &[&str]) -> Report {
        let mut report = Report::default();
        for line in lines {
            if report.feed(line) {
                break;
            }
        }
        report
    }

    #[test]
    fn summary_parses_only_the_exact_form() {
        assert_eq!(parse_summary("19 passed, 0 failed"), Some((19, 0)));
        assert_eq!(parse_summary("19 passed, 0 failed\r"), Some((19, 0)));
        assert_eq!(parse_summary("x passed, 0 failed"), None);
        assert_eq!(parse_summary("19 passed"), None);
    }

    #[test]
    fn clean_run_counts_the_probe() {
        let report = run(&[
            "test a ... ok",
            "test b ... ok",
            "2 passed, 0 failed",
            "probe: unknown syscall 4660",
            "atoll: thread \"rootserver\" stopped: unknown syscall 4660 at pc 0x1, no fault handler",
        ]);
        assert_eq!(report.verdict(), Ok((3, 0)));
    }

    #[test]
    fn failures_panics_and_hangs_fail() {
        let failed = run(&["test a ... FAILED: x (line 1)", "0 passed, 1 failed", "x stopped: unknown syscall 4660"]);
        assert_eq!(failed.verdict(), Ok((1, 1)));
        let panicked = run(&["test a ... ok", "atoll: kernel panic: oops"]);
        assert!(panicked.verdict().is_err());
        let hung = run(&["test a ... ok"]);
        assert!(hung.verdict().is_err());
        let ran_on = run(&["test a ... ok", "1 passed, 0 failed", "probe: FAILED, the thread ran on"]);
        assert_eq!(ran_on.verdict(), Ok((1, 1)));
        let miscounted = run(&["test a ... ok", "2 passed, 0 failed"]);
        assert!(miscounted.verdict().is_err());
    }
}
