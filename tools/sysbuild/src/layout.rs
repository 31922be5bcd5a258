//! Each PD's caps, badges and libmicrokit variables, computed from the description alone.
use atoll_sdf::{CapKind, ProtectionDomain, System, Trigger};

/// libmicrokit's CSpace: slot numbers of the caps every PD may have.
pub mod slot {
    pub const INPUT: u64 = 1;
    pub const FAULT_ENDPOINT: u64 = 2;
    pub const VSPACE: u64 = 3;
    pub const REPLY: u64 = 4;
    pub const MONITOR_ENDPOINT: u64 = 5;
    pub const TCB: u64 = 6;
    pub const BASE_OUTPUT_NOTIFICATION: u64 = 10;
    pub const BASE_ENDPOINT: u64 = 74;
    pub const BASE_IRQ: u64 = 138;
    pub const BASE_CHILD_TCB: u64 = 202;
    /// A VMM's virtual machine: each vCPU's thread and VCPU object, at the base plus its id.
    pub const BASE_VM_TCB: u64 = 266;
    pub const BASE_VCPU: u64 = 330;
    /// The CNode's size: 2^9 slots.
    pub const CNODE_BITS: u32 = 9;
}

/// Badge bits libmicrokit decodes.
pub mod badge {
    pub const PPC: u64 = 1 << 63;
    pub const FAULT: u64 = 1 << 62;
}

/// What a slot of a PD's CSpace holds; PDs are named by their index in
/// [`System::all_protection_domains`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cap {
    /// The PD's own endpoint (slot 1 when it needs one).
    OwnEndpoint,
    /// The PD's own notification (slot 1 when it has no endpoint).
    OwnNotification,
    OwnReply,
    OwnTcb,
    OwnVSpace,
    /// Another PD's (or the monitor's, `pd: None`) endpoint, minted with `badge`.
    Endpoint {
        pd: Option<usize>,
        badge: u64,
    },
    /// Another PD's notification, minted with `badge`.
    Notification {
        pd: usize,
        badge: u64,
    },
    /// The handler of an interrupt, delivered to the PD's notification with `badge`.
    IrqHandler {
        irq: u64,
        trigger: Trigger,
        badge: u64,
    },
    ChildTcb {
        pd: usize,
    },
    /// The thread of vCPU `vcpu` (its id) of virtual machine `vm` (an index into
    /// [`System::virtual_machines`]).
    VmTcb {
        vm: usize,
        vcpu: u64,
    },
    /// The VCPU object of that vCPU.
    Vcpu {
        vm: usize,
        vcpu: u64,
    },
    /// In the root CNode (`<cspace>`): a PD's TCB, scheduling context or VSpace.
    RootTcb {
        pd: usize,
    },
    RootSchedContext {
        pd: usize,
    },
    RootVSpace {
        pd: usize,
    },
}

/// The values libmicrokit's variables hold in a PD's image.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Variables {
    pub name: String,
    pub passive: bool,
    /// Bit n: the PD has IRQ id n.
    pub irqs: u64,
    /// Bit n: the PD may notify over channel n.
    pub notifications: u64,
    /// Bit n: the PD may make protected calls over channel n.
    pub pps: u64,
}

/// A virtual machine: one thread per vCPU, each faulting to its VMM's endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VmPlan {
    pub name: String,
    /// Its index in [`System::virtual_machines`].
    pub index: usize,
    /// (vCPU id, the badge its thread's faults carry to the VMM): a child PD's fault badge, so
    /// the VMM's `fault` entry point gets the vCPU id as the child.
    pub vcpus: Vec<(u64, u64)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PdPlan {
    pub name: String,
    /// Index of the parent PD, whose endpoint takes this PD's faults.
    pub parent: Option<usize>,
    /// Whether the PD receives on an endpoint (protected calls or children's faults) with its
    /// notification bound to its thread, rather than on the notification alone.
    pub has_endpoint: bool,
    /// (slot, cap), in slot order.
    pub caps: Vec<(u64, Cap)>,
    /// (root CNode slot, cap): the description's `<cspace>` (slot 0 is libmicrokit's CNode).
    pub root_caps: Vec<(u64, Cap)>,
    pub variables: Variables,
    /// The virtual machine this PD runs, if it is a VMM.
    pub vm: Option<VmPlan>,
}

/// The plan for every PD, in `all_protection_domains` order.
pub fn plan(system: &System) -> Vec<PdPlan> {
    let pds = system.all_protection_domains();
    let indexes: std::collections::HashMap<&str, usize> =
        pds.iter().enumerate().map(|(i, pd)| (pd.name.as_str(), i)).collect();
    let index = |name: &str| *indexes.get(name).expect("validated PD name");
    let parents = parents(&pds);
    let has_endpoint: Vec<bool> =
        pds.iter()
            .enumerate()
            .map(|(i, pd)| {
                !pd.children.is_empty()
                    || pd.virtual_machine.is_some()
                    || system.channels.iter().any(|c| {
                        (c.ends[0].pp && index(&c.ends[1].pd) == i) || (c.ends[1].pp && index(&c.ends[0].pd) == i)
                    })
            })
            .collect();
    let mut plans: Vec<PdPlan> =
        pds.iter().enumerate().map(|(i, pd)| own_caps(pd, i, parents[i], has_endpoint[i], &pds)).collect();
    for channel in &system.channels {
        for (this, other) in [(0, 1), (1, 0)] {
            let (end, far) = (&channel.ends[this], &channel.ends[other]);
            let (me, them) = (index(&end.pd), index(&far.pd));
            let plan = &mut plans[me];
            if end.notify {
                plan.variables.notifications |= 1 << end.id;
                let cap = Cap::Notification { pd: them, badge: 1 << far.id };
                plan.caps.push((slot::BASE_OUTPUT_NOTIFICATION + end.id, cap));
            }
            if end.pp {
                plan.variables.pps |= 1 << end.id;
                let cap = Cap::Endpoint { pd: Some(them), badge: badge::PPC | far.id };
                plan.caps.push((slot::BASE_ENDPOINT + end.id, cap));
            }
        }
    }
    for (i, pd) in pds.iter().enumerate() {
        for map in &pd.cap_maps {
            let source = index(&map.pd);
            let cap = match map.kind {
                CapKind::Tcb => Cap::RootTcb { pd: source },
                CapKind::SchedContext => Cap::RootSchedContext { pd: source },
                CapKind::VSpace => Cap::RootVSpace { pd: source },
            };
            plans[i].root_caps.push((map.slot, cap));
        }
    }
    // A VMM holds its vCPUs' threads and VCPU objects; each thread faults to the VMM's endpoint
    // with the badge a child PD of that id would have.
    for (vm_index, (vmm, vm)) in system.virtual_machines().into_iter().enumerate() {
        let plan = &mut plans[index(&vmm.name)];
        let vcpus = vm.vcpus.iter().map(|vcpu| (vcpu.id, badge::FAULT | vcpu.id)).collect();
        for vcpu in &vm.vcpus {
            plan.caps.push((slot::BASE_VM_TCB + vcpu.id, Cap::VmTcb { vm: vm_index, vcpu: vcpu.id }));
            plan.caps.push((slot::BASE_VCPU + vcpu.id, Cap::Vcpu { vm: vm_index, vcpu: vcpu.id }));
        }
        plan.vm = Some(VmPlan { name: vm.name.clone(), index: vm_index, vcpus });
    }
    plans.iter_mut().for_each(|plan| plan.caps.sort_by_key(|(slot, _)| *slot));
    plans
}

/// Each PD's parent index (children follow their parent in `all_protection_domains`).
fn parents(pds: &[&ProtectionDomain]) -> Vec<Option<usize>> {
    let mut parents = vec![None; pds.len()];
    for (i, pd) in pds.iter().enumerate() {
        for child in &pd.children {
            let child_index = pds.iter().position(|p| p.name == child.name).expect("child listed");
            parents[child_index] = Some(i);
        }
    }
    parents
}

fn own_caps(
    pd: &ProtectionDomain,
    index: usize,
    parent: Option<usize>,
    has_endpoint: bool,
    pds: &[&ProtectionDomain],
) -> PdPlan {
    let input = if has_endpoint { Cap::OwnEndpoint } else { Cap::OwnNotification };
    let fault = match parent {
        Some(parent) => Cap::Endpoint { pd: Some(parent), badge: badge::FAULT | pd.id.unwrap_or(0) },
        // The monitor tells top-level PDs apart by their index; badge 0 would be no badge.
        None => Cap::Endpoint { pd: None, badge: index as u64 + 1 },
    };
    let mut caps = vec![
        (slot::INPUT, input),
        (slot::FAULT_ENDPOINT, fault),
        (slot::VSPACE, Cap::OwnVSpace),
        (slot::REPLY, Cap::OwnReply),
        (slot::TCB, Cap::OwnTcb),
    ];
    if pd.passive {
        caps.push((slot::MONITOR_ENDPOINT, Cap::Endpoint { pd: None, badge: index as u64 + 1 }));
    }
    let mut irqs = 0;
    for irq in &pd.irqs {
        irqs |= 1 << irq.id;
        caps.push((
            slot::BASE_IRQ + irq.id,
            Cap::IrqHandler { irq: irq.irq, trigger: irq.trigger, badge: 1 << irq.id },
        ));
    }
    for child in &pd.children {
        let child_index = pds.iter().position(|p| p.name == child.name).expect("child listed");
        caps.push((slot::BASE_CHILD_TCB + child.id.unwrap_or(0), Cap::ChildTcb { pd: child_index }));
    }
    PdPlan {
        name: pd.name.clone(),
        parent,
        has_endpoint,
        caps,
        root_caps: Vec::new(),
        variables: Variables { name: pd.name.clone(), passive: pd.passive, irqs, ..Variables::default() },
        vm: None,
    }
}
