//! Systems described by seL4 Microkit SDF files: `cargo xtask run path/to/NAME.system` builds
//! the protection domains, the kernel in the `microkit` configuration (`hyp` for a system with
//! a `<virtual_machine>`) and the initialiser, and boots them as one image.
//!
//! A PD's `program_image` is a file next to the description, or, for a description in this
//! repository (`systems/NAME/`), a binary of that directory's crate (`server.elf` is its bin
//! `server`), built with atoll-pd (and, for a system with virtual machines, with the crate's
//! `hyp` feature if it has one).
use crate::build::{self, PROFILE, TARGET};
use std::path::{Path, PathBuf};

/// A built system: its boot image and the ELF files of its kernel, initialiser and PDs (for a
/// debugger's symbols).
pub struct Built {
    pub image: PathBuf,
    pub symbol_files: Vec<PathBuf>,
}

/// Builds the image for the description at `sdf`; returns its path.
pub fn image(sdf: &Path) -> Result<PathBuf, String> {
    build_system(sdf).map(|built| built.image)
}

/// Builds the image for the description at `sdf`.
pub fn build_system(sdf: &Path) -> Result<Built, String> {
    let text = std::fs::read_to_string(sdf).map_err(|e| format!("{}: {e}", sdf.display()))?;
    // A system with a Linux guest or U-Boot prefills regions from Debian's packages.
    if text.contains("target/guest/") {
        crate::guest::prepare()?;
    }
    let dir = sdf.parent().unwrap_or(Path::new("."));
    let system = atoll_sdf::parse(&sdf.display().to_string(), &text)
        .and_then(|system| {
            system.with_prefill(|path| {
                std::fs::metadata(dir.join(path)).map(|m| m.len()).map_err(|e| format!("prefill_path '{path}': {e}"))
            })
        })
        .map_err(|e| e.to_string())?;
    let prefills: Vec<Vec<u8>> = system
        .memory_regions
        .iter()
        .map(|mr| mr.prefill_path.as_ref().map_or(Ok(Vec::new()), |path| std::fs::read(dir.join(path))))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("prefill: {e}"))?;
    let hyp = !system.virtual_machines().is_empty();
    let pd_dir = build_repository_pds(dir, hyp)?;
    let mut images = Vec::new();
    let mut symbol_files = Vec::new();
    for pd in system.all_protection_domains() {
        let beside = dir.join(&pd.program_image);
        let built = pd_dir.as_ref().map(|d| d.join(pd.program_image.trim_end_matches(".elf")));
        let path = if beside.exists() { beside } else { built.filter(|p| p.exists()).unwrap_or(beside) };
        images.push(std::fs::read(&path).map_err(|e| format!("{}: program image {}: {e}", pd.name, path.display()))?);
        symbol_files.push(path);
    }
    let description = atoll_sysbuild::encode_with_prefill(&system, &images, &prefills)?;
    // Virtual machines need the kernel's hypervisor extension (and an initialiser that builds them).
    let artifacts = build::build_config(build::config(if hyp { "hyp" } else { "microkit" })?)?;
    let init = std::fs::read(&artifacts.init).map_err(|e| format!("{}: {e}", artifacts.init.display()))?;
    let (init, _) = atoll_sysbuild::append_segment(&init, &description)?;
    let image = build::build_image_bytes(&artifacts, &init)?;
    let name = sdf.file_stem().and_then(|s| s.to_str()).unwrap_or("system");
    let path = artifacts.out_dir.join(format!("system-{name}.elf"));
    std::fs::write(&path, image).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut files = vec![artifacts.kernel.clone(), artifacts.init.clone()];
    files.extend(symbol_files);
    Ok(Built { image: path, symbol_files: files })
}

/// If `dir` holds a crate of this workspace, builds its binaries (on their own, so the root
/// tasks' runtime features stay out of them; with its `hyp` feature, if it has one, for a
/// system with virtual machines) and returns where they are.
fn build_repository_pds(dir: &Path, hyp: bool) -> Result<Option<PathBuf>, String> {
    let manifest = dir.join("Cargo.toml");
    let Ok(text) = std::fs::read_to_string(&manifest) else { return Ok(None) };
    let Some(name) = text.lines().find_map(|l| l.strip_prefix("name = ").map(|n| n.trim_matches('"').to_string()))
    else {
        return Ok(None);
    };
    // One target directory per crate: two systems may both have a PD binary called `client`.
    let target = build::workspace_root().join("target").join("pds").join(&name);
    let mut command = build::cargo();
    command.args(["build", "--profile", PROFILE, "--target", TARGET, "--target-dir"]).arg(&target).args(["-p", &name]);
    if hyp && text.lines().any(|line| line.trim_start().starts_with("hyp = ")) {
        command.args(["--features", "hyp"]);
    }
    let status = command.status().map_err(|e| format!("cargo: {e}"))?;
    if !status.success() {
        return Err(format!("building the protection domains of {name} failed"));
    }
    Ok(Some(target.join(TARGET).join(PROFILE)))
}
