//! A flattened device tree (DTB v17) writer into a caller's buffer, and the guest's tree.
//!
//! [`FdtWriter`] needs no allocation: the structure block grows from the front of the buffer
//! and property names are kept, once each, at its back. [`FdtWriter::finish`] moves the names
//! next to the structure block and writes the header. [`guest_tree`] describes a single-hart
//! RISC-V virtual machine the way Linux expects it.

use core::fmt::{self, Write as _};

/// Magic number at offset 0 of every blob.
const FDT_MAGIC: u32 = 0xd00d_feed;
/// Format version written.
const VERSION: u32 = 17;
/// Oldest reader version the blob is compatible with (v16 lacks only `size_dt_struct`).
const LAST_COMPATIBLE_VERSION: u32 = 16;
/// Length of the v17 header.
const HEADER_LEN: usize = 40;
/// The memory reservation map follows the header (8-byte aligned) and holds only its
/// terminating (0, 0) entry: the guest owns all of its RAM.
const RESERVATION_MAP_OFFSET: usize = HEADER_LEN;
const RESERVATION_MAP_LEN: usize = 16;
/// The structure block follows the reservation map.
const STRUCT_OFFSET: usize = RESERVATION_MAP_OFFSET + RESERVATION_MAP_LEN;

const FDT_BEGIN_NODE: u32 = 1;
const FDT_END_NODE: u32 = 2;
const FDT_PROP: u32 = 3;
const FDT_END: u32 = 9;

/// Longest node name (before any `@`) and property name the specification allows.
const MAX_NAME_LEN: usize = 31;

/// Why a device tree could not be written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FdtError {
    /// The output buffer cannot hold the tree.
    BufferTooSmall,
    /// A node name is empty, too long, has characters outside `[0-9a-zA-Z,._+-]`, an empty unit
    /// address, or is not empty for the root (or empty for any other node).
    BadNodeName,
    /// A property name is empty, too long or has characters outside `[0-9a-zA-Z,._+?#-]`.
    BadPropertyName,
    /// A string value contains a NUL byte, which would cut it short.
    NulInString,
    /// `end_node` without an open node, or `finish` with nodes still open or no root at all.
    Unbalanced,
    /// A second top-level node after the root was closed.
    SecondRoot,
    /// A property outside any node.
    PropertyOutsideNode,
    /// A property after a child node; properties must come first.
    PropertyAfterChild,
    /// A UART is configured without a PLIC to deliver its interrupt.
    UartWithoutPlic,
    /// The UART's interrupt is 0 or above the PLIC's `ndev` sources.
    UartIrqOutsidePlic,
    /// The initrd ends before it starts.
    BadInitrdRange,
}

impl fmt::Display for FdtError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            FdtError::BufferTooSmall => "the output buffer is too small",
            FdtError::BadNodeName => "invalid node name",
            FdtError::BadPropertyName => "invalid property name",
            FdtError::NulInString => "a string property contains a NUL byte",
            FdtError::Unbalanced => "nodes are not balanced (every begin_node needs one end_node, inside one root)",
            FdtError::SecondRoot => "a second root node",
            FdtError::PropertyOutsideNode => "a property outside any node",
            FdtError::PropertyAfterChild => "a property after a child node",
            FdtError::UartWithoutPlic => "a UART needs a PLIC for its interrupt",
            FdtError::UartIrqOutsidePlic => "the UART's interrupt is not one of the PLIC's sources (1..=ndev)",
            FdtError::BadInitrdRange => "the initrd ends before it starts",
        };
        write!(f, "guest device tree: {text}")
    }
}

impl core::error::Error for FdtError {}

/// Rounds up to the next multiple of 4, the alignment of every structure-block token.
fn align4(value: usize) -> Option<usize> {
    Some(value.checked_add(3)? & !3)
}

fn read_be_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let word = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes(word.try_into().ok()?))
}

fn write_be_u32(bytes: &mut [u8], at: usize, value: u32) -> Option<()> {
    bytes.get_mut(at..at.checked_add(4)?)?.copy_from_slice(&value.to_be_bytes());
    Some(())
}

fn is_node_name_char(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b",._+-".contains(&byte)
}

fn is_property_name_char(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b",._+?#-".contains(&byte)
}

/// `name[@unit]`: a name starting with a letter, and a non-empty unit address if `@` is there.
fn is_valid_node_name(name: &str) -> bool {
    let (base, unit) = match name.split_once('@') {
        Some((base, unit)) => (base, Some(unit)),
        None => (name, None),
    };
    base.len() <= MAX_NAME_LEN
        && base.bytes().next().is_some_and(|first| first.is_ascii_alphabetic())
        && base.bytes().all(is_node_name_char)
        && unit.is_none_or(|unit| !unit.is_empty() && unit.bytes().all(is_node_name_char))
}

fn is_valid_property_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= MAX_NAME_LEN && name.bytes().all(is_property_name_char)
}

/// Writes one device tree into a borrowed buffer.
///
/// Calls must nest like the tree: one root node named `""`, each node's properties before its
/// children. A failed call leaves the writer as it was, so the error can be reported as is.
#[derive(Debug)]
pub struct FdtWriter<'a> {
    out: &'a mut [u8],
    /// End of the structure block written so far.
    struct_end: usize,
    /// Start of the property names, kept at the back of `out` and growing downwards.
    strings_start: usize,
    /// Nodes begun and not yet ended.
    open_nodes: usize,
    /// The root node has been begun.
    root_begun: bool,
    /// The innermost open node already has a child, so it takes no more properties.
    after_child: bool,
}

impl<'a> FdtWriter<'a> {
    /// Starts a tree in `out`. Only the first 4 GiB are used, as header fields are 32 bits.
    pub fn new(out: &'a mut [u8]) -> Self {
        let usable = out.len().min(usize::try_from(u32::MAX).unwrap_or(usize::MAX));
        let (out, _) = out.split_at_mut(usable);
        FdtWriter {
            strings_start: out.len(),
            out,
            struct_end: STRUCT_OFFSET,
            open_nodes: 0,
            root_begun: false,
            after_child: false,
        }
    }

    /// Bytes left between the structure block and the names.
    fn free(&self) -> usize {
        self.strings_start.saturating_sub(self.struct_end)
    }

    /// Appends `len` bytes taken from `bytes` (zeros once it runs out) to the structure block,
    /// then zeros up to the next 4-byte boundary. Callers check the space first; this only
    /// re-checks to stay total.
    fn push(&mut self, len: usize, bytes: impl IntoIterator<Item = u8>) -> Result<(), FdtError> {
        let end = self.struct_end.checked_add(len).ok_or(FdtError::BufferTooSmall)?;
        let padded = align4(end).filter(|&padded| padded <= self.strings_start).ok_or(FdtError::BufferTooSmall)?;
        let slot = self.out.get_mut(self.struct_end..padded).ok_or(FdtError::BufferTooSmall)?;
        slot.fill(0);
        for (byte, value) in slot.iter_mut().zip(bytes.into_iter().take(len)) {
            *byte = value;
        }
        self.struct_end = padded;
        Ok(())
    }

    fn push_word(&mut self, word: u32) -> Result<(), FdtError> {
        self.push(4, word.to_be_bytes())
    }

    /// Opens a node; the first must be the root, named `""`.
    pub fn begin_node(&mut self, name: &str) -> Result<(), FdtError> {
        let is_root = self.open_nodes == 0;
        if is_root && self.root_begun {
            return Err(FdtError::SecondRoot);
        }
        let name_ok = if is_root { name.is_empty() } else { is_valid_node_name(name) };
        if !name_ok {
            return Err(FdtError::BadNodeName);
        }
        let needed = name.len().checked_add(1).and_then(align4).and_then(|len| len.checked_add(4));
        if needed.is_none_or(|needed| needed > self.free()) {
            return Err(FdtError::BufferTooSmall);
        }
        let open_nodes = self.open_nodes.checked_add(1).ok_or(FdtError::BufferTooSmall)?;
        self.push_word(FDT_BEGIN_NODE)?;
        // One byte more than the name: the zero fill terminates it.
        self.push(name.len().saturating_add(1), name.bytes())?;
        self.open_nodes = open_nodes;
        self.root_begun = true;
        self.after_child = false;
        Ok(())
    }

    /// Opens a node named `base@<address in lowercase hex>`, e.g. `memory@80000000`.
    pub fn begin_node_at(&mut self, base: &str, address: u64) -> Result<(), FdtError> {
        let name = ShortText::format(format_args!("{base}@{address:x}")).ok_or(FdtError::BadNodeName)?;
        self.begin_node(name.as_str())
    }

    /// Closes the innermost open node.
    pub fn end_node(&mut self) -> Result<(), FdtError> {
        let open_nodes = self.open_nodes.checked_sub(1).ok_or(FdtError::Unbalanced)?;
        if self.free() < 4 {
            return Err(FdtError::BufferTooSmall);
        }
        self.push_word(FDT_END_NODE)?;
        self.open_nodes = open_nodes;
        // The parent now has a child.
        self.after_child = true;
        Ok(())
    }

    /// Where an existing copy of `name` starts, as a distance from the end of `out`.
    fn find_name(&self, name: &str) -> Option<usize> {
        let names = self.out.get(self.strings_start..)?;
        let mut start = 0usize;
        for entry in names.split(|&byte| byte == 0) {
            if entry == name.as_bytes() {
                return names.len().checked_sub(start);
            }
            start = start.checked_add(entry.len())?.checked_add(1)?;
        }
        None
    }

    /// Stores `name` at the back of `out`; returns its distance from the end. The caller has
    /// checked the space.
    fn add_name(&mut self, name: &str) -> Result<usize, FdtError> {
        let start = name.len().checked_add(1).and_then(|len| self.strings_start.checked_sub(len));
        let start = start.filter(|&start| start >= self.struct_end).ok_or(FdtError::BufferTooSmall)?;
        let (text, nul) =
            self.out.get_mut(start..self.strings_start).ok_or(FdtError::BufferTooSmall)?.split_at_mut(name.len());
        text.copy_from_slice(name.as_bytes());
        nul.fill(0);
        self.strings_start = start;
        self.out.len().checked_sub(start).ok_or(FdtError::BufferTooSmall)
    }

    /// Writes a property whose `len`-byte value is `value`, which callers size exactly.
    fn property_from(&mut self, name: &str, len: usize, value: impl Iterator<Item = u8>) -> Result<(), FdtError> {
        if self.open_nodes == 0 {
            return Err(FdtError::PropertyOutsideNode);
        }
        if self.after_child {
            return Err(FdtError::PropertyAfterChild);
        }
        if !is_valid_property_name(name) {
            return Err(FdtError::BadPropertyName);
        }
        let existing = self.find_name(name);
        let name_space = if existing.is_some() { 0 } else { name.len().saturating_add(1) };
        let needed = align4(len).and_then(|len| len.checked_add(12)).and_then(|len| len.checked_add(name_space));
        if needed.is_none_or(|needed| needed > self.free()) {
            return Err(FdtError::BufferTooSmall);
        }
        let len_word = u32::try_from(len).map_err(|_| FdtError::BufferTooSmall)?;
        let name_from_end = match existing {
            Some(from_end) => from_end,
            None => self.add_name(name)?,
        };
        // Rewritten as an offset into the strings block by `finish`, once its size is known.
        let name_word = u32::try_from(name_from_end).map_err(|_| FdtError::BufferTooSmall)?;
        self.push_word(FDT_PROP)?;
        self.push_word(len_word)?;
        self.push_word(name_word)?;
        self.push(len, value)
    }

    /// A property with raw bytes as its value.
    pub fn property(&mut self, name: &str, value: &[u8]) -> Result<(), FdtError> {
        self.property_from(name, value.len(), value.iter().copied())
    }

    /// A property with no value, a flag such as `interrupt-controller`.
    pub fn property_empty(&mut self, name: &str) -> Result<(), FdtError> {
        self.property(name, &[])
    }

    /// A one-cell property.
    pub fn property_u32(&mut self, name: &str, value: u32) -> Result<(), FdtError> {
        self.property(name, &value.to_be_bytes())
    }

    /// A two-cell property, high cell first.
    pub fn property_u64(&mut self, name: &str, value: u64) -> Result<(), FdtError> {
        self.property(name, &value.to_be_bytes())
    }

    /// A property of 32-bit cells.
    pub fn property_cells(&mut self, name: &str, cells: &[u32]) -> Result<(), FdtError> {
        let len = cells.len().checked_mul(4).ok_or(FdtError::BufferTooSmall)?;
        self.property_from(name, len, cells.iter().flat_map(|cell| cell.to_be_bytes()))
    }

    /// A NUL-terminated string property.
    pub fn property_string(&mut self, name: &str, value: &str) -> Result<(), FdtError> {
        self.property_strings(name, &[value])
    }

    /// A string-list property such as `compatible`: each string NUL-terminated.
    pub fn property_strings(&mut self, name: &str, values: &[&str]) -> Result<(), FdtError> {
        let mut len = 0usize;
        for value in values {
            if value.as_bytes().contains(&0) {
                return Err(FdtError::NulInString);
            }
            len = len.checked_add(value.len()).and_then(|len| len.checked_add(1)).ok_or(FdtError::BufferTooSmall)?;
        }
        self.property_from(name, len, values.iter().flat_map(|value| value.bytes().chain([0])))
    }

    /// Ends the structure block, moves the names behind it and writes the header. Returns the
    /// blob's length (`totalsize`), which starts at the beginning of the buffer.
    pub fn finish(mut self) -> Result<usize, FdtError> {
        if self.open_nodes != 0 || !self.root_begun {
            return Err(FdtError::Unbalanced);
        }
        if self.free() < 4 {
            return Err(FdtError::BufferTooSmall);
        }
        self.push_word(FDT_END)?;
        let strings_offset = self.struct_end;
        let strings_len = self.out.len().checked_sub(self.strings_start).ok_or(FdtError::BufferTooSmall)?;
        let total = strings_offset.checked_add(strings_len).ok_or(FdtError::BufferTooSmall)?;
        self.out.copy_within(self.strings_start.., strings_offset);
        let structs = self.out.get_mut(STRUCT_OFFSET..strings_offset).ok_or(FdtError::BufferTooSmall)?;
        relocate_name_offsets(structs, strings_len);

        let word = |value: usize| u32::try_from(value).map_err(|_| FdtError::BufferTooSmall);
        let header = [
            FDT_MAGIC,
            word(total)?,
            word(STRUCT_OFFSET)?,
            word(strings_offset)?,
            word(RESERVATION_MAP_OFFSET)?,
            VERSION,
            LAST_COMPATIBLE_VERSION,
            0, // boot_cpuid_phys: hart 0 boots
            word(strings_len)?,
            word(strings_offset.saturating_sub(STRUCT_OFFSET))?,
        ];
        for (index, value) in header.into_iter().enumerate() {
            let at = index.checked_mul(4).ok_or(FdtError::BufferTooSmall)?;
            write_be_u32(self.out, at, value).ok_or(FdtError::BufferTooSmall)?;
        }
        let reservation_end = RESERVATION_MAP_OFFSET + RESERVATION_MAP_LEN;
        self.out.get_mut(RESERVATION_MAP_OFFSET..reservation_end).ok_or(FdtError::BufferTooSmall)?.fill(0);
        Ok(total)
    }
}

/// Rewrites each property's name offset, stored by the writer as the name's distance from the
/// end of the buffer, as an offset into the finished strings block of `strings_len` bytes.
fn relocate_name_offsets(structs: &mut [u8], strings_len: usize) {
    let mut at = 0;
    while let Some(next) = relocate_token(structs, at, strings_len) {
        at = next;
    }
}

/// Handles the token at `at`; returns where the next one starts, or `None` at `FDT_END`.
fn relocate_token(structs: &mut [u8], at: usize, strings_len: usize) -> Option<usize> {
    let body = at.checked_add(4)?;
    match read_be_u32(structs, at)? {
        FDT_BEGIN_NODE => {
            let name_len = structs.get(body..)?.iter().position(|&byte| byte == 0)?;
            align4(body.checked_add(name_len)?.checked_add(1)?)
        }
        FDT_PROP => {
            let value_len = usize::try_from(read_be_u32(structs, body)?).ok()?;
            let name_at = body.checked_add(4)?;
            let name_from_end = usize::try_from(read_be_u32(structs, name_at)?).ok()?;
            let name_offset = u32::try_from(strings_len.checked_sub(name_from_end)?).ok()?;
            write_be_u32(structs, name_at, name_offset)?;
            align4(name_at.checked_add(4)?.checked_add(value_len)?)
        }
        FDT_END_NODE => Some(body),
        _ => None,
    }
}

/// A short string formatted on the stack: node names and paths with a unit address.
struct ShortText {
    bytes: [u8; 64],
    len: usize,
}

impl ShortText {
    /// `None` if the text does not fit.
    fn format(args: fmt::Arguments<'_>) -> Option<ShortText> {
        let mut text = ShortText { bytes: [0; 64], len: 0 };
        text.write_fmt(args).ok()?;
        Some(text)
    }

    fn as_str(&self) -> &str {
        // Only whole `str`s are appended, so this is always valid UTF-8.
        self.bytes.get(..self.len).and_then(|bytes| core::str::from_utf8(bytes).ok()).unwrap_or("")
    }
}

impl fmt::Write for ShortText {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        let end = self.len.checked_add(text.len()).ok_or(fmt::Error)?;
        self.bytes.get_mut(self.len..end).ok_or(fmt::Error)?.copy_from_slice(text.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Phandle of hart 0's local interrupt controller.
pub const CPU_INTC_PHANDLE: u32 = 1;
/// Phandle of the PLIC.
pub const PLIC_PHANDLE: u32 = 2;
/// Hart-local interrupt number of the supervisor external interrupt.
const IRQ_S_EXTERNAL: u32 = 9;
/// The 16550's input clock, the usual 1.8432 MHz crystal doubled, as QEMU's `virt` board has it.
const UART_CLOCK_HZ: u32 = 3_686_400;

/// The guest's PLIC: its registers and how many interrupt sources it has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plic {
    pub base: u64,
    pub size: u64,
    /// Number of sources, `riscv,ndev`; sources are numbered 1..=ndev.
    pub ndev: u32,
}

/// The guest's 16550 UART: its registers and its PLIC source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Uart {
    pub base: u64,
    pub size: u64,
    pub irq: u32,
}

/// What the guest's device tree describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GuestConfig<'a> {
    pub ram_base: u64,
    pub ram_size: u64,
    /// The kernel command line.
    pub bootargs: &'a str,
    /// The hart's `riscv,isa` string, e.g. `rv64imafdc_zicsr_zifencei`.
    pub isa: &'a str,
    /// Ticks per second of the `time` CSR (10 MHz on QEMU's `virt`).
    pub timebase_frequency: u32,
    /// The initrd as (start, end), end exclusive.
    pub initrd: Option<(u64, u64)>,
    /// Bytes for `/chosen/rng-seed`, which Linux mixes into its random pool at once (empty:
    /// none), so the guest need not wait to gather entropy.
    pub rng_seed: &'a [u8],
    pub plic: Option<Plic>,
    pub uart: Option<Uart>,
}

impl GuestConfig<'_> {
    /// Catches settings that would give a tree Linux accepts but cannot use.
    fn check(&self) -> Result<(), FdtError> {
        if let Some(uart) = self.uart {
            let plic = self.plic.ok_or(FdtError::UartWithoutPlic)?;
            if uart.irq == 0 || uart.irq > plic.ndev {
                return Err(FdtError::UartIrqOutsidePlic);
            }
        }
        if self.initrd.is_some_and(|(start, end)| end < start) {
            return Err(FdtError::BadInitrdRange);
        }
        Ok(())
    }
}

/// A `reg` value with two address and two size cells (big endian, high cell first).
fn reg(base: u64, size: u64) -> [u8; 16] {
    let mut value = [0; 16];
    let (address, length) = value.split_at_mut(8);
    address.copy_from_slice(&base.to_be_bytes());
    length.copy_from_slice(&size.to_be_bytes());
    value
}

/// Writes the device tree of a single-hart RISC-V guest into `out`; returns its length.
pub fn guest_tree(config: &GuestConfig<'_>, out: &mut [u8]) -> Result<usize, FdtError> {
    config.check()?;
    let mut fdt = FdtWriter::new(out);
    fdt.begin_node("")?;
    fdt.property_u32("#address-cells", 2)?;
    fdt.property_u32("#size-cells", 2)?;
    fdt.property_string("compatible", "atoll,riscv-vm")?;
    fdt.property_string("model", "Atoll RISC-V virtual machine")?;
    write_chosen(&mut fdt, config)?;
    write_cpus(&mut fdt, config)?;
    fdt.begin_node_at("memory", config.ram_base)?;
    fdt.property_string("device_type", "memory")?;
    fdt.property("reg", &reg(config.ram_base, config.ram_size))?;
    fdt.end_node()?;
    write_soc(&mut fdt, config)?;
    fdt.end_node()?;
    fdt.finish()
}

fn write_chosen(fdt: &mut FdtWriter<'_>, config: &GuestConfig<'_>) -> Result<(), FdtError> {
    fdt.begin_node("chosen")?;
    fdt.property_string("bootargs", config.bootargs)?;
    if let Some(uart) = config.uart {
        let path = ShortText::format(format_args!("/soc/serial@{:x}", uart.base)).ok_or(FdtError::BadNodeName)?;
        fdt.property_string("stdout-path", path.as_str())?;
    }
    if let Some((start, end)) = config.initrd {
        fdt.property_u64("linux,initrd-start", start)?;
        fdt.property_u64("linux,initrd-end", end)?;
    }
    if !config.rng_seed.is_empty() {
        fdt.property("rng-seed", config.rng_seed)?;
    }
    fdt.end_node()
}

fn write_cpus(fdt: &mut FdtWriter<'_>, config: &GuestConfig<'_>) -> Result<(), FdtError> {
    fdt.begin_node("cpus")?;
    fdt.property_u32("#address-cells", 1)?;
    fdt.property_u32("#size-cells", 0)?;
    fdt.property_u32("timebase-frequency", config.timebase_frequency)?;
    fdt.begin_node("cpu@0")?;
    fdt.property_string("device_type", "cpu")?;
    fdt.property_u32("reg", 0)?;
    fdt.property_string("compatible", "riscv")?;
    fdt.property_string("riscv,isa", config.isa)?;
    fdt.property_string("mmu-type", "riscv,sv39")?;
    fdt.property_string("status", "okay")?;
    fdt.begin_node("interrupt-controller")?;
    fdt.property_u32("#interrupt-cells", 1)?;
    fdt.property_empty("interrupt-controller")?;
    fdt.property_string("compatible", "riscv,cpu-intc")?;
    fdt.property_u32("phandle", CPU_INTC_PHANDLE)?;
    fdt.end_node()?;
    fdt.end_node()?;
    fdt.end_node()
}

fn write_soc(fdt: &mut FdtWriter<'_>, config: &GuestConfig<'_>) -> Result<(), FdtError> {
    fdt.begin_node("soc")?;
    fdt.property_u32("#address-cells", 2)?;
    fdt.property_u32("#size-cells", 2)?;
    fdt.property_string("compatible", "simple-bus")?;
    fdt.property_empty("ranges")?;
    if let Some(plic) = config.plic {
        fdt.begin_node_at("plic", plic.base)?;
        fdt.property_strings("compatible", &["sifive,plic-1.0.0", "riscv,plic0"])?;
        fdt.property("reg", &reg(plic.base, plic.size))?;
        // One context, hart 0's S-mode external interrupt: PLIC context 0 is the guest's.
        fdt.property_cells("interrupts-extended", &[CPU_INTC_PHANDLE, IRQ_S_EXTERNAL])?;
        fdt.property_empty("interrupt-controller")?;
        fdt.property_u32("#interrupt-cells", 1)?;
        fdt.property_u32("#address-cells", 0)?;
        fdt.property_u32("riscv,ndev", plic.ndev)?;
        fdt.property_u32("phandle", PLIC_PHANDLE)?;
        fdt.end_node()?;
    }
    if let Some(uart) = config.uart {
        fdt.begin_node_at("serial", uart.base)?;
        fdt.property_string("compatible", "ns16550a")?;
        fdt.property("reg", &reg(uart.base, uart.size))?;
        fdt.property_u32("clock-frequency", UART_CLOCK_HZ)?;
        fdt.property_u32("interrupts", uart.irq)?;
        fdt.property_u32("interrupt-parent", PLIC_PHANDLE)?;
        fdt.end_node()?;
    }
    fdt.end_node()
}

#[cfg(test)]
mod tests {
    extern crate std;

    use std::format;
    use std::string::{String, ToString};
    use std::vec;
    use std::vec::Vec;

    use atoll_dtb::{Fdt, Node, Region};

    use super::*;

    const UART_BASE: u64 = 0x1000_0000;
    const PLIC_BASE: u64 = 0x0c00_0000;

    fn config(bootargs: &str) -> GuestConfig<'_> {
        GuestConfig {
            ram_base: 0x8000_0000,
            ram_size: 0x1000_0000,
            bootargs,
            isa: "rv64imafdc_zicsr_zifencei",
            timebase_frequency: 10_000_000,
            initrd: Some((0x8220_0000, 0x8240_0000)),
            rng_seed: &[7; 32],
            plic: Some(Plic { base: PLIC_BASE, size: 0x60_0000, ndev: 31 }),
            uart: Some(Uart { base: UART_BASE, size: 0x100, irq: 10 }),
        }
    }

    fn minimal_config() -> GuestConfig<'static> {
        GuestConfig { initrd: None, plic: None, uart: None, ..config("") }
    }

    /// The tree for `config`, in a buffer exactly as long as the blob.
    fn build(config: &GuestConfig<'_>) -> Vec<u8> {
        let mut out = vec![0u8; 8192];
        let len = guest_tree(config, &mut out).unwrap();
        out.truncate(len);
        out
    }

    fn node<'a>(fdt: &Fdt<'a>, path: &str) -> Node<'a> {
        fdt.find_node(path).unwrap_or_else(|| panic!("no node {path}"))
    }

    fn strings(node: &Node<'_>, name: &str) -> Vec<String> {
        node.property(name).unwrap().strings().map(ToString::to_string).collect()
    }

    fn cells(node: &Node<'_>, name: &str) -> Vec<u32> {
        node.property(name).unwrap().cells().collect()
    }

    /// The strings block of a blob, split into its names.
    fn stored_names(blob: &[u8]) -> Vec<String> {
        let header = *Fdt::new(blob).unwrap().header();
        let start = header.off_dt_strings as usize;
        let block = &blob[start..start + header.size_dt_strings as usize];
        assert_eq!(block.last(), Some(&0));
        block[..block.len() - 1]
            .split(|&byte| byte == 0)
            .map(|name| String::from_utf8(name.to_vec()).unwrap())
            .collect()
    }

    #[test]
    fn header_is_v17_with_no_reservations() {
        let blob = build(&config("console=ttyS0"));
        let fdt = Fdt::new(&blob).unwrap();
        let header = fdt.header();
        assert_eq!(u32::from_be_bytes(blob[0..4].try_into().unwrap()), 0xd00d_feed);
        assert_eq!(header.total_size as usize, blob.len());
        assert_eq!((header.version, header.last_comp_version, header.boot_cpuid_phys), (17, 16, 0));
        assert_eq!(header.off_mem_rsvmap, 40);
        assert_eq!(header.off_dt_struct, 56);
        assert_eq!(header.off_dt_strings, 56 + header.size_dt_struct.unwrap());
        assert_eq!(header.off_dt_strings + header.size_dt_strings, header.total_size);
        assert_eq!(fdt.memory_reservations().count(), 0);
        // The structure block ends with FDT_END.
        let structs_end = header.off_dt_strings as usize;
        assert_eq!(blob[structs_end - 4..structs_end], 9u32.to_be_bytes());
    }

    #[test]
    fn root_and_chosen() {
        let bootargs = "console=ttyS0 earlycon root=/dev/vda rw";
        let blob = build(&config(bootargs));
        let fdt = Fdt::new(&blob).unwrap();
        let root = fdt.root();
        assert_eq!(root.property_u32("#address-cells"), Some(2));
        assert_eq!(root.property_u32("#size-cells"), Some(2));
        assert_eq!(strings(&root, "compatible"), ["atoll,riscv-vm"]);
        assert_eq!(root.property_str("model"), Some("Atoll RISC-V virtual machine"));

        let chosen = fdt.chosen().unwrap();
        assert_eq!(chosen.property_str("bootargs"), Some(bootargs));
        assert_eq!(chosen.property("rng-seed").map(|p| p.value()), Some(&[7u8; 32][..]));
        assert_eq!(chosen.property_str("stdout-path"), Some("/soc/serial@10000000"));
        let stdout = node(&fdt, chosen.property_str("stdout-path").unwrap());
        assert!(stdout.is_compatible("ns16550a"));
        let start = chosen.property("linux,initrd-start").unwrap();
        assert_eq!(start.value(), 0x8220_0000u64.to_be_bytes());
        assert_eq!(chosen.property_u64("linux,initrd-end"), Some(0x8240_0000));
    }

    #[test]
    fn cpus_and_memory() {
        let blob = build(&config(""));
        let fdt = Fdt::new(&blob).unwrap();
        let cpus = node(&fdt, "/cpus");
        assert_eq!(cpus.property_u32("#address-cells"), Some(1));
        assert_eq!(cpus.property_u32("#size-cells"), Some(0));
        assert_eq!(fdt.timebase_frequency(), Some(10_000_000));

        let cpu = node(&fdt, "/cpus/cpu@0");
        assert_eq!(cpu.device_type(), Some("cpu"));
        assert_eq!(cpu.property_u32("reg"), Some(0));
        assert_eq!(strings(&cpu, "compatible"), ["riscv"]);
        assert_eq!(cpu.property_str("riscv,isa"), Some("rv64imafdc_zicsr_zifencei"));
        assert_eq!(cpu.property_str("mmu-type"), Some("riscv,sv39"));
        assert_eq!(cpu.property_str("status"), Some("okay"));

        let intc = node(&fdt, "/cpus/cpu@0/interrupt-controller");
        assert_eq!(intc.property_u32("#interrupt-cells"), Some(1));
        assert!(intc.property("interrupt-controller").unwrap().is_empty());
        assert!(intc.is_compatible("riscv,cpu-intc"));
        assert_eq!(intc.phandle(), Some(CPU_INTC_PHANDLE));

        let memory = node(&fdt, "/memory@80000000");
        assert_eq!(memory.device_type(), Some("memory"));
        let regions: Vec<Region> = fdt.memory_regions().collect();
        assert_eq!(regions, [Region { address: 0x8000_0000, size: 0x1000_0000 }]);
    }

    #[test]
    fn soc_plic_and_uart() {
        let blob = build(&config(""));
        let fdt = Fdt::new(&blob).unwrap();
        let soc = node(&fdt, "/soc");
        assert_eq!(soc.property_u32("#address-cells"), Some(2));
        assert_eq!(soc.property_u32("#size-cells"), Some(2));
        assert!(soc.is_compatible("simple-bus"));
        assert!(soc.property("ranges").unwrap().is_empty());

        let plic = node(&fdt, "/soc/plic@c000000");
        assert_eq!(fdt.find_compatible(&["riscv,plic0"]).map(|found| found.name()), Some("plic@c000000"));
        assert_eq!(strings(&plic, "compatible"), ["sifive,plic-1.0.0", "riscv,plic0"]);
        assert_eq!(plic.reg().collect::<Vec<_>>(), [Region { address: PLIC_BASE, size: 0x60_0000 }]);
        assert_eq!(cells(&plic, "interrupts-extended"), [CPU_INTC_PHANDLE, 9]);
        assert!(plic.property("interrupt-controller").unwrap().is_empty());
        assert_eq!(plic.property_u32("#interrupt-cells"), Some(1));
        assert_eq!(plic.property_u32("#address-cells"), Some(0));
        assert_eq!(plic.property_u32("riscv,ndev"), Some(31));
        assert_eq!(plic.phandle(), Some(PLIC_PHANDLE));
        assert_eq!(fdt.find_phandle(CPU_INTC_PHANDLE).map(|found| found.name()), Some("interrupt-controller"));

        let uart = fdt.find_compatible(&["ns16550a"]).unwrap();
        assert_eq!(uart.name(), "serial@10000000");
        assert_eq!(uart.reg().collect::<Vec<_>>(), [Region { address: UART_BASE, size: 0x100 }]);
        assert_eq!(uart.property_u32("clock-frequency"), Some(3_686_400));
        assert_eq!(cells(&uart, "interrupts"), [10]);
        assert_eq!(uart.interrupt_parent(), Some(PLIC_PHANDLE));
        assert_eq!(fdt.find_phandle(PLIC_PHANDLE).map(|found| found.name()), Some("plic@c000000"));
    }

    #[test]
    fn a_minimal_guest_has_no_devices_initrd_or_console() {
        let blob = build(&minimal_config());
        let fdt = Fdt::new(&blob).unwrap();
        let chosen = fdt.chosen().unwrap();
        assert_eq!(chosen.property_str("bootargs"), Some(""));
        for absent in ["stdout-path", "linux,initrd-start", "linux,initrd-end"] {
            assert!(chosen.property(absent).is_none(), "{absent}");
        }
        assert_eq!(node(&fdt, "/soc").children().count(), 0);
        let top: Vec<&str> = fdt.root().children().map(|child| child.name()).collect();
        assert_eq!(top, ["chosen", "cpus", "memory@80000000", "soc"]);
    }

    #[test]
    fn unit_addresses_are_lowercase_hex_without_leading_zeros() {
        let config = GuestConfig {
            ram_base: 0x1_0000_0000,
            plic: Some(Plic { base: 0xABC_0000, size: 0x1000, ndev: 1 }),
            uart: Some(Uart { base: 0, size: 8, irq: 1 }),
            ..config("")
        };
        let blob = build(&config);
        let fdt = Fdt::new(&blob).unwrap();
        let names: Vec<&str> = fdt.all_nodes().map(|node| node.name()).collect();
        assert!(names.contains(&"memory@100000000"));
        assert!(names.contains(&"plic@abc0000"));
        assert!(names.contains(&"serial@0"));
        assert_eq!(fdt.chosen().unwrap().property_str("stdout-path"), Some("/soc/serial@0"));
    }

    #[test]
    fn rejects_bad_configs() {
        let mut out = [0u8; 4096];
        let no_plic = GuestConfig { plic: None, ..config("") };
        assert_eq!(guest_tree(&no_plic, &mut out), Err(FdtError::UartWithoutPlic));
        for irq in [0, 32] {
            let bad_irq = GuestConfig { uart: Some(Uart { base: UART_BASE, size: 0x100, irq }), ..config("") };
            assert_eq!(guest_tree(&bad_irq, &mut out), Err(FdtError::UartIrqOutsidePlic));
        }
        let backwards = GuestConfig { initrd: Some((0x8240_0000, 0x8220_0000)), ..config("") };
        assert_eq!(guest_tree(&backwards, &mut out), Err(FdtError::BadInitrdRange));
        assert_eq!(guest_tree(&config("console=ttyS0\0evil"), &mut out), Err(FdtError::NulInString));
        let nul_isa = GuestConfig { isa: "rv64\0", ..config("") };
        assert_eq!(guest_tree(&nul_isa, &mut out), Err(FdtError::NulInString));
    }

    #[test]
    fn every_shorter_buffer_is_too_small() {
        for config in [config("console=ttyS0 root=/dev/vda"), minimal_config()] {
            let needed = build(&config).len();
            let mut out = vec![0u8; needed];
            for len in 0..needed {
                assert_eq!(guest_tree(&config, &mut out[..len]), Err(FdtError::BufferTooSmall), "length {len}");
            }
            assert_eq!(guest_tree(&config, &mut out), Ok(needed));
        }
    }

    #[test]
    fn output_does_not_depend_on_old_buffer_contents() {
        let config = config("quiet");
        let clean = build(&config);
        let mut dirty = vec![0xa5u8; clean.len() + 100];
        let len = guest_tree(&config, &mut dirty).unwrap();
        assert_eq!(dirty[..len], clean[..]);
    }

    #[test]
    fn property_names_are_stored_once() {
        let blob = build(&config(""));
        let names = stored_names(&blob);
        for (index, name) in names.iter().enumerate() {
            assert!(!names[index + 1..].contains(name), "{name} stored twice");
        }
        for name in ["compatible", "reg", "#address-cells", "phandle", "interrupt-controller"] {
            assert!(names.iter().any(|stored| stored == name), "{name} missing");
        }

        let mut out = [0u8; 256];
        let mut fdt = FdtWriter::new(&mut out);
        fdt.begin_node("").unwrap();
        fdt.property_u32("x,value", 1).unwrap();
        fdt.begin_node("a").unwrap();
        fdt.property_u32("x,value", 2).unwrap();
        fdt.property_u32("other", 3).unwrap();
        fdt.end_node().unwrap();
        fdt.end_node().unwrap();
        let len = fdt.finish().unwrap();
        // Newest first: the writer keeps names at the back of the buffer, growing downwards.
        assert_eq!(stored_names(&out[..len]), ["other", "x,value"]);
        let parsed = Fdt::new(&out[..len]).unwrap();
        assert_eq!(parsed.root().property_u32("x,value"), Some(1));
        assert_eq!(node(&parsed, "/a").property_u32("x,value"), Some(2));
        assert_eq!(node(&parsed, "/a").property_u32("other"), Some(3));
    }

    #[test]
    fn writer_encodes_values_big_endian_and_padded() {
        let mut out = [0u8; 512];
        let mut fdt = FdtWriter::new(&mut out);
        fdt.begin_node("").unwrap();
        fdt.property("raw", &[1, 2, 3]).unwrap();
        fdt.property_u64("wide", 0x0102_0304_0506_0708).unwrap();
        fdt.property_cells("cells", &[0xdead_beef, 7]).unwrap();
        fdt.property_strings("list", &["a", "", "bc"]).unwrap();
        fdt.property_empty("flag").unwrap();
        fdt.begin_node("node-with-a-long-name@1f").unwrap();
        fdt.end_node().unwrap();
        fdt.end_node().unwrap();
        let len = fdt.finish().unwrap();
        let parsed = Fdt::new(&out[..len]).unwrap();
        let root = parsed.root();
        assert_eq!(root.property("raw").unwrap().value(), [1, 2, 3]);
        assert_eq!(root.property("wide").unwrap().value(), [1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(cells(&root, "cells"), [0xdead_beef, 7]);
        assert_eq!(root.property("list").unwrap().value(), b"a\0\0bc\0");
        assert!(root.property("flag").unwrap().is_empty());
        assert_eq!(node(&parsed, "/node-with-a-long-name@1f").unit_address(), Some("1f"));
    }

    #[test]
    fn writer_rejects_unbalanced_trees() {
        let mut out = [0u8; 256];
        assert_eq!(FdtWriter::new(&mut out).finish(), Err(FdtError::Unbalanced));
        assert_eq!(FdtWriter::new(&mut out).end_node(), Err(FdtError::Unbalanced));

        let mut fdt = FdtWriter::new(&mut out);
        fdt.begin_node("").unwrap();
        fdt.begin_node("child").unwrap();
        fdt.end_node().unwrap();
        assert_eq!(fdt.finish(), Err(FdtError::Unbalanced));

        let mut fdt = FdtWriter::new(&mut out);
        fdt.begin_node("").unwrap();
        fdt.end_node().unwrap();
        assert_eq!(fdt.begin_node(""), Err(FdtError::SecondRoot));
        assert_eq!(fdt.end_node(), Err(FdtError::Unbalanced));
        assert_eq!(fdt.property_u32("late", 1), Err(FdtError::PropertyOutsideNode));
        assert!(fdt.finish().is_ok());
    }

    #[test]
    fn writer_rejects_misplaced_properties() {
        let mut out = [0u8; 256];
        let mut fdt = FdtWriter::new(&mut out);
        assert_eq!(fdt.property_u32("early", 1), Err(FdtError::PropertyOutsideNode));
        fdt.begin_node("").unwrap();
        fdt.begin_node("child").unwrap();
        fdt.property_u32("inside", 1).unwrap();
        fdt.end_node().unwrap();
        assert_eq!(fdt.property_u32("after", 1), Err(FdtError::PropertyAfterChild));
        fdt.begin_node("second").unwrap();
        fdt.property_u32("inside", 2).unwrap();
        fdt.end_node().unwrap();
        fdt.end_node().unwrap();
        let len = fdt.finish().unwrap();
        assert_eq!(stored_names(&out[..len]), ["inside"]);
    }

    #[test]
    fn writer_rejects_bad_names() {
        let mut out = [0u8; 512];
        let mut fdt = FdtWriter::new(&mut out);
        assert_eq!(fdt.begin_node("not-root"), Err(FdtError::BadNodeName));
        fdt.begin_node("").unwrap();
        let long_node = "n".repeat(32);
        let bad_nodes = ["", "1cpu", "a b", "a/b", "a@", "a@b@c", "@1", "a\0", "é", long_node.as_str()];
        for name in bad_nodes {
            assert_eq!(fdt.begin_node(name), Err(FdtError::BadNodeName), "{name:?}");
        }
        let long_property = "p".repeat(32);
        for name in ["", "a b", "a@b", "a\0", "ü", long_property.as_str()] {
            assert_eq!(fdt.property_empty(name), Err(FdtError::BadPropertyName), "{name:?}");
        }
        let longest = "n".repeat(31);
        fdt.begin_node(&format!("{longest}@{}", "f".repeat(40))).unwrap();
        fdt.property_empty(&"p".repeat(31)).unwrap();
        fdt.property_empty("#size-cells?,._+").unwrap();
        fdt.end_node().unwrap();
        fdt.end_node().unwrap();
        let len = fdt.finish().unwrap();
        assert!(Fdt::new(&out[..len]).is_ok());
    }

    #[test]
    fn a_failed_call_leaves_the_writer_usable() {
        let mut out = [0u8; 128];
        let mut fdt = FdtWriter::new(&mut out);
        fdt.begin_node("").unwrap();
        assert_eq!(fdt.property("big", &[0; 100]), Err(FdtError::BufferTooSmall));
        assert_eq!(fdt.property_string("bad", "a\0b"), Err(FdtError::NulInString));
        fdt.property_u32("small", 1).unwrap();
        fdt.end_node().unwrap();
        let len = fdt.finish().unwrap();
        let parsed = Fdt::new(&out[..len]).unwrap();
        assert_eq!(parsed.root().properties().map(|property| property.name()).collect::<Vec<_>>(), ["small"]);
        assert_eq!(stored_names(&out[..len]), ["small"]);
    }

    #[test]
    fn errors_read_well() {
        assert_eq!(FdtError::BufferTooSmall.to_string(), "guest device tree: the output buffer is too small");
        assert_eq!(FdtError::UartWithoutPlic.to_string(), "guest device tree: a UART needs a PLIC for its interrupt");
    }

    proptest::proptest! {
        #[test]
        fn any_length_and_bootargs_give_a_tree_or_too_small(
            bootargs in "[^\u{0}]{0,200}",
            len in 0usize..2048,
            fill in proptest::num::u8::ANY,
        ) {
            let config = config(&bootargs);
            let needed = build(&config).len();
            let mut out = vec![fill; len];
            match guest_tree(&config, &mut out) {
                Ok(written) => {
                    proptest::prop_assert_eq!(written, needed);
                    let fdt = Fdt::new(&out[..written]).unwrap();
                    let chosen = fdt.chosen().unwrap();
                    proptest::prop_assert_eq!(chosen.property_str("bootargs"), Some(bootargs.as_str()));
                }
                Err(error) => {
                    proptest::prop_assert_eq!(error, FdtError::BufferTooSmall);
                    proptest::prop_assert!(len < needed);
                }
            }
        }

        #[test]
        fn strings_with_nul_are_rejected(before in "[a-z ]{0,20}", after in "[a-z ]{0,20}") {
            let bootargs = format!("{before}\0{after}");
            let mut out = [0u8; 4096];
            proptest::prop_assert_eq!(guest_tree(&config(&bootargs), &mut out), Err(FdtError::NulInString));
        }
    }
}
