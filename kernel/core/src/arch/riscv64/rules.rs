//! seL4's capability rules for the RISC-V 64 caps (seL4's Arch_sameRegionAs,
//! Arch_sameObjectAs, Arch_deriveCap, Arch_maskCapRights and the arch cases of the size and
//! physical-memory questions). The generic rules in `rules` hand the arch cap types here.
use crate::cap::{Cap, VmRights};
use crate::rules::{DeriveError, last_byte};
use atoll_abi::object::{ASID_POOL_BITS, PAGE_TABLE_BITS};
use atoll_abi::{CapRights, CapType};

/// Whether caps of an arch type name memory.
#[inline]
pub fn is_physical(ty: CapType) -> bool {
    match ty {
        CapType::Frame | CapType::PageTable | CapType::AsidPool => true,
        #[cfg(feature = "hyp")]
        CapType::Vcpu => true,
        _ => false,
    }
}

/// Size in bits of the memory an arch cap of type `ty` names (0 for the others).
#[inline]
pub fn size_bits(ty: CapType, cap: Cap) -> u32 {
    match ty {
        CapType::Frame => cap.frame_size().bits(),
        #[cfg(feature = "hyp")]
        CapType::PageTable if cap.page_table_is_guest_root() => {
            atoll_abi::arch::vcpu::GUEST_ROOT_PAGE_TABLE_BITS as u32
        }
        CapType::PageTable => PAGE_TABLE_BITS as u32,
        #[cfg(feature = "hyp")]
        CapType::Vcpu => atoll_abi::arch::vcpu::VCPU_BITS as u32,
        CapType::AsidPool => ASID_POOL_BITS as u32,
        _ => 0,
    }
}

/// seL4's Arch_sameRegionAs: `a` is an arch cap of type `ty`.
#[inline]
pub fn same_region_as(ty: CapType, a: Cap, b: Cap) -> bool {
    match ty {
        CapType::Frame => {
            b.is(CapType::Frame) && a.paddr() <= b.paddr() && last_byte(b) <= last_byte(a) && b.paddr() <= last_byte(b)
        }
        CapType::PageTable | CapType::AsidPool => b.is(ty) && a.paddr() == b.paddr(),
        #[cfg(feature = "hyp")]
        CapType::Vcpu => b.is(ty) && a.paddr() == b.paddr(),
        CapType::AsidControl => b.is(CapType::AsidControl),
        _ => false,
    }
}

/// seL4's Arch_sameObjectAs where it differs from sameRegionAs: two frame caps name the same
/// frame only with the same size and device flag.
#[inline]
pub fn same_object_as(a: Cap, b: Cap) -> Option<bool> {
    (a.is(CapType::Frame) && b.is(CapType::Frame)).then(|| {
        a.paddr() == b.paddr() && a.frame_size() == b.frame_size() && a.frame_is_device() == b.frame_is_device()
    })
}

/// seL4's Arch_deriveCap: an unmapped page table cannot be copied, a frame copy is unmapped.
#[inline]
pub fn derive(cap: Cap) -> Result<Cap, DeriveError> {
    match cap.cap_type() {
        CapType::PageTable if !cap.page_table_is_mapped() => Err(DeriveError::IllegalOperation),
        CapType::Frame => Ok(cap.without_mapping()),
        _ => Ok(cap),
    }
}

/// seL4's Arch_maskCapRights: a frame's VM rights are masked; other caps are unchanged.
#[inline]
pub fn mask_rights(cap: Cap, rights: CapRights) -> Cap {
    if cap.is(CapType::Frame) { cap.with_frame_rights(mask_vm_rights(cap.frame_rights(), rights)) } else { cap }
}

/// seL4's maskVMRights: read-write needs both rights, read-only needs read.
#[inline]
pub fn mask_vm_rights(vm: VmRights, rights: CapRights) -> VmRights {
    match vm {
        VmRights::ReadOnly if rights.can_read() => VmRights::ReadOnly,
        VmRights::ReadWrite if rights.can_read() && rights.can_write() => VmRights::ReadWrite,
        VmRights::ReadWrite if rights.can_read() => VmRights::ReadOnly,
        _ => VmRights::KernelOnly,
    }
}
