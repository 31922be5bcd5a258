//! System descriptions: a valid one read in full, and each invalid case with its message and
//! where it points.
use atoll_sdf::{Duration, Trigger, parse};

const VALID: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<system>
    <memory_region name="uart" size="0x1000" phys_addr="0x1000_0000" />
    <memory_region name="ring" size="0x4000" />
    <protection_domain name="serial" priority="200" budget="500" period="2000" stack_size="0x4000">
        <program_image path="serial.elf" />
        <map mr="uart" vaddr="0x200_0000" perms="rw" cached="false" setvar_vaddr="uart_base" />
        <map mr="ring" vaddr="0x300_0000" />
        <irq irq="10" id="5" trigger="edge" />
        <setvar symbol="ring_paddr" region_paddr="ring" />
    </protection_domain>
    <protection_domain name="client" priority="100" passive="true">
        <program_image path="client.elf" />
        <map mr="ring" vaddr="0x300_0000" perms="r" />
        <protection_domain name="child" id="3" priority="90">
            <program_image path="child.elf" />
        </protection_domain>
    </protection_domain>
    <channel>
        <end pd="client" id="1" pp="true" />
        <end pd="serial" id="0" notify="false" />
    </channel>
</system>
"#;

#[test]
fn a_valid_system_is_read_in_full() {
    let system = parse("valid.system", VALID).expect("valid");
    assert_eq!(system.protection_domains.len(), 2);
    let serial = system.protection_domain("serial").unwrap();
    assert_eq!((serial.priority, serial.budget_us, serial.period_us, serial.stack_size), (200, 500, 2000, 0x4000));
    assert_eq!(serial.maps[0].vaddr, 0x200_0000);
    assert!(!serial.maps[0].cached && serial.maps[0].perms.write && !serial.maps[0].perms.execute);
    assert_eq!(serial.maps[0].setvar_vaddr.as_deref(), Some("uart_base"));
    assert_eq!((serial.irqs[0].irq, serial.irqs[0].id, serial.irqs[0].trigger), (10, 5, Trigger::Edge));
    assert_eq!(serial.setvars[0].region_paddr, "ring");
    let client = system.protection_domain("client").unwrap();
    // Microkit's defaults: a 1000 us budget, period equal to it, an 8 KiB stack, maps rw cached.
    assert_eq!((client.budget_us, client.period_us, client.stack_size, client.passive), (1000, 1000, 0x2000, true));
    assert!(client.maps[0].cached && client.maps[0].perms.read && !client.maps[0].perms.write);
    assert_eq!(client.children[0].id, Some(3));
    assert_eq!(system.all_protection_domains().len(), 3);
    assert_eq!(system.memory_region("uart").unwrap().phys_addr, Some(0x1000_0000));
    let ends = &system.channels[0].ends;
    assert!(ends[0].pp && ends[0].notify && !ends[1].notify);
}

#[test]
fn domains_and_their_schedule() {
    let text = r#"<system>
        <domains>
            <domain name="a" id="2" />
            <domain name="b" />
            <domain_schedule start_index="1">
                <schedule_entry domain="a" duration="6000 us" />
                <schedule_entry domain="b" duration="0x10 ticks" />
                <schedule_end_marker />
            </domain_schedule>
        </domains>
        <protection_domain name="p" domain="b"><program_image path="p.elf" /></protection_domain>
    </system>"#;
    let system = parse("d.system", text).expect("valid");
    let domains = system.domains.unwrap();
    // An omitted id is the smallest one not given to another domain.
    assert_eq!(domains.domains, vec![("a".to_string(), 2), ("b".to_string(), 0)]);
    assert_eq!(domains.start_index, 1);
    assert_eq!(domains.schedule[0].duration, Some(Duration::Micros(6000)));
    assert_eq!((domains.schedule[1].domain, domains.schedule[1].duration), (Some(1), Some(Duration::Ticks(16))));
    assert_eq!(domains.schedule[2].domain, None);
}

/// Replaces `from` with `to` in the valid system and returns the error it then gets.
fn error_after(from: &str, to: &str) -> String {
    assert!(VALID.contains(from), "test text {from:?}");
    match parse("sys.xml", &VALID.replacen(from, to, 1)) {
        Ok(_) => panic!("{from:?} -> {to:?} was accepted"),
        Err(error) => error.to_string(),
    }
}

#[test]
fn each_invalid_case_says_what_and_where() {
    let cases: &[(&str, &str, &str)] = &[
        (
            r#"<map mr="ring" vaddr="0x300_0000" />"#,
            r#"<map mr="ring" vaddr="0x1ff_f000" />"#,
            "sys.xml:8:9: <map>: mapping of 'ring' at 0x1fff000 overlaps 'uart' at 0x2000000",
        ),
        (
            r#"<map mr="ring" vaddr="0x300_0000" />"#,
            r#"<map mr="rings" vaddr="0x300_0000" />"#,
            "sys.xml:8:9: <map>: unknown memory region 'rings'",
        ),
        (r#"<end pd="serial" id="0""#, r#"<end pd="serail" id="0""#, "<end>: unknown protection domain 'serail'"),
        (r#"<end pd="serial" id="0""#, r#"<end pd="serial" id="5""#, "<end>: id 5 is used twice in 'serial'"),
        (
            r#"<end pd="serial" id="0""#,
            r#"<end pd="serial" id="62""#,
            "<end>: id 62 is above 61: a PD has at most 62 channels",
        ),
        (
            r#"name="serial" priority="200""#,
            r#"name="serial" priority="100""#,
            "'client' (priority 100) may only make protected procedure calls to a higher priority, and 'serial' has 100",
        ),
        (
            r#"budget="500""#,
            r#"budget="5000""#,
            "sys.xml:5:5: <protection_domain>: budget (5000 us) is greater than period (2000 us)",
        ),
        (
            r#"<end pd="serial" id="0" notify="false" />"#,
            r#"<end pd="serial" id="0" pp="true" />"#,
            "<channel>: a channel cannot have protected procedure calls both ways",
        ),
        (r#"perms="rw""#, r#"perms="wx""#, "<map>: 'perms' cannot be write-only"),
        (r#"perms="rw""#, r#"perms="rq""#, "<map>: 'perms' may hold only r, w and x, not 'rq'"),
        (r#"stack_size="0x4000""#, r#"stack_size="0x4001""#, "must be a multiple of 0x1000"),
        (r#"priority="200""#, r#"priority="255""#, "priority 255 is above 254"),
        (r#"trigger="edge""#, r#"trigger="rising""#, "'trigger' must be 'level' or 'edge', not 'rising'"),
        (r#"cached="false""#, r#"cached="no""#, "'cached' must be 'true' or 'false', not 'no'"),
        (r#"<program_image path="serial.elf" />"#, "", "<protection_domain>: 'serial' has no <program_image>"),
        (
            r#"size="0x4000""#,
            r#"size="0x4100""#,
            "<memory_region>: size 0x4100 is not a non-zero multiple of the page size 0x1000",
        ),
        (r#"size="0x1000" phys"#, r#"size="0x1000" page_size="0x3000" phys"#, "page size 0x3000 is not one of"),
        (r#"id="3""#, r#"id="3" prio="1""#, "unknown attribute 'prio'"),
        (
            r#"<setvar symbol="ring_paddr" region_paddr="ring" />"#,
            r#"<setvar symbol="x" region_paddr="nope" />"#,
            "<setvar>: unknown memory region 'nope'",
        ),
        (
            r#"<irq irq="10" id="5" trigger="edge" />"#,
            r#"<irq irq="10" id="5" /><irq irq="11" id="5" />"#,
            "<irq>: id 5 is used twice in 'serial'",
        ),
        (r#"name="child""#, r#"name="serial""#, "protection domain 'serial' is declared twice"),
        (r#"<end pd="client" id="1" pp="true" />"#, "", "<channel>: a channel has exactly two <end> elements"),
        (r#"vaddr="0x200_0000""#, r#"vaddr="0x200_0800""#, "vaddr 0x2000800 is not aligned"),
        (r#"budget="500""#, r#"budget="five""#, "'budget' is not a number: 'five'"),
        ("</system>", "<bogus/></system>", "<bogus>: unexpected element in <system>"),
        ("<system>", "<sys>", "not well-formed XML"),
        (
            r#"name="client" priority="100""#,
            r#"name="client" priority="100" domain="x""#,
            "domain 'x' given, but the system declares no <domains>",
        ),
    ];
    for (from, to, expected) in cases {
        let message = error_after(from, to);
        assert!(message.contains(expected), "{from:?} -> {to:?}\n  got:    {message}\n  wanted: {expected}");
    }
}

#[test]
fn numbers_read_as_microkit_reads_them() {
    use atoll_sdf::parse_number;
    assert_eq!(parse_number("0x1000_0000"), Some(0x1000_0000));
    assert_eq!(parse_number("1_000"), Some(1000));
    assert_eq!(parse_number("0x"), None);
    assert_eq!(parse_number("-1"), None);
    assert_eq!(parse_number("18446744073709551616"), None);
}

#[test]
fn domain_errors() {
    let base = r#"<system><domains><domain name="a" />DOMS<domain_schedule>ENTRY</domain_schedule></domains>
        <protection_domain name="p" PDDOM><program_image path="p.elf" /></protection_domain></system>"#;
    let case = |doms: &str, entry: &str, pd: &str| {
        let text = base.replace("DOMS", doms).replace("ENTRY", entry).replace("PDDOM", pd);
        parse("d.xml", &text).err().map(|e| e.to_string()).unwrap_or_default()
    };
    let ok_entry = r#"<schedule_entry domain="a" duration="10 us" />"#;
    assert!(case("", ok_entry, r#"domain="a""#).is_empty());
    assert!(case("", ok_entry, "").contains("'p' needs a domain"));
    assert!(case("", ok_entry, r#"domain="b""#).contains("domain 'b' is not declared"));
    assert!(case(r#"<domain name="a" />"#, ok_entry, r#"domain="a""#).contains("declared twice"));
    assert!(
        case("", r#"<schedule_entry domain="c" duration="10 us" />"#, r#"domain="a""#).contains("'c' is not declared")
    );
    assert!(case("", r#"<schedule_entry domain="a" duration="10" />"#, r#"domain="a""#).contains("'duration' must be"));
    assert!(
        case("", r#"<schedule_entry domain="a" duration="0 us" />"#, r#"domain="a""#).contains("'duration' must be")
    );
    assert!(
        case("", r#"<schedule_entry domain="a" duration="10 ms" />"#, r#"domain="a""#).contains("'duration' must be")
    );
    assert!(case("", "", r#"domain="a""#).contains("at least one entry"));
}

#[test]
fn prefilled_regions_take_their_size_from_the_data() {
    let text = r#"<system>
        <memory_region name="data" prefill_path="data.bin" />
        <memory_region name="sized" size="0x2000" prefill_path="small.bin" />
        <protection_domain name="p"><program_image path="p.elf" />
            <map mr="data" vaddr="0x1000000" setvar_vaddr="at" setvar_size="size" setvar_prefill_size="len" />
        </protection_domain>
    </system>"#;
    let system = parse("p.system", text).unwrap();
    assert_eq!(system.memory_regions[0].size, 0, "sized once the file is read");
    let lengths = |path: &str| Ok(if path == "data.bin" { 0x1010 } else { 10 });
    let system = system.with_prefill(lengths).unwrap();
    assert_eq!((system.memory_regions[0].size, system.memory_regions[0].prefill_len), (0x2000, 0x1010));
    assert_eq!((system.memory_regions[1].size, system.memory_regions[1].prefill_len), (0x2000, 10));
    let map = &system.protection_domains[0].maps[0];
    assert_eq!((map.setvar_size.as_deref(), map.setvar_prefill_size.as_deref()), (Some("size"), Some("len")));
    // Data larger than a given size, an unreadable file, or a prefill size without prefill.
    let too_big = parse("p.system", text).unwrap().with_prefill(|_| Ok(0x3000)).unwrap_err().to_string();
    assert!(
        too_big.contains("<memory_region>: prefill of 12288 bytes is larger than the region's 0x2000"),
        "{too_big}"
    );
    let missing = parse("p.system", text).unwrap().with_prefill(|_| Err("no such file".into())).unwrap_err();
    assert!(missing.to_string().contains("p.system:2:9: <memory_region>: no such file"), "{missing}");
    let text = r#"<system><memory_region name="m" size="0x1000" />
        <protection_domain name="p"><program_image path="p.elf" />
        <map mr="m" vaddr="0x1000000" setvar_prefill_size="len" /></protection_domain></system>"#;
    assert!(
        parse("q.system", text)
            .unwrap_err()
            .to_string()
            .contains("setvar_prefill_size on 'm', which has no prefill_path")
    );
}

/// A VMM with a child PD and a virtual machine of two vCPUs.
const VMM: &str = r#"<system>
    <memory_region name="guest_ram" size="0x400000" page_size="0x200000" />
    <memory_region name="uart" size="0x1000" phys_addr="0x1000_0000" />
    <protection_domain name="vmm" priority="200">
        <program_image path="vmm.elf" />
        <map mr="guest_ram" vaddr="0x2000_0000" perms="rw" setvar_vaddr="guest_ram_vaddr" />
        <virtual_machine name="linux" priority="100" budget="500" period="1000">
            <vcpu id="0" />
            <vcpu id="2" setvar_id="second_vcpu" />
            <map mr="guest_ram" vaddr="0x8000_0000" perms="rwx" />
            <map mr="uart" vaddr="0x1000_0000" perms="rw" cached="false" />
        </virtual_machine>
        <protection_domain name="helper" id="1" priority="150">
            <program_image path="helper.elf" />
        </protection_domain>
    </protection_domain>
</system>"#;

#[test]
fn a_virtual_machine_is_read_in_full() {
    let system = parse("vm.system", VMM).expect("valid");
    let vmm = system.protection_domain("vmm").unwrap();
    let vm = vmm.virtual_machine.as_ref().expect("the VMM's VM");
    assert_eq!((vm.name.as_str(), vm.priority, vm.budget_us, vm.period_us), ("linux", 100, 500, 1000));
    let ids: Vec<u64> = vm.vcpus.iter().map(|vcpu| vcpu.id).collect();
    assert_eq!(ids, [0, 2]);
    assert_eq!(vm.vcpus[1].setvar_id.as_deref(), Some("second_vcpu"));
    assert_eq!(vm.location.line, 7);
    // Guest-physical mappings, with the VMM's own mapping of the same region untouched.
    assert_eq!((vm.maps[0].memory_region.as_str(), vm.maps[0].vaddr), ("guest_ram", 0x8000_0000));
    assert!(vm.maps[0].perms.execute && vm.maps[0].perms.write && vm.maps[0].cached);
    assert!(!vm.maps[1].cached && !vm.maps[1].perms.execute);
    assert_eq!(vmm.maps[0].vaddr, 0x2000_0000);
    // The VM is no PD; the system lists it with its VMM.
    assert!(system.protection_domain("linux").is_none());
    let vms = system.virtual_machines();
    assert_eq!(vms.len(), 1);
    assert_eq!((vms[0].0.name.as_str(), vms[0].1.name.as_str()), ("vmm", "linux"));
    // Microkit's defaults: priority 0, a 1000 us budget and a period equal to it.
    let plain = VMM.replacen(r#"priority="100" budget="500" period="1000""#, "", 1);
    let vm = parse("vm.system", &plain).unwrap().protection_domains[0].virtual_machine.clone().unwrap();
    assert_eq!((vm.priority, vm.budget_us, vm.period_us), (0, 1000, 1000));
}

#[test]
fn each_invalid_virtual_machine_says_what_and_where() {
    let cases: &[(&str, &str, &str)] = &[
        (
            r#"<vcpu id="0" />"#,
            r#"<vcpu id="0" core="1" />"#,
            "vm.system:8:13: <vcpu>: unknown attribute 'core' (expected one of: id, setvar_id, cpu)",
        ),
        (r#"budget="500""#, r#"budget="500" fpu="true""#, "<virtual_machine>: unknown attribute 'fpu'"),
        (
            r#"<map mr="guest_ram" vaddr="0x8000_0000" perms="rwx" />"#,
            r#"<map mr="guest_ram" vaddr="0x8000_0000" perms="rwx" setvar_vaddr="ram" />"#,
            "vm.system:10:13: <map>: unknown attribute 'setvar_vaddr' (expected one of: mr, vaddr, perms, cached)",
        ),
        (r#"<vcpu id="0" />"#, r#"<vcpu id="62" />"#, "vm.system:8:13: <vcpu>: vcpu id 62 is above 61"),
        (r#"<vcpu id="0" />"#, r#"<vcpu id="zero" />"#, "<vcpu>: 'id' is not a number: 'zero'"),
        (r#"<vcpu id="0" />"#, r#"<vcpu />"#, "<vcpu>: missing attribute 'id'"),
        (r#"<vcpu id="0" />"#, r#"<vcpu id="0" cpu="1" />"#, "<vcpu>: 'cpu' must be 0: Atoll runs on one core"),
        (
            r#"<vcpu id="2" setvar_id="second_vcpu" />"#,
            r#"<vcpu id="0" />"#,
            "vm.system:9:13: <vcpu>: virtual machine 'linux' has two vcpus with id 0",
        ),
        (
            r#"<vcpu id="2" setvar_id="second_vcpu" />"#,
            r#"<vcpu id="1" />"#,
            "vm.system:9:13: <vcpu>: vcpu id 1 is also the id of 'helper', a child of 'vmm' (vcpus and children share \
             their VMM's ids)",
        ),
        (
            r#"<map mr="uart" vaddr="0x1000_0000" perms="rw" cached="false" />"#,
            r#"<map mr="uart" vaddr="0x803f_f000" />"#,
            "vm.system:11:13: <map>: mapping of 'uart' at 0x803ff000 overlaps 'guest_ram' at 0x80000000",
        ),
        (
            r#"<map mr="uart" vaddr="0x1000_0000" perms="rw" cached="false" />"#,
            r#"<map mr="serial" vaddr="0x1000_0000" />"#,
            "vm.system:11:13: <map>: unknown memory region 'serial'",
        ),
        (
            r#"vaddr="0x8000_0000" perms="rwx""#,
            r#"vaddr="0x7f_ffe0_0000" perms="rwx""#,
            "<map>: mapping of 'guest_ram' at 0x7fffe00000 ends above the guest-physical top 0x8000000000",
        ),
        (r#"vaddr="0x8000_0000" perms="rwx""#, r#"vaddr="0x8010_0000""#, "vaddr 0x80100000 is not aligned"),
        (
            r#"budget="500" period="1000""#,
            r#"budget="1500" period="1000""#,
            "vm.system:7:9: <virtual_machine>: budget (1500 us) is greater than period (1000 us)",
        ),
        (r#"budget="500""#, r#"budget="10""#, "<virtual_machine>: budget (10 us) is below seL4's minimum of 20 us"),
        (
            r#"name="linux" priority="100""#,
            r#"name="linux" priority="255""#,
            "vm.system:7:9: <virtual_machine>: priority 255 is above 254, the highest a VM may have",
        ),
        (
            r#"name="linux""#,
            r#"name="helper""#,
            "vm.system:7:9: <virtual_machine>: virtual machine 'helper' has the name of a protection domain",
        ),
        (r#"<virtual_machine name="linux""#, "<virtual_machine", "<virtual_machine>: missing attribute 'name'"),
        (
            r#"<vcpu id="0" />
            <vcpu id="2" setvar_id="second_vcpu" />"#,
            "",
            "vm.system:7:9: <virtual_machine>: virtual machine 'linux' has no <vcpu>",
        ),
        (
            r#"<vcpu id="0" />"#,
            r#"<vcpu id="0" /><irq irq="1" id="1" />"#,
            "<irq>: unexpected element in <virtual_machine>",
        ),
        (
            "</virtual_machine>",
            r#"</virtual_machine><virtual_machine name="other"><vcpu id="5" /></virtual_machine>"#,
            "<virtual_machine>: a protection domain has at most one <virtual_machine>",
        ),
    ];
    for (from, to, expected) in cases {
        assert!(VMM.contains(from), "test text {from:?}");
        let message = match parse("vm.system", &VMM.replacen(from, to, 1)) {
            Ok(_) => panic!("{from:?} -> {to:?} was accepted"),
            Err(error) => error.to_string(),
        };
        assert!(message.contains(expected), "{from:?} -> {to:?}\n  got:    {message}\n  wanted: {expected}");
    }
}

#[test]
fn virtual_machine_names_are_unique_across_the_system() {
    let second = r#"<protection_domain name="vmm2"><program_image path="vmm.elf" />
        <virtual_machine name="NAME"><vcpu id="0" /></virtual_machine></protection_domain></system>"#;
    let twice = VMM.replace("</system>", &second.replace("NAME", "linux"));
    let error = parse("vm.system", &twice).unwrap_err().to_string();
    assert!(error.contains("vm.system:18:9: <virtual_machine>: virtual machine 'linux' is declared twice"), "{error}");
    // Another VMM with its own VM, and vCPU ids that are only unique per VMM.
    let system = parse("vm.system", &VMM.replace("</system>", &second.replace("NAME", "other"))).unwrap();
    let vms: Vec<(&str, &str, u64)> =
        system.virtual_machines().iter().map(|(pd, vm)| (pd.name.as_str(), vm.name.as_str(), vm.vcpus[0].id)).collect();
    assert_eq!(vms, [("vmm", "linux", 0), ("vmm2", "other", 0)]);
    // A PD named like a VM is refused as well, whichever comes first.
    let clash = VMM.replace(
        "</system>",
        r#"<protection_domain name="linux"><program_image path="p.elf" /></protection_domain></system>"#,
    );
    assert!(
        parse("vm.system", &clash).unwrap_err().to_string().contains("'linux' has the name of a protection domain")
    );
}
