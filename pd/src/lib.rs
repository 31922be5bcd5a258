//! Protection domains in stable Rust, with seL4 Microkit's libmicrokit API and ABI.
//!
//! A PD implements [`Handler`] and names its `init` function with [`protection_domain!`]:
//!
//! ```ignore
//! struct Echo;
//! impl atoll_pd::Handler for Echo {
//!     fn notified(&mut self, channel: atoll_pd::Channel) {
//!         atoll_pd::notify(channel);
//!     }
//! }
//! fn init() -> Echo {
//!     atoll_pd::debug_println!("hello from {}", atoll_pd::name());
//!     Echo
//! }
//! atoll_pd::protection_domain!(init);
//! ```
//!
//! The ABI is libmicrokit's, so a PD built with this crate runs in a system built by seL4
//! Microkit's tool or by Atoll's builder: the caps it uses are at libmicrokit's slots, the
//! badges it decodes are Microkit's, the builder writes its name and channel sets into the
//! same variables (`microkit_name`, `microkit_passive`, `microkit_irqs`,
//! `microkit_notifications`, `microkit_pps`), its IPC buffer is at the top page of the address
//! space and the builder sets its stack pointer.
//!
//! With the `hyp` feature a VMM controls its `<virtual_machine>`'s vCPUs as libmicrokit's
//! `microkit_vcpu_*` calls do ([`vcpu_restart`], [`vcpu_stop`], [`vcpu_read_reg`],
//! [`vcpu_write_reg`]); the guest's exits arrive at [`Handler::fault`] with the vCPU id as the
//! child, and its general registers are the vCPU thread's, at [`BASE_VM_TCB_CAP`] plus the id.
#![no_std]

use atoll_sdk::abi::MessageInfo;
use atoll_sdk::syscall;

#[doc(hidden)]
pub use atoll_sdk as __sdk;
pub use atoll_sdk::abi::MessageInfo as MsgInfo;

/// A channel (or IRQ) id, 0 to 61.
pub type Channel = u64;
/// A child PD's id (or, in a VMM, a vCPU's: they share the ids).
pub type Child = u64;

const INPUT_CAP: u64 = 1;
const REPLY_CAP: u64 = 4;
const MONITOR_ENDPOINT: u64 = 5;
const BASE_OUTPUT_NOTIFICATION_CAP: u64 = 10;
const BASE_ENDPOINT_CAP: u64 = 74;
const BASE_IRQ_CAP: u64 = 138;
const BASE_TCB_CAP: u64 = 202;
const BADGE_PPC: u64 = 1 << 63;
const BADGE_FAULT: u64 = 1 << 62;
/// libmicrokit's IPC buffer: the highest page below seL4_UserVSpaceTop.
pub const IPC_BUFFER: u64 = 0x3f_ffff_e000;

// The variables the system builder writes (libmicrokit's names and layout). They are read
// through volatile loads, since the builder changes them in the image after compilation, and
// they live in `.data`, so they have bytes in the ELF file for seL4 Microkit's tool to write.
#[unsafe(no_mangle)]
#[unsafe(link_section = ".data")]
static mut microkit_name: [u8; 64] = [0; 64];
#[unsafe(no_mangle)]
#[unsafe(link_section = ".data")]
static mut microkit_passive: bool = false;
#[unsafe(no_mangle)]
#[unsafe(link_section = ".data")]
static mut microkit_irqs: u64 = 0;
#[unsafe(no_mangle)]
#[unsafe(link_section = ".data")]
static mut microkit_notifications: u64 = 0;
#[unsafe(no_mangle)]
#[unsafe(link_section = ".data")]
static mut microkit_pps: u64 = 0;
/// x86 I/O ports in libmicrokit; seL4 Microkit's tool writes it into every PD, so it must exist.
#[unsafe(no_mangle)]
#[unsafe(link_section = ".data")]
static mut microkit_ioports: u64 = 0;

fn read_u64(variable: *const u64) -> u64 {
    // SAFETY: a builder-written static of this image, only ever read after start.
    unsafe { variable.read_volatile() }
}

/// This PD's name, as the system description gives it.
pub fn name() -> &'static str {
    // SAFETY: written by the builder before the PD starts and never written after; read-only here.
    let bytes: &'static [u8] = unsafe { core::slice::from_raw_parts((&raw const microkit_name).cast::<u8>(), 64) };
    let len = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    core::str::from_utf8(&bytes[..len]).unwrap_or("?")
}

fn passive() -> bool {
    // SAFETY: as for `read_u64`.
    unsafe { (&raw const microkit_passive).read_volatile() }
}

/// The entry points a PD provides (libmicrokit's `notified`, `protected` and `fault`).
pub trait Handler {
    /// A notification on `channel` (or the IRQ with that id).
    fn notified(&mut self, channel: Channel);

    /// A protected procedure call over `channel`; the returned message is the reply.
    fn protected(&mut self, channel: Channel, message: MessageInfo) -> MessageInfo {
        let _ = message;
        debug_println!("{}: protected call on channel {channel}, but no 'protected' entry point", name());
        MessageInfo::new(0, 0, 0, 0)
    }

    /// Child `child` faulted (in a VMM, also: vCPU `child`'s guest exited); return a reply to
    /// resume it, or None to leave it stopped.
    fn fault(&mut self, child: Child, message: MessageInfo) -> Option<MessageInfo> {
        debug_println!("{}: child {child} faulted (fault {}), no 'fault' entry point", name(), message.label());
        None
    }
}

/// A deferred signal or IRQ acknowledgement: sent with the next receive, in one system call.
static mut DEFERRED: Option<(u64, MessageInfo)> = None;

/// Runs `init`, then the event loop: receives on the input cap with the reply object, and
/// hands each event to the handler (libmicrokit's handler loop).
pub fn run<H: Handler>(init: impl FnOnce() -> H) -> ! {
    // Read once, so the linker keeps it for Microkit's tool (there are no I/O ports here).
    core::hint::black_box(read_u64(&raw const microkit_ioports));
    let mut handler = init();
    // Interrupts are acknowledged once at start (as libmicrokit does).
    for id in 0..62 {
        if read_u64(&raw const microkit_irqs) & (1 << id) != 0 {
            irq_ack(id);
        }
    }
    if passive() {
        // Done with init: the monitor takes our scheduling context away.
        set_deferred(MONITOR_ENDPOINT, MessageInfo::new(0, 0, 0, 0));
    }
    let mut reply: Option<MessageInfo> = None;
    loop {
        let message = match (reply.take(), take_deferred()) {
            (Some(info), _) => syscall::reply_recv_with(INPUT_CAP, info, mrs(), REPLY_CAP),
            (None, Some((cap, info))) => syscall::nb_send_recv(cap, info, mrs(), INPUT_CAP, REPLY_CAP),
            (None, None) => syscall::recv_with(INPUT_CAP, REPLY_CAP),
        };
        set_register_mrs(&message.mrs);
        let badge = message.badge;
        if badge & BADGE_PPC != 0 {
            reply = Some(handler.protected(badge & 0x3f, message.info));
        } else if badge & BADGE_FAULT != 0 {
            reply = handler.fault(badge & 0xff, message.info);
        } else {
            for id in 0..62 {
                if badge & (1 << id) != 0 {
                    handler.notified(id);
                }
            }
        }
    }
}

fn set_deferred(cap: u64, info: MessageInfo) {
    // SAFETY: one thread per PD; the static is only touched by this thread.
    unsafe { (&raw mut DEFERRED).write(Some((cap, info))) };
}

fn take_deferred() -> Option<(u64, MessageInfo)> {
    // SAFETY: as for `set_deferred`.
    unsafe { core::ptr::replace(&raw mut DEFERRED, None) }
}

/// The first four message registers travel in registers; the SDK's calls take them as an
/// array, which this PD keeps in its IPC buffer's message words (libmicrokit's `mr_set`).
fn mrs() -> [u64; 4] {
    let buffer = atoll_sdk::runtime::ipc_buffer();
    [buffer.msg[0], buffer.msg[1], buffer.msg[2], buffer.msg[3]]
}

fn set_register_mrs(values: &[u64; 4]) {
    let buffer = atoll_sdk::runtime::ipc_buffer();
    buffer.msg[..4].copy_from_slice(values);
}

/// Message register `index` (libmicrokit's `microkit_mr_get`).
pub fn mr_get(index: usize) -> u64 {
    atoll_sdk::runtime::ipc_buffer().msg[index]
}

/// Sets message register `index` (libmicrokit's `microkit_mr_set`).
pub fn mr_set(index: usize, value: u64) {
    atoll_sdk::runtime::ipc_buffer().msg[index] = value;
}

/// Whether the builder gave this PD `channel` in the set `variable` names (libmicrokit checks
/// each call the same way and says so when it may not).
fn allowed(variable: *const u64, channel: Channel, what: &str) -> bool {
    let ok = channel < 62 && read_u64(variable) & (1 << channel) != 0;
    if !ok {
        debug_println!("{}: {what} on channel {channel}, which it does not have", name());
    }
    ok
}

/// Signals the other end of `channel`.
pub fn notify(channel: Channel) {
    if allowed(&raw const microkit_notifications, channel, "notify") {
        syscall::signal(BASE_OUTPUT_NOTIFICATION_CAP + channel);
    }
}

/// Signals at the next receive, in the same system call (libmicrokit's deferred notify).
pub fn deferred_notify(channel: Channel) {
    set_deferred(BASE_OUTPUT_NOTIFICATION_CAP + channel, MessageInfo::new(0, 0, 0, 0));
}

/// Acknowledges the IRQ with id `channel`, so it can come again.
pub fn irq_ack(channel: Channel) {
    if allowed(&raw const microkit_irqs, channel, "irq_ack") {
        let _ = atoll_sdk::irq::ack(BASE_IRQ_CAP + channel);
    }
}

/// Acknowledges at the next receive (libmicrokit's deferred IRQ ack: IRQHandler_Ack's label).
pub fn deferred_irq_ack(channel: Channel) {
    let label = atoll_sdk::abi::InvocationLabel::IrqAckIrq.value();
    set_deferred(BASE_IRQ_CAP + channel, MessageInfo::new(label, 0, 0, 0));
}

/// A protected procedure call over `channel`; message registers from `mr_set`, the reply's
/// in `mr_get`.
pub fn ppcall(channel: Channel, message: MessageInfo) -> MessageInfo {
    if !allowed(&raw const microkit_pps, channel, "ppcall") {
        return MessageInfo::new(atoll_sdk::abi::Error::InvalidCapability.value(), 0, 0, 0);
    }
    let reply = syscall::call(BASE_ENDPOINT_CAP + channel, message, mrs());
    set_register_mrs(&reply.mrs);
    reply.info
}

/// A VMM's vCPU threads, at this base plus the vCPU id (libmicrokit's slots).
#[cfg(feature = "hyp")]
pub const BASE_VM_TCB_CAP: u64 = 266;
/// A VMM's VCPU objects, at this base plus the vCPU id.
#[cfg(feature = "hyp")]
pub const BASE_VCPU_CAP: u64 = 330;
#[cfg(feature = "hyp")]
pub use atoll_sdk::vcpu::VcpuReg;

/// Says that a vCPU call failed (libmicrokit stops the PD; here it goes on).
#[cfg(feature = "hyp")]
fn vcpu_failed(call: &str, vcpu: Child, failure: atoll_sdk::invocation::Failure) {
    debug_println!("{}: {call} of vcpu {vcpu} failed: {:?}", name(), failure.error);
}

/// Starts vCPU `vcpu` at guest address `entry`, or restarts it there (libmicrokit's
/// `microkit_vcpu_restart`): its thread's pc is set and the thread resumed. Its other
/// registers keep what the VMM wrote (a guest kernel's boot arguments in a0 and a1, say).
#[cfg(feature = "hyp")]
pub fn vcpu_restart(vcpu: Child, entry: u64) {
    if let Err(failure) = atoll_sdk::tcb::write_registers(BASE_VM_TCB_CAP + vcpu, true, &[entry]) {
        vcpu_failed("vcpu_restart", vcpu, failure);
    }
}

/// Stops vCPU `vcpu` (libmicrokit's `microkit_vcpu_stop`).
#[cfg(feature = "hyp")]
pub fn vcpu_stop(vcpu: Child) {
    if let Err(failure) = atoll_sdk::tcb::suspend(BASE_VM_TCB_CAP + vcpu) {
        vcpu_failed("vcpu_stop", vcpu, failure);
    }
}

/// One of vCPU `vcpu`'s VS-level registers (0 if it cannot be read).
#[cfg(feature = "hyp")]
pub fn vcpu_read_reg(vcpu: Child, reg: VcpuReg) -> u64 {
    atoll_sdk::vcpu::read_reg(BASE_VCPU_CAP + vcpu, reg).unwrap_or_else(|failure| {
        vcpu_failed("vcpu_read_reg", vcpu, failure);
        0
    })
}

/// Sets one of vCPU `vcpu`'s VS-level registers (`VcpuReg::Sip` injects interrupts).
#[cfg(feature = "hyp")]
pub fn vcpu_write_reg(vcpu: Child, reg: VcpuReg, value: u64) {
    if let Err(failure) = atoll_sdk::vcpu::write_reg(BASE_VCPU_CAP + vcpu, reg, value) {
        vcpu_failed("vcpu_write_reg", vcpu, failure);
    }
}

/// Restarts child `child` at `entry` (libmicrokit's `microkit_pd_restart`).
pub fn pd_restart(child: Child, entry: u64) {
    let mut registers = [0u64; 1];
    registers[0] = entry;
    let _ = atoll_sdk::tcb::write_registers(BASE_TCB_CAP + child, true, &registers);
}

/// Stops child `child` (libmicrokit's `microkit_pd_stop`).
pub fn pd_stop(child: Child) {
    let _ = atoll_sdk::tcb::suspend(BASE_TCB_CAP + child);
}

/// Prints to the debug console (seL4_DebugPutChar), as libmicrokit's `microkit_dbg_puts`.
pub fn debug_puts(text: &str) {
    text.bytes().for_each(syscall::debug_put_char);
}

/// Names the PD's `init` function: `fn init() -> impl Handler`.
#[macro_export]
macro_rules! protection_domain {
    ($init:path) => {
        #[unsafe(no_mangle)]
        extern "C" fn __atoll_pd_main() -> ! {
            $crate::run($init)
        }
    };
}

/// `println!` to the debug console.
#[macro_export]
macro_rules! debug_println {
    ($($arg:tt)*) => { $crate::__sdk::println!($($arg)*) };
}

// The entry: the builder set the stack pointer; the IPC buffer is found through tp, as the
// SDK's calls expect.
core::arch::global_asm!(
    ".section .text._start",
    ".global _start",
    "_start:",
    "li tp, {ipc}",
    "j __atoll_pd_main",
    ipc = const IPC_BUFFER,
);

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    atoll_sdk::println!("{}: panicked: {info}", name());
    loop {
        syscall::yield_now();
    }
}
