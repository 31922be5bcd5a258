//! Rules that relate elements: unique names, known regions and PDs, mappings that fit and do
//! not overlap, channel and IRQ ids in range and not reused, PPCs only to higher priorities,
//! budgets within periods, domains declared, virtual machines' vCPU ids apart from their VMM's
//! children's ids.
use crate::model::*;
use crate::{Error, Location};
use std::collections::{HashMap, HashSet};

fn error(location: &Location, message: impl Into<String>) -> Error {
    Error { location: location.clone(), message: message.into() }
}

pub fn system(system: &System) -> Result<(), Error> {
    let mut regions: Vec<&str> = Vec::new();
    for mr in &system.memory_regions {
        if regions.contains(&mr.name.as_str()) {
            return Err(error(&mr.location, format!("memory region '{}' is declared twice", mr.name)));
        }
        regions.push(&mr.name);
        memory_region(mr)?;
    }
    let mut names: Vec<&str> = Vec::new();
    for pd in system.all_protection_domains() {
        if names.contains(&pd.name.as_str()) {
            return Err(error(&pd.location, format!("protection domain '{}' is declared twice", pd.name)));
        }
        names.push(&pd.name);
        protection_domain(system, pd)?;
    }
    // A VM's name is unique among PDs and VMs (Microkit names both in its reports).
    let mut vm_names: Vec<&str> = Vec::new();
    for (_, vm) in system.virtual_machines() {
        if names.contains(&vm.name.as_str()) {
            return Err(error(
                &vm.location,
                format!("virtual machine '{}' has the name of a protection domain", vm.name),
            ));
        }
        if vm_names.contains(&vm.name.as_str()) {
            return Err(error(&vm.location, format!("virtual machine '{}' is declared twice", vm.name)));
        }
        vm_names.push(&vm.name);
    }
    channels(system)?;
    if let Some(domains) = &system.domains
        && domains.schedule.is_empty()
    {
        return Err(error(&domains.location, "<domains> needs a <domain_schedule> with at least one entry"));
    }
    Ok(())
}

fn budget(at: &Location, budget_us: u64, period_us: u64) -> Result<(), Error> {
    if budget_us > period_us {
        return Err(error(at, format!("budget ({budget_us} us) is greater than period ({period_us} us)")));
    }
    if budget_us < 20 {
        return Err(error(at, format!("budget ({budget_us} us) is below seL4's minimum of 20 us")));
    }
    Ok(())
}

fn protection_domain(system: &System, pd: &ProtectionDomain) -> Result<(), Error> {
    let at = &pd.location;
    budget(at, pd.budget_us, pd.period_us)?;
    if !(MIN_STACK_SIZE..=MAX_STACK_SIZE).contains(&pd.stack_size) || !pd.stack_size.is_multiple_of(PAGE_SIZES[0]) {
        return Err(error(
            at,
            format!(
                "stack size {:#x} must be a multiple of 0x1000 from {MIN_STACK_SIZE:#x} to {MAX_STACK_SIZE:#x}",
                pd.stack_size
            ),
        ));
    }
    match (&system.domains, &pd.domain) {
        (Some(domains), Some(name)) if !domains.domains.iter().any(|(known, _)| known == name) => {
            return Err(error(at, format!("domain '{name}' is not declared in <domains>")));
        }
        (Some(_), None) => {
            return Err(error(at, format!("'{}' needs a domain: the system declares <domains>", pd.name)));
        }
        (None, Some(name)) => {
            return Err(error(at, format!("domain '{name}' given, but the system declares no <domains>")));
        }
        _ => {}
    }
    maps(system, &pd.maps, None)?;
    let mut slots = HashSet::new();
    for cap in &pd.cap_maps {
        if cap.slot == 0 || cap.slot > 63 {
            return Err(error(
                &cap.location,
                format!("slot {} must be from 1 to 63 (slot 0 holds libmicrokit's CNode)", cap.slot),
            ));
        }
        if !slots.insert(cap.slot) {
            return Err(error(&cap.location, format!("slot {} is used twice", cap.slot)));
        }
        if system.protection_domain(&cap.pd).is_none() {
            return Err(error(&cap.location, format!("unknown protection domain '{}'", cap.pd)));
        }
    }
    for irq in &pd.irqs {
        if irq.id > MAX_ID {
            return Err(error(&irq.location, format!("id {} is above {MAX_ID}", irq.id)));
        }
    }
    for setvar in &pd.setvars {
        if system.memory_region(&setvar.region_paddr).is_none() {
            return Err(error(&setvar.location, format!("unknown memory region '{}'", setvar.region_paddr)));
        }
    }
    let mut ids: Vec<u64> = Vec::new();
    for child in &pd.children {
        let id = child.id.unwrap_or(0);
        if id > MAX_ID {
            return Err(error(&child.location, format!("child id {id} is above {MAX_ID}")));
        }
        if ids.contains(&id) {
            return Err(error(&child.location, format!("'{}' has two children with id {id}", pd.name)));
        }
        ids.push(id);
    }
    if let Some(vm) = &pd.virtual_machine {
        virtual_machine(system, pd, vm)?;
    }
    Ok(())
}

/// A VM's scheduling, its vCPU ids (which share the VMM's id space with its children, since
/// both badge the VMM's faults) and its guest-physical mappings.
fn virtual_machine(system: &System, vmm: &ProtectionDomain, vm: &VirtualMachine) -> Result<(), Error> {
    budget(&vm.location, vm.budget_us, vm.period_us)?;
    let mut ids: Vec<u64> = Vec::new();
    for vcpu in &vm.vcpus {
        if vcpu.id > MAX_ID {
            return Err(error(&vcpu.location, format!("vcpu id {} is above {MAX_ID}", vcpu.id)));
        }
        if ids.contains(&vcpu.id) {
            return Err(error(
                &vcpu.location,
                format!("virtual machine '{}' has two vcpus with id {}", vm.name, vcpu.id),
            ));
        }
        if let Some(child) = vmm.children.iter().find(|child| child.id == Some(vcpu.id)) {
            return Err(error(
                &vcpu.location,
                format!(
                    "vcpu id {} is also the id of '{}', a child of '{}' (vcpus and children share their VMM's ids)",
                    vcpu.id, child.name, vmm.name
                ),
            ));
        }
        ids.push(vcpu.id);
    }
    maps(system, &vm.maps, Some(GUEST_PHYS_TOP))
}

/// Mappings into one address space: known regions, aligned, not overlapping, and below `top`
/// if there is one.
fn maps(system: &System, maps: &[Map], top: Option<u64>) -> Result<(), Error> {
    for map in maps {
        if map.setvar_prefill_size.is_some()
            && system.memory_region(&map.memory_region).is_some_and(|mr| mr.prefill_path.is_none())
        {
            return Err(error(
                &map.location,
                format!("setvar_prefill_size on '{}', which has no prefill_path", map.memory_region),
            ));
        }
    }
    let mut taken: Vec<(u64, u64, &str)> = Vec::new();
    for map in maps {
        let Some(mr) = system.memory_region(&map.memory_region) else {
            return Err(error(&map.location, format!("unknown memory region '{}'", map.memory_region)));
        };
        if !map.vaddr.is_multiple_of(mr.page_size) {
            return Err(error(
                &map.location,
                format!("vaddr {:#x} is not aligned to the page size {:#x} of '{}'", map.vaddr, mr.page_size, mr.name),
            ));
        }
        let end =
            map.vaddr.checked_add(mr.size).ok_or_else(|| error(&map.location, "mapping wraps the address space"))?;
        if let Some(top) = top
            && end > top
        {
            return Err(error(
                &map.location,
                format!("mapping of '{}' at {:#x} ends above the guest-physical top {top:#x}", mr.name, map.vaddr),
            ));
        }
        if let Some((start, _, other)) = taken.iter().find(|(start, stop, _)| map.vaddr < *stop && *start < end) {
            return Err(error(
                &map.location,
                format!("mapping of '{}' at {:#x} overlaps '{other}' at {start:#x}", mr.name, map.vaddr),
            ));
        }
        taken.push((map.vaddr, end, &mr.name));
    }
    Ok(())
}

fn memory_region(mr: &MemoryRegion) -> Result<(), Error> {
    if !PAGE_SIZES.contains(&mr.page_size) {
        return Err(error(&mr.location, format!("page size {:#x} is not one of 0x1000 and 0x200000", mr.page_size)));
    }
    if mr.size == 0 && mr.prefill_path.is_some() {
        return Ok(());
    }
    if mr.size == 0 || !mr.size.is_multiple_of(mr.page_size) {
        return Err(error(
            &mr.location,
            format!("size {:#x} is not a non-zero multiple of the page size {:#x}", mr.size, mr.page_size),
        ));
    }
    if let Some(paddr) = mr.phys_addr
        && !paddr.is_multiple_of(mr.page_size)
    {
        return Err(error(
            &mr.location,
            format!("phys_addr {paddr:#x} is not aligned to the page size {:#x}", mr.page_size),
        ));
    }
    Ok(())
}

fn channels(system: &System) -> Result<(), Error> {
    let pds: HashMap<&str, &ProtectionDomain> =
        system.all_protection_domains().into_iter().map(|pd| (pd.name.as_str(), pd)).collect();
    // Each PD's ids: its IRQs' and its channel ends'.
    let mut used: HashSet<(&str, u64)> = HashSet::new();
    for pd in pds.values() {
        for irq in &pd.irqs {
            if !used.insert((pd.name.as_str(), irq.id)) {
                return Err(error(&irq.location, format!("id {} is used twice in '{}'", irq.id, pd.name)));
            }
        }
    }
    for channel in &system.channels {
        if channel.ends[0].pp && channel.ends[1].pp {
            return Err(error(&channel.location, "a channel cannot have protected procedure calls both ways"));
        }
        for (index, end) in channel.ends.iter().enumerate() {
            let Some(&pd) = pds.get(end.pd.as_str()) else {
                return Err(error(&end.location, format!("unknown protection domain '{}'", end.pd)));
            };
            if end.id > MAX_ID {
                return Err(error(
                    &end.location,
                    format!("id {} is above {MAX_ID}: a PD has at most 62 channels", end.id),
                ));
            }
            if !used.insert((pd.name.as_str(), end.id)) {
                return Err(error(&end.location, format!("id {} is used twice in '{}'", end.id, pd.name)));
            }
            let other = &channel.ends[1 - index];
            if end.pp
                && let Some(&callee) = pds.get(other.pd.as_str())
                && callee.priority <= pd.priority
            {
                return Err(error(
                    &end.location,
                    format!(
                        "'{}' (priority {}) may only make protected procedure calls to a higher priority, and '{}' has {}",
                        pd.name, pd.priority, callee.name, callee.priority
                    ),
                ));
            }
        }
    }
    Ok(())
}
