//! What a system description says, with Microkit's defaults filled in.
use crate::Location;

/// The highest priority a PD may have (the monitor runs at 255).
pub const MAX_PRIORITY: u8 = 254;
/// Channel, IRQ and child ids are 0..=61: a badge has 62 bits for them.
pub const MAX_ID: u64 = 61;
/// A PD's budget when none is given, in microseconds (its period defaults to its budget).
pub const DEFAULT_BUDGET_US: u64 = 1000;
pub const DEFAULT_STACK_SIZE: u64 = 0x2000;
pub const MIN_STACK_SIZE: u64 = 0x1000;
pub const MAX_STACK_SIZE: u64 = 16 << 20;
/// The page sizes of RISC-V Sv39 that a memory region may use.
pub const PAGE_SIZES: [u64; 2] = [0x1000, 0x20_0000];
/// One past the highest guest-physical address a virtual machine's mapping may reach: Atoll's
/// guest address spaces (Sv39x4) take mappings below 2^39.
pub const GUEST_PHYS_TOP: u64 = 1 << 39;

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct System {
    pub protection_domains: Vec<ProtectionDomain>,
    pub memory_regions: Vec<MemoryRegion>,
    pub channels: Vec<Channel>,
    /// The domain schedule, if the system declares one.
    pub domains: Option<DomainSchedule>,
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ProtectionDomain {
    pub name: String,
    pub priority: u8,
    pub budget_us: u64,
    pub period_us: u64,
    /// A passive PD gives up its scheduling context after `init` and runs on its callers'.
    pub passive: bool,
    pub stack_size: u64,
    pub fpu: bool,
    /// The domain's name (one of `<domains>`).
    pub domain: Option<String>,
    pub program_image: String,
    pub maps: Vec<Map>,
    pub irqs: Vec<Irq>,
    pub setvars: Vec<SetVar>,
    /// `<cspace>`: other PDs' (or its own) TCB, SC or VSpace caps in root CNode slots 1..=63.
    pub cap_maps: Vec<CapMap>,
    /// Child PDs; their parent is their fault handler and may restart them.
    pub children: Vec<ProtectionDomain>,
    /// The virtual machine this PD runs as its VMM (at most one).
    pub virtual_machine: Option<VirtualMachine>,
    /// A child's id in its parent (None for a top-level PD).
    pub id: Option<u64>,
    pub location: Location,
}

/// `<virtual_machine>` inside a PD, its VMM: a guest-physical address space and one thread per
/// virtual CPU, scheduled with the VM's own parameters; the guest's exits are the VMM's faults.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct VirtualMachine {
    pub name: String,
    pub priority: u8,
    pub budget_us: u64,
    pub period_us: u64,
    pub vcpus: Vec<Vcpu>,
    /// Mappings at guest-physical addresses (no setvars: a guest has no program image).
    pub maps: Vec<Map>,
    pub location: Location,
}

/// `<vcpu id=".." setvar_id=".."/>`: a virtual CPU, named in its VMM by an id from the same
/// space as the VMM's child PDs' ids.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Vcpu {
    pub id: u64,
    /// A variable of the VMM's program set to the id.
    pub setvar_id: Option<String>,
    pub location: Location,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CapKind {
    Tcb,
    SchedContext,
    VSpace,
}

/// `<cap_tcb|cap_sc|cap_vspace slot=".." pd=".."/>` inside `<cspace>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CapMap {
    pub kind: CapKind,
    pub slot: u64,
    pub pd: String,
    pub location: Location,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Perms {
    pub read: bool,
    pub write: bool,
    pub execute: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Map {
    pub memory_region: String,
    pub vaddr: u64,
    pub perms: Perms,
    pub cached: bool,
    /// A program variable set to the mapping's address.
    pub setvar_vaddr: Option<String>,
    /// A program variable set to the region's size.
    pub setvar_size: Option<String>,
    /// A program variable set to the length of the region's prefill data.
    pub setvar_prefill_size: Option<String>,
    pub location: Location,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trigger {
    Level,
    Edge,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Irq {
    pub irq: u64,
    /// The channel id the PD is notified on.
    pub id: u64,
    pub trigger: Trigger,
    pub location: Location,
}

/// `<setvar symbol=".." region_paddr="MR"/>`: the variable holds the region's physical address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetVar {
    pub symbol: String,
    pub region_paddr: String,
    pub location: Location,
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct MemoryRegion {
    pub name: String,
    pub size: u64,
    pub page_size: u64,
    /// A fixed physical address (device memory), else the builder places it.
    pub phys_addr: Option<u64>,
    /// A file whose bytes the region starts with (its size, if none is given, is the file's,
    /// rounded up to a page; the builder reads the file and sets it with `with_prefill`).
    pub prefill_path: Option<String>,
    /// The prefill's length, once the builder has read the file.
    pub prefill_len: u64,
    pub location: Location,
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ChannelEnd {
    pub pd: String,
    pub id: u64,
    /// This end may make protected procedure calls to the other.
    pub pp: bool,
    /// This end may notify the other.
    pub notify: bool,
    pub location: Location,
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Channel {
    pub ends: [ChannelEnd; 2],
    pub location: Location,
}

/// `<domains>`: named scheduling domains and the schedule that runs them.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct DomainSchedule {
    /// Names and kernel domain numbers (an omitted id is the smallest unused one).
    pub domains: Vec<(String, u8)>,
    pub schedule: Vec<ScheduleEntry>,
    /// The entry the schedule starts at.
    pub start_index: u64,
    pub location: Location,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Duration {
    Micros(u64),
    Ticks(u64),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScheduleEntry {
    /// Index into `DomainSchedule::domains`; None for an end marker.
    pub domain: Option<usize>,
    pub duration: Option<Duration>,
    pub location: Location,
}

impl System {
    /// Every PD, children after their parent, depth first.
    pub fn all_protection_domains(&self) -> Vec<&ProtectionDomain> {
        fn walk<'a>(pd: &'a ProtectionDomain, out: &mut Vec<&'a ProtectionDomain>) {
            out.push(pd);
            pd.children.iter().for_each(|child| walk(child, out));
        }
        let mut out = Vec::new();
        self.protection_domains.iter().for_each(|pd| walk(pd, &mut out));
        out
    }

    pub fn protection_domain(&self, name: &str) -> Option<&ProtectionDomain> {
        self.all_protection_domains().into_iter().find(|pd| pd.name == name)
    }

    /// Every virtual machine with its VMM, in `all_protection_domains` order of the VMMs.
    pub fn virtual_machines(&self) -> Vec<(&ProtectionDomain, &VirtualMachine)> {
        let pds = self.all_protection_domains().into_iter();
        pds.filter_map(|pd| pd.virtual_machine.as_ref().map(|vm| (pd, vm))).collect()
    }

    pub fn memory_region(&self, name: &str) -> Option<&MemoryRegion> {
        self.memory_regions.iter().find(|mr| mr.name == name)
    }

    /// Gives each region with a `prefill_path` its data's length (and a size from it if the
    /// description gave none), then checks the regions again.
    pub fn with_prefill(
        mut self,
        mut length_of: impl FnMut(&str) -> Result<u64, String>,
    ) -> Result<Self, crate::Error> {
        for mr in &mut self.memory_regions {
            if let Some(path) = &mr.prefill_path {
                let len = length_of(path).map_err(|message| crate::Error { location: mr.location.clone(), message })?;
                mr.prefill_len = len;
                if mr.size == 0 {
                    mr.size = len.max(1).next_multiple_of(mr.page_size);
                }
                if len > mr.size {
                    let message = format!("prefill of {len} bytes is larger than the region's {:#x}", mr.size);
                    return Err(crate::Error { location: mr.location.clone(), message });
                }
            }
        }
        crate::validate::system(&self)?;
        Ok(self)
    }
}
