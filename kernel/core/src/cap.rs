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
//! reply         master[58] grant[57] tcb paddr (MCS: reply object)   -
//! sched context size_bits[52..58] paddr (MCS)                      -
//! sched control -                                                  core (MCS)
//! cnode         radix[53..59] guard_size[47..53] paddr             guard
//! thread        tcb paddr                                          -
//! irq handler   -                                                  irq
//! zombie        is_tcb[58] radix[52..58] paddr                     slots left to clear
//! frame         size[57..59] vm_rights[55..57] is_device[54] paddr  asid[39..55] vaddr[0..39]
//! page table    is_mapped[58] guest_root[53] paddr                 asid[39..55] vaddr[0..39]
//! vcpu          paddr (hypervisor builds)                          -
//! asid pool     asid_base[39..55] paddr                            -
//! ```
//! Control caps (IRQ control, ASID control, domain) carry only their tag. The architecture's
//! caps (frames, page tables, ASID pools) are built and read in `arch`.
pub use crate::arch::cap::{FrameSize, VmRights};
use atoll_abi::CapType;

const TAG_SHIFT: u32 = 59;

/// The cap type of each 5-bit tag; tags seL4 does not define read as Null (never written).
const CAP_TYPES: [CapType; 1 << atoll_abi::cap_type::CAP_TYPE_BITS] = {
    let mut table = [CapType::Null; 1 << atoll_abi::cap_type::CAP_TYPE_BITS];
    let mut tag = 0;
    while tag < table.len() {
        if let Some(ty) = CapType::from_value(tag as u64) {
            table[tag] = ty;
        }
        tag += 1;
    }
    table
};
/// Bits of a physical address or mapped virtual address kept in a cap.
pub const ADDRESS_BITS: u32 = 39;

const fn mask(width: u32) -> u64 {
    if width >= 64 { u64::MAX } else { (1u64 << width) - 1 }
}

pub(crate) const fn field(word: u64, shift: u32, width: u32) -> u64 {
    (word >> shift) & mask(width)
}

const fn with_field(word: u64, shift: u32, width: u32, value: u64) -> u64 {
    (word & !(mask(width) << shift)) | ((value & mask(width)) << shift)
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
    pub(crate) words: [u64; 2],
}

impl Cap {
    pub const NULL: Cap = Cap { words: [0, 0] };

    pub(crate) const fn tagged(tag: CapType, paddr: u64) -> Cap {
        Cap { words: [(tag as u64) << TAG_SHIFT | field(paddr, 0, ADDRESS_BITS), 0] }
    }

    pub(crate) const fn set0(mut self, shift: u32, width: u32, value: u64) -> Cap {
        self.words[0] = with_field(self.words[0], shift, width, value);
        self
    }

    pub(crate) const fn get0(&self, shift: u32, width: u32) -> u64 {
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
        // Only this crate builds caps, and it only writes valid tags; a table lookup is one
        // load where matching the tag against every type is a dozen instructions.
        CAP_TYPES[self.tag() as usize]
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

    /// IRQ control, ASID control or domain: caps that name no object.
    pub const fn control(ty: CapType) -> Cap {
        Cap::tagged(ty, 0)
    }

    // --- MCS: scheduling context and scheduling control ---
    /// A scheduling context of 2^`size_bits` bytes (refills fill what the core leaves).
    #[cfg(feature = "mcs")]
    pub const fn sched_context(paddr: u64, size_bits: u32) -> Cap {
        Cap::tagged(CapType::SchedContext, paddr).set0(52, 6, size_bits as u64)
    }
    #[cfg(feature = "mcs")]
    pub const fn sched_context_size_bits(&self) -> u32 {
        self.get0(52, 6) as u32
    }
    /// The authority to configure scheduling contexts on core `core`.
    #[cfg(feature = "mcs")]
    pub const fn sched_control(core: u64) -> Cap {
        let mut cap = Cap::tagged(CapType::SchedControl, 0);
        cap.words[1] = core;
        cap
    }
    #[cfg(feature = "mcs")]
    pub const fn sched_control_core(&self) -> u64 {
        self.words[1]
    }
}
