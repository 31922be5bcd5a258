//! Virtual machines (built with `hyp`, on a kernel with the hypervisor extension): each gets a
//! guest root page table with its regions mapped at guest-physical addresses, and each of its
//! vCPUs a thread with a VCPU object and a scheduling context. The threads run the guest in the
//! guest root, have no IPC buffer and fault to their VMM's endpoint with the badge the builder
//! planned; they stay stopped until their VMM starts them (libmicrokit's
//! `microkit_vcpu_restart`).
use crate::alloc::{Allocator, path};
use crate::build::{System, map_region};
use atoll_sdk::abi::object::MIN_SCHED_CONTEXT_BITS;
use atoll_sdk::abi::{CapRights, ObjectType, slots};
use atoll_sdk::runtime::bootinfo;
use atoll_sdk::{cnode, domain, sched, tcb, vcpu, vspace};
use atoll_sysspec::Spec;

/// The most vCPUs a system may have, over all its virtual machines.
const MAX_VCPUS: usize = 64;

/// A vCPU's objects: its thread and its VCPU object.
#[derive(Clone, Copy, Default)]
pub struct Vcpu {
    vm: u64,
    id: u64,
    pub tcb: u64,
    pub vcpu: u64,
}

pub struct Vms {
    vcpus: [Vcpu; MAX_VCPUS],
    count: usize,
}

impl Default for Vms {
    fn default() -> Self {
        Vms { vcpus: [Vcpu::default(); MAX_VCPUS], count: 0 }
    }
}

impl Vms {
    /// vCPU `id` of virtual machine `vm`.
    pub fn vcpu(&self, vm: u64, id: u64) -> Vcpu {
        let found = self.vcpus[..self.count].iter().find(|vcpu| vcpu.vm == vm && vcpu.id == id);
        *found.unwrap_or_else(|| panic!("no vcpu {id} in virtual machine {vm}"))
    }
}

/// Builds every virtual machine the description lists (after the PDs' objects: the VMMs'
/// endpoints must exist).
pub fn build(alloc: &mut Allocator, spec: &Spec, system: &System) -> Vms {
    let mut vms = Vms::default();
    for index in 0..spec.vm_count() {
        let vm = spec.vm(index).expect("virtual machine");
        let vmm = spec.pd(vm.vmm).expect("its VMM");
        let name = core::str::from_utf8(vm.name).unwrap_or("?");
        let root = alloc.object(ObjectType::RiscvGuestRootPageTable, 0);
        vspace::asid_pool_assign(slots::CAP_INIT_THREAD_ASID_POOL, root).expect("an ASID (VMID) for a guest");
        for map in 0..vm.map_count() {
            map_region(alloc, spec, system, root, vm.map(map).expect("guest mapping"));
        }
        // A guest makes no system calls (its ecalls are exits to its VMM): an empty CSpace.
        let cspace = alloc.object(ObjectType::CapTable, 1);
        let endpoint = system.pds[vm.vmm as usize].endpoint;
        assert!(endpoint != 0, "the VMM of '{name}' has no endpoint for its exits");
        for v in 0..vm.vcpu_count() {
            let spec_vcpu = vm.vcpu(v).expect("vcpu");
            assert!(vms.count < MAX_VCPUS, "more than {MAX_VCPUS} vcpus");
            let objects = Vcpu {
                vm: index,
                id: spec_vcpu.id,
                tcb: alloc.object(ObjectType::Tcb, 0),
                vcpu: alloc.object(ObjectType::RiscvVcpu, 0),
            };
            let sc = alloc.object(ObjectType::SchedContext, MIN_SCHED_CONTEXT_BITS as u64);
            tcb::configure(objects.tcb, cspace, 0, root, 0, 0, 0).expect("configuring a vcpu's thread");
            vcpu::set_tcb(objects.vcpu, objects.tcb).expect("binding a VCPU to its thread");
            if let Some(d) = vmm.domain {
                domain::set(slots::CAP_DOMAIN, d, objects.tcb).expect("its VMM's domain");
            }
            let control = bootinfo().schedcontrol.start;
            sched::configure_flags(control, sc, vm.budget_us, vm.period_us, 0, 0x100, 0).expect("its budget");
            let fault = alloc.slot();
            cnode::mint(path(fault), path(endpoint), CapRights::ALL_RIGHTS, spec_vcpu.badge)
                .expect("its fault endpoint");
            tcb::set_sched_params(objects.tcb, slots::CAP_INIT_THREAD_TCB, vm.priority, vm.priority, sc, fault)
                .expect("its scheduling parameters");
            vms.vcpus[vms.count] = objects;
            vms.count += 1;
        }
        atoll_sdk::println!(
            "atoll-init: virtual machine '{name}': {} vcpu(s), left for its VMM to start",
            vm.vcpu_count()
        );
    }
    vms
}
