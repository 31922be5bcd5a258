//! The domain cap: seL4_DomainSet_Set moves a thread to a scheduling domain.
use crate::error::SyscallError;
use crate::memory::caps;
use crate::message::Message;
use crate::sched;
use atoll_abi::config::NUM_DOMAINS;
use atoll_abi::{CapType, InvocationLabel};

pub fn decode_and_set(message: &Message) -> Result<(), SyscallError> {
    if message.label != InvocationLabel::DomainSetSet.value() {
        return Err(SyscallError::IllegalOperation);
    }
    let domain = message.arg(0).ok_or(SyscallError::TruncatedMessage)?;
    if domain >= NUM_DOMAINS as u64 {
        return Err(SyscallError::InvalidArgument { argument: 0 });
    }
    let target = message.extra_cap(0).ok_or(SyscallError::TruncatedMessage)?;
    if !target.cap.is(CapType::Thread) {
        return Err(SyscallError::InvalidArgument { argument: 1 });
    }
    sched::set_domain(caps::thread(target.cap), domain as u8);
    Ok(())
}
