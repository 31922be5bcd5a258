//! The RISC-V object types: their sizes, their creation from untyped memory, and which caps are
//! (seL4's Arch_getObjectSize and Arch_createObject).
use atoll_abi::ObjectType;
use atoll_abi::object::PAGE_TABLE_BITS;
use atoll_kernel_core::cap::{Cap, FrameSize, VmRights};

/// Size in bits of an arch object type; None for the generic types.
pub fn size_bits(ty: ObjectType) -> Option<u64> {
    Some(match ty {
        ObjectType::RiscvGigaPage => FrameSize::Huge.bits() as u64,
        ObjectType::RiscvMegaPage => FrameSize::Large.bits() as u64,
        ObjectType::Riscv4KPage => FrameSize::Small.bits() as u64,
        ObjectType::RiscvPageTable => PAGE_TABLE_BITS as u64,
        #[cfg(feature = "hyp")]
        ObjectType::RiscvVcpu => atoll_abi::arch::vcpu::VCPU_BITS as u64,
        #[cfg(feature = "hyp")]
        ObjectType::RiscvGuestRootPageTable => atoll_abi::arch::vcpu::GUEST_ROOT_PAGE_TABLE_BITS as u64,
        _ => return None,
    })
}

/// Whether objects of this type are frames (the only type device untyped memory gives).
pub fn is_frame(ty: ObjectType) -> bool {
    matches!(ty, ObjectType::RiscvGigaPage | ObjectType::Riscv4KPage | ObjectType::RiscvMegaPage)
}

/// The cap to a new arch object at `paddr` (memory already zeroed unless device memory); None
/// for the generic types.
pub fn create(ty: ObjectType, paddr: u64, is_device: bool) -> Option<Cap> {
    let frame = |size| Cap::frame(paddr, size, VmRights::ReadWrite, is_device);
    Some(match ty {
        ObjectType::RiscvGigaPage => frame(FrameSize::Huge),
        ObjectType::Riscv4KPage => frame(FrameSize::Small),
        ObjectType::RiscvMegaPage => frame(FrameSize::Large),
        ObjectType::RiscvPageTable => Cap::page_table(paddr),
        #[cfg(feature = "hyp")]
        ObjectType::RiscvVcpu => Cap::vcpu(paddr),
        #[cfg(feature = "hyp")]
        ObjectType::RiscvGuestRootPageTable => Cap::guest_root_page_table(paddr),
        _ => return None,
    })
}
