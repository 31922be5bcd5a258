//! The capability: two words, its layout declared once here with typed accessors.
//!
//! Word 0 holds the type tag in its top five bits (seL4's tag numbers, as `seL4_DebugCapIdentify`
//! returns them) and, for most types, the object's physical address in its low 39 bits (seL4
//! limits physical addresses to 39 bits on Sv39). The remaining fields are per type:
//!
//! ```text
//! type          word 0 (below the tag)                         word 1
//! untyped       is_device[58] size_bits[52..58] paddr[0..39]   free_index (bytes)
//! cnode         radix[53..59] guard_size[47..53] paddr         guard
//! thread        paddr                                          -
//! frame         size[57..59] vm_rights[55..57] is_device[54]   mapped_asid[39..55]
//!               paddr                                          mapped_vaddr[0..39]
//! page table    is_mapped[58] paddr                            mapped_asid, mapped_vaddr
//! asid pool     asid_base[39..55] paddr                        -
//! ```
use atoll_abi::CapType;

const TAG_SHIFT: u32 = 59;
const PADDR_BITS: u32 = 39;

fn field(word: u64, shift: u32, width: u32) -> u64 {
    (word >> shift) & ((1u64 << width) - 1)
}

fn with_field(word: u64, shift: u32, width: u32, value: u64) -> u64 {
    let mask = ((1u64 << width) - 1) << shift;
    (word & !mask) | ((value << shift) & mask)
}

/// Frame sizes (seL4's RISC-V page sizes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameSize {
    Small = 0,
    Large = 1,
    Huge = 2,
}

impl FrameSize {
    pub fn bits(self) -> u32 {
        match self {
            FrameSize::Small => 12,
            FrameSize::Large => 21,
            FrameSize::Huge => 30,
        }
    }
}

/// seL4's VM rights for a frame mapping.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VmRights {
    KernelOnly = 1,
    ReadOnly = 2,
    ReadWrite = 3,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[repr(C)]
pub struct Cap {
    words: [u64; 2],
}

impl Cap {
    pub const NULL: Cap = Cap { words: [0, 0] };

    fn with_tag(tag: CapType, paddr: u64) -> Cap {
        Cap { words: [(tag.value() << TAG_SHIFT) | field(paddr, 0, PADDR_BITS), 0] }
    }

    /// The raw tag; unknown values cannot occur because only this module builds caps.
    pub fn tag(&self) -> u64 {
        self.words[0] >> TAG_SHIFT
    }

    pub fn cap_type(&self) -> Option<CapType> {
        CapType::from_value(self.tag())
    }

    pub fn is(&self, ty: CapType) -> bool {
        self.tag() == ty.value()
    }

    /// Physical address of the object (types that name one).
    pub fn paddr(&self) -> u64 {
        field(self.words[0], 0, PADDR_BITS)
    }

    pub fn untyped(paddr: u64, size_bits: u32, is_device: bool) -> Cap {
        let mut cap = Cap::with_tag(CapType::Untyped, paddr);
        cap.words[0] = with_field(cap.words[0], 52, 6, size_bits as u64);
        cap.words[0] = with_field(cap.words[0], 58, 1, is_device as u64);
        cap
    }

    pub fn untyped_size_bits(&self) -> u32 {
        field(self.words[0], 52, 6) as u32
    }

    pub fn untyped_is_device(&self) -> bool {
        field(self.words[0], 58, 1) == 1
    }

    pub fn untyped_free_index(&self) -> u64 {
        self.words[1]
    }

    pub fn cnode(paddr: u64, radix: u32, guard_size: u32, guard: u64) -> Cap {
        let mut cap = Cap::with_tag(CapType::CNode, paddr);
        cap.words[0] = with_field(cap.words[0], 53, 6, radix as u64);
        cap.words[0] = with_field(cap.words[0], 47, 6, guard_size as u64);
        cap.words[1] = guard;
        cap
    }

    pub fn cnode_radix(&self) -> u32 {
        field(self.words[0], 53, 6) as u32
    }

    pub fn cnode_guard_size(&self) -> u32 {
        field(self.words[0], 47, 6) as u32
    }

    pub fn cnode_guard(&self) -> u64 {
        self.words[1]
    }

    pub fn thread(tcb_paddr: u64) -> Cap {
        Cap::with_tag(CapType::Thread, tcb_paddr)
    }

    pub fn frame(paddr: u64, size: FrameSize, rights: VmRights, is_device: bool) -> Cap {
        let mut cap = Cap::with_tag(CapType::Frame, paddr);
        cap.words[0] = with_field(cap.words[0], 57, 2, size as u64);
        cap.words[0] = with_field(cap.words[0], 55, 2, rights as u64);
        cap.words[0] = with_field(cap.words[0], 54, 1, is_device as u64);
        cap
    }

    /// A frame or page-table cap recorded as mapped at `vaddr` in address space `asid`.
    pub fn with_mapping(mut self, asid: u64, vaddr: u64) -> Cap {
        self.words[1] = field(vaddr, 0, PADDR_BITS) | (field(asid, 0, 16) << 39);
        if self.is(CapType::PageTable) {
            self.words[0] = with_field(self.words[0], 58, 1, 1);
        }
        self
    }

    pub fn mapped_asid(&self) -> u64 {
        field(self.words[1], 39, 16)
    }

    pub fn mapped_vaddr(&self) -> u64 {
        field(self.words[1], 0, PADDR_BITS)
    }

    pub fn page_table(paddr: u64) -> Cap {
        Cap::with_tag(CapType::PageTable, paddr)
    }

    pub fn asid_pool(paddr: u64, asid_base: u64) -> Cap {
        let mut cap = Cap::with_tag(CapType::AsidPool, paddr);
        cap.words[0] = with_field(cap.words[0], 39, 16, asid_base);
        cap
    }

    /// Caps that name no object: IRQ control, ASID control, domain.
    pub fn control(ty: CapType) -> Cap {
        Cap::with_tag(ty, 0)
    }
}
