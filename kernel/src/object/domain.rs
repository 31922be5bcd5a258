//! The domain cap: seL4_DomainSet_Set moves a thread to a scheduling domain, and (seL4 16.0.0)
//! ScheduleConfigure and ScheduleSetStart set the domain schedule at run time.
use crate::config::NUM_DOMAINS;
use crate::error::SyscallError;
use crate::memory::caps;
use crate::message::Message;
use crate::sched;
use atoll_abi::{CapType, InvocationLabel};
use atoll_kernel_core::domain::ScheduleError;

pub fn decode_and_invoke(message: &Message) -> Result<(), SyscallError> {
    match InvocationLabel::from_value(message.label) {
        Some(InvocationLabel::DomainSetSet) => decode_and_set(message),
        Some(InvocationLabel::DomainScheduleConfigure) => {
            let truncated = SyscallError::TruncatedMessage;
            let index = message.arg(0).ok_or(truncated)?;
            let domain = message.arg(1).ok_or(truncated)?;
            let duration = message.arg(2).ok_or(truncated)?;
            sched::configure_domain_schedule(index, domain, duration).map_err(error)
        }
        Some(InvocationLabel::DomainScheduleSetStart) => {
            let index = message.arg(0).ok_or(SyscallError::TruncatedMessage)?;
            sched::set_domain_schedule_start(index).map_err(error)
        }
        _ => Err(SyscallError::IllegalOperation),
    }
}

fn decode_and_set(message: &Message) -> Result<(), SyscallError> {
    let domain = message.arg(0).ok_or(SyscallError::TruncatedMessage)?;
    if domain >= NUM_DOMAINS as u64 {
        return Err(SyscallError::InvalidArgument { argument: 0 });
    }
    let target = message.extra_cap(0).ok_or(SyscallError::TruncatedMessage)?;
    if !target.cap.is(CapType::Thread) {
        return Err(SyscallError::InvalidArgument { argument: 1 });
    }
    sched::set_domain(caps::thread(target.cap), domain as u8);
    super::irq::partition_changed();
    Ok(())
}

fn error(e: ScheduleError) -> SyscallError {
    match e {
        ScheduleError::Range { min, max } => SyscallError::RangeError { min, max },
        ScheduleError::InvalidArgument(argument) => SyscallError::InvalidArgument { argument },
    }
}
