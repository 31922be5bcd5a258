//! The boot information frame handed to the root task, and the extra-bootinfo chunk headers.

use crate::convert::abi_enum;
use crate::ipc_buffer::IpcBuffer;
use crate::object::PAGE_BITS;

pub use crate::config::MAX_NUM_BOOTINFO_UNTYPED_CAPS;

/// seL4_BootInfoFrameBits: the boot info frame is one base page.
pub const BOOT_INFO_FRAME_BITS: usize = PAGE_BITS;
/// seL4_BootInfoFrameSize
pub const BOOT_INFO_FRAME_SIZE: usize = 1 << BOOT_INFO_FRAME_BITS;

/// seL4_SlotRegion: the half-open range `start..end` of CNode slots.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SlotRegion {
    /// First slot in the region.
    pub start: u64,
    /// First slot after the region.
    pub end: u64,
}

impl SlotRegion {
    /// An empty region.
    pub const EMPTY: Self = Self { start: 0, end: 0 };

    /// Creates the region `start..end`.
    #[inline]
    pub const fn new(start: u64, end: u64) -> Self {
        Self { start, end }
    }

    /// Number of slots (zero if `end <= start`).
    #[inline]
    pub const fn len(&self) -> u64 {
        self.end.saturating_sub(self.start)
    }

    /// Whether the region holds no slots.
    #[inline]
    pub const fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether `slot` lies in the region.
    #[inline]
    pub const fn contains(&self, slot: u64) -> bool {
        slot >= self.start && slot < self.end
    }
}

/// seL4_UntypedDesc: describes one untyped capability listed in the boot info.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct UntypedDesc {
    /// Physical address of the memory.
    pub paddr: u64,
    /// log2 of its size in bytes.
    pub size_bits: u8,
    /// 1 if this is device memory, 0 for normal RAM.
    pub is_device: u8,
    /// Padding to a two-word size; zero.
    pub padding: [u8; 6],
}

impl UntypedDesc {
    /// An all-zero descriptor.
    pub const EMPTY: Self = Self { paddr: 0, size_bits: 0, is_device: 0, padding: [0; 6] };

    /// Creates a descriptor.
    #[inline]
    pub const fn new(paddr: u64, size_bits: u8, is_device: bool) -> Self {
        Self { paddr, size_bits, is_device: is_device as u8, padding: [0; 6] }
    }

    /// Whether this describes device memory.
    #[inline]
    pub const fn is_device(&self) -> bool {
        self.is_device != 0
    }
}

/// seL4_BootInfo: what the kernel tells the root task about the capabilities and memory it
/// has been given (MCS adds the `schedcontrol` region).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BootInfo {
    /// extraLen: bytes of extra boot information following this frame.
    pub extra_len: u64,
    /// nodeID: this node's index (0 on a uniprocessor).
    pub node_id: u64,
    /// numNodes: number of nodes (1 on a uniprocessor).
    pub num_nodes: u64,
    /// numIOPTLevels: IOMMU page-table levels (0 without an IOMMU).
    pub num_io_pt_levels: u64,
    /// ipcBuffer: user virtual address of the root task's IPC buffer
    /// (a pointer in C; see [`BootInfo::ipc_buffer_ptr`]).
    pub ipc_buffer: u64,
    /// empty: slots holding null capabilities, free for use.
    pub empty: SlotRegion,
    /// sharedFrames: frames shared between nodes.
    pub shared_frames: SlotRegion,
    /// userImageFrames: frames backing the root task's image.
    pub user_image_frames: SlotRegion,
    /// userImagePaging: page tables backing the root task's image.
    pub user_image_paging: SlotRegion,
    /// ioSpaceCaps: IOSpace capabilities (ARM SMMU only).
    pub io_space_caps: SlotRegion,
    /// extraBIPages: frames holding the extra boot information.
    pub extra_bi_pages: SlotRegion,
    /// initThreadCNodeSizeBits: log2 number of slots in the root CNode.
    pub init_thread_cnode_size_bits: u64,
    /// initThreadDomain: the root task's scheduling domain.
    pub init_thread_domain: u64,
    /// schedcontrol (MCS): one SchedControl capability per node.
    #[cfg(feature = "mcs")]
    pub schedcontrol: SlotRegion,
    /// untyped: untyped capabilities, described in order by `untyped_list`.
    pub untyped: SlotRegion,
    /// untypedList: one descriptor per slot of `untyped`.
    pub untyped_list: [UntypedDesc; MAX_NUM_BOOTINFO_UNTYPED_CAPS],
}

impl BootInfo {
    /// An all-zero boot info block, for the kernel to fill in.
    pub const fn zeroed() -> Self {
        Self {
            extra_len: 0,
            node_id: 0,
            num_nodes: 0,
            num_io_pt_levels: 0,
            ipc_buffer: 0,
            empty: SlotRegion::EMPTY,
            shared_frames: SlotRegion::EMPTY,
            user_image_frames: SlotRegion::EMPTY,
            user_image_paging: SlotRegion::EMPTY,
            io_space_caps: SlotRegion::EMPTY,
            extra_bi_pages: SlotRegion::EMPTY,
            init_thread_cnode_size_bits: 0,
            init_thread_domain: 0,
            #[cfg(feature = "mcs")]
            schedcontrol: SlotRegion::EMPTY,
            untyped: SlotRegion::EMPTY,
            untyped_list: [UntypedDesc::EMPTY; MAX_NUM_BOOTINFO_UNTYPED_CAPS],
        }
    }

    /// The IPC buffer address as a pointer, for use by the root task itself.
    #[inline]
    pub const fn ipc_buffer_ptr(&self) -> *mut IpcBuffer {
        self.ipc_buffer as usize as *mut IpcBuffer
    }

    /// Descriptors of the untyped capabilities actually present.
    #[inline]
    pub fn untyped_descs(&self) -> &[UntypedDesc] {
        let n = (self.untyped.len() as usize).min(MAX_NUM_BOOTINFO_UNTYPED_CAPS);
        &self.untyped_list[..n]
    }
}

impl Default for BootInfo {
    fn default() -> Self {
        Self::zeroed()
    }
}

abi_enum! {
    /// seL4_BootInfoID: identifies an extra boot information chunk.
    pub enum BootInfoId: u64 {
        /// SEL4_BOOTINFO_HEADER_PADDING: filler, skip it.
        Padding = 0,
        /// SEL4_BOOTINFO_HEADER_X86_VBE
        X86Vbe = 1,
        /// SEL4_BOOTINFO_HEADER_X86_MBMMAP
        X86MbMmap = 2,
        /// SEL4_BOOTINFO_HEADER_X86_ACPI_RSDP
        X86AcpiRsdp = 3,
        /// SEL4_BOOTINFO_HEADER_X86_FRAMEBUFFER
        X86Framebuffer = 4,
        /// SEL4_BOOTINFO_HEADER_X86_TSC_FREQ (MHz)
        X86TscFreq = 5,
        /// SEL4_BOOTINFO_HEADER_FDT: the flattened device tree.
        Fdt = 6,
    }
}

/// SEL4_BOOTINFO_HEADER_NUM: one past the last known chunk id.
pub const BOOTINFO_HEADER_NUM: u64 = 7;

/// seL4_BootInfoHeader: precedes each chunk of extra boot information.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct BootInfoHeader {
    /// A [`BootInfoId`] value.
    pub id: u64,
    /// Length of the chunk in bytes, this header included.
    pub len: u64,
}

const _: () = {
    assert!(size_of::<usize>() == 8, "this ABI is for 64-bit targets");
    assert!(size_of::<SlotRegion>() == 16);
    assert!(size_of::<UntypedDesc>() == 16);
    assert!(size_of::<BootInfoHeader>() == 16);
    assert!(size_of::<BootInfo>() == if cfg!(feature = "mcs") { 3864 } else { 3848 });
    assert!(size_of::<BootInfo>() <= BOOT_INFO_FRAME_SIZE);
};
