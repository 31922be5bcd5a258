//! Every query against a tree shaped like QEMU's riscv virt machine.

use atoll_dtb::{CellSizes, Fdt, Region};

use crate::builder::qemu_virt;

fn region(address: u64, size: u64) -> Region {
    Region { address, size }
}

fn blob() -> Vec<u8> {
    qemu_virt().finish()
}

#[test]
fn header_and_sizes() {
    let blob = blob();
    let fdt = Fdt::new(&blob).unwrap();
    assert_eq!(fdt.total_size(), blob.len());
    assert_eq!(Fdt::total_size_from_header(&blob[..8]), Ok(blob.len()));
    assert_eq!(fdt.header().version, 17);
    assert_eq!(fdt.header().last_comp_version, 16);
    assert_eq!(fdt.boot_cpuid_phys(), 0);
    assert_eq!(fdt.as_bytes(), &blob[..]);
}

#[test]
fn trailing_bytes_are_ignored() {
    let mut blob = blob();
    let len = blob.len();
    blob.extend_from_slice(&[0xff; 64]);
    let fdt = Fdt::new(&blob).unwrap();
    assert_eq!(fdt.total_size(), len);
    assert_eq!(fdt.as_bytes().len(), len);
}

#[test]
fn memory_reservations() {
    let blob = blob();
    let fdt = Fdt::new(&blob).unwrap();
    let reservations: Vec<_> = fdt.memory_reservations().collect();
    assert_eq!(reservations, [region(0x8700_0000, 0x2_0000)]);
    assert_eq!(fdt.memory_reservations().len(), 1);
}

#[test]
fn root_and_paths() {
    let blob = blob();
    let fdt = Fdt::new(&blob).unwrap();
    let root = fdt.root();
    assert_eq!(root.name(), "");
    assert_eq!(root.property_str("model"), Some("riscv-virtio,qemu"));
    assert!(root.is_compatible("riscv-virtio"));
    assert_eq!(root.cell_sizes(), CellSizes { address_cells: 2, size_cells: 2 });
    assert_eq!(fdt.find_node("/").unwrap().name(), "");

    assert_eq!(fdt.find_node("/cpus").unwrap().name(), "cpus");
    assert_eq!(fdt.find_node("/cpus/cpu@0").unwrap().name(), "cpu@0");
    assert_eq!(fdt.find_node("/cpus/cpu").unwrap().name(), "cpu@0");
    assert_eq!(fdt.find_node("/soc/serial").unwrap().name(), "serial@10000000");
    assert_eq!(fdt.find_node("/soc/serial@10000000").unwrap().base_name(), "serial");
    assert_eq!(fdt.find_node("//soc//serial/").unwrap().name(), "serial@10000000");
    assert_eq!(fdt.find_node("/cpus/cpu-map/cluster0/core0").unwrap().property_u32("cpu"), Some(1));
    assert_eq!(fdt.find_node("/cpus/cpu@0/interrupt-controller").unwrap().phandle(), Some(2));
    assert!(fdt.find_node("/soc/serial@10000001").is_none());
    assert!(fdt.find_node("/soc/seria").is_none());
    assert!(fdt.find_node("/nope").is_none());
    assert!(fdt.find_node("/cpus/cpu@0/nope").is_none());
    // "cpu" must not match "cpu-map" and "cpu@0" must not match "cpu".
    assert!(fdt.find_node("/cpu").is_none());

    let serial = fdt.find_node("/soc/serial").unwrap();
    assert_eq!(serial.unit_address(), Some("10000000"));
    assert_eq!(fdt.find_node("/cpus").unwrap().unit_address(), None);
}

#[test]
fn aliases_and_chosen() {
    let blob = blob();
    let fdt = Fdt::new(&blob).unwrap();
    assert_eq!(fdt.find_node("serial0").unwrap().name(), "serial@10000000");
    assert!(fdt.find_node("serial1").is_none());
    let chosen = fdt.chosen().unwrap();
    let stdout = chosen.property_str("stdout-path").unwrap();
    assert_eq!(fdt.find_node(stdout).unwrap().name(), "serial@10000000");
    assert_eq!(chosen.property_str("bootargs"), Some("console=ttyS0"));
}

#[test]
fn all_nodes_depth_first() {
    let blob = blob();
    let fdt = Fdt::new(&blob).unwrap();
    let names: Vec<_> = fdt.all_nodes().map(|node| node.name()).collect();
    assert_eq!(
        names,
        [
            "",
            "poweroff",
            "chosen",
            "aliases",
            "memory@80000000",
            "reserved-memory",
            "mmode_resv0@80000000",
            "cpus",
            "cpu@0",
            "interrupt-controller",
            "cpu-map",
            "cluster0",
            "core0",
            "soc",
            "serial@10000000",
            "test@100000",
            "plic@c000000",
            "clint@2000000",
        ]
    );
    let soc = fdt.find_node("/soc").unwrap();
    let below: Vec<_> = soc.descendants().map(|node| node.name()).collect();
    assert_eq!(below, ["soc", "serial@10000000", "test@100000", "plic@c000000", "clint@2000000"]);
    // Every node yielded by the walk decodes `reg` like the path lookup does.
    for node in fdt.all_nodes().skip(1) {
        let parent_cells = node.parent_cell_sizes();
        let by_children =
            fdt.all_nodes().flat_map(|parent| parent.children()).find(|child| child.name() == node.name()).unwrap();
        assert_eq!(by_children.parent_cell_sizes(), parent_cells, "{}", node.name());
    }
}

#[test]
fn children_and_properties() {
    let blob = blob();
    let fdt = Fdt::new(&blob).unwrap();
    let top: Vec<_> = fdt.root().children().map(|node| node.name()).collect();
    assert_eq!(top, ["poweroff", "chosen", "aliases", "memory@80000000", "reserved-memory", "cpus", "soc"]);
    let serial = fdt.find_node("/soc/serial").unwrap();
    let names: Vec<_> = serial.properties().map(|p| p.name()).collect();
    assert_eq!(names, ["interrupts", "interrupt-parent", "clock-frequency", "reg", "compatible"]);
    assert_eq!(serial.property_u32("clock-frequency"), Some(0x38_4000));
    assert_eq!(serial.property_u64("clock-frequency"), Some(0x38_4000));
    assert_eq!(serial.property_u32("reg"), None);
    assert_eq!(serial.property_u64("reg"), None);
    assert_eq!(serial.property("nope"), None);
    assert_eq!(serial.children().count(), 0);
    let compatible = serial.property("compatible").unwrap();
    assert_eq!(compatible.value(), b"ns16550a\0");
    assert_eq!(compatible.as_str(), Some("ns16550a"));
    assert!(!compatible.is_empty());

    let plic = fdt.find_node("/soc/plic").unwrap();
    assert!(plic.property("interrupt-controller").unwrap().is_empty());
    let ext: Vec<_> = plic.property("interrupts-extended").unwrap().cells().collect();
    assert_eq!(ext, [2, 0xb, 2, 0x9]);
    assert_eq!(plic.property_u32("riscv,ndev"), Some(0x5f));
}

#[test]
fn devices() {
    let blob = blob();
    let fdt = Fdt::new(&blob).unwrap();

    let uart = fdt.find_compatible(&["snps,dw-apb-uart", "ns16550a"]).unwrap();
    assert_eq!(uart.name(), "serial@10000000");
    assert_eq!(uart.reg().collect::<Vec<_>>(), [region(0x1000_0000, 0x100)]);
    assert_eq!(uart.interrupts().collect::<Vec<_>>(), [10]);
    assert_eq!(uart.interrupt_parent(), Some(3));
    assert_eq!(fdt.find_phandle(3).unwrap().name(), "plic@c000000");

    let plic = fdt.find_compatible(&["riscv,plic0"]).unwrap();
    assert_eq!(plic.name(), "plic@c000000");
    assert!(plic.is_compatible("sifive,plic-1.0.0"));
    assert_eq!(plic.reg().collect::<Vec<_>>(), [region(0xc00_0000, 0x60_0000)]);
    assert_eq!(plic.property_u32("#interrupt-cells"), Some(1));

    let clint = fdt.find_compatible(&["riscv,clint0"]).unwrap();
    assert_eq!(clint.name(), "clint@2000000");
    assert_eq!(clint.compatible().collect::<Vec<_>>(), ["sifive,clint0", "riscv,clint0"]);
    assert_eq!(clint.reg().collect::<Vec<_>>(), [region(0x200_0000, 0x1_0000)]);
    assert_eq!(clint.interrupts().count(), 0);

    let test = fdt.find_compatible(&["sifive,test0"]).unwrap();
    assert_eq!(test.name(), "test@100000");
    assert!(test.is_compatible("syscon"));
    assert!(!test.is_compatible("sifive,test"));
    assert_eq!(test.reg().collect::<Vec<_>>(), [region(0x10_0000, 0x1000)]);

    // The first match in depth-first order wins, whichever string matched.
    let first = fdt.find_compatible(&["riscv,clint0", "syscon-poweroff"]).unwrap();
    assert_eq!(first.name(), "poweroff");
    assert!(fdt.find_compatible(&["nope"]).is_none());
    assert!(fdt.find_compatible(&[]).is_none());
}

#[test]
fn memory_and_timebase() {
    let blob = blob();
    let fdt = Fdt::new(&blob).unwrap();
    assert_eq!(fdt.memory_regions().collect::<Vec<_>>(), [region(0x8000_0000, 0x800_0000)]);
    assert_eq!(fdt.reserved_regions().collect::<Vec<_>>(), [region(0x8000_0000, 0x4_0000)]);
    assert_eq!(fdt.timebase_frequency(), Some(10_000_000));
    let cpu = fdt.find_node("/cpus/cpu@0").unwrap();
    assert_eq!(cpu.parent_cell_sizes(), CellSizes { address_cells: 1, size_cells: 0 });
    assert_eq!(cpu.reg().collect::<Vec<_>>(), [region(0, 0)]);
    assert_eq!(cpu.device_type(), Some("cpu"));
    assert_eq!(region(0x8000_0000, 0x800_0000).end(), Some(0x8800_0000));
    assert_eq!(region(u64::MAX, 1).end(), None);
}

#[test]
fn version_16_blob() {
    let mut b = qemu_virt();
    b.version = 16;
    let blob = b.finish();
    let fdt = Fdt::new(&blob).unwrap();
    assert_eq!(fdt.header().size_dt_struct, None);
    assert_eq!(fdt.timebase_frequency(), Some(10_000_000));
    assert_eq!(fdt.all_nodes().count(), 18);
}

#[test]
fn newer_compatible_version() {
    let mut b = qemu_virt();
    b.version = 20;
    b.last_comp_version = 17;
    let blob = b.finish();
    assert!(Fdt::new(&blob).is_ok());
}

#[test]
fn nops_are_skipped() {
    let mut b = crate::builder::Builder::new();
    b.nop().begin("").nop().prop_u32("a", 1).nop().prop_u32("b", 2).nop();
    b.begin("child@1").nop().prop_u32("c", 3).end().nop().end().nop();
    let blob = b.finish();
    let fdt = Fdt::new(&blob).unwrap();
    let names: Vec<_> = fdt.root().properties().map(|p| p.name()).collect();
    assert_eq!(names, ["a", "b"]);
    assert_eq!(fdt.find_node("/child").unwrap().property_u32("c"), Some(3));
    assert_eq!(fdt.all_nodes().count(), 2);
}
