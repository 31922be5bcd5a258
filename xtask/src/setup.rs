//! Installs what a fresh Debian machine lacks: QEMU (from Debian) and the Rust target.
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

pub fn ensure_tools() -> Result<(), String> {
    if !have("qemu-system-riscv64") {
        println!("xtask: installing QEMU from Debian (qemu-system-misc)");
        let sudo =
            if Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout == b"0\n") { vec![] } else { vec!["sudo"] };
        let apt = |args: &[&str]| {
            let mut full: Vec<&str> = sudo.clone();
            full.push("apt-get");
            full.extend_from_slice(args);
            run(full[0], &full[1..])
        };
        apt(&["update", "-q"])?;
        apt(&["install", "-y", "-q", "qemu-system-misc"])?;
    }
    // rust-toolchain.toml names the target; this makes sure an existing toolchain has it too.
    run("rustup", &["--quiet", "target", "add", crate::build::TARGET])
}
