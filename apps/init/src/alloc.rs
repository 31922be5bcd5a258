//! Where the initialiser's objects come from: root CNode slots in order, RAM from the
//! untypeds bootinfo lists, and device frames at the physical addresses the description names.
use atoll_sdk::abi::{Error, ObjectType, slots};
use atoll_sdk::cnode::{self, SlotPath};
use atoll_sdk::runtime::bootinfo;

pub struct Allocator {
    next_slot: u64,
    /// Index into bootinfo's untyped list of the RAM untyped in use.
    ram: usize,
    /// How far each untyped has been carved for frames at fixed addresses (bytes from its
    /// start); bootinfo lists at most 230 untypeds.
    device_used: [u64; 256],
}

pub fn path(index: u64) -> SlotPath {
    SlotPath { root: slots::CAP_INIT_THREAD_CNODE, index, depth: 64 }
}

impl Allocator {
    pub fn new() -> Self {
        Allocator { next_slot: bootinfo().empty.start, ram: 0, device_used: [0; 256] }
    }

    pub fn slot(&mut self) -> u64 {
        let slot = self.next_slot;
        assert!(slot < bootinfo().empty.end, "the initialiser ran out of CNode slots");
        self.next_slot += 1;
        slot
    }

    fn untyped_count() -> usize {
        let info = bootinfo();
        (info.untyped.end - info.untyped.start) as usize
    }

    /// A new object of `ty` (size `bits` where the type has one) from RAM.
    pub fn object(&mut self, ty: ObjectType, bits: u64) -> u64 {
        let slot = self.slot();
        let info = bootinfo();
        while self.ram < Self::untyped_count() {
            let desc = &info.untyped_list[self.ram];
            if desc.is_device == 0 {
                let untyped = info.untyped.start + self.ram as u64;
                match cnode::untyped_retype(untyped, ty.value(), bits, slots::CAP_INIT_THREAD_CNODE, 0, 0, slot, 1) {
                    Ok(()) => return slot,
                    Err(failure) if failure.error == Error::NotEnoughMemory => {}
                    Err(failure) => panic!("retyping {ty:?}: {failure:?}"),
                }
            }
            self.ram += 1;
        }
        panic!("the initialiser ran out of memory");
    }

    /// A frame of `bits` at physical address `paddr`, carved from the device untyped (or RAM
    /// untyped) that covers it.
    pub fn frame_at(&mut self, paddr: u64, bits: u64) -> u64 {
        let info = bootinfo();
        let index = (0..Self::untyped_count())
            .find(|&i| {
                let d = &info.untyped_list[i];
                d.paddr <= paddr && paddr + (1 << bits) <= d.paddr + (1u64 << d.size_bits)
            })
            .unwrap_or_else(|| panic!("no untyped covers physical address {paddr:#x}"));
        let untyped = info.untyped.start + index as u64;
        let base = info.untyped_list[index].paddr;
        let target = paddr - base;
        let mut used = self.device_used[index];
        assert!(used <= target, "device frames must be asked for in address order ({paddr:#x})");
        // Skip to the target with untyped children, each the largest the alignment allows.
        while used < target {
            let align = if used == 0 { 63 } else { used.trailing_zeros() as u64 };
            let size = (63 - (target - used).leading_zeros() as u64).min(align);
            let filler = self.slot();
            let root = slots::CAP_INIT_THREAD_CNODE;
            cnode::untyped_retype(untyped, ObjectType::Untyped.value(), size, root, 0, 0, filler, 1)
                .expect("carving a device untyped");
            used += 1 << size;
        }
        let ty = if bits == 12 { ObjectType::Riscv4KPage } else { ObjectType::RiscvMegaPage };
        let slot = self.slot();
        cnode::untyped_retype(untyped, ty.value(), 0, slots::CAP_INIT_THREAD_CNODE, 0, 0, slot, 1)
            .expect("a device frame");
        self.device_used[index] = used + (1 << bits);
        slot
    }
}
