//! The capability: two words, its layout declared once here with typed accessors.
//!
//! Word 0 holds the type tag in its top five bits (seL4's tag numbers, which
//! `seL4_DebugCapIdentify` returns) and, for types that name an object, the object's physical
//! address in its low 39 bits (seL4 limits physical addresses to 39 bits on Sv39).
//!
//! ```text
//! type          word 0 below the tag                               word 1
//! untyped       is_device[58] size_bits[52..58] paddr              free_index (bytes used)
//! endpoint      send[58] receive[57] grant[56] grant_reply[55] paddr   badge
//! notification  send[58] receive[57] paddr                         badge
//! reply         master[58] grant[57] tcb paddr                     -
//! cnode         radix[53..59] guard_size[47..53] paddr             guard
//! thread        tcb paddr                                          -
//! irq handler   -                                                  irq
//! zombie        is_tcb[58] radix[52..58] paddr                     slots left to clear
//! frame         size[57..59] vm_rights[55..57] is_device[54] paddr  asid[39..55] vaddr[0..39]
//! page table    is_mapped[58] paddr                                asid[39..55] vaddr[0..39]
//! asid pool     asid_base[39..55] paddr                            -
//! ```
//! Control caps (IRQ control, ASID control, domain) carry only their tag.
use atoll_abi::CapType;

const TAG_SHIFT: u32 = 59;
/// Bits of a physical address or mapped virtual address kept in a cap.
pub const ADDRESS_BITS: u32 = 39;

const fn mask(width: u32) -> u64 {
    if width >= 64 { u64::MAX } else { (1u64 << width) - 1 }
}

const fn field(word: u64, shift: u32, width: u32) -> u64 {
    (word >> shift) & mask(width)
}

const fn with_field(word: u64, shift: u32, width: u32, value: u64) -> u64 {
    (word & !(mask(width) << shift)) | ((value & mask(width)) << shift)
}

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

    const fn from_field(value: u64) -> FrameSize {
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
    const fn from_field(value: u64) -> VmRights {
        match value {
            2 => VmRights::ReadOnly,
            3 => VmRights::ReadWrite,
            _ => VmRights::KernelOnly,
        }
    }
}

/// Endpoint rights as stored in a cap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct EndpointRights {
    pub send: bool,
    pub receive: bool,
    pub grant: bool,
    pub grant_reply: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Hash)]
#[repr(C)]
pub struct Cap {
    words: [u64; 2],
}

impl Cap {
    pub const NULL: Cap = Cap { words: [0, 0] };

    const fn tagged(tag: CapType, paddr: u64) -> Cap {
        Cap { words: [(tag as u64) << TAG_SHIFT | field(paddr, 0, ADDRESS_BITS), 0] }
    }

    const fn set0(mut self, shift: u32, width: u32, value: u64) -> Cap {
        self.words[0] = with_field(self.words[0], shift, width, value);
        self
    }

    const fn get0(&self, shift: u32, width: u32) -> u64 {
        field(self.words[0], shift, width)
    }

    /// The raw words, for storage.
    pub const fn words(&self) -> [u64; 2] {
        self.words
    }

    pub const fn tag(&self) -> u64 {
        self.words[0] >> TAG_SHIFT
    }

    pub fn cap_type(&self) -> CapType {
        // Only this module builds caps, and it only writes valid tags.
        CapType::from_value(self.tag()).unwrap_or(CapType::Null)
    }

    pub const fn is(&self, ty: CapType) -> bool {
        self.tag() == ty as u64
    }

    pub const fn is_null(&self) -> bool {
        self.is(CapType::Null)
    }

    /// Physical address of the named object (0 for control caps).
    pub const fn paddr(&self) -> u64 {
        field(self.words[0], 0, ADDRESS_BITS)
    }

    // --- untyped ---
    pub const fn untyped(paddr: u64, size_bits: u32, is_device: bool) -> Cap {
        Cap::tagged(CapType::Untyped, paddr).set0(52, 6, size_bits as u64).set0(58, 1, is_device as u64)
    }
    pub const fn untyped_size_bits(&self) -> u32 {
        self.get0(52, 6) as u32
    }
    pub const fn untyped_is_device(&self) -> bool {
        self.get0(58, 1) == 1
    }
    pub const fn untyped_free_index(&self) -> u64 {
        self.words[1]
    }
    pub const fn with_free_index(mut self, free_index: u64) -> Cap {
        self.words[1] = free_index;
        self
    }

    // --- endpoint and notification ---
    pub const fn endpoint(paddr: u64, badge: u64, rights: EndpointRights) -> Cap {
        let mut cap = Cap::tagged(CapType::Endpoint, paddr).with_endpoint_rights(rights);
        cap.words[1] = badge;
        cap
    }
    pub const fn notification(paddr: u64, badge: u64, send: bool, receive: bool) -> Cap {
        let mut cap = Cap::tagged(CapType::Notification, paddr).set0(58, 1, send as u64).set0(57, 1, receive as u64);
        cap.words[1] = badge;
        cap
    }
    pub const fn badge(&self) -> u64 {
        self.words[1]
    }
    pub const fn with_badge(mut self, badge: u64) -> Cap {
        self.words[1] = badge;
        self
    }
    pub const fn endpoint_rights(&self) -> EndpointRights {
        EndpointRights {
            send: self.get0(58, 1) == 1,
            receive: self.get0(57, 1) == 1,
            grant: self.get0(56, 1) == 1,
            grant_reply: self.get0(55, 1) == 1,
        }
    }
    /// Sets endpoint rights (notification caps use only send and receive).
    pub const fn with_endpoint_rights(self, rights: EndpointRights) -> Cap {
        let cap = self.set0(58, 1, rights.send as u64).set0(57, 1, rights.receive as u64);
        if cap.is(CapType::Endpoint) {
            cap.set0(56, 1, rights.grant as u64).set0(55, 1, rights.grant_reply as u64)
        } else {
            cap
        }
    }

    // --- reply ---
    pub const fn reply(tcb: u64, master: bool, can_grant: bool) -> Cap {
        Cap::tagged(CapType::Reply, tcb).set0(58, 1, master as u64).set0(57, 1, can_grant as u64)
    }
    pub const fn reply_is_master(&self) -> bool {
        self.get0(58, 1) == 1
    }
    pub const fn reply_can_grant(&self) -> bool {
        self.get0(57, 1) == 1
    }

    // --- cnode ---
    pub const fn cnode(paddr: u64, radix: u32, guard_size: u32, guard: u64) -> Cap {
        let mut cap = Cap::tagged(CapType::CNode, paddr).set0(53, 6, radix as u64).set0(47, 6, guard_size as u64);
        cap.words[1] = guard;
        cap
    }
    pub const fn cnode_radix(&self) -> u32 {
        self.get0(53, 6) as u32
    }
    pub const fn cnode_guard_size(&self) -> u32 {
        self.get0(47, 6) as u32
    }
    pub const fn cnode_guard(&self) -> u64 {
        self.words[1]
    }

    // --- thread ---
    pub const fn thread(tcb: u64) -> Cap {
        Cap::tagged(CapType::Thread, tcb)
    }

    // --- irq handler ---
    pub const fn irq_handler(irq: u64) -> Cap {
        let mut cap = Cap::tagged(CapType::IrqHandler, 0);
        cap.words[1] = irq;
        cap
    }
    pub const fn irq(&self) -> u64 {
        self.words[1]
    }

    // --- zombie ---
    /// A zombie for a CNode of `2^radix` slots or (is_tcb) a TCB, with `remaining` slots to clear.
    pub const fn zombie(paddr: u64, is_tcb: bool, radix: u32, remaining: u64) -> Cap {
        let mut cap = Cap::tagged(CapType::Zombie, paddr).set0(58, 1, is_tcb as u64).set0(52, 6, radix as u64);
        cap.words[1] = remaining;
        cap
    }
    pub const fn zombie_is_tcb(&self) -> bool {
        self.get0(58, 1) == 1
    }
    pub const fn zombie_radix(&self) -> u32 {
        self.get0(52, 6) as u32
    }
    pub const fn zombie_remaining(&self) -> u64 {
        self.words[1]
    }

    // --- frame and page table ---
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
    /// IRQ control, ASID control or domain: caps that name no object.
    pub const fn control(ty: CapType) -> Cap {
        Cap::tagged(ty, 0)
    }
}
