//! The RISC-V 64 caps: frames, page tables and ASID pools (their layout is in `cap`'s table).
use crate::cap::{ADDRESS_BITS, Cap, field};
use atoll_abi::CapType;

/// Frame sizes (seL4's RISC-V page sizes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameSize {
    Small = 0,
    Large = 1,
    Huge = 2,
}

impl FrameSize {
    pub const fn bits(self) -> u32 {
        match self {
            FrameSize::Small => 12,
            FrameSize::Large => 21,
            FrameSize::Huge => 30,
        }
    }

    pub(crate) const fn from_field(value: u64) -> FrameSize {
        match value {
            1 => FrameSize::Large,
            2 => FrameSize::Huge,
            _ => FrameSize::Small,
        }
    }
}

/// seL4's VM rights for a frame (`seL4_CanRead`/`CanWrite` as a mapping sees them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VmRights {
    KernelOnly = 1,
    ReadOnly = 2,
    ReadWrite = 3,
}

impl VmRights {
    pub(crate) const fn from_field(value: u64) -> VmRights {
        match value {
            2 => VmRights::ReadOnly,
            3 => VmRights::ReadWrite,
            _ => VmRights::KernelOnly,
        }
    }
}

impl Cap {
    pub const fn frame(paddr: u64, size: FrameSize, rights: VmRights, is_device: bool) -> Cap {
        Cap::tagged(CapType::Frame, paddr).set0(57, 2, size as u64).set0(55, 2, rights as u64).set0(
            54,
            1,
            is_device as u64,
        )
    }
    pub const fn frame_size(&self) -> FrameSize {
        FrameSize::from_field(self.get0(57, 2))
    }
    pub const fn frame_rights(&self) -> VmRights {
        VmRights::from_field(self.get0(55, 2))
    }
    pub const fn with_frame_rights(self, rights: VmRights) -> Cap {
        self.set0(55, 2, rights as u64)
    }
    pub const fn frame_is_device(&self) -> bool {
        self.get0(54, 1) == 1
    }
    pub const fn page_table(paddr: u64) -> Cap {
        Cap::tagged(CapType::PageTable, paddr)
    }
    pub const fn page_table_is_mapped(&self) -> bool {
        self.get0(58, 1) == 1
    }
    /// A guest root page table (hypervisor builds): the 16 KiB root of a guest-physical
    /// address space, otherwise a page-table cap like the others.
    #[cfg(feature = "hyp")]
    pub const fn guest_root_page_table(paddr: u64) -> Cap {
        Cap::tagged(CapType::PageTable, paddr).set0(53, 1, 1)
    }
    /// Whether a page-table cap names a guest root page table (never outside hypervisor builds).
    pub const fn page_table_is_guest_root(&self) -> bool {
        cfg!(feature = "hyp") && self.get0(53, 1) == 1
    }
    /// A VCPU (hypervisor builds).
    #[cfg(feature = "hyp")]
    pub const fn vcpu(paddr: u64) -> Cap {
        Cap::tagged(CapType::Vcpu, paddr)
    }
    /// Records a mapping at `vaddr` in address space `asid` (frames: asid 0 means unmapped).
    pub const fn with_mapping(mut self, asid: u64, vaddr: u64) -> Cap {
        self.words[1] = field(vaddr, 0, ADDRESS_BITS) | field(asid, 0, 16) << ADDRESS_BITS;
        if self.is(CapType::PageTable) { self.set0(58, 1, 1) } else { self }
    }
    /// Forgets the mapping.
    pub const fn without_mapping(mut self) -> Cap {
        self.words[1] = 0;
        if self.is(CapType::PageTable) { self.set0(58, 1, 0) } else { self }
    }
    pub const fn mapped_asid(&self) -> u64 {
        field(self.words[1], ADDRESS_BITS, 16)
    }
    pub const fn mapped_vaddr(&self) -> u64 {
        field(self.words[1], 0, ADDRESS_BITS)
    }

    // --- asid pool and control caps ---
    pub const fn asid_pool(paddr: u64, asid_base: u64) -> Cap {
        Cap::tagged(CapType::AsidPool, paddr).set0(39, 16, asid_base)
    }
    pub const fn asid_base(&self) -> u64 {
        self.get0(39, 16)
    }
}
