//! RISC-V object invocations: frames (Map, Unmap, GetAddress), page tables (Map, Unmap), the
//! ASID control cap (MakePool) and ASID pools (Assign), with seL4's checks in seL4's order.
use super::vm::{self, PTE_EXECUTE, PTE_READ, PTE_USER, PTE_WRITE, PageTable};
use super::vspace::{self, PteSlot, lookup_pt_slot};
use crate::cspace::cdt;
use crate::cspace::{LookupFault, Slot, ensure_empty_slot, ensure_no_children, lookup_slot_for_cnode_op};
use crate::error::SyscallError;
use crate::memory::{self, Handle};
use crate::message::Message;
use atoll_abi::object::{ASID_POOL_BITS, ASID_POOL_INDEX_BITS, PAGE_BITS, USER_TOP};
use atoll_abi::{CapRights, CapType, InvocationLabel as L};
use atoll_kernel_core::cap::{Cap, VmRights};
use atoll_kernel_core::rules;

/// A checked RISC-V invocation.
pub enum ArchOp {
    MapFrame {
        slot: Slot,
        cap: Cap,
        entry: PteSlot,
        pte: u64,
    },
    UnmapFrame {
        slot: Slot,
        cap: Cap,
    },
    MapTable {
        slot: Slot,
        cap: Cap,
        entry: PteSlot,
    },
    UnmapTable {
        slot: Slot,
        cap: Cap,
    },
    MakePool {
        untyped_slot: Slot,
        untyped: Cap,
        dest: Slot,
        asid_base: u64,
    },
    Assign {
        vspace_slot: Slot,
        vspace: Cap,
        asid: u64,
    },
    GetAddress(u64),
    #[cfg(feature = "hyp")]
    Vcpu(super::hyp::VcpuOp),
}

/// One past the highest address a mapping into this root may cover: user level's top for a
/// VSpace, the guest-physical top for a guest's address space.
fn map_limit(root_cap: Cap) -> u64 {
    #[cfg(feature = "hyp")]
    if root_cap.page_table_is_guest_root() {
        return atoll_abi::arch::vcpu::GUEST_PHYS_TOP;
    }
    let _ = root_cap;
    USER_TOP
}

/// The VSpace root named by a mapped page-table cap, checked against the ASID table
/// (seL4's isValidNativeRoot and findVSpaceForASID).
#[inline(always)]
fn vspace_root(cap: Cap) -> Result<(Handle<PageTable>, u64), SyscallError> {
    if !cap.is(CapType::PageTable) || !cap.page_table_is_mapped() {
        return Err(SyscallError::InvalidCapability { cap: 1 });
    }
    let asid = cap.mapped_asid();
    let root = vspace::find_vspace(asid)
        .ok_or(SyscallError::FailedLookup { source: false, fault: LookupFault::InvalidRoot })?;
    if root.paddr() != cap.paddr() {
        return Err(SyscallError::InvalidCapability { cap: 1 });
    }
    Ok((root, asid))
}

/// A user leaf entry (seL4's makeUserPTE): no rights and no execute is no mapping at all.
fn user_pte(paddr: u64, rights: VmRights, executable: bool) -> u64 {
    let (read, write) = match rights {
        VmRights::ReadWrite => (true, true),
        VmRights::ReadOnly => (true, false),
        VmRights::KernelOnly => (false, false),
    };
    if !read && !write && !executable {
        return 0;
    }
    let mut flags = PTE_USER;
    if read {
        flags |= PTE_READ;
    }
    if write {
        flags |= PTE_WRITE;
    }
    if executable {
        flags |= PTE_EXECUTE;
    }
    vm::leaf(paddr, flags)
}

#[inline(always)]
fn decode_frame(message: &Message, cap: Cap, slot: Slot) -> Result<ArchOp, SyscallError> {
    match L::from_value(message.label) {
        Some(L::RiscvPageMap) => {
            let (Some(vaddr), Some(rights_word), Some(attributes), Some(root_cap)) =
                (message.arg(0), message.arg(1), message.arg(2), message.extra_cap(0))
            else {
                return Err(SyscallError::TruncatedMessage);
            };
            let (root, asid) = vspace_root(root_cap.cap)?;
            let size_bits = cap.frame_size().bits();
            let last =
                vaddr.checked_add((1u64 << size_bits) - 1).ok_or(SyscallError::InvalidArgument { argument: 0 })?;
            if last >= map_limit(root_cap.cap) {
                return Err(SyscallError::InvalidArgument { argument: 0 });
            }
            if vaddr & ((1u64 << size_bits) - 1) != 0 {
                return Err(SyscallError::AlignmentError);
            }
            let (entry, bits_left) = lookup_pt_slot(root, vaddr);
            if bits_left != size_bits {
                return Err(SyscallError::FailedLookup {
                    source: false,
                    fault: LookupFault::MissingCapability { bits_left },
                });
            }
            if cap.mapped_asid() != 0 {
                if cap.mapped_asid() != asid {
                    return Err(SyscallError::InvalidCapability { cap: 1 });
                }
                if cap.mapped_vaddr() != vaddr {
                    return Err(SyscallError::InvalidArgument { argument: 0 });
                }
            } else if entry.get() & vm::PTE_VALID != 0 {
                return Err(SyscallError::DeleteFirst);
            }
            let rights = rules::mask_vm_rights(cap.frame_rights(), CapRights::from_word(rights_word));
            let executable = attributes & atoll_abi::vm::RISCV_EXECUTE_NEVER == 0;
            let pte = user_pte(cap.paddr(), rights, executable);
            Ok(ArchOp::MapFrame { slot, cap: cap.with_mapping(asid, vaddr), entry, pte })
        }
        Some(L::RiscvPageUnmap) => Ok(ArchOp::UnmapFrame { slot, cap }),
        Some(L::RiscvPageGetAddress) => Ok(ArchOp::GetAddress(cap.paddr())),
        _ => Err(SyscallError::IllegalOperation),
    }
}

#[inline(always)]
fn decode_page_table(message: &Message, cap: Cap, slot: Slot) -> Result<ArchOp, SyscallError> {
    match L::from_value(message.label) {
        Some(L::RiscvPageTableMap) => {
            if cap.page_table_is_mapped() {
                return Err(SyscallError::InvalidCapability { cap: 0 });
            }
            let (Some(vaddr), Some(_attributes), Some(root_cap)) =
                (message.arg(0), message.arg(1), message.extra_cap(0))
            else {
                return Err(SyscallError::TruncatedMessage);
            };
            if !root_cap.cap.is(CapType::PageTable) || !root_cap.cap.page_table_is_mapped() {
                return Err(SyscallError::InvalidCapability { cap: 1 });
            }
            if vaddr >= map_limit(root_cap.cap) {
                return Err(SyscallError::InvalidArgument { argument: 0 });
            }
            let (root, asid) = vspace_root(root_cap.cap)?;
            let (entry, bits_left) = lookup_pt_slot(root, vaddr);
            if bits_left == PAGE_BITS as u32 || entry.get() & vm::PTE_VALID != 0 {
                return Err(SyscallError::DeleteFirst);
            }
            let base = vaddr & !((1u64 << bits_left) - 1);
            Ok(ArchOp::MapTable { slot, cap: cap.with_mapping(asid, base), entry })
        }
        Some(L::RiscvPageTableUnmap) => {
            if !cdt::is_final(slot) {
                return Err(SyscallError::RevokeFirst);
            }
            if cap.page_table_is_mapped()
                && vspace::find_vspace(cap.mapped_asid()).map(Handle::paddr) == Some(cap.paddr())
            {
                return Err(SyscallError::RevokeFirst);
            }
            Ok(ArchOp::UnmapTable { slot, cap })
        }
        _ => Err(SyscallError::IllegalOperation),
    }
}

fn decode_asid_control(message: &Message) -> Result<ArchOp, SyscallError> {
    if message.label != L::RiscvAsidControlMakePool.value() {
        return Err(SyscallError::IllegalOperation);
    }
    let (Some(index), Some(depth), Some(untyped), Some(root)) =
        (message.arg(0), message.arg(1), message.extra_cap(0), message.extra_cap(1))
    else {
        return Err(SyscallError::TruncatedMessage);
    };
    let pool_index = vspace::free_pool_index().ok_or(SyscallError::DeleteFirst)?;
    let cap = untyped.cap;
    if !cap.is(CapType::Untyped) || cap.untyped_size_bits() != ASID_POOL_BITS as u32 || cap.untyped_is_device() {
        return Err(SyscallError::InvalidCapability { cap: 1 });
    }
    ensure_no_children(untyped.slot)?;
    let dest = lookup_slot_for_cnode_op(false, root.cap, index, depth)?;
    ensure_empty_slot(dest)?;
    Ok(ArchOp::MakePool {
        untyped_slot: untyped.slot,
        untyped: cap,
        dest,
        asid_base: pool_index << ASID_POOL_INDEX_BITS,
    })
}

fn decode_asid_pool(message: &Message, cap: Cap) -> Result<ArchOp, SyscallError> {
    if message.label != L::RiscvAsidPoolAssign.value() {
        return Err(SyscallError::IllegalOperation);
    }
    let vspace = message.extra_cap(0).ok_or(SyscallError::TruncatedMessage)?;
    if !vspace.cap.is(CapType::PageTable) || vspace.cap.page_table_is_mapped() {
        return Err(SyscallError::InvalidCapability { cap: 1 });
    }
    let Some(pool) = vspace::pool_for(cap.asid_base()) else {
        return Err(SyscallError::FailedLookup { source: false, fault: LookupFault::InvalidRoot });
    };
    if pool.paddr() != cap.paddr() {
        return Err(SyscallError::InvalidCapability { cap: 0 });
    }
    let base = cap.asid_base();
    let free = (0..1u64 << ASID_POOL_INDEX_BITS).find(|&i| base + i != 0 && vspace::find_vspace(base + i).is_none());
    let asid = base + free.ok_or(SyscallError::DeleteFirst)?;
    // A guest's ASID is its hardware VMID, which is narrower than an ASID.
    #[cfg(feature = "hyp")]
    if vspace.cap.page_table_is_guest_root() && !super::hyp::vmid_fits(asid) {
        return Err(SyscallError::InvalidCapability { cap: 0 });
    }
    Ok(ArchOp::Assign { vspace_slot: vspace.slot, vspace: vspace.cap, asid })
}

/// Decodes an invocation of a RISC-V cap of type `ty` (the generic decoder's match on the
/// cap's type, passed on so it is not worked out twice). Inlined into the general path, as the other
/// decoders are.
#[inline(always)]
fn decode(message: &Message, cap: Cap, ty: CapType, slot: Slot) -> Result<ArchOp, SyscallError> {
    match ty {
        CapType::Frame => decode_frame(message, cap, slot),
        CapType::PageTable => decode_page_table(message, cap, slot),
        CapType::AsidControl => decode_asid_control(message),
        CapType::AsidPool => decode_asid_pool(message, cap),
        #[cfg(feature = "hyp")]
        CapType::Vcpu => super::hyp::decode(message, cap).map(ArchOp::Vcpu),
        _ => Err(SyscallError::IllegalOperation),
    }
}

/// Decodes and performs an invocation of a RISC-V cap of type `ty`; returns the reply word, if
/// any (seL4's Arch_decodeInvocation).
#[inline(always)]
pub fn decode_and_invoke(message: &Message, cap: Cap, ty: CapType, slot: Slot) -> Result<Option<u64>, SyscallError> {
    let op = decode(message, cap, ty, slot)?;
    Ok(invoke(op))
}

/// Performs a decoded RISC-V invocation; returns reply words.
#[inline(always)]
fn invoke(op: ArchOp) -> Option<u64> {
    match op {
        ArchOp::MapFrame { slot, cap, entry, pte } => {
            slot.set_cap(cap);
            entry.set(pte);
            vspace::flush(cap.mapped_asid());
        }
        ArchOp::UnmapFrame { slot, cap } => {
            if cap.mapped_asid() != 0 {
                vspace::unmap_frame(cap);
            }
            slot.set_cap(cap.without_mapping());
        }
        ArchOp::MapTable { slot, cap, entry } => {
            slot.set_cap(cap);
            entry.set(vm::table(cap.paddr()));
            vspace::flush(cap.mapped_asid());
        }
        ArchOp::UnmapTable { slot, cap } => {
            if cap.page_table_is_mapped() {
                vspace::unmap_page_table(cap);
                // SAFETY: the page table cap names a live page table; it is now unlinked.
                unsafe { memory::zero(cap.paddr(), 1 << PAGE_BITS) };
            }
            slot.set_cap(cap.without_mapping());
        }
        ArchOp::MakePool { untyped_slot, untyped, dest, asid_base } => {
            untyped_slot.set_cap(untyped.with_free_index(1 << ASID_POOL_BITS));
            // SAFETY: the untyped has no children; its 4 KiB become the pool.
            unsafe { memory::zero(untyped.paddr(), 1 << ASID_POOL_BITS) };
            let pool = Cap::asid_pool(untyped.paddr(), asid_base);
            cdt::insert(pool, untyped_slot, dest);
            vspace::set_pool(asid_base, pool);
        }
        ArchOp::Assign { vspace_slot, vspace: cap, asid } => {
            vspace_slot.set_cap(cap.with_mapping(asid, 0));
            vspace::assign(asid, cap);
        }
        ArchOp::GetAddress(paddr) => return Some(paddr),
        #[cfg(feature = "hyp")]
        ArchOp::Vcpu(op) => {
            // A binding changes which threads run guests.
            if matches!(op, super::hyp::VcpuOp::SetTcb(..)) {
                vspace::forget_loaded();
            }
            return op.invoke();
        }
    }
    None
}
