//! Installs what a fresh Debian machine lacks: QEMU and the guest tools (from Debian) and the Rust
//! target.
use std::process::Command;

fn have(program: &str) -> bool {
    Command::new(program).arg("--version").output().is_ok_and(|o| o.status.success())
}

fn run(program: &str, args: &[&str]) -> Result<(), String> {
    let status = Command::new(program)
        .args(args)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status()
        .map_err(|e| format!("{program}: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("{program} {} failed: {status}", args.join(" "))) }
}

/// Programs the host needs and the Debian packages that provide them.
const HOST_TOOLS: [(&str, &str); 5] = [
    ("qemu-system-riscv64", "qemu-system-misc"),
    // For the Linux guests (`cargo xtask guest`): downloads, package index and .deb extraction.
    ("curl", "curl"),
    ("xz", "xz-utils"),
    ("dpkg-deb", "dpkg"),
    ("tar", "tar"),
];

/// Installs the missing `HOST_TOOLS` from Debian.
pub fn ensure_host_tools() -> Result<(), String> {
    let missing: Vec<&str> =
        HOST_TOOLS.iter().filter(|(program, _)| !have(program)).map(|(_, package)| *package).collect();
    if !missing.is_empty() {
        println!("xtask: installing from Debian: {}", missing.join(" "));
        let sudo =
            if Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout == b"0\n") { vec![] } else { vec!["sudo"] };
        let apt = |args: &[&str]| {
            let mut full: Vec<&str> = sudo.clone();
            full.push("apt-get");
            full.extend_from_slice(args);
            run(full[0], &full[1..])
        };
        apt(&["update", "-q"])?;
        let mut install = vec!["install", "-y", "-q"];
        install.extend_from_slice(&missing);
        apt(&install)?;
    }
    Ok(())
}

pub fn ensure_tools() -> Result<(), String> {
    ensure_host_tools()?;
    // rust-toolchain.toml names the target; this makes sure an existing toolchain has it too.
    run("rustup", &["--quiet", "target", "add", crate::build::TARGET])
}
