//! The compact description round-trips: what the builder writes, the initialiser's reader
//! (atoll-sysspec) reads back; and the initialiser's ELF gains it as a segment after its image.
use atoll_elf::Elf64;
use atoll_sdf::parse;
use atoll_sysbuild::{append_segment, encode, slot};
use atoll_sysspec::{self as spec, Spec};

/// A minimal RISC-V ELF64 executable: one loadable segment of `data` at `vaddr`, entry there.
fn tiny_elf(vaddr: u64, data: &[u8]) -> Vec<u8> {
    let mut elf = vec![0u8; 64 + 56];
    elf[0..4].copy_from_slice(b"\x7fELF");
    elf[4] = 2; // 64-bit
    elf[5] = 1; // little-endian
    elf[6] = 1;
    elf[16..18].copy_from_slice(&2u16.to_le_bytes()); // ET_EXEC
    elf[18..20].copy_from_slice(&243u16.to_le_bytes()); // EM_RISCV
    elf[20..24].copy_from_slice(&1u32.to_le_bytes());
    elf[24..32].copy_from_slice(&vaddr.to_le_bytes());
    elf[32..40].copy_from_slice(&64u64.to_le_bytes()); // e_phoff
    elf[52..54].copy_from_slice(&64u16.to_le_bytes()); // e_ehsize
    elf[54..56].copy_from_slice(&56u16.to_le_bytes()); // e_phentsize
    elf[56..58].copy_from_slice(&1u16.to_le_bytes()); // e_phnum
    elf[58..60].copy_from_slice(&64u16.to_le_bytes()); // e_shentsize
    let ph = 64;
    elf[ph..ph + 4].copy_from_slice(&1u32.to_le_bytes()); // PT_LOAD
    elf[ph + 4..ph + 8].copy_from_slice(&5u32.to_le_bytes()); // R+X
    elf[ph + 8..ph + 16].copy_from_slice(&120u64.to_le_bytes());
    elf[ph + 16..ph + 24].copy_from_slice(&vaddr.to_le_bytes());
    elf[ph + 24..ph + 32].copy_from_slice(&vaddr.to_le_bytes());
    elf[ph + 32..ph + 40].copy_from_slice(&(data.len() as u64).to_le_bytes());
    elf[ph + 40..ph + 48].copy_from_slice(&(data.len() as u64 + 0x100).to_le_bytes());
    elf[ph + 48..ph + 56].copy_from_slice(&4096u64.to_le_bytes());
    elf.extend_from_slice(data);
    elf
}

const SYSTEM: &str = r#"<system>
    <memory_region name="shared" size="0x2000" />
    <memory_region name="uart" size="0x1000" phys_addr="0x1000_0000" />
    <protection_domain name="server" priority="200" budget="300" period="1000">
        <program_image path="server.elf" />
        <map mr="uart" vaddr="0x200_0000" perms="rw" cached="false" />
        <irq irq="10" id="1" trigger="edge" />
    </protection_domain>
    <protection_domain name="client" priority="100" passive="true" stack_size="0x4000">
        <program_image path="client.elf" />
        <map mr="shared" vaddr="0x300_0000" perms="r" />
    </protection_domain>
    <channel>
        <end pd="client" id="0" pp="true" />
        <end pd="server" id="2" />
    </channel>
</system>"#;

#[test]
fn the_description_round_trips() {
    let system = parse("spec.system", SYSTEM).unwrap();
    let images = vec![tiny_elf(0x10000, b"server code"), tiny_elf(0x20000, b"client")];
    let bytes = encode(&system, &images).unwrap();
    let spec = Spec::parse(&bytes).unwrap();
    assert_eq!((spec.pd_count(), spec.region_count()), (2, 2));
    assert_eq!(
        spec.region(1).unwrap(),
        spec::Region { size: 0x1000, page_size: 0x1000, phys_addr: Some(0x1000_0000), prefill: (0, 0) }
    );
    assert_eq!(spec.region(0).unwrap().phys_addr, None);

    let server = spec.pd(0).unwrap();
    assert_eq!(server.name, b"server");
    assert_eq!((server.priority, server.budget_us, server.period_us, server.entry), (200, 300, 1000, 0x10000));
    assert_eq!(server.flags, spec::PD_HAS_ENDPOINT);
    let segment = server.segment(0).unwrap();
    assert_eq!((segment.vaddr, segment.file_size, segment.mem_size), (0x10000, 11, 11 + 0x100));
    assert_eq!(spec.data(segment.data, segment.file_size).unwrap(), b"server code");
    assert_eq!(server.map(0).unwrap(), spec::Map { region: 1, vaddr: 0x200_0000, perms: 3 | spec::MAP_UNCACHED });
    let irq = (0..server.cap_count()).map(|i| server.cap(i).unwrap()).find(|c| c.kind == spec::cap::IRQ_HANDLER);
    assert_eq!(irq.map(|c| (c.slot, c.a, c.b)), Some((slot::BASE_IRQ + 1, 10 | spec::cap::EDGE_TRIGGERED, 1 << 1)));

    let client = spec.pd(1).unwrap();
    assert_eq!((client.flags, client.stack_size), (spec::PD_PASSIVE, 0x4000));
    let ppc = (0..client.cap_count()).map(|i| client.cap(i).unwrap()).find(|c| c.slot == slot::BASE_ENDPOINT);
    assert_eq!(ppc.map(|c| (c.kind, c.a, c.b)), Some((spec::cap::ENDPOINT, 0, 1 << 63 | 2)));
    // Out-of-range reads are refused.
    assert!(client.segment(1).is_err() && spec.pd(2).is_err() && spec.region(2).is_err());
}

#[test]
fn damaged_descriptions_are_refused() {
    let system = parse("spec.system", SYSTEM).unwrap();
    let images = vec![tiny_elf(0x10000, b"s"), tiny_elf(0x20000, b"c")];
    let bytes = encode(&system, &images).unwrap();
    assert_eq!(Spec::parse(&bytes[..bytes.len() - 1]).err(), Some(spec::Error::Truncated));
    let mut wrong = bytes.clone();
    wrong[0] ^= 1;
    assert_eq!(Spec::parse(&wrong).err(), Some(spec::Error::BadMagic));
    assert_eq!(Spec::parse(&bytes[..16]).err(), Some(spec::Error::Truncated));
    assert!(encode(&system, &images[..1]).is_err());
}

#[test]
fn the_initialiser_gains_the_description_after_its_image() {
    let init = tiny_elf(0x10000, &[7; 100]);
    let (out, vaddr) = append_segment(&init, b"payload").unwrap();
    // The image ended at 0x10000 + 100 + 0x100: the next page.
    assert_eq!(vaddr, 0x11000);
    let elf = Elf64::parse(&out).unwrap();
    let segments: Vec<_> = elf.loadable_segments().collect();
    assert_eq!(segments.len(), 2);
    assert_eq!(segments[0].vaddr, 0x10000);
    assert_eq!((segments[1].vaddr, segments[1].file_size), (0x11000, 7));
    assert_eq!(elf.segment_data(&segments[1]).unwrap(), b"payload");
    assert_eq!(elf.segment_data(&segments[0]).unwrap(), &[7; 100][..]);
}

#[test]
fn the_domain_schedule_is_in_timer_ticks() {
    let text = r#"<system>
        <domains>
            <domain name="a" id="1" />
            <domain name="b" id="2" />
            <domain_schedule start_index="1">
                <schedule_entry domain="a" duration="2000 us" />
                <schedule_entry domain="b" duration="500 ticks" />
                <schedule_end_marker />
            </domain_schedule>
        </domains>
        <protection_domain name="p" domain="b"><program_image path="p.elf" /></protection_domain>
    </system>"#;
    let system = parse("d.system", text).unwrap();
    let bytes = encode(&system, &[tiny_elf(0x10000, b"p")]).unwrap();
    let spec = Spec::parse(&bytes).unwrap();
    assert_eq!((spec.schedule_count(), spec.schedule_start()), (3, 1));
    assert_eq!(spec.schedule_entry(0), Ok((1, 20_000)));
    assert_eq!(spec.schedule_entry(1), Ok((2, 500)));
    assert_eq!(spec.schedule_entry(2), Ok((0, 0)));
    assert!(spec.schedule_entry(3).is_err());
    assert_eq!(spec.pd(0).unwrap().domain, Some(2));
    // Without <domains> there is no schedule.
    let plain = parse("p.system", SYSTEM).unwrap();
    let bytes = encode(&plain, &[tiny_elf(0x10000, b"s"), tiny_elf(0x20000, b"c")]).unwrap();
    assert_eq!(Spec::parse(&bytes).unwrap().schedule_count(), 0);
}

const VM_SYSTEM: &str = r#"<system>
    <memory_region name="guest_ram" size="0x400000" page_size="0x200000" />
    <memory_region name="uart" size="0x1000" phys_addr="0x1000_0000" />
    <protection_domain name="plain" priority="10"><program_image path="plain.elf" /></protection_domain>
    <protection_domain name="vmm" priority="200">
        <program_image path="vmm.elf" />
        <map mr="guest_ram" vaddr="0x2000_0000" />
        <virtual_machine name="guest" priority="100" budget="700" period="2000">
            <vcpu id="1" />
            <vcpu id="4" />
            <map mr="guest_ram" vaddr="0x8000_0000" perms="rwx" />
            <map mr="uart" vaddr="0x1000_0000" perms="rw" cached="false" />
        </virtual_machine>
    </protection_domain>
</system>"#;

fn vm_description() -> Vec<u8> {
    let system = parse("vm.system", VM_SYSTEM).unwrap();
    encode(&system, &[tiny_elf(0x10000, b"plain"), tiny_elf(0x20000, b"vmm")]).unwrap()
}

#[test]
fn virtual_machines_round_trip() {
    let bytes = vm_description();
    let spec = Spec::parse(&bytes).unwrap();
    assert_eq!((spec::VERSION, spec.vm_count(), spec.pd_count()), (4, 1, 2));
    let vm = spec.vm(0).unwrap();
    assert_eq!(vm.name, b"guest");
    assert_eq!((vm.vmm, vm.priority, vm.budget_us, vm.period_us), (1, 100, 700, 2000));
    assert_eq!(vm.vcpu_count(), 2);
    assert_eq!(vm.vcpu(0).unwrap(), spec::Vcpu { id: 1, badge: 1 << 62 | 1 });
    assert_eq!(vm.vcpu(1).unwrap(), spec::Vcpu { id: 4, badge: 1 << 62 | 4 });
    assert_eq!(vm.map_count(), 2);
    assert_eq!(vm.map(0).unwrap(), spec::Map { region: 0, vaddr: 0x8000_0000, perms: 7 });
    assert_eq!(vm.map(1).unwrap(), spec::Map { region: 1, vaddr: 0x1000_0000, perms: 3 | spec::MAP_UNCACHED });
    assert!(vm.vcpu(2).is_err() && vm.map(2).is_err() && spec.vm(1).is_err());
    // The VMM: its own mapping of the guest's RAM, an endpoint for the exits, and the caps.
    let vmm = spec.pd(1).unwrap();
    assert_eq!(vmm.flags, spec::PD_HAS_ENDPOINT);
    assert_eq!(vmm.map(0).unwrap(), spec::Map { region: 0, vaddr: 0x2000_0000, perms: 3 });
    let caps: Vec<spec::Cap> = (0..vmm.cap_count()).map(|i| vmm.cap(i).unwrap()).collect();
    for (slot, kind, vcpu) in [
        (slot::BASE_VM_TCB + 1, spec::cap::VM_TCB, 1),
        (slot::BASE_VM_TCB + 4, spec::cap::VM_TCB, 4),
        (slot::BASE_VCPU + 1, spec::cap::VCPU, 1),
        (slot::BASE_VCPU + 4, spec::cap::VCPU, 4),
    ] {
        assert!(caps.contains(&spec::Cap { slot, kind, a: 0, b: vcpu }), "slot {slot}");
    }
    // A PD without one has no VM caps, and a system without VMs has none at all.
    let plain = spec.pd(0).unwrap();
    assert!((0..plain.cap_count()).all(|i| plain.cap(i).unwrap().kind < spec::cap::VM_TCB));
    let system = parse("spec.system", SYSTEM).unwrap();
    let bytes = encode(&system, &[tiny_elf(0x10000, b"s"), tiny_elf(0x20000, b"c")]).unwrap();
    assert_eq!(Spec::parse(&bytes).unwrap().vm_count(), 0);
}

#[test]
fn a_vcpu_setvar_id_needs_its_symbol() {
    let text = VM_SYSTEM.replace(r#"<vcpu id="4" />"#, r#"<vcpu id="4" setvar_id="second_vcpu" />"#);
    let system = parse("vm.system", &text).unwrap();
    let error = encode(&system, &[tiny_elf(0x10000, b"plain"), tiny_elf(0x20000, b"vmm")]).unwrap_err();
    assert_eq!(error, "vmm: no symbol 'second_vcpu' for a vcpu's setvar_id");
}

/// Overwrites word `index` of the description.
fn set_word(bytes: &mut [u8], index: usize, value: u64) {
    bytes[index * 8..index * 8 + 8].copy_from_slice(&value.to_le_bytes());
}

fn get_word(bytes: &[u8], index: usize) -> u64 {
    u64::from_le_bytes(bytes[index * 8..index * 8 + 8].try_into().unwrap())
}

#[test]
fn damaged_virtual_machines_are_refused() {
    let bytes = vm_description();
    let vm_at = get_word(&bytes, 8) as usize;
    // The VM records must fit: a count reaching past the end is refused when parsed.
    let mut wrong = bytes.clone();
    set_word(&mut wrong, 9, 1 << 40);
    assert_eq!(Spec::parse(&wrong).err(), Some(spec::Error::Truncated));
    let mut wrong = bytes.clone();
    set_word(&mut wrong, 8, u64::MAX - 3);
    assert_eq!(Spec::parse(&wrong).err(), Some(spec::Error::Truncated));
    // Counts so large their product wraps, in the header's PD and region counts too.
    for (word, value) in [(9, u64::MAX / 5 + 1), (2, u64::MAX / 4 + 1), (3, u64::MAX / 5 + 2)] {
        let mut wrong = bytes.clone();
        set_word(&mut wrong, word, value);
        assert_eq!(Spec::parse(&wrong).err(), Some(spec::Error::Truncated), "word {word}");
    }
    // A VMM that is no PD.
    let mut wrong = bytes.clone();
    set_word(&mut wrong, vm_at + 2, 2);
    let spec = Spec::parse(&wrong).unwrap();
    assert_eq!(spec.vm(0).err(), Some(spec::Error::BadIndex));
    // A name outside the description.
    let mut wrong = bytes.clone();
    set_word(&mut wrong, vm_at, bytes.len() as u64);
    assert_eq!(Spec::parse(&wrong).unwrap().vm(0).err(), Some(spec::Error::Truncated));
    // vCPU and mapping lists that run past the end, or whose offsets wrap.
    for (field, value) in [(7, 1 << 30), (6, u64::MAX), (9, u64::MAX / 3 + 1), (8, u64::MAX - 1)] {
        let mut wrong = bytes.clone();
        set_word(&mut wrong, vm_at + field, value);
        let spec = Spec::parse(&wrong).unwrap();
        let vm = spec.vm(0).unwrap();
        let last = if field < 8 { vm.vcpu(vm.vcpu_count() - 1).err() } else { vm.map(vm.map_count() - 1).err() };
        assert_eq!(last, Some(spec::Error::Truncated), "VM word {field} = {value:#x}");
    }
    // An older description is refused by its version, not misread.
    let mut old = bytes.clone();
    set_word(&mut old, 1, 3);
    assert_eq!(Spec::parse(&old).err(), Some(spec::Error::BadVersion));
}
