//! Checks of the kernel crate's structure, run as host tests: its files import each other without
//! cycles, and only `arch/` names the architecture.
//!
//! A file's imports are the `crate::` and `super::` paths it names (and, in a `mod.rs`, the child
//! modules it re-exports), each resolved to the longest module path that is a file.
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Module path (`ipc::endpoint`) to file, for every `.rs` file under `src`.
fn modules(src: &Path) -> BTreeMap<String, PathBuf> {
    let mut found = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable source directory") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let relative = path.strip_prefix(src).unwrap().with_extension("");
                let mut parts: Vec<String> = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
                if matches!(parts.last().map(String::as_str), Some("mod" | "main" | "lib")) {
                    parts.pop();
                }
                found.insert(parts.join("::"), path);
            }
        }
    }
    found
}

/// The identifiers of a path expression like `a::b::{c, d::e}`, as full paths.
fn expand(path: &str) -> Vec<String> {
    match path.split_once("::{") {
        Some((base, rest)) => rest
            .split(|c: char| c == ',' || c == '}' || c.is_whitespace())
            .filter(|item| !item.is_empty() && *item != "self")
            .map(|item| format!("{base}::{item}"))
            .collect(),
        None => vec![path.to_string()],
    }
}

/// Paths following `prefix` in `source`, comments stripped.
fn paths_after(source: &str, prefix: &str) -> Vec<String> {
    let mut paths = Vec::new();
    for line in source.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find(prefix) {
            let preceded_by_ident = rest[..at].chars().last().is_some_and(|c| c.is_alphanumeric() || c == '_');
            rest = &rest[at + prefix.len()..];
            if preceded_by_ident {
                continue;
            }
            let end = if rest.starts_with('{') || rest.contains("::{") {
                rest.find('}').map_or(rest.len(), |i| i + 1)
            } else {
                rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).unwrap_or(rest.len())
            };
            let path = rest[..end].trim_end_matches(':');
            if let Some(inner) = path.strip_prefix('{') {
                paths.extend(expand(&format!("_::{{{inner}")).into_iter().map(|p| p[3..].to_string()));
            } else {
                paths.extend(expand(path));
            }
        }
    }
    paths
}

/// The import graph between the kernel's files.
pub fn import_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let modules = modules(src);
    // `arch` re-exports its architecture's modules under its own name.
    let arch_dirs: Vec<String> = modules
        .keys()
        .filter_map(|m| m.strip_prefix("arch::"))
        .filter(|m| !m.contains("::"))
        .map(String::from)
        .collect();
    let resolve = |path: &str| -> Option<String> {
        let candidates = std::iter::once(path.to_string()).chain(
            arch_dirs.iter().filter_map(|dir| path.strip_prefix("arch::").map(|rest| format!("arch::{dir}::{rest}"))),
        );
        let mut best: Option<String> = None;
        for candidate in candidates {
            let segments: Vec<&str> = candidate.split("::").collect();
            for len in (1..=segments.len()).rev() {
                let module = segments[..len].join("::");
                if modules.contains_key(&module) {
                    if best.as_ref().is_none_or(|b| module.len() > b.len()) {
                        best = Some(module);
                    }
                    break;
                }
            }
        }
        best
    };
    let mut graph = BTreeMap::new();
    for (module, file) in &modules {
        let source = std::fs::read_to_string(file).expect("readable source file");
        let parent = module.rsplit_once("::").map_or("", |(p, _)| p);
        let is_dir_module = matches!(file.file_stem().and_then(|s| s.to_str()), Some("mod" | "main" | "lib"));
        let mut targets: Vec<String> = paths_after(&source, "crate::");
        // `super` is the parent module, whether the file is `x.rs` or `x/mod.rs`.
        targets.extend(
            paths_after(&source, "super::")
                .into_iter()
                .map(|p| if parent.is_empty() { p } else { format!("{parent}::{p}") }),
        );
        if is_dir_module {
            for path in paths_after(&source, "use ") {
                let child = if module.is_empty() { path.clone() } else { format!("{module}::{path}") };
                targets.push(child);
            }
        }
        let edges: BTreeSet<String> = targets
            .iter()
            .filter_map(|t| resolve(t))
            .filter(|t| t != module && !module.starts_with(&format!("{t}::")))
            .collect();
        graph.insert(module.clone(), edges);
    }
    graph
}

/// Strongly connected components of the graph (Tarjan), largest first.
pub fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct State<'a> {
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        components: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, node: &'a str) {
        let next = s.index.len();
        s.index.insert(node, next);
        s.low.insert(node, next);
        s.stack.push(node);
        s.on_stack.insert(node);
        for target in s.graph.get(node).into_iter().flatten() {
            let target = target.as_str();
            if !s.index.contains_key(target) {
                visit(s, target);
                let low = s.low[node].min(s.low[target]);
                s.low.insert(node, low);
            } else if s.on_stack.contains(target) {
                let low = s.low[node].min(s.index[target]);
                s.low.insert(node, low);
            }
        }
        if s.low[node] == s.index[node] {
            let mut component = Vec::new();
            while let Some(member) = s.stack.pop() {
                s.on_stack.remove(member);
                component.push(member.to_string());
                if member == node {
                    break;
                }
            }
            s.components.push(component);
        }
    }
    let mut state = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        components: Vec::new(),
    };
    for node in graph.keys() {
        if !state.index.contains_key(node.as_str()) {
            visit(&mut state, node);
        }
    }
    state.components.sort_by_key(|c| std::cmp::Reverse(c.len()));
    state.components
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kernel_src() -> PathBuf {
        crate::build::workspace_root().join("kernel").join("src")
    }

    #[test]
    fn finds_a_cycle_through_crate_and_super_paths() {
        let dir = std::env::temp_dir().join(format!("atoll-layers-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("b")).unwrap();
        std::fs::write(dir.join("main.rs"), "mod a;\nmod b;\n").unwrap();
        std::fs::write(dir.join("a.rs"), "use crate::b::c::thing;\n").unwrap();
        std::fs::write(dir.join("b/mod.rs"), "pub mod c;\n").unwrap();
        std::fs::write(dir.join("b/c.rs"), "use crate::{a, b};\n// crate::nothing\n").unwrap();
        let graph = import_graph(&dir);
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(graph["a"], BTreeSet::from(["b::c".to_string()]));
        assert!(graph["b::c"].contains("a"));
        let largest = &cycles(&graph)[0];
        assert_eq!(largest.len(), 2, "{largest:?}");
    }

    #[test]
    fn kernel_files_import_each_other_without_cycles() {
        let graph = import_graph(&kernel_src());
        assert!(graph.len() > 40, "found only {} kernel files", graph.len());
        let largest = &cycles(&graph)[0];
        assert_eq!(largest.len(), 1, "import cycle between kernel files: {largest:?}");
    }

    #[test]
    fn only_arch_names_the_architecture() {
        let words = ["riscv", "RISC-V", "Sv39", "satp", "PLIC", "CLINT", "sstatus", "scause"];
        let mut offenders = Vec::new();
        for (module, file) in modules(&kernel_src()) {
            if module == "arch" || module.starts_with("arch::") {
                continue;
            }
            let source = std::fs::read_to_string(&file).unwrap();
            let source = source.to_lowercase();
            offenders
                .extend(words.iter().filter(|w| source.contains(&w.to_lowercase())).map(|w| format!("{module}: {w}")));
        }
        assert!(offenders.is_empty(), "architecture named outside arch/: {offenders:?}");
    }
}
