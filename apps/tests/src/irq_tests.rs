//! Interrupts: handler caps from IRQControl, and a real device interrupt (the UART's
//! transmitter-empty interrupt, which the test can raise) delivered to a notification.
use crate::framework::{Outcome, Test};
use crate::support::{alloc_slot, new_object, root_slot};
use crate::vspace_tests::map_uart;
use crate::{check_eq, check_err, check_ok};
use atoll_sdk::abi::{CapRights, CapType, Error, ObjectType, slots};
use atoll_sdk::syscall::{self, debug_cap_identify as identify};
use atoll_sdk::{BootInfo, cnode, irq};

pub const TESTS: &[Test] = &[
    Test { name: "irq::control_get_checks", run: control_get_checks },
    Test { name: "irq::set_notification_needs_a_sendable_notification", run: set_notification_checks },
    Test { name: "irq::uart_interrupt_signals_notification", run: uart_interrupt_signals_notification },
];

const CONTROL: u64 = slots::CAP_IRQ_CONTROL;
const ROOT: u64 = slots::CAP_INIT_THREAD_CNODE;
const UART_IRQ: u64 = 10;

fn control_get_checks(_: &'static BootInfo) -> Outcome {
    let slot = alloc_slot();
    let failure = check_err!(irq::control_get(CONTROL, 0, ROOT, slot, 64), Error::RangeError);
    check_eq!(failure.detail()[0], 1);
    let max = failure.detail()[1];
    check_eq!(max >= UART_IRQ, true);
    check_err!(irq::control_get(CONTROL, max + 1, ROOT, slot, 64), Error::RangeError);
    check_ok!(irq::control_get(CONTROL, 7, ROOT, slot, 64));
    check_eq!(identify(slot), CapType::IrqHandler.value());
    let again = alloc_slot();
    check_err!(irq::control_get(CONTROL, 7, ROOT, again, 64), Error::RevokeFirst);
    check_err!(irq::control_get(CONTROL, 8, ROOT, slot, 64), Error::DeleteFirst);
    // Deleting the handler frees the interrupt.
    check_ok!(cnode::delete(root_slot(slot)));
    check_ok!(irq::control_get(CONTROL, 7, ROOT, again, 64));
    check_ok!(cnode::delete(root_slot(again)));
    Ok(())
}

fn set_notification_checks(_: &'static BootInfo) -> Outcome {
    let handler = alloc_slot();
    check_ok!(irq::control_get(CONTROL, 9, ROOT, handler, 64));
    let notification = new_object(ObjectType::Notification, 0);
    let receive_only = alloc_slot();
    check_ok!(cnode::mint(
        root_slot(receive_only),
        root_slot(notification),
        CapRights::new(false, false, true, false),
        0
    ));
    check_err!(irq::set_notification(handler, receive_only), Error::InvalidCapability);
    check_err!(irq::set_notification(handler, slots::CAP_INIT_THREAD_TCB), Error::InvalidCapability);
    check_ok!(irq::set_notification(handler, notification));
    check_ok!(irq::clear(handler));
    check_ok!(cnode::delete(root_slot(handler)));
    Ok(())
}

fn uart_interrupt_signals_notification(bootinfo: &'static BootInfo) -> Outcome {
    let (uart, untyped) = map_uart(bootinfo)?;
    let handler = alloc_slot();
    check_ok!(irq::control_get(CONTROL, UART_IRQ, ROOT, handler, 64));
    let notification = new_object(ObjectType::Notification, 0);
    let badged = alloc_slot();
    check_ok!(cnode::mint(root_slot(badged), root_slot(notification), CapRights::ALL_RIGHTS, 0x40));
    check_ok!(irq::set_notification(handler, badged));
    check_eq!(syscall::poll(notification), 0);
    let interrupt_enable = (uart + 1) as *mut u8;
    // SAFETY: the UART's interrupt-enable register, mapped read-write. Enabling the
    // transmitter-empty interrupt raises it at once (the transmitter is idle).
    unsafe { core::ptr::write_volatile(interrupt_enable, 0x02) };
    let badge = syscall::wait(notification);
    // SAFETY: as above; turn the interrupt source off again before acknowledging.
    unsafe { core::ptr::write_volatile(interrupt_enable, 0x00) };
    check_eq!(badge, 0x40);
    check_ok!(irq::ack(handler));
    check_eq!(syscall::poll(notification), 0);
    check_ok!(cnode::delete(root_slot(handler)));
    check_ok!(cnode::revoke(root_slot(untyped)));
    Ok(())
}
