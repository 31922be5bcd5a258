//! A small DTB writer used only by the tests.

use std::collections::HashMap;

pub const BEGIN_NODE: u32 = 1;
pub const END_NODE: u32 = 2;
pub const PROP: u32 = 3;
pub const NOP: u32 = 4;
pub const END: u32 = 9;

/// Builds a blob token by token; `finish` lays out header, reservation map,
/// structure block and strings block like dtc does.
#[derive(Clone, Debug)]
pub struct Builder {
    structs: Vec<u8>,
    strings: Vec<u8>,
    string_offsets: HashMap<String, u32>,
    reservations: Vec<(u64, u64)>,
    pub version: u32,
    pub last_comp_version: u32,
    pub boot_cpuid_phys: u32,
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            structs: Vec::new(),
            strings: Vec::new(),
            string_offsets: HashMap::new(),
            reservations: Vec::new(),
            version: 17,
            last_comp_version: 16,
            boot_cpuid_phys: 0,
        }
    }
}

fn pad4(bytes: &mut Vec<u8>) {
    while !bytes.len().is_multiple_of(4) {
        bytes.push(0);
    }
}

impl Builder {
    pub fn new() -> Self {
        Builder::default()
    }

    pub fn reserve(&mut self, address: u64, size: u64) -> &mut Self {
        self.reservations.push((address, size));
        self
    }

    pub fn word(&mut self, value: u32) -> &mut Self {
        self.structs.extend_from_slice(&value.to_be_bytes());
        self
    }

    pub fn begin(&mut self, name: &str) -> &mut Self {
        self.word(BEGIN_NODE);
        self.structs.extend_from_slice(name.as_bytes());
        self.structs.push(0);
        pad4(&mut self.structs);
        self
    }

    pub fn end(&mut self) -> &mut Self {
        self.word(END_NODE)
    }

    pub fn nop(&mut self) -> &mut Self {
        self.word(NOP)
    }

    /// A node with its contents written by `body`.
    pub fn node(&mut self, name: &str, body: impl FnOnce(&mut Self)) -> &mut Self {
        self.begin(name);
        body(self);
        self.end()
    }

    pub fn string_offset(&mut self, name: &str) -> u32 {
        if let Some(&offset) = self.string_offsets.get(name) {
            return offset;
        }
        let offset = self.strings.len() as u32;
        self.strings.extend_from_slice(name.as_bytes());
        self.strings.push(0);
        self.string_offsets.insert(name.to_owned(), offset);
        offset
    }

    pub fn prop(&mut self, name: &str, value: &[u8]) -> &mut Self {
        let name_offset = self.string_offset(name);
        self.word(PROP).word(value.len() as u32).word(name_offset);
        self.structs.extend_from_slice(value);
        pad4(&mut self.structs);
        self
    }

    pub fn prop_empty(&mut self, name: &str) -> &mut Self {
        self.prop(name, &[])
    }

    pub fn prop_cells(&mut self, name: &str, cells: &[u32]) -> &mut Self {
        let value: Vec<u8> = cells.iter().flat_map(|cell| cell.to_be_bytes()).collect();
        self.prop(name, &value)
    }

    pub fn prop_u32(&mut self, name: &str, value: u32) -> &mut Self {
        self.prop_cells(name, &[value])
    }

    pub fn prop_u64(&mut self, name: &str, value: u64) -> &mut Self {
        self.prop(name, &value.to_be_bytes())
    }

    pub fn prop_str(&mut self, name: &str, value: &str) -> &mut Self {
        self.prop_strs(name, &[value])
    }

    pub fn prop_strs(&mut self, name: &str, values: &[&str]) -> &mut Self {
        let mut value = Vec::new();
        for entry in values {
            value.extend_from_slice(entry.as_bytes());
            value.push(0);
        }
        self.prop(name, &value)
    }

    /// The structure block written so far (without `FDT_END`).
    pub fn structs(&self) -> &[u8] {
        &self.structs
    }

    /// Lays out the blob, appending `FDT_END` to the structure block.
    pub fn finish(&self) -> Vec<u8> {
        let mut structs = self.structs.clone();
        structs.extend_from_slice(&END.to_be_bytes());
        self.finish_raw(&structs, &self.strings)
    }

    /// Lays out a blob around arbitrary structure and strings blocks.
    pub fn finish_raw(&self, structs: &[u8], strings: &[u8]) -> Vec<u8> {
        let header_len = if self.version >= 17 { 40 } else { 36 };
        let off_rsvmap = 40u32;
        let mut rsvmap = Vec::new();
        for &(address, size) in self.reservations.iter().chain([(0, 0)].iter()) {
            rsvmap.extend_from_slice(&address.to_be_bytes());
            rsvmap.extend_from_slice(&size.to_be_bytes());
        }
        let off_struct = off_rsvmap + rsvmap.len() as u32;
        let off_strings = off_struct + structs.len().next_multiple_of(4) as u32;
        let total = off_strings + strings.len() as u32;

        let mut blob = Vec::with_capacity(total as usize);
        for word in [
            0xd00d_feed,
            total,
            off_struct,
            off_strings,
            off_rsvmap,
            self.version,
            self.last_comp_version,
            self.boot_cpuid_phys,
            strings.len() as u32,
            structs.len() as u32,
        ] {
            blob.extend_from_slice(&word.to_be_bytes());
        }
        blob.truncate(header_len);
        blob.resize(off_rsvmap as usize, 0);
        blob.extend_from_slice(&rsvmap);
        blob.extend_from_slice(structs);
        pad4(&mut blob);
        blob.extend_from_slice(strings);
        assert_eq!(blob.len(), total as usize);
        blob
    }
}

/// Overwrites the big-endian header word at `index` (0 = magic).
pub fn set_header_word(blob: &mut [u8], index: usize, value: u32) {
    blob[index * 4..index * 4 + 4].copy_from_slice(&value.to_be_bytes());
}

/// A tree shaped like QEMU's riscv `virt` machine (one hart, 128 MiB).
pub fn qemu_virt() -> Builder {
    let mut b = Builder::new();
    b.reserve(0x8700_0000, 0x2_0000);
    b.node("", |b| {
        b.prop_u32("#address-cells", 2)
            .prop_u32("#size-cells", 2)
            .prop_str("compatible", "riscv-virtio")
            .prop_str("model", "riscv-virtio,qemu");
        b.node("poweroff", |b| {
            b.prop_u32("value", 0x5555)
                .prop_u32("offset", 0)
                .prop_u32("regmap", 4)
                .prop_str("compatible", "syscon-poweroff");
        });
        b.node("chosen", |b| {
            b.prop_str("stdout-path", "/soc/serial@10000000").prop_str("bootargs", "console=ttyS0");
        });
        b.node("aliases", |b| {
            b.prop_str("serial0", "/soc/serial@10000000");
        });
        b.node("memory@80000000", |b| {
            b.prop_str("device_type", "memory").prop_cells("reg", &[0x0, 0x8000_0000, 0x0, 0x800_0000]);
        });
        b.node("reserved-memory", |b| {
            b.prop_u32("#address-cells", 2).prop_u32("#size-cells", 2).prop_empty("ranges");
            b.node("mmode_resv0@80000000", |b| {
                b.prop_cells("reg", &[0x0, 0x8000_0000, 0x0, 0x4_0000]).prop_empty("no-map");
            });
        });
        b.node("cpus", |b| {
            b.prop_u32("#address-cells", 1).prop_u32("#size-cells", 0).prop_u32("timebase-frequency", 10_000_000);
            b.node("cpu@0", |b| {
                b.prop_u32("phandle", 1)
                    .prop_str("device_type", "cpu")
                    .prop_u32("reg", 0)
                    .prop_str("status", "okay")
                    .prop_str("compatible", "riscv")
                    .prop_str("riscv,isa", "rv64imafdch_zicsr_zifencei")
                    .prop_str("mmu-type", "riscv,sv57");
                b.node("interrupt-controller", |b| {
                    b.prop_u32("#interrupt-cells", 1)
                        .prop_empty("interrupt-controller")
                        .prop_str("compatible", "riscv,cpu-intc")
                        .prop_u32("phandle", 2);
                });
            });
            b.node("cpu-map", |b| {
                b.node("cluster0", |b| {
                    b.node("core0", |b| {
                        b.prop_u32("cpu", 1);
                    });
                });
            });
        });
        b.node("soc", |b| {
            b.prop_u32("#address-cells", 2)
                .prop_u32("#size-cells", 2)
                .prop_str("compatible", "simple-bus")
                .prop_empty("ranges");
            b.node("serial@10000000", |b| {
                b.prop_u32("interrupts", 10)
                    .prop_u32("interrupt-parent", 3)
                    .prop_u32("clock-frequency", 0x38_4000)
                    .prop_cells("reg", &[0x0, 0x1000_0000, 0x0, 0x100])
                    .prop_str("compatible", "ns16550a");
            });
            b.node("test@100000", |b| {
                b.prop_u32("phandle", 4)
                    .prop_cells("reg", &[0x0, 0x10_0000, 0x0, 0x1000])
                    .prop_strs("compatible", &["sifive,test1", "sifive,test0", "syscon"]);
            });
            b.node("plic@c000000", |b| {
                b.prop_u32("phandle", 3)
                    .prop_u32("riscv,ndev", 0x5f)
                    .prop_cells("reg", &[0x0, 0xc00_0000, 0x0, 0x60_0000])
                    .prop_cells("interrupts-extended", &[2, 0xb, 2, 0x9])
                    .prop_empty("interrupt-controller")
                    .prop_strs("compatible", &["sifive,plic-1.0.0", "riscv,plic0"])
                    .prop_u32("#address-cells", 0)
                    .prop_u32("#interrupt-cells", 1);
            });
            b.node("clint@2000000", |b| {
                b.prop_cells("interrupts-extended", &[2, 0x3, 2, 0x7])
                    .prop_cells("reg", &[0x0, 0x200_0000, 0x0, 0x1_0000])
                    .prop_strs("compatible", &["sifive,clint0", "riscv,clint0"]);
            });
        });
    });
    b
}
