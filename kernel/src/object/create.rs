//! Creating objects from untyped memory (seL4's getObjectSize and createObject); the arch
//! object types are the arch's.
use crate::arch::objects as arch_objects;
use crate::cspace::Cap;
use crate::memory::{Handle, Tcb, caps};
use crate::sched;
use atoll_abi::ObjectType;
use atoll_abi::object::{ENDPOINT_BITS, NOTIFICATION_BITS, SLOT_BITS, TCB_BITS};
use atoll_kernel_core::cap::EndpointRights;

/// Size in bits of one object of `ty` with user size `user_bits` (seL4's getObjectSize).
pub fn object_size_bits(ty: ObjectType, user_bits: u64) -> u64 {
    match ty {
        ObjectType::Untyped => user_bits,
        ObjectType::Tcb => TCB_BITS as u64,
        ObjectType::Endpoint => ENDPOINT_BITS as u64,
        ObjectType::Notification => NOTIFICATION_BITS as u64,
        ObjectType::CapTable => user_bits.saturating_add(SLOT_BITS as u64),
        #[cfg(feature = "mcs")]
        ObjectType::SchedContext => user_bits,
        #[cfg(feature = "mcs")]
        ObjectType::Reply => atoll_abi::object::REPLY_BITS as u64,
        _ => arch_objects::size_bits(ty).expect("every object type has a size"),
    }
}

pub fn is_frame_type(ty: ObjectType) -> bool {
    arch_objects::is_frame(ty)
}

/// Initialises the object at `paddr` (memory already zeroed, unless device memory) and returns
/// the cap to it (seL4's createObject).
pub fn create_object(ty: ObjectType, paddr: u64, user_bits: u64, is_device: bool) -> Cap {
    match ty {
        ObjectType::Untyped => Cap::untyped(paddr, user_bits as u32, is_device),
        ObjectType::Tcb => {
            let cap = Cap::thread(paddr);
            init_thread(caps::thread(cap));
            cap
        }
        ObjectType::Endpoint => {
            Cap::endpoint(paddr, 0, EndpointRights { send: true, receive: true, grant: true, grant_reply: true })
        }
        ObjectType::Notification => Cap::notification(paddr, 0, true, true),
        ObjectType::CapTable => Cap::cnode(paddr, user_bits as u32, 0, 0),
        #[cfg(feature = "mcs")]
        ObjectType::SchedContext => {
            let cap = Cap::sched_context(paddr, user_bits as u32);
            caps::sched_context(cap).set_size_bits(user_bits as u8);
            cap
        }
        #[cfg(feature = "mcs")]
        ObjectType::Reply => Cap::reply(paddr, false, true),
        _ => arch_objects::create(ty, paddr, is_device).expect("every object type can be created"),
    }
}

/// A new thread from zeroed memory: inactive, priority 0, the creator's domain, a full time
/// slice, named after its creator as in seL4's debug builds.
fn init_thread(thread: Handle<Tcb>) {
    #[cfg(not(feature = "mcs"))]
    thread.set_time_slice(crate::config::TIME_SLICE_TICKS);
    thread.set_domain_only(sched::current_domain());
    if let Some(creator) = sched::current() {
        let mut name = [0u8; 31];
        let prefix = b"child of: '";
        let parent = creator.name();
        let parent = parent.split(|&b| b == 0).next().unwrap_or(&[]);
        let mut len = 0;
        for &byte in prefix.iter().chain(parent.iter()).chain(b"'".iter()) {
            if len < name.len() {
                name[len] = byte;
                len += 1;
            }
        }
        thread.set_name(&name[..len]);
    }
    sched::register_thread(thread);
}
