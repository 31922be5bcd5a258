//! The domain cap: seL4_DomainSet_Set moves a thread to a scheduling domain.
use crate::invocation::{Message, SyscallError};
use crate::sched::{self, NUM_DOMAINS, tcb};
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
    let thread = target.cap.paddr();
    sched::dequeue(thread);
    tcb(thread).domain = domain as u8;
    if tcb(thread).state.is_runnable() {
        sched::enqueue(thread);
    }
    if Some(thread) == sched::current() {
        sched::reschedule_required();
    }
    Ok(())
}
