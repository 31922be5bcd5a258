//! `cargo xtask`: sets up the machine, builds Atoll, makes boot images, runs QEMU and the tests.
//!
//! - `cargo xtask run [SYSTEM.system]`: build and boot a system described by an seL4 Microkit
//!   SDF file (default: the demo, `systems/demo/linux.system`: Debian's Linux in a virtual
//!   machine beside native PDs; `systems/demo/demo.system` is the native-only demo).
//! - `cargo xtask run --config NAME`: boot the single root-task demo in QEMU.
//! - `cargo xtask test`: host unit tests, then the on-target test suite in QEMU.
//! - `cargo xtask bench`: the benchmark build and its instruction counts beside seL4's.
//! - `cargo xtask image [--config NAME] ROOT_TASK_ELF OUTPUT`: a boot image for any seL4 root
//!   task.
//! - `cargo xtask guest [--direct | --atoll]`: Linux guest images from Debian in
//!   `target/guest/`; with `--direct`, boots the guest straight on QEMU and checks its shell
//!   (the baseline); with `--atoll`, the same check under Atoll (`systems/demo/linux.system`);
//!   with `--compare`, both boots' times to the shell and their ratio (also in `bench`).
//!
//! `--config` picks a set of kernel build options (`build::CONFIGS`: default, release, sel4test,
//! mcs, sel4test-mcs, microkit, domains, partitioned, hyp).
#![forbid(unsafe_code)]
mod bench;
mod build;
mod guest;
mod harness;
#[cfg(test)]
mod layers;
mod qemu;
mod setup;
mod system;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["run"] => run_system(DEMO, false),
        ["run", sdf] if sdf.ends_with(".system") || sdf.ends_with(".xml") => run_system(sdf, false),
        ["run", "--gdb"] => run_system(DEMO, true),
        ["run", "--gdb", sdf] => run_system(sdf, true),
        ["run", "--config", config] => run_demo(config),
        ["test"] => harness::test_all(true),
        ["test", "--target-only"] => harness::test_all(false),
        ["image", root_task, output] => make_image("default", root_task, output),
        ["image", "--config", config, root_task, output] => make_image(config, root_task, output),
        ["bench"] => setup::ensure_tools().and_then(|()| bench::bench()),
        ["guest"] => guest::prepare_command(),
        ["guest", "--direct"] => guest::direct(),
        ["guest", "--atoll"] => harness::linux_check(),
        ["guest", "--compare"] => setup::ensure_tools().and_then(|()| bench::guest_boot_rows()),
        _ => Err("usage: cargo xtask run [--gdb] [SYSTEM.system] | run --config NAME | test [--target-only] | bench \
                  | image [--config NAME] ROOT_TASK_ELF OUTPUT | guest [--direct | --atoll | --compare]"
            .to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run_demo(config: &str) -> Result<(), String> {
    let config = build::config(config)?;
    if config.mcs {
        return Err(format!(
            "the demo root task is built for the non-MCS configurations; boot an MCS root task in the {} \
             configuration with `cargo xtask image --config {} ROOT_TASK_ELF OUTPUT`",
            config.name, config.name
        ));
    }
    setup::ensure_tools()?;
    let artifacts = build::build_config(config)?;
    let image = build::image_for(&artifacts, &artifacts.demo, "demo")?;
    let status = qemu::run_interactive(&image)?;
    if status.success() { Ok(()) } else { Err(format!("QEMU exited with {status}")) }
}

/// The demo `cargo xtask run` boots: Debian's Linux in a virtual machine beside native PDs.
const DEMO: &str = "systems/demo/linux.system";

fn run_system(sdf: &str, gdb: bool) -> Result<(), String> {
    setup::ensure_tools()?;
    let path = std::path::Path::new(sdf);
    let path = if path.exists() { path.to_path_buf() } else { build::workspace_root().join(path) };
    let built = system::build_system(&path)?;
    let status = if gdb {
        // The kernel's symbols at their link addresses; the initialiser's and each PD's at theirs
        // (each PD's address space is its own, so GDB sees whichever runs).
        let mut command = String::from("gdb-multiarch -ex 'set architecture riscv:rv64'");
        for (index, file) in built.symbol_files.iter().enumerate() {
            let verb = if index == 0 { "file" } else { "add-symbol-file" };
            command += &format!(" -ex '{verb} {}'", file.display());
        }
        command += " -ex 'target remote :1234'";
        println!(
            "xtask: QEMU waits for GDB on port 1234; in another terminal:
  {command}"
        );
        qemu::run_for_gdb(&built.image)?
    } else {
        qemu::run_interactive(&built.image)?
    };
    if status.success() { Ok(()) } else { Err(format!("QEMU exited with {status}")) }
}

fn make_image(config: &str, root_task: &str, output: &str) -> Result<(), String> {
    let config = build::config(config)?;
    setup::ensure_tools()?;
    let artifacts = build::build_config(config)?;
    let root = std::fs::read(root_task).map_err(|e| format!("{root_task}: {e}"))?;
    let image = build::build_image_bytes(&artifacts, &root)?;
    std::fs::write(output, image).map_err(|e| format!("{output}: {e}"))?;
    println!("xtask: wrote {output}; boot it with: {}", qemu::command_line(output));
    Ok(())
}
