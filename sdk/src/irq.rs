//! IRQ invocations with libsel4's argument order (seL4_IRQControl_Get, seL4_IRQHandler_*).
use crate::invocation::{Failure, invoke};
use atoll_abi::InvocationLabel as L;

fn unit<T>(result: Result<T, Failure>) -> Result<(), Failure> {
    result.map(|_| ())
}

/// seL4_IRQControl_Get: a handler cap for `irq` into (root, index, depth).
pub fn control_get(control: u64, irq: u64, root: u64, index: u64, depth: u64) -> Result<(), Failure> {
    unit(invoke(control, L::IrqIssueIrqHandler, &[irq, index, depth], &[root]))
}

/// seL4_IRQHandler_SetNotification.
pub fn set_notification(handler: u64, notification: u64) -> Result<(), Failure> {
    unit(invoke(handler, L::IrqSetIrqHandler, &[], &[notification]))
}

/// seL4_IRQHandler_Ack.
pub fn ack(handler: u64) -> Result<(), Failure> {
    unit(invoke(handler, L::IrqAckIrq, &[], &[]))
}

/// seL4_IRQHandler_Clear.
pub fn clear(handler: u64) -> Result<(), Failure> {
    unit(invoke(handler, L::IrqClearIrqHandler, &[], &[]))
}
