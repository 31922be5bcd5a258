//! The plan for a small system: every PD's caps at libmicrokit's slots with Microkit's badges,
//! and the variables its image gets.
use atoll_sdf::{Trigger, parse};
use atoll_sysbuild::{Cap, badge, plan, slot};

const SYSTEM: &str = r#"<system>
    <memory_region name="uart" size="0x1000" phys_addr="0x1000_0000" />
    <protection_domain name="serial" priority="200">
        <program_image path="serial.elf" />
        <map mr="uart" vaddr="0x200_0000" />
        <irq irq="10" id="5" />
    </protection_domain>
    <protection_domain name="client" priority="100" passive="true">
        <program_image path="client.elf" />
        <protection_domain name="worker" id="3" priority="90">
            <program_image path="worker.elf" />
        </protection_domain>
    </protection_domain>
    <channel>
        <end pd="client" id="1" pp="true" />
        <end pd="serial" id="0" notify="false" />
    </channel>
    <channel>
        <end pd="client" id="2" />
        <end pd="worker" id="7" />
    </channel>
</system>"#;

#[test]
fn every_pd_gets_libmicrokit_slots_and_microkit_badges() {
    let system = parse("plan.system", SYSTEM).unwrap();
    let plans = plan(&system);
    let names: Vec<&str> = plans.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["serial", "client", "worker"]);
    let (serial, client, worker) = (&plans[0], &plans[1], &plans[2]);

    // The serial PD takes protected calls: it receives on an endpoint.
    assert!(serial.has_endpoint);
    assert_eq!(
        serial.caps,
        vec![
            (slot::INPUT, Cap::OwnEndpoint),
            (slot::FAULT_ENDPOINT, Cap::Endpoint { pd: None, badge: 1 }),
            (slot::VSPACE, Cap::OwnVSpace),
            (slot::REPLY, Cap::OwnReply),
            (slot::TCB, Cap::OwnTcb),
            (slot::BASE_IRQ + 5, Cap::IrqHandler { irq: 10, trigger: Trigger::Level, badge: 1 << 5 }),
        ]
    );
    assert_eq!((serial.variables.irqs, serial.variables.notifications, serial.variables.pps), (1 << 5, 0, 0));

    // The client has a child, so an endpoint too; it is passive, so it holds the monitor's.
    assert!(client.has_endpoint && client.variables.passive);
    assert_eq!(
        client.caps,
        vec![
            (slot::INPUT, Cap::OwnEndpoint),
            (slot::FAULT_ENDPOINT, Cap::Endpoint { pd: None, badge: 2 }),
            (slot::VSPACE, Cap::OwnVSpace),
            (slot::REPLY, Cap::OwnReply),
            (slot::MONITOR_ENDPOINT, Cap::Endpoint { pd: None, badge: 2 }),
            (slot::TCB, Cap::OwnTcb),
            (slot::BASE_OUTPUT_NOTIFICATION + 1, Cap::Notification { pd: 0, badge: 1 }),
            (slot::BASE_OUTPUT_NOTIFICATION + 2, Cap::Notification { pd: 2, badge: 1 << 7 }),
            (slot::BASE_ENDPOINT + 1, Cap::Endpoint { pd: Some(0), badge: badge::PPC }),
            (slot::BASE_CHILD_TCB + 3, Cap::ChildTcb { pd: 2 }),
        ]
    );
    assert_eq!((client.variables.notifications, client.variables.pps), (0b110, 0b10));

    // The child's faults go to its parent, badged with the fault bit and its id.
    assert_eq!(worker.parent, Some(1));
    assert!(!worker.has_endpoint);
    assert_eq!(worker.caps[0], (slot::INPUT, Cap::OwnNotification));
    assert_eq!(worker.caps[1], (slot::FAULT_ENDPOINT, Cap::Endpoint { pd: Some(1), badge: badge::FAULT | 3 }));
    assert!(worker.caps.contains(&(slot::BASE_OUTPUT_NOTIFICATION + 7, Cap::Notification { pd: 1, badge: 1 << 2 })));
    assert_eq!(worker.variables.name, "worker");
}

#[test]
fn slots_stay_inside_the_cnode() {
    let system = parse("plan.system", SYSTEM).unwrap();
    for plan in plan(&system) {
        assert!(plan.caps.iter().all(|(slot, _)| *slot < 1 << slot::CNODE_BITS), "{}", plan.name);
        let mut slots: Vec<u64> = plan.caps.iter().map(|(slot, _)| *slot).collect();
        slots.dedup();
        assert_eq!(slots.len(), plan.caps.len(), "{} uses a slot twice", plan.name);
    }
}

#[test]
fn the_largest_system_microkit_allows_plans_every_channel() {
    // 63 PDs, each with a channel to every other: 62 channels each.
    let mut sdf = String::from("<system>");
    for pd in 0..63 {
        sdf += &format!(
            r#"<protection_domain name="pd{pd}" priority="{}"><program_image path="p.elf"/></protection_domain>"#,
            pd + 1
        );
    }
    for a in 0..63u64 {
        for b in a + 1..63 {
            sdf += &format!(r#"<channel><end pd="pd{a}" id="{}"/><end pd="pd{b}" id="{a}"/></channel>"#, b - 1);
        }
    }
    sdf += "</system>";
    let system = parse("big.system", &sdf).unwrap();
    assert_eq!(system.channels.len(), 63 * 62 / 2);
    let plans = plan(&system);
    for (index, plan) in plans.iter().enumerate() {
        let outputs = plan.caps.iter().filter(|(_, cap)| matches!(cap, Cap::Notification { .. })).count();
        assert_eq!(outputs, 62, "pd{index}");
        assert_eq!(plan.variables.notifications, (1 << 62) - 1);
    }
    // PD 0's channel 0 reaches PD 1, whose end toward PD 0 is id 0: badge bit 0.
    assert!(plans[0].caps.contains(&(slot::BASE_OUTPUT_NOTIFICATION, Cap::Notification { pd: 1, badge: 1 })));
    // A 64th PD, or a 63rd channel id, is refused.
    let too_many =
        sdf.replace("</system>", r#"<channel><end pd="pd0" id="62"/><end pd="pd1" id="61"/></channel></system>"#);
    assert!(parse("big.system", &too_many).unwrap_err().to_string().contains("id 62 is above 61"));
}

#[test]
fn cspace_caps_go_into_the_root_cnode() {
    let text = r#"<system>
        <protection_domain name="primary"><program_image path="p.elf" />
            <cspace><cap_sc slot="1" pd="secondary" /><cap_tcb slot="2" pd="secondary" /><cap_vspace slot="63" pd="primary" /></cspace>
        </protection_domain>
        <protection_domain name="secondary"><program_image path="s.elf" /></protection_domain>
    </system>"#;
    let plans = plan(&parse("c.system", text).unwrap());
    assert_eq!(
        plans[0].root_caps,
        vec![(1, Cap::RootSchedContext { pd: 1 }), (2, Cap::RootTcb { pd: 1 }), (63, Cap::RootVSpace { pd: 0 })]
    );
    assert!(plans[1].root_caps.is_empty());
    for (bad, message) in [
        (r#"slot="1" pd="secondary" /><cap_tcb slot="2""#, r#"slot="1" pd="secondary" /><cap_tcb slot="1""#),
        (r#"slot="63""#, r#"slot="64""#),
        (r#"<cap_sc slot="1""#, r#"<cap_sc slot="0""#),
        (r#"pd="primary" />"#, r#"pd="tertiary" />"#),
        ("<cap_sc ", "<cap_irq "),
    ]
    .iter()
    .map(|(from, to)| (text.replacen(from, to, 1), *to))
    {
        let error = parse("c.system", &bad).unwrap_err().to_string();
        assert!(
            error.contains("used twice")
                || error.contains("must be from 1 to 63")
                || error.contains("unknown protection domain 'tertiary'")
                || error.contains("<cap_irq>: unexpected element in <cspace>"),
            "{message}: {error}"
        );
    }
}

#[test]
fn a_vmm_holds_its_vcpus_and_their_faults_come_badged_like_a_childs() {
    let text = r#"<system>
        <memory_region name="ram" size="0x400000" page_size="0x200000" />
        <protection_domain name="vmm" priority="200">
            <program_image path="vmm.elf" />
            <map mr="ram" vaddr="0x2000_0000" />
            <virtual_machine name="guest" priority="100">
                <vcpu id="0" />
                <vcpu id="5" />
                <map mr="ram" vaddr="0x8000_0000" perms="rwx" />
            </virtual_machine>
            <protection_domain name="driver" id="3" priority="150"><program_image path="d.elf" /></protection_domain>
        </protection_domain>
        <protection_domain name="other" priority="50"><program_image path="o.elf" /></protection_domain>
    </system>"#;
    let plans = plan(&parse("vm.system", text).unwrap());
    let (vmm, driver, other) = (&plans[0], &plans[1], &plans[2]);
    assert_eq!((slot::BASE_VM_TCB, slot::BASE_VCPU), (266, 330));
    let vm = vmm.vm.as_ref().expect("the VMM's plan");
    assert_eq!((vm.name.as_str(), vm.index), ("guest", 0));
    assert_eq!(vm.vcpus, vec![(0, badge::FAULT), (5, badge::FAULT | 5)]);
    // The child's fault badge has the same form: the VMM's `fault` tells them apart by id.
    assert_eq!(driver.caps[1], (slot::FAULT_ENDPOINT, Cap::Endpoint { pd: Some(0), badge: badge::FAULT | 3 }));
    let vm_caps: Vec<(u64, Cap)> =
        vmm.caps.iter().copied().filter(|(_, cap)| matches!(cap, Cap::VmTcb { .. } | Cap::Vcpu { .. })).collect();
    assert_eq!(
        vm_caps,
        vec![
            (266, Cap::VmTcb { vm: 0, vcpu: 0 }),
            (271, Cap::VmTcb { vm: 0, vcpu: 5 }),
            (330, Cap::Vcpu { vm: 0, vcpu: 0 }),
            (335, Cap::Vcpu { vm: 0, vcpu: 5 }),
        ]
    );
    assert!(vmm.caps.contains(&(slot::BASE_CHILD_TCB + 3, Cap::ChildTcb { pd: 1 })));
    assert!(vmm.caps.iter().all(|(slot, _)| *slot < 1 << slot::CNODE_BITS));
    assert!(driver.vm.is_none() && other.vm.is_none());

    // A VM's exits arrive on the VMM's endpoint, so a VMM receives on one even with no
    // children and no protected calls.
    let alone = text.replacen(
        r#"<protection_domain name="driver" id="3" priority="150"><program_image path="d.elf" /></protection_domain>"#,
        "",
        1,
    );
    let plans = plan(&parse("vm.system", &alone).unwrap());
    assert!(plans[0].has_endpoint && !plans[1].has_endpoint);
    assert_eq!(plans[0].caps[0], (slot::INPUT, Cap::OwnEndpoint));
}
