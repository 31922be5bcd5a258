//! Property tests: hostile input never panics and every iterator ends.

use atoll_dtb::{Fdt, Node, Region};
use proptest::prelude::*;

use crate::builder::{self, Builder, qemu_virt, set_header_word};

/// Drains `iter`, failing if it yields more than `limit` items.
fn drain<I: Iterator>(iter: I, limit: usize) -> usize {
    let count = iter.take(limit + 1).count();
    assert!(count <= limit, "iterator did not end within {limit} items");
    count
}

fn exercise_node(node: &Node<'_>, limit: usize) {
    let _ = (node.name(), node.base_name(), node.unit_address());
    for property in node.properties().take(limit + 1) {
        let _ = (property.name(), property.is_empty(), property.as_u32());
        let _ = (property.as_u64(), property.as_str());
        drain(property.strings(), limit);
        drain(property.cells(), limit);
    }
    drain(node.properties(), limit);
    drain(node.compatible(), limit);
    let _ = (node.is_compatible("ns16550a"), node.device_type(), node.phandle());
    let _ = (node.cell_sizes(), node.parent_cell_sizes(), node.interrupt_parent());
    let _ = node.property_u64("reg").or(node.property_u32("reg").map(u64::from));
    drain(node.reg(), limit);
    drain(node.interrupts(), limit);
    drain(node.children(), limit);
    drain(node.descendants(), limit);
    let _ = node.child("cpu");
}

/// Calls every query; all iteration counts are bounded by the blob size.
fn exercise(fdt: &Fdt<'_>) {
    let limit = fdt.total_size();
    let _ = (fdt.header(), fdt.boot_cpuid_phys(), fdt.as_bytes().len());
    drain(fdt.memory_reservations(), limit);
    for node in fdt.all_nodes().take(limit + 1) {
        exercise_node(&node, limit);
        if let Some(model) = node.compatible().next() {
            assert!(fdt.find_compatible(&[model]).is_some());
        }
        if let Some(phandle) = node.phandle() {
            assert!(fdt.find_phandle(phandle).is_some());
        }
    }
    let nodes = drain(fdt.all_nodes(), limit);
    assert!(nodes >= 1);
    exercise_node(&fdt.root(), limit);
    for path in ["/", "/cpus", "/soc/serial", "/soc/serial@10000000", "serial0", "x/y", ""] {
        if let Some(node) = fdt.find_node(path) {
            exercise_node(&node, limit);
        }
    }
    let _ = fdt.find_compatible(&["ns16550a", "riscv,plic0", "sifive,test0"]);
    let _ = fdt.chosen();
    drain(fdt.memory_regions(), limit);
    drain(fdt.reserved_regions(), limit);
    let _ = fdt.timebase_frequency();
}

fn check(bytes: &[u8]) {
    let _ = Fdt::total_size_from_header(bytes);
    if let Ok(fdt) = Fdt::new(bytes) {
        assert!(fdt.total_size() <= bytes.len());
        exercise(&fdt);
    }
}

/// One step of a token soup; `Garbage` is an arbitrary word.
#[derive(Clone, Debug)]
enum Step {
    Begin(u8, bool),
    End,
    Prop(u32, u32, Vec<u8>),
    Nop,
    Garbage(u32),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0u8..5, any::<bool>()).prop_map(|(name, unit)| Step::Begin(name, unit)),
        3 => Just(Step::End),
        6 => (0u32..24, 0u32..SOUP_STRINGS.len() as u32 + 4,
              proptest::collection::vec(any::<u8>(), 0..20))
            .prop_map(|(len, name, value)| Step::Prop(len, name, value)),
        1 => Just(Step::Nop),
        1 => any::<u32>().prop_map(Step::Garbage),
    ]
}

/// A structure block from random steps, kept mostly balanced so that many
/// soups validate: END_NODE only closes open nodes, and open nodes are
/// closed at the end. Property lengths, name offsets and garbage words
/// still make some invalid.
fn token_soup() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(step(), 0..48).prop_map(|steps| {
        let mut out = Vec::new();
        let word = |out: &mut Vec<u8>, value: u32| out.extend_from_slice(&value.to_be_bytes());
        word(&mut out, builder::BEGIN_NODE);
        word(&mut out, 0);
        let mut depth = 1;
        for step in steps {
            match step {
                Step::Begin(name, unit) => {
                    word(&mut out, builder::BEGIN_NODE);
                    let name = ["cpus", "soc", "serial", "memory", "reserved-memory"][usize::from(name)];
                    out.extend_from_slice(name.as_bytes());
                    if unit {
                        out.extend_from_slice(b"@10000000");
                    }
                    out.push(0);
                    depth += 1;
                }
                Step::End if depth > 1 => {
                    word(&mut out, builder::END_NODE);
                    depth -= 1;
                }
                Step::End => {}
                Step::Prop(len, name, value) => {
                    word(&mut out, builder::PROP);
                    // Mostly a length that matches the value.
                    let len = if len < 20 { value.len() as u32 } else { len };
                    word(&mut out, len);
                    word(&mut out, name);
                    out.extend_from_slice(&value);
                }
                Step::Nop => word(&mut out, builder::NOP),
                Step::Garbage(value) => word(&mut out, value),
            }
            while !out.len().is_multiple_of(4) {
                out.push(0);
            }
        }
        for _ in 0..depth {
            word(&mut out, builder::END_NODE);
        }
        word(&mut out, builder::END);
        out
    })
}

/// Arbitrary bytes behind a header with the right magic and version and
/// offsets that often land inside the blob.
fn header_shaped() -> impl Strategy<Value = Vec<u8>> {
    (proptest::collection::vec(any::<u8>(), 0..256), proptest::collection::vec(0u32..320, 5), any::<bool>()).prop_map(
        |(body, words, exact_total)| {
            let total = if exact_total { 40 + body.len() as u32 } else { words[0] };
            let mut blob = Vec::new();
            for word in [0xd00d_feed, total, words[1] & !3, words[2], words[3], 17, 16, 0, words[4], words[1] / 2] {
                blob.extend_from_slice(&u32::to_be_bytes(word));
            }
            blob.extend_from_slice(&body);
            blob
        },
    )
}

const SOUP_STRINGS: &[u8] = b"#address-cells\0#size-cells\0reg\0compatible\0device_type\0memory\0phandle\0\
      timebase-frequency\0interrupts\0ns16550a\0";

/// A random tree with random cell sizes and `reg` values.
#[derive(Clone, Debug)]
struct Model {
    cells: Option<(u32, u32)>,
    reg: Vec<(u64, u64)>,
    memory: bool,
    children: Vec<Model>,
}

fn model() -> impl Strategy<Value = Model> {
    let leaf = (
        proptest::option::of((1u32..=2, 0u32..=2)),
        proptest::collection::vec(any::<(u64, u64)>(), 0..3),
        any::<bool>(),
    )
        .prop_map(|(cells, reg, memory)| Model { cells, reg, memory, children: Vec::new() });
    leaf.prop_recursive(5, 40, 4, |inner| {
        (
            proptest::option::of((1u32..=2, 0u32..=2)),
            proptest::collection::vec(any::<(u64, u64)>(), 0..3),
            any::<bool>(),
            proptest::collection::vec(inner, 0..4),
        )
            .prop_map(|(cells, reg, memory, children)| Model { cells, reg, memory, children })
    })
}

fn mask(value: u64, cells: u32) -> u64 {
    match cells {
        0 => 0,
        1 => value & 0xffff_ffff,
        _ => value,
    }
}

/// Writes `model` and records, in depth-first order, each node's path and
/// expected `reg` entries.
fn build(b: &mut Builder, model: &Model, path: String, parent: (u32, u32), out: &mut Vec<(String, Vec<Region>, bool)>) {
    let name = path.rsplit('/').next().unwrap_or("").to_owned();
    b.begin(&name);
    let mut cells = Vec::new();
    let mut expected = Vec::new();
    for &(address, size) in &model.reg {
        let (address, size) = (mask(address, parent.0), mask(size, parent.1));
        expected.push(Region { address, size });
        for (value, count) in [(address, parent.0), (size, parent.1)] {
            if count == 2 {
                cells.push((value >> 32) as u32);
            }
            if count >= 1 {
                cells.push(value as u32);
            }
        }
    }
    if model.memory {
        b.prop_str("device_type", "memory");
    }
    if let Some((address_cells, size_cells)) = model.cells {
        b.prop_u32("#address-cells", address_cells).prop_u32("#size-cells", size_cells);
    }
    if !model.reg.is_empty() {
        b.prop_cells("reg", &cells);
    }
    out.push((path.clone(), expected, model.memory));
    let own = model.cells.unwrap_or((2, 1));
    for child in &model.children {
        let index = out.len();
        let child_path = format!("{}/n{index}@{index:x}", path.trim_end_matches('/'));
        build(b, child, child_path, own, out);
    }
    b.end();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        check(&bytes);
    }

    #[test]
    fn arbitrary_blocks(structs in proptest::collection::vec(any::<u8>(), 0..256),
                        strings in proptest::collection::vec(any::<u8>(), 0..64)) {
        check(&Builder::new().finish_raw(&structs, &strings));
    }

    #[test]
    fn header_shaped_bytes(bytes in header_shaped()) {
        check(&bytes);
    }

    #[test]
    fn token_soups(structs in token_soup(), cut in 0usize..16) {
        let strings = &SOUP_STRINGS[..SOUP_STRINGS.len().saturating_sub(cut)];
        check(&Builder::new().finish_raw(&structs, strings));
    }

    #[test]
    fn corrupted_virt(edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4)) {
        let mut blob = qemu_virt().finish();
        for (index, byte) in edits {
            let at = index.index(blob.len());
            blob[at] = byte;
        }
        check(&blob);
    }

    #[test]
    fn corrupted_virt_words(index in any::<prop::sample::Index>(), word in prop_oneof![
        Just(0u32), Just(1), Just(2), Just(3), Just(4), Just(9), Just(u32::MAX),
        Just(0x8000_0000), any::<u32>()]) {
        let mut blob = qemu_virt().finish();
        let at = index.index(blob.len() / 4) * 4;
        blob[at..at + 4].copy_from_slice(&word.to_be_bytes());
        check(&blob);
    }

    #[test]
    fn truncated_virt(index in any::<prop::sample::Index>(), fix_total in any::<bool>()) {
        let full = qemu_virt().finish();
        let mut blob = full[..index.index(full.len())].to_vec();
        if fix_total && blob.len() >= 8 {
            let len = blob.len() as u32;
            set_header_word(&mut blob, 1, len);
        }
        check(&blob);
    }

    #[test]
    fn truncated_virt_blocks(index in any::<prop::sample::Index>(), which in 0usize..2) {
        // Shrink the structure or strings block size in the header.
        let mut blob = qemu_virt().finish();
        let field = [9, 8][which];
        let at = field * 4;
        let size = u32::from_be_bytes(blob[at..at + 4].try_into().unwrap());
        set_header_word(&mut blob, field, index.index(size as usize) as u32);
        check(&blob);
    }

    #[test]
    fn random_trees_round_trip(root in model(), reservations in proptest::collection::vec(any::<(u64, u64)>(), 0..4)) {
        let mut b = Builder::new();
        let reservations: Vec<(u64, u64)> =
            reservations.into_iter().filter(|&entry| entry != (0, 0)).collect();
        for &(address, size) in &reservations {
            b.reserve(address, size);
        }
        let mut expected = Vec::new();
        build(&mut b, &root, "/".to_owned(), (2, 1), &mut expected);
        let blob = b.finish();
        let fdt = Fdt::new(&blob).unwrap();
        exercise(&fdt);

        let got: Vec<_> = fdt.memory_reservations().map(|r| (r.address, r.size)).collect();
        prop_assert_eq!(got, reservations);
        let walked: Vec<Vec<Region>> = fdt.all_nodes().map(|node| node.reg().collect()).collect();
        let want: Vec<Vec<Region>> = expected.iter().map(|(_, reg, _)| reg.clone()).collect();
        prop_assert_eq!(walked, want);
        for (path, reg, _) in &expected {
            let node = fdt.find_node(path).unwrap();
            prop_assert_eq!(&node.reg().collect::<Vec<_>>(), reg);
            let base = path.rsplit('/').next().unwrap().split('@').next().unwrap();
            let short = format!("{}{}", &path[..path.len() - path.rsplit('/').next().unwrap().len()], base);
            prop_assert_eq!(fdt.find_node(&short).map(|n| n.name()), Some(node.name()));
        }
        let memory: Vec<Region> = expected.iter().filter(|e| e.2).flat_map(|e| e.1.clone()).collect();
        prop_assert_eq!(fdt.memory_regions().collect::<Vec<_>>(), memory);
    }
}
