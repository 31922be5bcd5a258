//! The compact description of a system that the builder (`tools/sysbuild`) appends to the
//! initialiser's image and the initialiser (`apps/init`) reads: little-endian 64-bit words,
//! then the PDs' names and segment data. Every offset and count is checked when read, so a
//! damaged description is refused, never followed out of bounds.
//!
//! Version 4 adds virtual machines: each names its VMM (a PD), its scheduling, its vCPUs (id
//! and the badge of their faults to the VMM) and its guest-physical mappings.
#![no_std]
#![forbid(unsafe_code)]

/// "ATOLLSYS", the first word.
pub const MAGIC: u64 = u64::from_le_bytes(*b"ATOLLSYS");
pub const VERSION: u64 = 4;
/// Words of the header: magic, version, PD count, region count, total length in bytes, the
/// domain schedule's first word and entry count, its start index, and the virtual machines'
/// first word and count.
pub const HEADER_WORDS: usize = 10;
/// A domain-schedule entry: the domain and its duration in timer ticks (both 0: end marker).
pub const SCHEDULE_WORDS: usize = 2;
/// A region: size, page size, physical address (or NONE), prefill data offset and length.
pub const REGION_WORDS: usize = 5;
pub const PD_WORDS: usize = 20;
pub const SEGMENT_WORDS: usize = 5;
pub const MAP_WORDS: usize = 3;
pub const CAP_WORDS: usize = 4;
pub const PATCH_WORDS: usize = 3;
/// A function symbol, for fault reports: address, size, name offset (bytes) and length.
pub const SYMBOL_WORDS: usize = 4;
/// A virtual machine: name offset and length, its VMM (a PD), priority, budget and period (us),
/// then the first word and count of its vCPUs and of its mappings (`MAP_WORDS` each, at
/// guest-physical addresses).
pub const VM_WORDS: usize = 10;
/// A vCPU: its id and the badge its faults carry to the VMM.
pub const VCPU_WORDS: usize = 2;
/// "None" in a word that names a PD, region, domain or address.
pub const NONE: u64 = u64::MAX;

/// Where a segment's or mapping's permissions sit in its word.
pub const PERM_READ: u64 = 1;
pub const PERM_WRITE: u64 = 2;
pub const PERM_EXECUTE: u64 = 4;
pub const MAP_UNCACHED: u64 = 8;

/// PD flags.
pub const PD_PASSIVE: u64 = 1;
pub const PD_HAS_ENDPOINT: u64 = 2;

/// Cap kinds in a PD's CSpace (see `atoll-sysbuild`'s `Cap`).
pub mod cap {
    pub const OWN_ENDPOINT: u64 = 0;
    pub const OWN_NOTIFICATION: u64 = 1;
    pub const OWN_REPLY: u64 = 2;
    pub const OWN_TCB: u64 = 3;
    pub const OWN_VSPACE: u64 = 4;
    /// a: the PD (NONE: the monitor), b: the badge.
    pub const ENDPOINT: u64 = 5;
    /// a: the PD, b: the badge.
    pub const NOTIFICATION: u64 = 6;
    /// a: the IRQ, with bit 63 set for edge-triggered; b: the badge.
    pub const IRQ_HANDLER: u64 = 7;
    /// a: the child PD.
    pub const CHILD_TCB: u64 = 8;
    /// In the PD's root CNode (its `<cspace>`; libmicrokit's CNode is root slot 0), a: the PD.
    pub const ROOT_TCB: u64 = 9;
    pub const ROOT_SCHED_CONTEXT: u64 = 10;
    pub const ROOT_VSPACE: u64 = 11;
    /// A VMM's: the thread of a vCPU, a: the virtual machine, b: the vCPU's id.
    pub const VM_TCB: u64 = 12;
    /// A VMM's: the VCPU object of a vCPU, a and b as for VM_TCB.
    pub const VCPU: u64 = 13;
    pub const EDGE_TRIGGERED: u64 = 1 << 63;
}

/// The libmicrokit addresses every PD uses: its IPC buffer in the highest page of the user
/// address space, then a guard page, then its stack.
pub const IPC_BUFFER_VADDR: u64 = 0x3f_ffff_e000;
pub const STACK_TOP: u64 = IPC_BUFFER_VADDR - 0x1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    BadMagic,
    BadVersion,
    /// An offset or count reaches past the description's end.
    Truncated,
    /// A word that names a PD names none.
    BadIndex,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Region {
    pub size: u64,
    pub page_size: u64,
    pub phys_addr: Option<u64>,
    /// Byte offset and length of the data the region starts with.
    pub prefill: (u64, u64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    pub vaddr: u64,
    pub mem_size: u64,
    pub file_size: u64,
    pub perms: u64,
    /// Byte offset of the data in the description.
    pub data: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Map {
    pub region: u64,
    pub vaddr: u64,
    pub perms: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cap {
    pub slot: u64,
    pub kind: u64,
    pub a: u64,
    pub b: u64,
}

/// A patch's size that means: 8 bytes, the physical address of region `value`.
pub const PATCH_REGION_PADDR: u64 = 1 << 63 | 8;

/// A write into a PD's image before it starts: `size` bytes (1 or 8) of `value` at `vaddr`, or
/// (`PATCH_REGION_PADDR`) the physical address of region `value`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Patch {
    pub vaddr: u64,
    pub value: u64,
    pub size: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pd<'a> {
    pub name: &'a [u8],
    pub priority: u64,
    pub budget_us: u64,
    pub period_us: u64,
    pub flags: u64,
    pub domain: Option<u64>,
    pub parent: Option<u64>,
    pub entry: u64,
    pub stack_size: u64,
    words: &'a [u8],
    ranges: [(u64, u64); 5],
}

/// A virtual machine, run by the PD `vmm` (an index).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Vm<'a> {
    pub name: &'a [u8],
    pub vmm: u64,
    pub priority: u64,
    pub budget_us: u64,
    pub period_us: u64,
    words: &'a [u8],
    ranges: [(u64, u64); 2],
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Vcpu {
    pub id: u64,
    /// The badge of the VMM's endpoint its thread faults to.
    pub badge: u64,
}

/// A description, checked as it is read.
#[derive(Clone, Copy)]
pub struct Spec<'a> {
    bytes: &'a [u8],
    pd_count: u64,
    region_count: u64,
    vm_count: u64,
}

/// Word `within` of record `index` of a list of `size`-word records from word `start`, with
/// every step checked, so no count or offset can wrap.
fn field(start: u64, index: u64, size: usize, within: usize) -> Result<u64, Error> {
    index
        .checked_mul(size as u64)
        .and_then(|offset| offset.checked_add(start))
        .and_then(|at| at.checked_add(within as u64))
        .ok_or(Error::Truncated)
}

/// Record `index` of the list (`start`, `count`) of `size`-word records.
fn record(bytes: &[u8], (start, count): (u64, u64), index: u64, size: usize) -> Result<[u64; 5], Error> {
    if index >= count {
        return Err(Error::Truncated);
    }
    let mut out = [0; 5];
    for (i, slot) in out.iter_mut().enumerate().take(size) {
        *slot = word(bytes, field(start, index, size, i)?)?;
    }
    Ok(out)
}

/// Checks that a list of `count` records of `size` words from word `start` lies inside `bytes`.
fn list_fits(bytes: &[u8], start: u64, count: u64, size: usize) -> Result<(), Error> {
    if count == 0 {
        return Ok(());
    }
    word(bytes, field(start, count - 1, size, size - 1)?).map(|_| ())
}

fn word(bytes: &[u8], index: u64) -> Result<u64, Error> {
    let start = usize::try_from(index).map_err(|_| Error::Truncated)?.checked_mul(8).ok_or(Error::Truncated)?;
    let chunk = bytes.get(start..start.checked_add(8).ok_or(Error::Truncated)?).ok_or(Error::Truncated)?;
    Ok(u64::from_le_bytes(chunk.try_into().map_err(|_| Error::Truncated)?))
}

/// Word `i` of the record at word `base`.
fn at(bytes: &[u8], base: u64, i: u64) -> Result<u64, Error> {
    word(bytes, base.checked_add(i).ok_or(Error::Truncated)?)
}

fn optional(value: u64) -> Option<u64> {
    (value != NONE).then_some(value)
}

impl<'a> Spec<'a> {
    pub fn parse(bytes: &'a [u8]) -> Result<Self, Error> {
        if word(bytes, 0)? != MAGIC {
            return Err(Error::BadMagic);
        }
        if word(bytes, 1)? != VERSION {
            return Err(Error::BadVersion);
        }
        let length = usize::try_from(word(bytes, 4)?).map_err(|_| Error::Truncated)?;
        let bytes = bytes.get(..length).ok_or(Error::Truncated)?;
        let spec = Spec { bytes, pd_count: word(bytes, 2)?, region_count: word(bytes, 3)?, vm_count: word(bytes, 9)? };
        // Every fixed record, and every virtual machine's, must be there.
        list_fits(bytes, HEADER_WORDS as u64, spec.region_count, REGION_WORDS)?;
        list_fits(bytes, spec.pd_base()?, spec.pd_count, PD_WORDS)?;
        list_fits(bytes, word(bytes, 8)?, spec.vm_count, VM_WORDS)?;
        Ok(spec)
    }

    pub fn pd_count(&self) -> u64 {
        self.pd_count
    }

    /// How many entries the domain schedule has (0: the system declares no domains).
    pub fn schedule_count(&self) -> u64 {
        word(self.bytes, 6).unwrap_or(0)
    }

    /// Where the domain schedule starts.
    pub fn schedule_start(&self) -> u64 {
        word(self.bytes, 7).unwrap_or(0)
    }

    /// Entry `index` of the domain schedule: (domain, duration in timer ticks).
    pub fn schedule_entry(&self, index: u64) -> Result<(u64, u64), Error> {
        if index >= self.schedule_count() {
            return Err(Error::Truncated);
        }
        let base = field(word(self.bytes, 5)?, index, SCHEDULE_WORDS, 0)?;
        Ok((at(self.bytes, base, 0)?, at(self.bytes, base, 1)?))
    }

    pub fn region_count(&self) -> u64 {
        self.region_count
    }

    fn pd_base(&self) -> Result<u64, Error> {
        field(HEADER_WORDS as u64, self.region_count, REGION_WORDS, 0)
    }

    pub fn region(&self, index: u64) -> Result<Region, Error> {
        if index >= self.region_count {
            return Err(Error::Truncated);
        }
        let base = field(HEADER_WORDS as u64, index, REGION_WORDS, 0)?;
        let w = |i: u64| at(self.bytes, base, i);
        Ok(Region { size: w(0)?, page_size: w(1)?, phys_addr: optional(w(2)?), prefill: (w(3)?, w(4)?) })
    }

    pub fn pd(&self, index: u64) -> Result<Pd<'a>, Error> {
        if index >= self.pd_count {
            return Err(Error::Truncated);
        }
        let base = field(self.pd_base()?, index, PD_WORDS, 0)?;
        let w = |i: u64| at(self.bytes, base, i);
        let (name_offset, name_len) = (w(0)?, w(1)?);
        let name = self.data(name_offset, name_len)?;
        Ok(Pd {
            name,
            priority: w(2)?,
            budget_us: w(3)?,
            period_us: w(4)?,
            flags: w(5)?,
            domain: optional(w(6)?),
            parent: optional(w(7)?),
            entry: w(8)?,
            stack_size: w(9)?,
            words: self.bytes,
            ranges: [(w(10)?, w(11)?), (w(12)?, w(13)?), (w(14)?, w(15)?), (w(16)?, w(17)?), (w(18)?, w(19)?)],
        })
    }

    /// How many virtual machines the system has.
    pub fn vm_count(&self) -> u64 {
        self.vm_count
    }

    /// Virtual machine `index`; its VMM is one of the description's PDs.
    pub fn vm(&self, index: u64) -> Result<Vm<'a>, Error> {
        if index >= self.vm_count {
            return Err(Error::Truncated);
        }
        let base = field(word(self.bytes, 8)?, index, VM_WORDS, 0)?;
        let w = |i: u64| at(self.bytes, base, i);
        let vmm = w(2)?;
        if vmm >= self.pd_count {
            return Err(Error::BadIndex);
        }
        Ok(Vm {
            name: self.data(w(0)?, w(1)?)?,
            vmm,
            priority: w(3)?,
            budget_us: w(4)?,
            period_us: w(5)?,
            words: self.bytes,
            ranges: [(w(6)?, w(7)?), (w(8)?, w(9)?)],
        })
    }

    /// `len` bytes at byte offset `offset` of the description.
    pub fn data(&self, offset: u64, len: u64) -> Result<&'a [u8], Error> {
        let start = usize::try_from(offset).map_err(|_| Error::Truncated)?;
        let end = start.checked_add(usize::try_from(len).map_err(|_| Error::Truncated)?).ok_or(Error::Truncated)?;
        self.bytes.get(start..end).ok_or(Error::Truncated)
    }
}

impl Pd<'_> {
    fn record(&self, list: usize, index: u64, size: usize) -> Result<[u64; 5], Error> {
        record(self.words, self.ranges[list], index, size)
    }

    pub fn segment_count(&self) -> u64 {
        self.ranges[0].1
    }
    pub fn segment(&self, index: u64) -> Result<Segment, Error> {
        let [vaddr, mem_size, file_size, perms, data] = self.record(0, index, SEGMENT_WORDS)?;
        Ok(Segment { vaddr, mem_size, file_size, perms, data })
    }
    pub fn map_count(&self) -> u64 {
        self.ranges[1].1
    }
    pub fn map(&self, index: u64) -> Result<Map, Error> {
        let [region, vaddr, perms, ..] = self.record(1, index, MAP_WORDS)?;
        Ok(Map { region, vaddr, perms })
    }
    pub fn cap_count(&self) -> u64 {
        self.ranges[2].1
    }
    pub fn cap(&self, index: u64) -> Result<Cap, Error> {
        let [slot, kind, a, b, ..] = self.record(2, index, CAP_WORDS)?;
        Ok(Cap { slot, kind, a, b })
    }
    pub fn patch_count(&self) -> u64 {
        self.ranges[3].1
    }
    pub fn patch(&self, index: u64) -> Result<Patch, Error> {
        let [vaddr, value, size, ..] = self.record(3, index, PATCH_WORDS)?;
        Ok(Patch { vaddr, value, size })
    }

    /// The function containing `pc` and the offset into it, from the PD's symbols.
    pub fn symbolise(&self, pc: u64) -> Option<(&[u8], u64)> {
        (0..self.ranges[4].1).find_map(|index| {
            let [addr, size, name_at, name_len, ..] = self.record(4, index, SYMBOL_WORDS).ok()?;
            if pc < addr || pc >= addr.saturating_add(size.max(1)) {
                return None;
            }
            let start = usize::try_from(name_at).ok()?;
            let name = self.words.get(start..start.checked_add(usize::try_from(name_len).ok()?)?)?;
            Some((name, pc - addr))
        })
    }
}

impl Vm<'_> {
    pub fn vcpu_count(&self) -> u64 {
        self.ranges[0].1
    }
    pub fn vcpu(&self, index: u64) -> Result<Vcpu, Error> {
        let [id, badge, ..] = record(self.words, self.ranges[0], index, VCPU_WORDS)?;
        Ok(Vcpu { id, badge })
    }
    /// Mappings at guest-physical addresses.
    pub fn map_count(&self) -> u64 {
        self.ranges[1].1
    }
    pub fn map(&self, index: u64) -> Result<Map, Error> {
        let [region, vaddr, perms, ..] = record(self.words, self.ranges[1], index, MAP_WORDS)?;
        Ok(Map { region, vaddr, perms })
    }
}
