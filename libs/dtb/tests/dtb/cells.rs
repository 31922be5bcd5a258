//! `reg` decoding under different cell sizes, and the memory helpers.

use atoll_dtb::{CellSizes, Fdt, Region};

use crate::builder::Builder;

fn region(address: u64, size: u64) -> Region {
    Region { address, size }
}

fn regs(blob: &[u8], path: &str) -> Vec<Region> {
    Fdt::new(blob).unwrap().find_node(path).unwrap().reg().collect()
}

#[test]
fn one_one_cells() {
    let mut b = Builder::new();
    b.node("", |b| {
        b.prop_u32("#address-cells", 1).prop_u32("#size-cells", 1);
        b.node("memory@40000000", |b| {
            b.prop_str("device_type", "memory").prop_cells("reg", &[0x4000_0000, 0x1000_0000, 0x6000_0000, 0x100]);
        });
    });
    let blob = b.finish();
    let expected = [region(0x4000_0000, 0x1000_0000), region(0x6000_0000, 0x100)];
    assert_eq!(regs(&blob, "/memory"), expected);
    let fdt = Fdt::new(&blob).unwrap();
    assert_eq!(fdt.memory_regions().collect::<Vec<_>>(), expected);
    let memory = fdt.find_node("/memory").unwrap();
    assert_eq!(memory.reg().cell_sizes(), CellSizes { address_cells: 1, size_cells: 1 });
}

#[test]
fn two_two_cells_multiple_memory_nodes() {
    let mut b = Builder::new();
    b.node("", |b| {
        b.prop_u32("#address-cells", 2).prop_u32("#size-cells", 2);
        b.node("memory@80000000", |b| {
            b.prop_str("device_type", "memory")
                .prop_cells("reg", &[0x0, 0x8000_0000, 0x0, 0x4000_0000, 0x1, 0x0, 0x2, 0x0]);
        });
        b.node("uart@1000", |b| {
            b.prop_cells("reg", &[0x0, 0x1000, 0x0, 0x100]);
        });
        b.node("memory@1000000000", |b| {
            b.prop_str("device_type", "memory").prop_cells("reg", &[0x10, 0x0, 0x0, 0x1000_0000]);
        });
    });
    let blob = b.finish();
    let fdt = Fdt::new(&blob).unwrap();
    assert_eq!(
        fdt.memory_regions().collect::<Vec<_>>(),
        [region(0x8000_0000, 0x4000_0000), region(0x1_0000_0000, 0x2_0000_0000), region(0x10_0000_0000, 0x1000_0000),]
    );
    assert_eq!(regs(&blob, "/uart"), [region(0x1000, 0x100)]);
}

#[test]
fn default_cells_when_absent() {
    let mut b = Builder::new();
    b.node("", |b| {
        b.node("dev@1", |b| {
            // Default is 2 address cells and 1 size cell.
            b.prop_cells("reg", &[0x1, 0x2, 0x3, 0x0, 0x4, 0x5]);
            b.node("sub", |b| {
                b.prop_cells("reg", &[0x0, 0x7, 0x8]);
            });
        });
    });
    let blob = b.finish();
    assert_eq!(regs(&blob, "/dev"), [region(0x1_0000_0002, 3), region(0x4, 5)]);
    assert_eq!(regs(&blob, "/dev/sub"), [region(7, 8)]);
    let fdt = Fdt::new(&blob).unwrap();
    assert_eq!(fdt.root().cell_sizes(), CellSizes::DEFAULT);
    assert_eq!(fdt.find_node("/dev").unwrap().parent_cell_sizes(), CellSizes::DEFAULT);
}

#[test]
fn nested_cell_sizes_follow_the_parent() {
    let mut b = Builder::new();
    b.node("", |b| {
        b.prop_u32("#address-cells", 2).prop_u32("#size-cells", 2);
        b.node("bus@0", |b| {
            b.prop_u32("#address-cells", 1).prop_u32("#size-cells", 1).prop_cells("reg", &[0x0, 0x0, 0x0, 0x1000]);
            b.node("dev@10", |b| {
                b.prop_cells("reg", &[0x10, 0x20]);
            });
        });
        b.node("dev@30", |b| {
            b.prop_cells("reg", &[0x0, 0x30, 0x0, 0x40]);
        });
    });
    let blob = b.finish();
    let fdt = Fdt::new(&blob).unwrap();
    let all: Vec<(String, Vec<Region>)> =
        fdt.all_nodes().map(|node| (node.name().to_owned(), node.reg().collect())).collect();
    assert_eq!(
        all,
        [
            ("".to_owned(), vec![]),
            ("bus@0".to_owned(), vec![region(0, 0x1000)]),
            ("dev@10".to_owned(), vec![region(0x10, 0x20)]),
            ("dev@30".to_owned(), vec![region(0x30, 0x40)]),
        ]
    );
}

#[test]
fn wide_zero_and_partial_cells() {
    let mut b = Builder::new();
    b.node("", |b| {
        b.node("three", |b| {
            b.prop_u32("#address-cells", 3).prop_u32("#size-cells", 0);
            b.node("ok@0", |b| {
                b.prop_cells("reg", &[0x0, 0x1, 0x2, 0x0, 0x0, 0x3]);
            });
            b.node("wide@0", |b| {
                b.prop_cells("reg", &[0x1, 0x0, 0x0, 0x0, 0x0, 0x1]);
            });
        });
        b.node("zero", |b| {
            b.prop_u32("#address-cells", 0).prop_u32("#size-cells", 0);
            b.node("dev", |b| {
                b.prop_cells("reg", &[0x1, 0x2]);
            });
        });
        b.node("huge", |b| {
            b.prop_u32("#address-cells", u32::MAX).prop_u32("#size-cells", u32::MAX);
            b.node("dev", |b| {
                b.prop_cells("reg", &[0x1, 0x2]);
            });
        });
        b.node("partial", |b| {
            b.prop_u32("#address-cells", 1).prop_u32("#size-cells", 1);
            b.node("dev", |b| {
                b.prop("reg", &[0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0]);
            });
        });
    });
    let blob = b.finish();
    assert_eq!(regs(&blob, "/three/ok"), [region(0x1_0000_0002, 0), region(3, 0)]);
    // A value needing more than 64 bits ends the iteration.
    assert_eq!(regs(&blob, "/three/wide"), []);
    assert_eq!(regs(&blob, "/zero/dev"), []);
    assert_eq!(regs(&blob, "/huge/dev"), []);
    assert_eq!(regs(&blob, "/partial/dev"), [region(1, 2)]);
    assert_eq!(regs(&blob, "/partial"), []);
}

#[test]
fn reserved_memory_children() {
    let mut b = Builder::new();
    b.node("", |b| {
        b.node("reserved-memory", |b| {
            b.prop_u32("#address-cells", 1).prop_u32("#size-cells", 1).prop_empty("ranges");
            b.node("fw@80000000", |b| {
                b.prop_cells("reg", &[0x8000_0000, 0x2_0000, 0x8010_0000, 0x1000]);
            });
            b.node("pool", |b| {
                // Dynamic reservation: no reg, only a size.
                b.prop_u32("size", 0x10_0000).prop_empty("reusable");
            });
            b.node("sbi@80200000", |b| {
                b.prop_cells("reg", &[0x8020_0000, 0x1000]);
            });
        });
    });
    let blob = b.finish();
    let fdt = Fdt::new(&blob).unwrap();
    assert_eq!(
        fdt.reserved_regions().collect::<Vec<_>>(),
        [region(0x8000_0000, 0x2_0000), region(0x8010_0000, 0x1000), region(0x8020_0000, 0x1000),]
    );
    assert_eq!(fdt.memory_regions().count(), 0);
    assert_eq!(fdt.memory_reservations().count(), 0);
    assert_eq!(fdt.timebase_frequency(), None);
}

#[test]
fn timebase_from_cpu_node_and_eight_bytes() {
    let mut b = Builder::new();
    b.node("", |b| {
        b.node("cpus", |b| {
            b.prop_u32("#address-cells", 1).prop_u32("#size-cells", 0);
            b.node("cpu-map", |b| {
                b.prop_u32("timebase-frequency", 1);
            });
            b.node("cpu@0", |b| {
                b.prop_str("device_type", "cpu").prop_u32("reg", 0);
            });
            b.node("cpu@1", |b| {
                b.prop_str("device_type", "cpu").prop_u64("timebase-frequency", 0x1_0000_0000);
            });
        });
    });
    let blob = b.finish();
    let fdt = Fdt::new(&blob).unwrap();
    assert_eq!(fdt.timebase_frequency(), Some(0x1_0000_0000));

    let mut b = Builder::new();
    b.node("", |b| {
        b.node("cpus", |b| {
            b.prop("timebase-frequency", &[0, 0, 1]);
            b.node("cpu@0", |b| {
                b.prop_u32("timebase-frequency", 24_000_000);
            });
        });
    });
    let blob = b.finish();
    let fdt = Fdt::new(&blob).unwrap();
    // A malformed /cpus value falls back to the CPU node's.
    assert_eq!(fdt.timebase_frequency(), Some(24_000_000));
}

#[test]
fn multiple_reservations() {
    let mut b = Builder::new();
    b.reserve(0x8000_0000, 0x1000).reserve(0xffff_ffff_0000_0000, 0x10).reserve(0x0, 0x1);
    b.node("", |_| {});
    let blob = b.finish();
    let fdt = Fdt::new(&blob).unwrap();
    assert_eq!(
        fdt.memory_reservations().collect::<Vec<_>>(),
        [region(0x8000_0000, 0x1000), region(0xffff_ffff_0000_0000, 0x10), region(0, 1),]
    );
}

#[test]
fn property_views() {
    let mut b = Builder::new();
    b.node("", |b| {
        b.prop_strs("list", &["a", "", "bc"])
            .prop("unterminated", b"abc")
            .prop("odd", &[0, 0, 0, 5, 0xff])
            .prop("bad-utf8", &[b'a', 0, 0xff, 0, b'b', 0])
            .prop_u64("big", 0x1234_5678_9abc_def0);
    });
    let blob = b.finish();
    let fdt = Fdt::new(&blob).unwrap();
    let root = fdt.root();
    let list = root.property("list").unwrap();
    assert_eq!(list.strings().collect::<Vec<_>>(), ["a", "", "bc"]);
    assert_eq!(list.as_str(), Some("a"));
    let unterminated = root.property("unterminated").unwrap();
    assert_eq!(unterminated.as_str(), None);
    assert_eq!(unterminated.strings().collect::<Vec<_>>(), ["abc"]);
    let odd = root.property("odd").unwrap();
    assert_eq!(odd.cells().collect::<Vec<_>>(), [5]);
    assert_eq!(odd.as_u32(), None);
    assert_eq!(odd.as_u64(), None);
    let bad = root.property("bad-utf8").unwrap();
    assert_eq!(bad.strings().collect::<Vec<_>>(), ["a"]);
    assert_eq!(root.property_u64("big"), Some(0x1234_5678_9abc_def0));
    assert_eq!(root.property_u32("big"), None);
}
