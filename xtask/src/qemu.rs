//! Runs boot images in QEMU's RISC-V `virt` machine.
//!
//! `-icount shift=0` makes the user-readable cycle counter count guest instructions, so boot
//! and benchmark figures are exact and repeatable.
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

const ARGS: [&str; 10] = ["-machine", "virt", "-cpu", "rv64", "-m", "3072M", "-bios", "default", "-icount", "shift=0"];

fn qemu(image: &Path) -> Command {
    qemu_with(image, ARGS)
}

/// As `qemu`, with virtual time that does not follow the host while the guest idles
/// (`sleep=off`), so a run repeats bit for bit.
fn qemu_exact(image: &Path) -> Command {
    qemu_with(image, ARGS.map(|arg| if arg == "shift=0" { "shift=0,sleep=off" } else { arg }))
}

fn qemu_with(image: &Path, args: [&str; 10]) -> Command {
    let mut command = Command::new("qemu-system-riscv64");
    command.args(args).args(["-nographic", "-no-reboot", "-kernel"]).arg(image);
    command
}

pub fn command_line(image: &str) -> String {
    format!("qemu-system-riscv64 {} -nographic -kernel {image}", ARGS.join(" "))
}

/// Boots with the console on this terminal until the machine powers off.
pub fn run_interactive(image: &Path) -> Result<ExitStatus, String> {
    qemu(image).status().map_err(|e| format!("qemu-system-riscv64: {e}"))
}

/// As `run_interactive`, stopped at the first instruction with QEMU's gdbstub on TCP port 1234.
pub fn run_for_gdb(image: &Path) -> Result<ExitStatus, String> {
    qemu(image).args(["-s", "-S"]).status().map_err(|e| format!("qemu-system-riscv64: {e}"))
}

/// A QEMU run whose console lines arrive through a channel; killed when dropped.
pub struct Session {
    child: Child,
    lines: Receiver<String>,
    /// Kept open so the guest's UART sees no end of input while it runs.
    _stdin: Option<std::process::ChildStdin>,
}

impl Session {
    pub fn start(image: &Path) -> Result<Session, String> {
        Session::start_with_input(image, None)
    }

    /// As `start`, with QEMU's virtual time independent of the host (`sleep=off`).
    pub fn start_exact(image: &Path) -> Result<Session, String> {
        Session::spawn(qemu_exact(image), None)
    }

    /// As `start`, with the guest's console input connected so `type_text` can type on it.
    pub fn start_interactive(image: &Path) -> Result<Session, String> {
        Session::start_with_input(image, Some(&[]))
    }

    /// As `start_interactive`, with virtual time that does not follow the host (`sleep=off`), so
    /// what the guest measures is instructions only.
    pub fn start_exact_interactive(image: &Path) -> Result<Session, String> {
        Session::spawn(qemu_exact(image), Some(&[]))
    }

    /// As `start_interactive`, for a QEMU command line made elsewhere (a Linux guest's, with
    /// `-initrd` and `-append`).
    pub fn start_command(command: Command) -> Result<Session, String> {
        Session::spawn(command, Some(&[]))
    }

    /// Types `bytes` on the guest's console.
    pub fn type_text(&mut self, bytes: &[u8]) -> Result<(), String> {
        use std::io::Write;
        let pipe = self._stdin.as_mut().ok_or("this session has no console input")?;
        pipe.write_all(bytes).and_then(|()| pipe.flush()).map_err(|e| format!("typing into QEMU: {e}"))
    }

    fn start_with_input(image: &Path, input: Option<&[u8]>) -> Result<Session, String> {
        Session::spawn(qemu(image), input)
    }

    fn spawn(mut command: Command, input: Option<&[u8]>) -> Result<Session, String> {
        use std::io::Write;
        let mut child = command
            .stdin(if input.is_some() { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("qemu-system-riscv64: {e}"))?;
        let mut stdin = child.stdin.take();
        if let (Some(pipe), Some(bytes)) = (stdin.as_mut(), input) {
            pipe.write_all(bytes).map_err(|e| format!("typing into QEMU: {e}"))?;
            pipe.flush().map_err(|e| format!("typing into QEMU: {e}"))?;
        }
        let stdout = child.stdout.take().expect("stdout is piped");
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Ok(Session { child, lines, _stdin: stdin })
    }

    /// The next console line, or `None` at the deadline or when QEMU has exited.
    pub fn next_line(&mut self, deadline: Instant) -> Option<String> {
        let wait = deadline.checked_duration_since(Instant::now())?;
        self.lines.recv_timeout(wait.max(Duration::from_millis(1))).ok()
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
