//! Builds the bare-metal crates and turns them into boot images.
use std::path::{Path, PathBuf};
use std::process::Command;

pub const TARGET: &str = "riscv64gc-unknown-none-elf";
/// Cargo profile of the bare-metal builds (see the workspace Cargo.toml).
pub const PROFILE: &str = "kernel";
const TARGET_CRATES: [&str; 5] = ["atoll-kernel", "atoll-loader", "atoll-demo", "atoll-tests", "atoll-isolation"];

pub struct Artifacts {
    /// `atoll_bootimage::FLAG_*` bits for images made from these.
    pub image_flags: u64,
    pub loader: PathBuf,
    pub kernel: PathBuf,
    pub demo: PathBuf,
    pub tests: PathBuf,
    pub isolation: PathBuf,
    /// The initialiser of SDF-described systems (MCS configurations only).
    pub init: PathBuf,
    pub out_dir: PathBuf,
}

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_path_buf()
}

pub fn cargo() -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.current_dir(workspace_root());
    command
}

/// A named set of kernel build options: a configuration seL4 users build.
pub struct Config {
    pub name: &'static str,
    pub about: &'static str,
    /// `ATOLL_*` variables for the build; `ATOLL_NO_DEVICE_TREE` is not the kernel's but the
    /// image's: its loader hands over no device tree (the test suite reads it too).
    pub options: &'static [(&'static str, &'static str)],
    /// seL4's MCS configuration: the kernel, SDK and test suite are built with their `mcs`
    /// feature (and only those root tasks that have one).
    pub mcs: bool,
    /// The RISC-V hypervisor extension: the kernel, SDK and test suite are built with their
    /// `hyp` feature (MCS configurations only).
    pub hyp: bool,
}

/// Options of the configurations seL4 Microkit's kernel is built with (with or without MCS):
/// 17-bit root CNode, 16 domains, 100 schedule entries, 2 GiB built in, no device tree.
const MICROKIT_OPTIONS: [(&str, &str); 5] = [
    ("ATOLL_ROOT_CNODE_BITS", "17"),
    ("ATOLL_NUM_DOMAINS", "16"),
    ("ATOLL_NUM_DOMAIN_SCHEDULES", "100"),
    ("ATOLL_PLATFORM_RAM_MB", "2048"),
    ("ATOLL_NO_DEVICE_TREE", "1"),
];

/// The Microkit options with time protection on.
const PARTITIONED_OPTIONS: [(&str, &str); 6] = {
    let mut options = [("ATOLL_TIME_PROTECTION", "1"); 6];
    let mut index = 0;
    while index < MICROKIT_OPTIONS.len() {
        options[index] = MICROKIT_OPTIONS[index];
        index += 1;
    }
    options
};

/// The configurations `--config` selects; the first is the default.
pub const CONFIGS: &[Config] = &[
    Config {
        name: "default",
        about: "seL4's defaults: 12-bit root CNode, one domain",
        options: &[],
        mcs: false,
        hyp: false,
    },
    Config {
        name: "release",
        about: "seL4's defaults with the kernel's diagnostics compiled out (seL4's KernelPrinting off)",
        options: &[("ATOLL_PRINTING", "0")],
        mcs: false,
        hyp: false,
    },
    Config {
        name: "sel4test",
        about: "as sel4test builds seL4: 13-bit root CNode",
        options: &[("ATOLL_ROOT_CNODE_BITS", "13")],
        mcs: false,
        hyp: false,
    },
    Config {
        name: "mcs",
        about: "seL4's defaults with MCS: scheduling contexts, reply objects, budgets and periods",
        options: &[],
        mcs: true,
        hyp: false,
    },
    Config {
        name: "sel4test-mcs",
        about: "as sel4test builds seL4 with MCS: 13-bit root CNode",
        options: &[("ATOLL_ROOT_CNODE_BITS", "13")],
        mcs: true,
        hyp: false,
    },
    Config {
        name: "microkit",
        about: "as seL4 Microkit builds seL4: MCS, 17-bit root CNode, 16 domains, 100 domain-schedule entries, \
                2 GiB of RAM built in, and a loader that passes no device tree",
        options: &MICROKIT_OPTIONS,
        mcs: true,
        hyp: false,
    },
    Config {
        name: "domains",
        about: "the microkit configuration without MCS, for partitioned systems on the kernel tick",
        options: &MICROKIT_OPTIONS,
        mcs: false,
        hyp: false,
    },
    Config {
        name: "partitioned",
        about: "the domains configuration with time protection on, for partitioned systems",
        options: &PARTITIONED_OPTIONS,
        mcs: false,
        hyp: false,
    },
    Config {
        name: "hyp",
        about: "the microkit configuration with the RISC-V hypervisor extension: VCPUs and guest address spaces \
                for virtual machines",
        options: &MICROKIT_OPTIONS,
        mcs: true,
        hyp: true,
    },
];

/// The configuration called `name`, or an error that lists them all.
pub fn config(name: &str) -> Result<&'static Config, String> {
    CONFIGS.iter().find(|c| c.name == name).ok_or_else(|| {
        let known: Vec<String> = CONFIGS.iter().map(|c| format!("{} ({})", c.name, c.about)).collect();
        format!("no configuration {name:?}; there are: {}", known.join(", "))
    })
}

/// Release builds of the kernel, loader and root tasks.
pub fn build_target() -> Result<Artifacts, String> {
    build_config(&CONFIGS[0])
}

/// As `build_target`, for a configuration; each has its own target directory.
pub fn build_config(config: &Config) -> Result<Artifacts, String> {
    let root = workspace_root().join("target");
    let dir =
        if config.options.is_empty() && !config.mcs { root } else { root.join(format!("config-{}", config.name)) };
    build_target_with(&dir, config.options, config.mcs, config.hyp)
}

/// As `build_target`, into `target_dir` with kernel build options (`ATOLL_*` variables) set,
/// in the MCS configuration if `mcs`.
pub fn build_target_with(
    target_dir: &Path,
    options: &[(&str, &str)],
    mcs: bool,
    hyp: bool,
) -> Result<Artifacts, String> {
    let mut command = cargo();
    command.args(["build", "--profile", PROFILE, "--target", TARGET, "--target-dir"]).arg(target_dir);
    if mcs {
        command.args(["-p", "atoll-kernel", "-p", "atoll-loader", "-p", "atoll-tests", "-p", "atoll-init"]);
        let hyp_features = if hyp { ",atoll-kernel/hyp,atoll-tests/hyp,atoll-init/hyp" } else { "" };
        command.args(["--features", &format!("atoll-kernel/mcs,atoll-tests/mcs{hyp_features}")]);
    } else {
        for krate in TARGET_CRATES {
            command.args(["-p", krate]);
        }
    }
    command.envs(options.iter().copied());
    let status = command.status().map_err(|e| format!("cargo: {e}"))?;
    if !status.success() {
        return Err("building the kernel and root tasks failed".into());
    }
    let dir = target_dir.join(TARGET).join(PROFILE);
    let out_dir = target_dir.join("images");
    std::fs::create_dir_all(&out_dir).map_err(|e| e.to_string())?;
    let no_device_tree = options.iter().any(|&(name, _)| name == "ATOLL_NO_DEVICE_TREE");
    Ok(Artifacts {
        image_flags: if no_device_tree { atoll_bootimage::FLAG_NO_DEVICE_TREE } else { 0 },
        loader: dir.join("atoll-loader"),
        kernel: dir.join("atoll-kernel"),
        demo: dir.join("atoll-demo"),
        tests: dir.join("atoll-tests"),
        isolation: dir.join("atoll-isolation"),
        init: dir.join("atoll-init"),
        out_dir,
    })
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

pub fn build_image_bytes(artifacts: &Artifacts, root_task: &[u8]) -> Result<Vec<u8>, String> {
    atoll_mkimage::build_image_with_flags(
        &read(&artifacts.loader)?,
        &read(&artifacts.kernel)?,
        root_task,
        artifacts.image_flags,
    )
    .map_err(|e| e.to_string())
}

/// Writes `target/images/NAME.elf` for a root task and returns its path.
pub fn image_for(artifacts: &Artifacts, root_task: &Path, name: &str) -> Result<PathBuf, String> {
    let image = build_image_bytes(artifacts, &read(root_task)?)?;
    let path = artifacts.out_dir.join(format!("{name}.elf"));
    std::fs::write(&path, image).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}
