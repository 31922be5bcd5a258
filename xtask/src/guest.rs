//! Linux guests for the hypervisor mode: images from Debian's package archive, and a direct
//! boot on QEMU as the baseline a guest under Atoll is compared against.
//!
//! - `cargo xtask guest`: fills `target/guest/` with `Image` (Debian trixie's riscv64 Linux
//!   6.12), `initramfs.cpio` (busybox and an `/init` that prints a ready marker and starts a
//!   shell), `u-boot.bin` (U-Boot for QEMU's virt machine in S-mode) and `linux-version`.
//! - `cargo xtask guest --direct`: the same, then boots the guest directly on QEMU, waits for the
//!   marker, types a few commands on its shell and checks the replies.
//!
//! Nothing here is committed to the repository: the packages come from the archive (mirror
//! `ATOLL_DEBIAN_MIRROR`, default `http://deb.debian.org/debian`) and are checked against the
//! SHA256 sums in its index. Downloaded packages are kept in `target/guest/cache/`.
use crate::qemu::Session;
use crate::{build, qemu, setup};
use std::cmp::Ordering;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

const DEFAULT_MIRROR: &str = "http://deb.debian.org/debian";
const SUITE: &str = "trixie";
/// A cached package index younger than this is used without asking the mirror again.
const INDEX_MAX_AGE: Duration = Duration::from_secs(3600);
/// What `/init` prints once the shell is about to start; `/proc/uptime` follows it.
pub const READY_MARKER: &str = "atoll-guest: shell ready, uptime ";
/// How long a guest may take to reach the marker.
pub const BOOT_TIMEOUT: Duration = Duration::from_secs(300);
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);
/// The guest kernel's command line, the same as the VMM gives it (systems/demo/src/bin/vmm):
/// `quiet` keeps the boot log to warnings, which a serial console prints a byte at a time.
const KERNEL_COMMAND_LINE: &str = "console=ttyS0 earlycon=sbi quiet";
const UBOOT_MEMBER: &str = "./usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin";
const BUSYBOX_MEMBER: &str = "./usr/bin/busybox";

const INIT_SCRIPT: &str = "#!/bin/sh
export PATH=/bin
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo \"atoll-guest: shell ready, uptime $(cat /proc/uptime)\"
exec /bin/sh
";

/// The prepared guest.
#[derive(Debug, Clone)]
pub struct GuestFiles {
    pub dir: PathBuf,
    /// The kernel: an uncompressed RISC-V Linux `Image` (also a PE/EFI executable).
    pub image: PathBuf,
    pub initramfs: PathBuf,
    pub uboot: PathBuf,
    /// The Debian version of the kernel package, e.g. `6.12.117-1`.
    pub linux_version: String,
    /// Its package, e.g. `linux-image-6.12.117+deb13-riscv64`.
    pub linux_package: String,
}

pub fn guest_dir() -> PathBuf {
    build::workspace_root().join("target").join("guest")
}

/// `cargo xtask guest`.
pub fn prepare_command() -> Result<(), String> {
    setup::ensure_host_tools()?;
    let files = prepare()?;
    println!("xtask: guest files in {}", files.dir.display());
    println!("  Image           {} ({} {})", files.image.display(), files.linux_package, files.linux_version);
    println!("  initramfs.cpio  {}", files.initramfs.display());
    println!("  u-boot.bin      {}", files.uboot.display());
    println!("boot it directly with: {}", direct_command_line(&files));
    Ok(())
}

/// Fills `target/guest/`: see the module documentation.
pub fn prepare() -> Result<GuestFiles, String> {
    let dir = guest_dir();
    let cache = dir.join("cache");
    std::fs::create_dir_all(&cache).map_err(|e| format!("creating {}: {e}", cache.display()))?;
    let mirror = std::env::var("ATOLL_DEBIAN_MIRROR").unwrap_or_else(|_| DEFAULT_MIRROR.to_string());
    let mirror = mirror.trim_end_matches('/');

    let riscv_index = fetch_index(mirror, "riscv64", &cache)?;
    let all_index = fetch_index(mirror, "all", &cache)?;
    let linux = pick_latest(&riscv_index.text, is_linux_6_12_riscv64)
        .ok_or_else(|| format!("no package matching linux-image-6.12.*-riscv64 in {}", riscv_index.url))?;
    let busybox = pick_latest(&riscv_index.text, |name| name == "busybox-static")
        .ok_or_else(|| format!("no package busybox-static in {}", riscv_index.url))?;
    let uboot = pick_latest(&all_index.text, |name| name == "u-boot-qemu")
        .ok_or_else(|| format!("no package u-boot-qemu in {}", all_index.url))?;

    let linux_deb = fetch_package(mirror, &linux, &cache)?;
    let busybox_deb = fetch_package(mirror, &busybox, &cache)?;
    let uboot_deb = fetch_package(mirror, &uboot, &cache)?;

    let image = dir.join("Image");
    let kernel_release = linux.name.strip_prefix("linux-image-").expect("matched by is_linux_6_12_riscv64");
    extract_once(&linux_deb, &linux.sha256, &format!("./boot/vmlinux-{kernel_release}"), &image, &cache)?;
    check_riscv_image(&image)?;
    write_if_changed(&dir.join("linux-version"), format!("{}\n", linux.version).as_bytes())?;

    let uboot_bin = dir.join("u-boot.bin");
    extract_once(&uboot_deb, &uboot.sha256, UBOOT_MEMBER, &uboot_bin, &cache)?;

    let busybox_bin = cache.join("busybox");
    extract_once(&busybox_deb, &busybox.sha256, BUSYBOX_MEMBER, &busybox_bin, &cache)?;
    let busybox_bytes = std::fs::read(&busybox_bin).map_err(|e| format!("{}: {e}", busybox_bin.display()))?;
    let initramfs = dir.join("initramfs.cpio");
    if write_if_changed(&initramfs, &initramfs_archive(&busybox_bytes))? {
        println!("xtask: wrote {}", initramfs.display());
    }

    Ok(GuestFiles { dir, image, initramfs, uboot: uboot_bin, linux_version: linux.version, linux_package: linux.name })
}

/// True for the Linux 6.12 kernel packages of riscv64 (`linux-image-6.12.N+debM-riscv64`), not
/// their `-dbg` companions nor the unversioned meta-package.
pub fn is_linux_6_12_riscv64(name: &str) -> bool {
    name.strip_prefix("linux-image-6.12.")
        .and_then(|rest| rest.strip_suffix("-riscv64"))
        .is_some_and(|middle| !middle.is_empty() && middle.starts_with(|c: char| c.is_ascii_digit()))
}

// ---------------------------------------------------------------------------------------------
// The package index.

/// One paragraph of a Debian control file: `Key: value` fields, continuation lines joined to
/// their field's value with newlines.
#[derive(Debug, Default, PartialEq)]
pub struct Stanza {
    pub fields: Vec<(String, String)>,
}

impl Stanza {
    /// The value of `key` (field names are case-insensitive).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields.iter().find(|(name, _)| name.eq_ignore_ascii_case(key)).map(|(_, value)| value.as_str())
    }
}

/// The paragraphs of a `Packages` file, in order: separated by blank lines.
pub fn stanzas(text: &str) -> impl Iterator<Item = Stanza> + '_ {
    let mut lines = text.lines().peekable();
    std::iter::from_fn(move || {
        while lines.peek().is_some_and(|line| line.trim().is_empty()) {
            lines.next();
        }
        lines.peek()?;
        let mut stanza = Stanza::default();
        while let Some(line) = lines.next_if(|line| !line.trim().is_empty()) {
            if line.starts_with('#') {
                continue;
            }
            if line.starts_with([' ', '\t']) {
                if let Some((_, value)) = stanza.fields.last_mut() {
                    value.push('\n');
                    value.push_str(line.trim());
                }
            } else if let Some((key, value)) = line.split_once(':') {
                stanza.fields.push((key.trim().to_string(), value.trim().to_string()));
            }
        }
        Some(stanza)
    })
}

/// A binary package as the index describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Package {
    pub name: String,
    pub version: String,
    /// Path below the mirror's root.
    pub filename: String,
    pub sha256: String,
}

impl Package {
    fn from_stanza(stanza: &Stanza) -> Option<Package> {
        Some(Package {
            name: stanza.get("Package")?.to_string(),
            version: stanza.get("Version")?.to_string(),
            filename: stanza.get("Filename")?.to_string(),
            sha256: stanza.get("SHA256")?.to_ascii_lowercase(),
        })
    }
}

/// The package with the highest version among those whose name `wanted` accepts.
pub fn pick_latest(index: &str, wanted: impl Fn(&str) -> bool) -> Option<Package> {
    stanzas(index)
        .filter(|stanza| stanza.get("Package").is_some_and(&wanted))
        .filter_map(|stanza| Package::from_stanza(&stanza))
        .max_by(|a, b| compare_versions(&a.version, &b.version))
}

/// Compares Debian versions (`[epoch:]upstream[-revision]`) as dpkg does.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    let (epoch_a, upstream_a, revision_a) = split_version(a);
    let (epoch_b, upstream_b, revision_b) = split_version(b);
    compare_digits(epoch_a, epoch_b)
        .then_with(|| compare_part(upstream_a, upstream_b))
        .then_with(|| compare_part(revision_a, revision_b))
}

fn split_version(version: &str) -> (&str, &str, &str) {
    let (epoch, rest) = match version.split_once(':') {
        Some((epoch, rest)) if epoch.bytes().all(|b| b.is_ascii_digit()) => (epoch, rest),
        _ => ("0", version),
    };
    let (upstream, revision) = rest.rsplit_once('-').unwrap_or((rest, ""));
    (epoch, upstream, revision)
}

/// dpkg's order of the characters in the non-digit runs: `~` before the end, the end before
/// letters, letters before everything else.
fn char_order(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(b'~') => -1,
        Some(c) => i32::from(c) + 256,
    }
}

/// Alternating non-digit and digit runs; the former by `char_order`, the latter as numbers.
fn compare_part(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        while a.get(i).is_some_and(|c| !c.is_ascii_digit()) || b.get(j).is_some_and(|c| !c.is_ascii_digit()) {
            let (x, y) = (char_order(a.get(i).copied()), char_order(b.get(j).copied()));
            if x != y {
                return x.cmp(&y);
            }
            i += 1;
            j += 1;
        }
        let digits_a = a[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        let digits_b = b[j..].iter().take_while(|c| c.is_ascii_digit()).count();
        let run_a = std::str::from_utf8(&a[i..i + digits_a]).expect("ASCII digits");
        let run_b = std::str::from_utf8(&b[j..j + digits_b]).expect("ASCII digits");
        let order = compare_digits(run_a, run_b);
        if order != Ordering::Equal {
            return order;
        }
        i += digits_a;
        j += digits_b;
    }
    Ordering::Equal
}

/// Compares runs of decimal digits as numbers of any length (an empty run is zero).
fn compare_digits(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.trim_start_matches('0'), b.trim_start_matches('0'));
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

// ---------------------------------------------------------------------------------------------
// The initramfs: a cpio archive in the "newc" format the kernel unpacks.

/// Writes a cpio "newc" (`070701`) archive: each entry a 110-byte ASCII header, its name and a
/// NUL padded to 4 bytes, then its data padded to 4 bytes; `TRAILER!!!` last.
#[derive(Default)]
pub struct CpioWriter {
    bytes: Vec<u8>,
    next_inode: u32,
}

pub const MODE_DIR: u32 = 0o040000;
pub const MODE_FILE: u32 = 0o100000;
pub const MODE_SYMLINK: u32 = 0o120000;
pub const MODE_CHAR: u32 = 0o020000;

impl CpioWriter {
    pub fn new() -> CpioWriter {
        CpioWriter { bytes: Vec::new(), next_inode: 1 }
    }

    pub fn directory(&mut self, name: &str, permissions: u32) {
        self.entry(name, MODE_DIR | permissions, 2, (0, 0), &[]);
    }

    pub fn file(&mut self, name: &str, permissions: u32, data: &[u8]) {
        self.entry(name, MODE_FILE | permissions, 1, (0, 0), data);
    }

    pub fn symlink(&mut self, name: &str, target: &str) {
        self.entry(name, MODE_SYMLINK | 0o777, 1, (0, 0), target.as_bytes());
    }

    /// A device node; `mode` includes its type (`MODE_CHAR`, for instance).
    pub fn device(&mut self, name: &str, mode: u32, major: u32, minor: u32) {
        self.entry(name, mode, 1, (major, minor), &[]);
    }

    /// The archive, closed with its trailer.
    pub fn finish(mut self) -> Vec<u8> {
        self.next_inode = 0;
        self.entry("TRAILER!!!", 0, 1, (0, 0), &[]);
        self.bytes
    }

    fn entry(&mut self, name: &str, mode: u32, links: u32, rdev: (u32, u32), data: &[u8]) {
        let inode = self.next_inode;
        self.next_inode += 1;
        let size = u32::try_from(data.len()).expect("cpio newc entries are under 4 GiB");
        let name_size = u32::try_from(name.len() + 1).expect("short name");
        // ino mode uid gid nlink mtime filesize devmajor devminor rdevmajor rdevminor namesize check
        let fields = [inode, mode, 0, 0, links, 0, size, 0, 0, rdev.0, rdev.1, name_size, 0];
        self.bytes.extend_from_slice(b"070701");
        for field in fields {
            self.bytes.extend_from_slice(format!("{field:08X}").as_bytes());
        }
        self.bytes.extend_from_slice(name.as_bytes());
        self.bytes.push(0);
        self.pad();
        self.bytes.extend_from_slice(data);
        self.pad();
    }

    fn pad(&mut self) {
        while !self.bytes.len().is_multiple_of(4) {
            self.bytes.push(0);
        }
    }
}

/// The guest's initramfs around a static busybox.
pub fn initramfs_archive(busybox: &[u8]) -> Vec<u8> {
    let mut cpio = CpioWriter::new();
    for dir in ["bin", "dev", "proc", "sys", "etc"] {
        cpio.directory(dir, 0o755);
    }
    cpio.directory("tmp", 0o1777);
    cpio.directory("root", 0o700);
    cpio.device("dev/console", MODE_CHAR | 0o600, 5, 1);
    cpio.file("bin/busybox", 0o755, busybox);
    cpio.symlink("bin/sh", "busybox");
    cpio.file("init", 0o755, INIT_SCRIPT.as_bytes());
    cpio.finish()
}

// ---------------------------------------------------------------------------------------------
// Downloads and extraction.

struct Index {
    url: String,
    text: String,
}

/// `dists/trixie/main/binary-ARCH/Packages.xz`, decompressed; the cached copy when it is recent
/// or when the mirror cannot be reached.
fn fetch_index(mirror: &str, arch: &str, cache: &Path) -> Result<Index, String> {
    let url = format!("{mirror}/dists/{SUITE}/main/binary-{arch}/Packages.xz");
    let cached = cache.join(format!("Packages-{arch}.xz"));
    let age = std::fs::metadata(&cached)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|time| SystemTime::now().duration_since(time).ok());
    let fresh = age.is_some_and(|age| age < INDEX_MAX_AGE);
    if !fresh {
        println!("xtask: fetching {url}");
        if let Err(error) = download(&url, &cached) {
            if age.is_none() {
                return Err(error);
            }
            println!("xtask: warning: {error}; using the cached index {}", cached.display());
        }
    }
    let output =
        Command::new("xz").arg("-dc").arg(&cached).output().map_err(|e| format!("xz (to decompress {url}): {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "xz -dc {} failed ({}): {}",
            cached.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let text = String::from_utf8(output.stdout).map_err(|e| format!("{url}: the index is not UTF-8: {e}"))?;
    Ok(Index { url, text })
}

/// The package's `.deb` in the cache, downloaded unless a cached copy has the index's SHA256.
fn fetch_package(mirror: &str, package: &Package, cache: &Path) -> Result<PathBuf, String> {
    let basename = package.filename.rsplit('/').next().unwrap_or(&package.filename);
    let path = cache.join(basename);
    if path.exists() && sha256_of(&path)? == package.sha256 {
        return Ok(path);
    }
    let url = format!("{mirror}/{}", package.filename);
    println!("xtask: downloading {url}");
    let partial = cache.join(format!("{basename}.part"));
    download(&url, &partial)?;
    let actual = sha256_of(&partial)?;
    if actual != package.sha256 {
        let _ = std::fs::remove_file(&partial);
        return Err(format!("SHA256 mismatch for {url}: the index says {}, the download has {actual}", package.sha256));
    }
    std::fs::rename(&partial, &path).map_err(|e| format!("renaming {}: {e}", partial.display()))?;
    Ok(path)
}

/// Downloads `url` to `path` (through a temporary file, so `path` is whole or untouched).
fn download(url: &str, path: &Path) -> Result<(), String> {
    let partial = path.with_extension("download");
    let output = Command::new("curl")
        .args(["-fsSL", "--retry", "3", "-o"])
        .arg(&partial)
        .arg(url)
        .output()
        .map_err(|e| format!("curl (to download {url}): {e}"))?;
    if !output.status.success() {
        let _ = std::fs::remove_file(&partial);
        return Err(format!(
            "downloading {url} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    std::fs::rename(&partial, path).map_err(|e| format!("renaming {}: {e}", partial.display()))
}

fn sha256_of(path: &Path) -> Result<String, String> {
    let output =
        Command::new("sha256sum").arg(path).output().map_err(|e| format!("sha256sum {}: {e}", path.display()))?;
    let text = String::from_utf8_lossy(&output.stdout);
    match text.split_whitespace().next() {
        Some(hash) if output.status.success() && hash.len() == 64 => Ok(hash.to_ascii_lowercase()),
        _ => Err(format!("sha256sum {} failed: {}", path.display(), String::from_utf8_lossy(&output.stderr).trim())),
    }
}

/// Extracts `member` of the `.deb` to `output` unless an earlier run extracted it from the same
/// package (a note in the cache records the package's SHA256 and the member).
fn extract_once(deb: &Path, deb_sha256: &str, member: &str, output: &Path, cache: &Path) -> Result<(), String> {
    let name = output.file_name().expect("a file").to_string_lossy();
    let note = cache.join(format!("{name}.from"));
    let source = format!("{deb_sha256} {member}\n");
    if output.exists() && std::fs::read_to_string(&note).is_ok_and(|text| text == source) {
        return Ok(());
    }
    let data = extract_member(deb, member)?;
    let partial = output.with_extension("extracting");
    std::fs::write(&partial, &data).map_err(|e| format!("{}: {e}", partial.display()))?;
    std::fs::rename(&partial, output).map_err(|e| format!("renaming {}: {e}", partial.display()))?;
    std::fs::write(&note, source).map_err(|e| format!("{}: {e}", note.display()))?;
    println!("xtask: extracted {member} from {} to {}", deb.display(), output.display());
    Ok(())
}

/// `dpkg-deb --fsys-tarfile DEB | tar -xO MEMBER`.
fn extract_member(deb: &Path, member: &str) -> Result<Vec<u8>, String> {
    let mut dpkg = Command::new("dpkg-deb")
        .arg("--fsys-tarfile")
        .arg(deb)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("dpkg-deb: {e}"))?;
    let tar_input = dpkg.stdout.take().expect("piped");
    let tar = Command::new("tar").args(["-xO", member]).stdin(tar_input).output().map_err(|e| format!("tar: {e}"))?;
    let mut dpkg_errors = String::new();
    if let Some(mut stderr) = dpkg.stderr.take() {
        let _ = stderr.read_to_string(&mut dpkg_errors);
    }
    let dpkg_status = dpkg.wait().map_err(|e| format!("dpkg-deb: {e}"))?;
    if !dpkg_status.success() {
        return Err(format!(
            "dpkg-deb --fsys-tarfile {} failed ({dpkg_status}): {}",
            deb.display(),
            dpkg_errors.trim()
        ));
    }
    if !tar.status.success() || tar.stdout.is_empty() {
        return Err(format!(
            "extracting {member} from {} failed ({}): {}",
            deb.display(),
            tar.status,
            String::from_utf8_lossy(&tar.stderr).trim()
        ));
    }
    Ok(tar.stdout)
}

/// The RISC-V Linux `Image` header has `RSC\x05` at offset 56.
fn check_riscv_image(path: &Path) -> Result<(), String> {
    let mut header = [0u8; 64];
    std::fs::File::open(path)
        .and_then(|mut file| file.read_exact(&mut header))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if &header[56..60] != b"RSC\x05" {
        return Err(format!("{} is not a RISC-V Linux Image (no RSC\\x05 magic at offset 56)", path.display()));
    }
    Ok(())
}

/// Writes `bytes` to `path` unless it holds them already; true if it wrote.
fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<bool, String> {
    if std::fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(false);
    }
    std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(true)
}

// ---------------------------------------------------------------------------------------------
// Booting and checking a guest.

/// Boots the guest straight on QEMU and returns its uptime at the ready marker (seconds).
pub fn direct_boot_uptime(files: &GuestFiles) -> Result<f64, String> {
    let mut command = Command::new("qemu-system-riscv64");
    command.args(direct_args(files));
    let mut session = qemu::Session::start_command(command)?;
    let boot = wait_ready(&mut session, BOOT_TIMEOUT)?;
    let _ = session.type_text(b"\x01x");
    Ok(boot.uptime)
}

fn direct_args(files: &GuestFiles) -> Vec<String> {
    // sleep=off: virtual time does not follow the host while the guest idles, as in the run
    // under Atoll it is compared with (`harness`), so the uptime is instructions.
    let fixed = "-machine virt -cpu rv64 -m 256M -nographic -bios default -icount shift=0,sleep=off -kernel";
    let mut args: Vec<String> = fixed.split_whitespace().map(String::from).collect();
    args.push(files.image.display().to_string());
    args.push("-initrd".into());
    args.push(files.initramfs.display().to_string());
    args.push("-append".into());
    args.push(KERNEL_COMMAND_LINE.into());
    args
}

pub fn direct_command_line(files: &GuestFiles) -> String {
    let args: Vec<String> =
        direct_args(files).into_iter().map(|arg| if arg.contains(' ') { format!("\"{arg}\"") } else { arg }).collect();
    format!("qemu-system-riscv64 {}", args.join(" "))
}

/// The uptime in seconds in a console line carrying the ready marker.
pub fn parse_ready_marker(line: &str) -> Option<f64> {
    let (_, rest) = line.split_once(READY_MARKER)?;
    let seconds: f64 = rest.split_whitespace().next()?.parse().ok()?;
    seconds.is_finite().then_some(seconds)
}

/// What a guest said up to its ready marker.
#[derive(Debug, Default)]
pub struct Boot {
    /// Guest uptime at the marker, in seconds.
    pub uptime: f64,
    /// The console lines before the marker.
    pub console: Vec<String>,
    /// Host time from the call until the marker.
    pub wall: Duration,
}

/// Reads console lines until the ready marker.
pub fn wait_ready(session: &mut Session, timeout: Duration) -> Result<Boot, String> {
    let start = Instant::now();
    let deadline = start + timeout;
    let mut console = Vec::new();
    while let Some(line) = session.next_line(deadline) {
        let line = line.trim_end_matches('\r').to_string();
        if let Some(uptime) = parse_ready_marker(&line) {
            return Ok(Boot { uptime, console, wall: start.elapsed() });
        }
        console.push(line);
    }
    let last = console.iter().rev().take(5).rev().cloned().collect::<Vec<_>>().join("\n  ");
    Err(format!(
        "the guest did not print its ready marker within {} s (or QEMU exited); its last lines:\n  {last}",
        timeout.as_secs()
    ))
}

/// Console lines worth a look in a guest boot: errors, failures, warnings, missing things.
pub fn notable_lines(console: &[String]) -> Vec<&str> {
    const WORDS: [&str; 10] =
        ["error", "fail", "warn", "unable", "cannot", "can't", "not found", "missing", "call trace", "panic"];
    console
        .iter()
        .map(String::as_str)
        .filter(|line| {
            let lower = line.to_ascii_lowercase();
            WORDS.iter().any(|word| lower.contains(word))
        })
        .collect()
}

/// The replies of a guest's shell to the checks.
#[derive(Debug, Default)]
pub struct ShellReport {
    /// The output of `uname -a`.
    pub uname: Vec<String>,
    /// The output of `cat /proc/cpuinfo`.
    pub cpuinfo: Vec<String>,
    /// The exit statuses of the two.
    pub statuses: [u32; 2],
}

impl ShellReport {
    pub fn names_linux_6_12(&self) -> bool {
        self.uname.iter().any(|line| line.contains(" 6.12"))
    }

    pub fn shows_harts(&self) -> bool {
        self.cpuinfo.iter().any(|line| line.trim_start().starts_with("hart"))
    }

    /// `PASS`/`FAIL` lines, one a check.
    pub fn verdicts(&self) -> Vec<(bool, String)> {
        vec![
            (self.names_linux_6_12(), "uname -a names Linux 6.12".to_string()),
            (self.shows_harts(), "/proc/cpuinfo shows a hart".to_string()),
            (self.statuses == [0, 0], format!("both commands exit 0 (statuses {:?})", self.statuses)),
        ]
    }

    pub fn passed(&self) -> bool {
        self.verdicts().iter().all(|(ok, _)| *ok)
    }
}

/// Types `uname -a` and `cat /proc/cpuinfo` on a guest shell (after its ready marker) and
/// collects the replies; `Err` if the shell does not answer.
pub fn shell_check(session: &mut Session) -> Result<ShellReport, String> {
    sync_shell(session)?;
    let uname = run_command(session, 1, "uname -a", COMMAND_TIMEOUT)?;
    let cpuinfo = run_command(session, 2, "cat /proc/cpuinfo", COMMAND_TIMEOUT)?;
    Ok(ShellReport { uname: uname.output, cpuinfo: cpuinfo.output, statuses: [uname.status, cpuinfo.status] })
}

/// A command's console output and exit status.
#[derive(Debug)]
pub struct Reply {
    pub output: Vec<String>,
    pub status: u32,
}

/// The line that ends the reply of command `id`: `atoll-done-ID:STATUS`.
fn parse_done(line: &str, id: u32) -> Option<u32> {
    let (_, rest) = line.split_once(&format!("atoll-done-{id}:"))?;
    rest.trim().parse().ok()
}

/// Waits until the shell reads its input: the first command typed may arrive while `/init` is
/// still starting it.
fn sync_shell(session: &mut Session) -> Result<(), String> {
    let deadline = Instant::now() + COMMAND_TIMEOUT;
    for id in 100.. {
        if Instant::now() >= deadline {
            break;
        }
        if run_command(session, id, "true", Duration::from_secs(5)).is_ok() {
            return Ok(());
        }
    }
    Err(format!("the guest shell did not answer within {} s", COMMAND_TIMEOUT.as_secs()))
}

/// Types `command` on the guest shell and collects its output up to an end line the shell
/// prints after it (`$?` in the typed text, so the echo of the typing never looks like it).
pub fn run_command(session: &mut Session, id: u32, command: &str, timeout: Duration) -> Result<Reply, String> {
    let end = format!("echo atoll-done-{id}:$?");
    session.type_text(format!("{command}; {end}\n").as_bytes())?;
    let deadline = Instant::now() + timeout;
    let mut lines = Vec::new();
    while let Some(line) = session.next_line(deadline) {
        let line = line.trim_end_matches('\r').to_string();
        if let Some(status) = parse_done(&line, id) {
            // The shell echoes what was typed: keep only what came after that.
            if let Some(echo) = lines.iter().rposition(|l: &String| l.contains(&end)) {
                lines.drain(..=echo);
            }
            lines.retain(|l| !l.contains("atoll-done-"));
            return Ok(Reply { output: lines, status });
        }
        lines.push(line);
    }
    Err(format!("the guest shell did not finish `{command}` within {} s", timeout.as_secs()))
}

/// `cargo xtask guest --direct`: the baseline boot, straight on QEMU with OpenSBI.
pub fn direct() -> Result<(), String> {
    setup::ensure_host_tools()?;
    let files = prepare()?;
    let command_line = direct_command_line(&files);
    println!("xtask: booting {} directly: {command_line}", files.linux_package);
    let mut command = Command::new("qemu-system-riscv64");
    command.args(direct_args(&files));
    let started = Instant::now();
    let mut session = qemu::Session::start_command(command)?;
    let boot = wait_ready(&mut session, BOOT_TIMEOUT);
    let log = files.dir.join("direct-console.log");
    let boot = match boot {
        Ok(boot) => boot,
        Err(error) => return Err(format!("direct boot: {error}")),
    };
    println!(
        "xtask: ready marker after {:.1} s wall-clock; guest uptime {:.2} s = {} instructions (-icount shift=0, \
         idle time included)",
        boot.wall.as_secs_f64(),
        boot.uptime,
        (boot.uptime * 1e9).round() as u64
    );
    let report = shell_check(&mut session);
    let total = started.elapsed();
    let _ = session.type_text(b"\x01x");
    drop(session);

    let mut text = boot.console.join("\n");
    text.push('\n');
    if let Ok(report) = &report {
        text += &format!(
            "--- uname -a\n{}\n--- cat /proc/cpuinfo\n{}\n",
            report.uname.join("\n"),
            report.cpuinfo.join("\n")
        );
    }
    std::fs::write(&log, text).map_err(|e| format!("{}: {e}", log.display()))?;
    let notable = notable_lines(&boot.console);
    println!("xtask: console log in {} ({} lines before the marker)", log.display(), boot.console.len());
    if !notable.is_empty() {
        println!("xtask: notable console lines:");
        for line in notable {
            println!("  {line}");
        }
    }
    let report = report?;
    for line in &report.uname {
        println!("  uname: {line}");
    }
    for (ok, check) in report.verdicts() {
        println!("{} {check}", if ok { "PASS" } else { "FAIL" });
    }
    println!("xtask: direct boot and checks took {:.1} s wall-clock", total.as_secs_f64());
    if report.passed() { Ok(()) } else { Err("the direct guest failed its shell checks".into()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INDEX: &str = "Package: linux-image-6.12.9+deb13-riscv64
Version: 6.12.9-1
Filename: pool/main/l/linux/linux-image-6.12.9+deb13-riscv64_6.12.9-1_riscv64.deb
SHA256: AAAA
Description: Linux 6.12 for 64-bit RISC-V platforms
 A continuation line.
 .
 Another.

Package: linux-image-6.12.10+deb13-riscv64
Version: 6.12.10-1
Filename: pool/main/l/linux/linux-image-6.12.10+deb13-riscv64_6.12.10-1_riscv64.deb
SHA256: bbbb

Package: linux-image-6.12.11+deb13-riscv64-dbg
Version: 6.12.11-1
Filename: pool/main/l/linux/dbg.deb
SHA256: cccc

Package: linux-image-riscv64
Version: 6.12.99-1
Filename: pool/main/l/linux/meta.deb
SHA256: dddd


Package: busybox-static
Version: 1:1.37.0-6+b9
Filename: pool/main/b/busybox/busybox-static_1.37.0-6+b9_riscv64.deb
SHA256: eeee
";

    #[test]
    fn parses_stanzas_and_continuation_lines() {
        let all: Vec<Stanza> = stanzas(INDEX).collect();
        assert_eq!(all.len(), 5);
        assert_eq!(all[0].get("package"), Some("linux-image-6.12.9+deb13-riscv64"));
        assert_eq!(
            all[0].get("Description"),
            Some("Linux 6.12 for 64-bit RISC-V platforms\nA continuation line.\n.\nAnother.")
        );
        assert_eq!(all[4].get("Version"), Some("1:1.37.0-6+b9"));
        assert_eq!(all[4].get("Size"), None);
        assert_eq!(stanzas("\n\n").count(), 0);
        assert_eq!(stanzas("A: b\r\n\r\nC: d").count(), 2);
    }

    #[test]
    fn picks_the_newest_linux_6_12() {
        let linux = pick_latest(INDEX, is_linux_6_12_riscv64).unwrap();
        assert_eq!(linux.name, "linux-image-6.12.10+deb13-riscv64");
        assert_eq!(linux.version, "6.12.10-1");
        assert!(linux.filename.ends_with("_6.12.10-1_riscv64.deb"));
        assert_eq!(linux.sha256, "bbbb");
        assert_eq!(pick_latest(INDEX, |n| n == "busybox-static").unwrap().sha256, "eeee");
        assert_eq!(pick_latest(INDEX, |n| n == "u-boot-qemu"), None);
    }

    #[test]
    fn matches_only_versioned_riscv64_kernels() {
        assert!(is_linux_6_12_riscv64("linux-image-6.12.117+deb13-riscv64"));
        assert!(!is_linux_6_12_riscv64("linux-image-6.12.117+deb13-riscv64-dbg"));
        assert!(!is_linux_6_12_riscv64("linux-image-riscv64"));
        assert!(!is_linux_6_12_riscv64("linux-image-6.1.0-1-riscv64"));
        assert!(!is_linux_6_12_riscv64("linux-image-6.12.-riscv64"));
    }

    #[test]
    fn compares_versions_as_dpkg_does() {
        use Ordering::*;
        let cases = [
            ("6.12.117-1", "6.12.107-1", Greater),
            ("6.12.9-1", "6.12.10-1", Less),
            ("1.0", "1.0", Equal),
            ("1.0", "1.0-0", Equal),
            ("1.0", "1.0.1", Less),
            ("1.0~rc1", "1.0", Less),
            ("1.0~rc1", "1.0~rc2", Less),
            ("1.0~~", "1.0~", Less),
            ("1.0a", "1.0", Greater),
            ("1.0+b1", "1.0", Greater),
            ("1.0a", "1.0+", Less),
            ("1:0.1", "2.0", Greater),
            ("0:2.0", "2.0", Equal),
            ("1.0-1", "1.0-2", Less),
            ("1.0-10", "1.0-9", Greater),
            ("1.001", "1.1", Equal),
            ("2025.01-3+deb13u1", "2025.01-3", Greater),
            ("1.37.0-6+b9", "1.37.0-6+b10", Less),
            ("99999999999999999999.1", "99999999999999999998.9", Greater),
        ];
        for (a, b, expected) in cases {
            assert_eq!(compare_versions(a, b), expected, "{a} vs {b}");
            assert_eq!(compare_versions(b, a), expected.reverse(), "{b} vs {a}");
        }
    }

    /// The entries of a newc archive: (name, fields, data); checks the layout on the way.
    fn read_cpio(bytes: &[u8]) -> Vec<(String, [u32; 13], Vec<u8>)> {
        let mut entries = Vec::new();
        let mut at = 0;
        loop {
            assert_eq!(at % 4, 0);
            assert_eq!(&bytes[at..at + 6], b"070701");
            let mut fields = [0u32; 13];
            for (i, field) in fields.iter_mut().enumerate() {
                let text = std::str::from_utf8(&bytes[at + 6 + 8 * i..at + 14 + 8 * i]).unwrap();
                assert!(text.bytes().all(|b| b.is_ascii_hexdigit()), "{text}");
                *field = u32::from_str_radix(text, 16).unwrap();
            }
            let name_size = fields[11] as usize;
            let name_start = at + 110;
            assert_eq!(bytes[name_start + name_size - 1], 0, "name ends in NUL");
            let name = String::from_utf8(bytes[name_start..name_start + name_size - 1].to_vec()).unwrap();
            let data_start = (name_start + name_size).next_multiple_of(4);
            assert!(bytes[name_start + name_size..data_start].iter().all(|&b| b == 0));
            let data_end = data_start + fields[6] as usize;
            let data = bytes[data_start..data_end].to_vec();
            at = data_end.next_multiple_of(4);
            assert!(bytes[data_end..at].iter().all(|&b| b == 0));
            let last = name == "TRAILER!!!";
            entries.push((name, fields, data));
            if last {
                assert_eq!(at, bytes.len(), "nothing after the trailer");
                return entries;
            }
        }
    }

    #[test]
    fn cpio_header_layout() {
        let mut cpio = CpioWriter::new();
        cpio.file("abc", 0o644, b"hello");
        let bytes = cpio.finish();
        // 110-byte header + "abc\0" = 114, padded to 116; 5 data bytes padded to 8.
        assert_eq!(&bytes[..6], b"070701");
        assert_eq!(&bytes[6..14], b"00000001", "inode");
        assert_eq!(&bytes[14..22], b"000081A4", "mode");
        assert_eq!(&bytes[54..62], b"00000005", "filesize");
        assert_eq!(&bytes[94..102], b"00000004", "namesize");
        assert_eq!(&bytes[110..116], b"abc\0\0\0");
        assert_eq!(&bytes[116..124], b"hello\0\0\0");
        assert_eq!(&bytes[124..130], b"070701");
        assert_eq!(&bytes[234..245], b"TRAILER!!!\0");
        assert_eq!(bytes.len(), 124 + 110 + 11 + 3);
    }

    #[test]
    fn cpio_padding_for_every_name_length() {
        let mut cpio = CpioWriter::new();
        let names = ["a", "ab", "abc", "abcd", "abcde"];
        for (i, name) in names.iter().enumerate() {
            cpio.file(name, 0o600, &vec![b'x'; i]);
        }
        let entries = read_cpio(&cpio.finish());
        assert_eq!(entries.len(), names.len() + 1);
        for (i, name) in names.iter().enumerate() {
            assert_eq!(entries[i].0, *name);
            assert_eq!(entries[i].2, vec![b'x'; i]);
        }
    }

    #[test]
    fn initramfs_contents() {
        let busybox = b"\x7fELF pretend busybox".to_vec();
        let entries = read_cpio(&initramfs_archive(&busybox));
        let find = |name: &str| entries.iter().find(|(n, ..)| n == name).unwrap_or_else(|| panic!("{name}"));
        for dir in ["bin", "dev", "proc", "sys", "tmp", "root", "etc"] {
            assert_eq!(find(dir).1[1] & 0o170000, MODE_DIR, "{dir}");
        }
        let console = find("dev/console");
        assert_eq!(console.1[1], 0o20600);
        assert_eq!((console.1[9], console.1[10]), (5, 1));
        assert!(
            entries.iter().position(|(n, ..)| n == "dev").unwrap()
                < entries.iter().position(|(n, ..)| n == "dev/console").unwrap()
        );
        let busybox_entry = find("bin/busybox");
        assert_eq!(busybox_entry.1[1], 0o100755);
        assert_eq!(busybox_entry.2, busybox);
        let sh = find("bin/sh");
        assert_eq!(sh.1[1], 0o120777);
        assert_eq!(sh.2, b"busybox");
        let init = find("init");
        assert_eq!(init.1[1], 0o100755);
        let script = String::from_utf8(init.2.clone()).unwrap();
        assert!(script.starts_with("#!/bin/sh\n"));
        assert!(script.contains("/bin/busybox --install -s /bin"));
        for fs in ["proc", "sysfs", "devtmpfs"] {
            assert!(script.contains(&format!("mount -t {fs} ")), "{fs}");
        }
        assert_eq!(script.matches(READY_MARKER).count(), 1);
        assert!(script.trim_end().ends_with("exec /bin/sh"));
        let inodes: Vec<u32> = entries.iter().filter(|(n, ..)| n != "TRAILER!!!").map(|e| e.1[0]).collect();
        let mut unique = inodes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), inodes.len(), "distinct inodes");
        assert_eq!(entries.last().unwrap().0, "TRAILER!!!");
    }

    #[test]
    fn ready_marker() {
        assert_eq!(parse_ready_marker("atoll-guest: shell ready, uptime 3.25 2.50"), Some(3.25));
        assert_eq!(parse_ready_marker("\x1b[0matoll-guest: shell ready, uptime 12.00 0.00\r"), Some(12.0));
        assert_eq!(parse_ready_marker("atoll-guest: shell ready, uptime "), None);
        assert_eq!(parse_ready_marker("atoll-guest: shell ready, uptime $(cat /proc/uptime)"), None);
        assert_eq!(parse_ready_marker("[    1.0] Run /init as init process"), None);
    }

    #[test]
    fn end_of_reply() {
        assert_eq!(parse_done("atoll-done-1:0", 1), Some(0));
        assert_eq!(parse_done("atoll-done-2:127\r", 2), Some(127));
        assert_eq!(parse_done("~ # uname -a; echo atoll-done-1:$?", 1), None);
        assert_eq!(parse_done("atoll-done-10:0", 1), None);
    }

    #[test]
    fn shell_report_checks() {
        let report = ShellReport {
            uname: vec!["Linux (none) 6.12.117+deb13-riscv64 #1 SMP Debian 6.12.117-1 riscv64 GNU/Linux".into()],
            cpuinfo: vec!["processor\t: 0".into(), "hart\t\t: 0".into(), "isa\t\t: rv64imafdch".into()],
            statuses: [0, 0],
        };
        assert!(report.passed());
        assert!(!ShellReport { statuses: [0, 1], ..report }.passed());
        let empty = ShellReport::default();
        assert!(!empty.names_linux_6_12() && !empty.shows_harts() && !empty.passed());
    }

    #[test]
    fn notable_console_lines() {
        let console: Vec<String> = [
            "[ 0.1] ok",
            "[ 0.2] Failed to find cpu0 device node",
            "[ 0.3] Warning: unable to open an initial console",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(notable_lines(&console).len(), 2);
    }
}
