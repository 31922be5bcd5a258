//! Creating objects from untyped memory, and what each object needs when its last cap goes.
use super::cap::{Cap, EndpointRights, FrameSize, VmRights};
use crate::kmem;
use atoll_abi::ObjectType;
use atoll_abi::object::{ENDPOINT_BITS, NOTIFICATION_BITS, PAGE_TABLE_BITS, SLOT_BITS, TCB_BITS};

/// Size in bits of one object of `ty` with user size `user_bits` (seL4's getObjectSize).
pub fn object_size_bits(ty: ObjectType, user_bits: u64) -> u64 {
    match ty {
        ObjectType::Untyped => user_bits,
        ObjectType::Tcb => TCB_BITS as u64,
        ObjectType::Endpoint => ENDPOINT_BITS as u64,
        ObjectType::Notification => NOTIFICATION_BITS as u64,
        ObjectType::CapTable => user_bits.saturating_add(SLOT_BITS as u64),
        ObjectType::RiscvGigaPage => FrameSize::Huge.bits() as u64,
        ObjectType::Riscv4KPage => FrameSize::Small.bits() as u64,
        ObjectType::RiscvMegaPage => FrameSize::Large.bits() as u64,
        ObjectType::RiscvPageTable => PAGE_TABLE_BITS as u64,
    }
}

pub fn is_frame_type(ty: ObjectType) -> bool {
    matches!(ty, ObjectType::RiscvGigaPage | ObjectType::Riscv4KPage | ObjectType::RiscvMegaPage)
}

/// Initialises the object at `paddr` (memory already zeroed, unless device memory) and returns
/// the cap to it (seL4's createObject).
pub fn create_object(ty: ObjectType, paddr: u64, user_bits: u64, is_device: bool) -> Cap {
    let frame = |size| Cap::frame(paddr, size, VmRights::ReadWrite, is_device);
    match ty {
        ObjectType::Untyped => Cap::untyped(paddr, user_bits as u32, is_device),
        ObjectType::Tcb => {
            // Fresh zeroed memory of TCB size, named from now on by the cap returned here.
            let tcb = kmem::tcb(paddr);
            tcb.init(crate::sched::current_domain());
            // seL4's debug builds name a new thread after its creator.
            if let Some(creator) = crate::sched::current() {
                let mut name = [0u8; 31];
                let prefix = b"child of: '";
                let parent = kmem::tcb(creator).name.split(|&b| b == 0).next().unwrap_or(&[]);
                let mut len = 0;
                for &byte in prefix.iter().chain(parent.iter()).chain(b"'".iter()) {
                    if len < name.len() {
                        name[len] = byte;
                        len += 1;
                    }
                }
                tcb.set_name(&name[..len]);
            }
            crate::sched::register_thread(paddr);
            Cap::thread(paddr)
        }
        ObjectType::Endpoint => {
            Cap::endpoint(paddr, 0, EndpointRights { send: true, receive: true, grant: true, grant_reply: true })
        }
        ObjectType::Notification => Cap::notification(paddr, 0, true, true),
        ObjectType::CapTable => Cap::cnode(paddr, user_bits as u32, 0, 0),
        ObjectType::RiscvGigaPage => frame(FrameSize::Huge),
        ObjectType::Riscv4KPage => frame(FrameSize::Small),
        ObjectType::RiscvMegaPage => frame(FrameSize::Large),
        ObjectType::RiscvPageTable => Cap::page_table(paddr),
    }
}
