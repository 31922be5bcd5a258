//! RISC-V 64 (Sv39) object types and the sizes of frames, page tables and ASID pools.

use crate::convert::abi_enum;
#[cfg(feature = "mcs")]
use crate::object::REPLY_BITS;
use crate::object::{ENDPOINT_BITS, NON_ARCH_OBJECT_TYPE_COUNT, NOTIFICATION_BITS, SLOT_BITS, TCB_BITS};

abi_enum! {
    /// seL4_ObjectType for RISC-V 64 (Sv39): generic types (with `mcs`, scheduling contexts
    /// and reply objects too), then the mode (64-bit) types, then the architecture types.
    pub enum ObjectType: u64 {
        /// seL4_UntypedObject
        Untyped = 0,
        /// seL4_TCBObject
        Tcb = 1,
        /// seL4_EndpointObject
        Endpoint = 2,
        /// seL4_NotificationObject
        Notification = 3,
        /// seL4_CapTableObject
        CapTable = 4,
        /// seL4_SchedContextObject (its size is chosen at retype, at least `MIN_SCHED_CONTEXT_BITS`)
        #[cfg(feature = "mcs")]
        SchedContext,
        /// seL4_ReplyObject
        #[cfg(feature = "mcs")]
        Reply,
        /// seL4_RISCV_Giga_Page (1 GiB frame)
        RiscvGigaPage,
        /// seL4_RISCV_4K_Page (4 KiB frame)
        Riscv4KPage,
        /// seL4_RISCV_Mega_Page (2 MiB frame)
        RiscvMegaPage,
        /// seL4_RISCV_PageTableObject
        RiscvPageTable,
        /// seL4_RISCV_VCPUObject (hypervisor builds): a virtual hart's VS-level state
        #[cfg(feature = "hyp")]
        RiscvVcpu,
        /// seL4_RISCV_GuestRootPageTableObject (hypervisor builds): the 16 KiB root of a
        /// guest-physical (G-stage, Sv39x4) address space; assigned an ASID like a VSpace root
        #[cfg(feature = "hyp")]
        RiscvGuestRootPageTable,
    }
}

/// seL4_RISCV_Tera_Page: not available with three page-table levels; this is the
/// placeholder value libsel4 defines for it, which the kernel rejects as an object type.
pub const RISCV_TERA_PAGE: u64 = 0xffff_ffff;

/// seL4_PageTableEntryBits
pub const PAGE_TABLE_ENTRY_BITS: usize = 3;
/// seL4_PageTableIndexBits
pub const PAGE_TABLE_INDEX_BITS: usize = 9;
/// seL4_PageBits: 4 KiB base page.
pub const PAGE_BITS: usize = 12;
/// seL4_LargePageBits: 2 MiB mega page.
pub const LARGE_PAGE_BITS: usize = 21;
/// seL4_HugePageBits: 1 GiB giga page.
pub const HUGE_PAGE_BITS: usize = 30;
/// seL4_TeraPageBits: 512 GiB tera page (Sv48 only, unusable here).
pub const TERA_PAGE_BITS: usize = 39;
/// seL4_PageTableBits
pub const PAGE_TABLE_BITS: usize = 12;
/// seL4_VSpaceBits: a VSpace root is a page table.
pub const VSPACE_BITS: usize = PAGE_TABLE_BITS;

/// seL4_NumASIDPoolsBits
pub const NUM_ASID_POOLS_BITS: usize = 7;
/// seL4_ASIDPoolIndexBits
pub const ASID_POOL_INDEX_BITS: usize = 9;
/// seL4_ASIDPoolBits: log2 size of an ASID pool object.
pub const ASID_POOL_BITS: usize = 12;

/// seL4_MaxUntypedBits
pub const MAX_UNTYPED_BITS: usize = 38;

/// seL4_UserTop: first virtual address user level cannot access (Sv39).
pub const USER_TOP: u64 = 0x0000_003f_ffff_f000;

/// seL4_UserVSpaceTop (new in seL4 16.0.0): the last virtual address user level can access.
pub const USER_VSPACE_TOP: u64 = USER_TOP - 1;

impl ObjectType {
    /// log2 size in bytes of an object of this type if its size is fixed, or `None` for
    /// untyped memory, CNodes and scheduling contexts, whose size the caller chooses.
    #[inline]
    pub const fn fixed_size_bits(self) -> Option<usize> {
        match self {
            Self::Untyped | Self::CapTable => None,
            #[cfg(feature = "mcs")]
            Self::SchedContext => None,
            #[cfg(feature = "mcs")]
            Self::Reply => Some(REPLY_BITS),
            Self::Tcb => Some(TCB_BITS),
            Self::Endpoint => Some(ENDPOINT_BITS),
            Self::Notification => Some(NOTIFICATION_BITS),
            Self::RiscvGigaPage => Some(HUGE_PAGE_BITS),
            Self::Riscv4KPage => Some(PAGE_BITS),
            Self::RiscvMegaPage => Some(LARGE_PAGE_BITS),
            Self::RiscvPageTable => Some(PAGE_TABLE_BITS),
            #[cfg(feature = "hyp")]
            Self::RiscvVcpu => Some(super::vcpu::VCPU_BITS),
            #[cfg(feature = "hyp")]
            Self::RiscvGuestRootPageTable => Some(super::vcpu::GUEST_ROOT_PAGE_TABLE_BITS),
        }
    }

    /// log2 size in bytes of one object of this type created by `Untyped_Retype`
    /// with the given `size_bits` argument. The argument is ignored for fixed-size
    /// types; for untyped memory it is the size itself, and for a CNode it is the
    /// number of slots (log2); a scheduling context is `size_bits` itself. Range checks on
    /// `size_bits` are the caller's job.
    #[inline]
    pub const fn size_bits(self, size_bits: usize) -> usize {
        match self {
            Self::Untyped => size_bits,
            Self::CapTable => size_bits + SLOT_BITS,
            #[cfg(feature = "mcs")]
            Self::SchedContext => size_bits,
            _ => match self.fixed_size_bits() {
                Some(bits) => bits,
                None => unreachable!(),
            },
        }
    }

    /// Whether this type is a frame (mappable page) of any size.
    #[inline]
    pub const fn is_frame(self) -> bool {
        matches!(self, Self::Riscv4KPage | Self::RiscvMegaPage | Self::RiscvGigaPage)
    }

    /// Whether this type is one of the architecture-independent types.
    #[inline]
    pub const fn is_generic(self) -> bool {
        (self as u64) < NON_ARCH_OBJECT_TYPE_COUNT
    }
}

/// Size in bits of a fixed-size object type; `None` for variable-size types.
#[inline]
pub const fn object_size_bits(ty: ObjectType) -> Option<usize> {
    ty.fixed_size_bits()
}
