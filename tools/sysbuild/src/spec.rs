//! Writing the compact description (`atoll-sysspec`) and appending it to the initialiser's ELF
//! as one more loadable segment, right after its image, where the initialiser finds it.
use crate::layout::{Cap, PdPlan, plan};
use atoll_elf::{Elf64, PF_R, PT_LOAD};
use atoll_sdf::{Duration, Perms, System, Trigger};

/// Timer ticks per microsecond: QEMU virt's 10 MHz timebase (seL4's CONFIG_TIMER_FREQUENCY).
const TICKS_PER_US: u64 = 10;
use atoll_sysspec as spec;

fn perms(p: Perms) -> u64 {
    (p.read as u64) * spec::PERM_READ + (p.write as u64) * spec::PERM_WRITE + (p.execute as u64) * spec::PERM_EXECUTE
}

fn segment_perms(flags: u32) -> u64 {
    let bit = |flag: u32, perm: u64| if flags & flag != 0 { perm } else { 0 };
    bit(atoll_elf::PF_R, spec::PERM_READ)
        | bit(atoll_elf::PF_W, spec::PERM_WRITE)
        | bit(atoll_elf::PF_X, spec::PERM_EXECUTE)
}

fn cap_words(slot: u64, cap: Cap) -> [u64; spec::CAP_WORDS] {
    use spec::cap::*;
    let none = spec::NONE;
    match cap {
        Cap::OwnEndpoint => [slot, OWN_ENDPOINT, none, 0],
        Cap::OwnNotification => [slot, OWN_NOTIFICATION, none, 0],
        Cap::OwnReply => [slot, OWN_REPLY, none, 0],
        Cap::OwnTcb => [slot, OWN_TCB, none, 0],
        Cap::OwnVSpace => [slot, OWN_VSPACE, none, 0],
        Cap::Endpoint { pd, badge } => [slot, ENDPOINT, pd.map_or(none, |p| p as u64), badge],
        Cap::Notification { pd, badge } => [slot, NOTIFICATION, pd as u64, badge],
        Cap::IrqHandler { irq, trigger, badge } => {
            let edge = if trigger == Trigger::Edge { EDGE_TRIGGERED } else { 0 };
            [slot, IRQ_HANDLER, irq | edge, badge]
        }
        Cap::ChildTcb { pd } => [slot, CHILD_TCB, pd as u64, 0],
        Cap::VmTcb { vm, vcpu } => [slot, VM_TCB, vm as u64, vcpu],
        Cap::Vcpu { vm, vcpu } => [slot, VCPU, vm as u64, vcpu],
        Cap::RootTcb { pd } => [slot, ROOT_TCB, pd as u64, 0],
        Cap::RootSchedContext { pd } => [slot, ROOT_SCHED_CONTEXT, pd as u64, 0],
        Cap::RootVSpace { pd } => [slot, ROOT_VSPACE, pd as u64, 0],
    }
}

/// libmicrokit's variables and the description's setvars, as writes into the PD's image.
fn patches(system: &System, pd_index: usize, plan: &PdPlan, elf: &Elf64) -> Result<Vec<[u64; 3]>, String> {
    let pd = system.all_protection_domains()[pd_index];
    let mut out = Vec::new();
    let symbol = |name: &str| elf.symbol(name);
    if let Some(at) = symbol("microkit_name") {
        let mut name = [0u8; 64];
        let bytes = plan.variables.name.as_bytes();
        name[..bytes.len().min(63)].copy_from_slice(&bytes[..bytes.len().min(63)]);
        for (i, chunk) in name.chunks(8).enumerate() {
            out.push([at + 8 * i as u64, u64::from_le_bytes(chunk.try_into().unwrap()), 8]);
        }
    }
    if let Some(at) = symbol("microkit_passive") {
        out.push([at, plan.variables.passive as u64, 1]);
    }
    for (name, value) in [
        ("microkit_irqs", plan.variables.irqs),
        ("microkit_notifications", plan.variables.notifications),
        ("microkit_pps", plan.variables.pps),
    ] {
        if let Some(at) = symbol(name) {
            out.push([at, value, 8]);
        }
    }
    for map in &pd.maps {
        let mr = system.memory_region(&map.memory_region).expect("validated");
        for (var, value) in
            [(&map.setvar_vaddr, map.vaddr), (&map.setvar_size, mr.size), (&map.setvar_prefill_size, mr.prefill_len)]
        {
            if let Some(var) = var {
                let at =
                    symbol(var).ok_or_else(|| format!("{}: no symbol '{var}' for a setvar of its map", pd.name))?;
                out.push([at, value, 8]);
            }
        }
    }
    for setvar in &pd.setvars {
        let at =
            symbol(&setvar.symbol).ok_or_else(|| format!("{}: no symbol '{}' for setvar", pd.name, setvar.symbol))?;
        let region = system.memory_regions.iter().position(|mr| mr.name == setvar.region_paddr).expect("validated");
        out.push([at, region as u64, spec::PATCH_REGION_PADDR]);
    }
    for vcpu in pd.virtual_machine.iter().flat_map(|vm| &vm.vcpus) {
        if let Some(var) = &vcpu.setvar_id {
            let at = symbol(var).ok_or_else(|| format!("{}: no symbol '{var}' for a vcpu's setvar_id", pd.name))?;
            out.push([at, vcpu.id, 8]);
        }
    }
    Ok(out)
}

/// The description of `system`, whose PDs' ELF images are `images` (in
/// `all_protection_domains` order).
pub fn encode(system: &System, images: &[Vec<u8>]) -> Result<Vec<u8>, String> {
    encode_with_prefill(system, images, &[])
}

/// As `encode`, with the data each region starts with (`prefills[i]` for region i; missing or
/// empty: none).
pub fn encode_with_prefill(system: &System, images: &[Vec<u8>], prefills: &[Vec<u8>]) -> Result<Vec<u8>, String> {
    let pds = system.all_protection_domains();
    let plans = plan(system);
    if images.len() != pds.len() {
        return Err(format!("{} PD images for {} protection domains", images.len(), pds.len()));
    }
    let domain_of = |name: &Option<String>| -> u64 {
        let Some(name) = name else { return spec::NONE };
        let domains = system.domains.as_ref().expect("validated");
        domains.domains.iter().find(|(n, _)| n == name).map_or(spec::NONE, |(_, id)| *id as u64)
    };
    // Words first (fixed records, then variable lists), bytes after.
    let mut records: Vec<[u64; spec::PD_WORDS]> = Vec::new();
    let mut lists: Vec<u64> = Vec::new();
    let mut data: Vec<u8> = Vec::new();
    // Words of `lists` that hold byte offsets into `data`, fixed up once the data's place is known.
    let mut data_refs: Vec<(usize, usize)> = Vec::new();
    let mut name_refs: Vec<(usize, usize)> = Vec::new();
    let fixed_words =
        spec::HEADER_WORDS + system.memory_regions.len() * spec::REGION_WORDS + pds.len() * spec::PD_WORDS;
    for (i, pd) in pds.iter().enumerate() {
        let elf = Elf64::parse(&images[i]).map_err(|e| format!("{}: {}: {e:?}", pd.name, pd.program_image))?;
        let mut record = [0u64; spec::PD_WORDS];
        let name_at = data.len();
        data.extend_from_slice(pd.name.as_bytes());
        record[0] = name_at as u64;
        record[1] = pd.name.len() as u64;
        record[2] = pd.priority as u64;
        record[3] = pd.budget_us;
        record[4] = pd.period_us;
        record[5] = (pd.passive as u64) * spec::PD_PASSIVE + (plans[i].has_endpoint as u64) * spec::PD_HAS_ENDPOINT;
        record[6] = domain_of(&pd.domain);
        record[7] = plans[i].parent.map_or(spec::NONE, |p| p as u64);
        record[8] = elf.entry();
        record[9] = pd.stack_size;
        // Segments.
        let start = fixed_words + lists.len();
        let mut count = 0;
        for segment in elf.loadable_segments() {
            let bytes = elf.segment_data(&segment).map_err(|e| format!("{}: {e:?}", pd.name))?;
            let at = data.len();
            data.extend_from_slice(bytes);
            data_refs.push((lists.len() + 4, at));
            lists.extend([segment.vaddr, segment.mem_size, segment.file_size, segment_perms(segment.flags), 0]);
            count += 1;
        }
        record[10] = start as u64;
        record[11] = count;
        // Maps.
        record[12] = (fixed_words + lists.len()) as u64;
        record[13] = pd.maps.len() as u64;
        for map in &pd.maps {
            let region = system.memory_regions.iter().position(|mr| mr.name == map.memory_region).expect("validated");
            let uncached = if map.cached { 0 } else { spec::MAP_UNCACHED };
            lists.extend([region as u64, map.vaddr, perms(map.perms) | uncached]);
        }
        // Caps.
        record[14] = (fixed_words + lists.len()) as u64;
        record[15] = (plans[i].caps.len() + plans[i].root_caps.len()) as u64;
        for &(slot, cap) in plans[i].caps.iter().chain(&plans[i].root_caps) {
            lists.extend(cap_words(slot, cap));
        }
        // Patches.
        let patches = patches(system, i, &plans[i], &elf)?;
        record[16] = (fixed_words + lists.len()) as u64;
        record[17] = patches.len() as u64;
        patches.iter().for_each(|p| lists.extend(p));
        // Function symbols (demangled), so the monitor can say where a PD faulted.
        record[18] = (fixed_words + lists.len()) as u64;
        let mut symbols = 0;
        elf.for_each_function(|symbol| {
            let name = format!("{:#}", rustc_demangle::demangle(&String::from_utf8_lossy(symbol.name)));
            let at = data.len();
            data.extend_from_slice(name.as_bytes());
            name_refs.push((lists.len() + 2, at));
            lists.extend([symbol.value, symbol.size, 0, name.len() as u64]);
            symbols += 1;
        });
        record[19] = symbols;
        records.push(record);
    }
    // The domain schedule, in timer ticks (10 per microsecond on QEMU virt).
    let schedule_at = fixed_words + lists.len();
    let (mut schedule_count, mut schedule_start) = (0u64, 0u64);
    if let Some(domains) = &system.domains {
        schedule_start = domains.start_index;
        for entry in &domains.schedule {
            let (domain, ticks) = match (entry.domain, entry.duration) {
                (Some(index), Some(Duration::Micros(us))) => (domains.domains[index].1 as u64, us * TICKS_PER_US),
                (Some(index), Some(Duration::Ticks(ticks))) => (domains.domains[index].1 as u64, ticks),
                _ => (0, 0),
            };
            lists.extend([domain, ticks]);
            schedule_count += 1;
        }
    }
    // The virtual machines: fixed records first, each one's vCPUs and mappings after them.
    let vms = system.virtual_machines();
    let vm_at = fixed_words + lists.len();
    let vm_records = lists.len();
    lists.resize(vm_records + vms.len() * spec::VM_WORDS, 0);
    for (index, (vmm, vm)) in vms.iter().enumerate() {
        let vmm_index = pds.iter().position(|pd| pd.name == vmm.name).expect("listed VMM");
        let plan = plans[vmm_index].vm.as_ref().expect("a VMM's plan has its VM");
        let record = vm_records + index * spec::VM_WORDS;
        data_refs.push((record, data.len()));
        data.extend_from_slice(vm.name.as_bytes());
        let vcpus_at = fixed_words + lists.len();
        plan.vcpus.iter().for_each(|&(id, badge)| lists.extend([id, badge]));
        let maps_at = fixed_words + lists.len();
        for map in &vm.maps {
            let region = system.memory_regions.iter().position(|mr| mr.name == map.memory_region).expect("validated");
            let uncached = if map.cached { 0 } else { spec::MAP_UNCACHED };
            lists.extend([region as u64, map.vaddr, perms(map.perms) | uncached]);
        }
        lists[record..record + spec::VM_WORDS].copy_from_slice(&[
            0,
            vm.name.len() as u64,
            vmm_index as u64,
            vm.priority as u64,
            vm.budget_us,
            vm.period_us,
            vcpus_at as u64,
            plan.vcpus.len() as u64,
            maps_at as u64,
            vm.maps.len() as u64,
        ]);
    }
    let mut prefill_at = Vec::new();
    for (index, _) in system.memory_regions.iter().enumerate() {
        let bytes = prefills.get(index).map_or(&[][..], Vec::as_slice);
        prefill_at.push((data.len(), bytes.len()));
        data.extend_from_slice(bytes);
    }
    let data_base = (fixed_words + lists.len()) * 8;
    for (at, offset) in data_refs.into_iter().chain(name_refs) {
        lists[at] = (data_base + offset) as u64;
    }
    for record in &mut records {
        record[0] += data_base as u64;
    }
    let total = data_base + data.len();
    let mut out = Vec::with_capacity(total);
    let mut put = |w: u64| out.extend_from_slice(&w.to_le_bytes());
    [
        spec::MAGIC,
        spec::VERSION,
        pds.len() as u64,
        system.memory_regions.len() as u64,
        total as u64,
        schedule_at as u64,
        schedule_count,
        schedule_start,
        vm_at as u64,
        vms.len() as u64,
    ]
    .into_iter()
    .for_each(&mut put);
    for (mr, (at, len)) in system.memory_regions.iter().zip(&prefill_at) {
        let prefill_offset = if *len == 0 { 0 } else { (data_base + at) as u64 };
        [mr.size, mr.page_size, mr.phys_addr.unwrap_or(spec::NONE), prefill_offset, *len as u64]
            .into_iter()
            .for_each(&mut put);
    }
    records.iter().flatten().copied().for_each(&mut put);
    lists.iter().copied().for_each(&mut put);
    out.extend_from_slice(&data);
    Ok(out)
}

/// The initialiser's ELF with `payload` as one more read-only loadable segment at the first page
/// after its image (where it looks for it), and that address.
pub fn append_segment(elf_bytes: &[u8], payload: &[u8]) -> Result<(Vec<u8>, u64), String> {
    let elf = Elf64::parse(elf_bytes).map_err(|e| format!("initialiser ELF: {e:?}"))?;
    let (_, end) = elf.virtual_extent().ok_or("the initialiser has no loadable segment")?;
    let vaddr = end.next_multiple_of(4096);
    let mut out = elf_bytes.to_vec();
    out.resize(out.len().next_multiple_of(4096), 0);
    let data_offset = out.len() as u64;
    out.extend_from_slice(payload);
    out.resize(out.len().next_multiple_of(8), 0);
    let phoff = out.len() as u64;
    out.extend_from_slice(elf.program_header_table());
    let mut header = [0u8; atoll_elf::PHENT_SIZE];
    header[0..4].copy_from_slice(&PT_LOAD.to_le_bytes());
    header[4..8].copy_from_slice(&PF_R.to_le_bytes());
    for (at, value) in
        [(8, data_offset), (16, vaddr), (24, vaddr), (32, payload.len() as u64), (40, payload.len() as u64), (48, 4096)]
    {
        header[at..at + 8].copy_from_slice(&value.to_le_bytes());
    }
    out.extend_from_slice(&header);
    // e_phoff (offset 32) and e_phnum (offset 56).
    out[32..40].copy_from_slice(&phoff.to_le_bytes());
    let phnum = elf.phnum() + 1;
    out[56..58].copy_from_slice(&phnum.to_le_bytes());
    Ok((out, vaddr))
}
