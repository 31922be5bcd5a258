//! Raw seL4 system calls with the RISC-V convention: number in a7, capability in a0, message
//! info in a1, message registers 0..3 in a2..a5 (with MCS also the reply cap in a6 and
//! NBSendRecv's destination in t0); the kernel answers in the same registers.
//!
//! With MCS a receive names a reply object. `recv`, `reply` and `reply_recv` use the calling
//! thread's reply object (`runtime::set_reply_cap`), so code written for either configuration
//! reads the same; `recv_with` and the other `_with` calls name one.
use atoll_abi::{MessageInfo, Syscall};
use core::arch::asm;

/// What a send-receive style system call returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reply {
    pub badge: u64,
    pub info: MessageInfo,
    pub mrs: [u64; 4],
}

/// Any system call, by number, with all argument registers. Returns a0..a5 as the kernel left them.
///
/// Safe: the kernel must cope with any register contents; what an unknown or malformed call does
/// to the calling thread (a fault, an error) is defined by seL4's semantics.
pub fn raw(number: i64, args: [u64; 6]) -> [u64; 6] {
    let [mut a0, mut a1, mut a2, mut a3, mut a4, mut a5] = args;
    // SAFETY: `ecall` traps to the kernel, which saves and restores every register except the
    // argument registers declared here; it touches only memory the IPC buffer protocol allows.
    unsafe {
        asm!(
            "ecall",
            inout("a0") a0, inout("a1") a1, inout("a2") a2, inout("a3") a3,
            inout("a4") a4, inout("a5") a5, in("a7") number,
            options(nostack),
        );
    }
    [a0, a1, a2, a3, a4, a5]
}

/// A system call that also passes a6 and t0 (MCS: the reply cap and NBSendRecv's destination).
#[cfg(feature = "mcs")]
fn raw_mcs(number: i64, args: [u64; 6], a6: u64, t0: u64) -> [u64; 6] {
    let [mut a0, mut a1, mut a2, mut a3, mut a4, mut a5] = args;
    // SAFETY: as for `raw`; a6 and t0 are inputs the kernel reads and does not change.
    unsafe {
        asm!(
            "ecall",
            inout("a0") a0, inout("a1") a1, inout("a2") a2, inout("a3") a3,
            inout("a4") a4, inout("a5") a5, in("a6") a6, in("t0") t0, in("a7") number,
            options(nostack),
        );
    }
    [a0, a1, a2, a3, a4, a5]
}

#[cfg(feature = "mcs")]
fn send_receive_mcs(syscall: Syscall, cap: u64, info: MessageInfo, mrs: [u64; 4], reply: u64, dest: u64) -> Reply {
    let [badge, info, mr0, mr1, mr2, mr3] =
        raw_mcs(syscall.value() as i64, [cap, info.word(), mrs[0], mrs[1], mrs[2], mrs[3]], reply, dest);
    Reply { badge, info: MessageInfo::from_word(info), mrs: [mr0, mr1, mr2, mr3] }
}

fn send_receive(syscall: Syscall, dest: u64, info: MessageInfo, mrs: [u64; 4]) -> Reply {
    let [badge, info, mr0, mr1, mr2, mr3] =
        raw(syscall.value() as i64, [dest, info.word(), mrs[0], mrs[1], mrs[2], mrs[3]]);
    Reply { badge, info: MessageInfo::from_word(info), mrs: [mr0, mr1, mr2, mr3] }
}

/// seL4_Call.
pub fn call(dest: u64, info: MessageInfo, mrs: [u64; 4]) -> Reply {
    send_receive(Syscall::Call, dest, info, mrs)
}

/// seL4_Send.
pub fn send(dest: u64, info: MessageInfo, mrs: [u64; 4]) {
    send_receive(Syscall::Send, dest, info, mrs);
}

/// seL4_NBSend.
pub fn nb_send(dest: u64, info: MessageInfo, mrs: [u64; 4]) {
    send_receive(Syscall::NbSend, dest, info, mrs);
}

/// seL4_Yield.
pub fn yield_now() {
    raw(Syscall::Yield.value() as i64, [0; 6]);
}

/// seL4_DebugPutChar.
pub fn debug_put_char(byte: u8) {
    raw(Syscall::DebugPutChar.value() as i64, [byte as u64, 0, 0, 0, 0, 0]);
}

/// seL4_DebugHalt: stops the machine (under QEMU, QEMU exits).
pub fn debug_halt() -> ! {
    raw(Syscall::DebugHalt.value() as i64, [0; 6]);
    loop {
        core::hint::spin_loop();
    }
}

/// seL4_DebugCapIdentify: the type tag of the capability at `cptr`, 0 for none.
pub fn debug_cap_identify(cptr: u64) -> u64 {
    raw(Syscall::DebugCapIdentify.value() as i64, [cptr, 0, 0, 0, 0, 0])[0]
}

/// The user-readable cycle counter (under QEMU with `-icount shift=0`, instructions retired).
pub fn read_cycle() -> u64 {
    let value: u64;
    // SAFETY: reading the counter has no side effects; the kernel enables it for user mode.
    unsafe { asm!("rdcycle {0}", out(reg) value, options(nomem, nostack)) };
    value
}

/// The user-readable timebase counter (`rdtime`; 10 MHz on QEMU `virt`).
pub fn read_time() -> u64 {
    let value: u64;
    // SAFETY: reading the counter has no side effects; the kernel enables it for user mode.
    unsafe { asm!("rdtime {0}", out(reg) value, options(nomem, nostack)) };
    value
}

const EMPTY: MessageInfo = MessageInfo::new(0, 0, 0, 0);

/// seL4_Recv: waits on an endpoint or notification; returns the badge and message.
#[cfg(not(feature = "mcs"))]
pub fn recv(src: u64) -> Reply {
    send_receive(Syscall::Recv, src, EMPTY, [0; 4])
}

/// seL4_NBRecv: like `recv` but returns at once (badge 0) when nothing is waiting.
#[cfg(not(feature = "mcs"))]
pub fn nb_recv(src: u64) -> Reply {
    send_receive(Syscall::NbRecv, src, EMPTY, [0; 4])
}

/// seL4_Reply: answers the last Call this thread received.
#[cfg(not(feature = "mcs"))]
pub fn reply(info: MessageInfo, mrs: [u64; 4]) {
    send_receive(Syscall::Reply, 0, info, mrs);
}

/// seL4_ReplyRecv: reply, then wait on `src`.
#[cfg(not(feature = "mcs"))]
pub fn reply_recv(src: u64, info: MessageInfo, mrs: [u64; 4]) -> Reply {
    send_receive(Syscall::ReplyRecv, src, info, mrs)
}

/// seL4_Wait: blocks until signalled; returns the badge word.
#[cfg(not(feature = "mcs"))]
pub fn wait(notification: u64) -> u64 {
    recv(notification).badge
}

/// seL4_Poll: the badge word, 0 if there was none.
#[cfg(not(feature = "mcs"))]
pub fn poll(notification: u64) -> u64 {
    nb_recv(notification).badge
}

/// seL4_Recv (MCS) with this thread's reply object.
#[cfg(feature = "mcs")]
pub fn recv(src: u64) -> Reply {
    recv_with(src, crate::runtime::reply_cap())
}

/// seL4_Recv (MCS): a call received is answered through `reply`.
#[cfg(feature = "mcs")]
pub fn recv_with(src: u64, reply: u64) -> Reply {
    send_receive_mcs(Syscall::Recv, src, EMPTY, [0; 4], reply, 0)
}

/// seL4_NBRecv (MCS) with this thread's reply object.
#[cfg(feature = "mcs")]
pub fn nb_recv(src: u64) -> Reply {
    send_receive_mcs(Syscall::NbRecv, src, EMPTY, [0; 4], crate::runtime::reply_cap(), 0)
}

/// Answers the call received with this thread's reply object (MCS: seL4_Send on it).
#[cfg(feature = "mcs")]
pub fn reply(info: MessageInfo, mrs: [u64; 4]) {
    send(crate::runtime::reply_cap(), info, mrs);
}

/// seL4_ReplyRecv (MCS) with this thread's reply object.
#[cfg(feature = "mcs")]
pub fn reply_recv(src: u64, info: MessageInfo, mrs: [u64; 4]) -> Reply {
    reply_recv_with(src, info, mrs, crate::runtime::reply_cap())
}

/// seL4_ReplyRecv (MCS): answers through `reply`, then receives with it.
#[cfg(feature = "mcs")]
pub fn reply_recv_with(src: u64, info: MessageInfo, mrs: [u64; 4], reply: u64) -> Reply {
    send_receive_mcs(Syscall::ReplyRecv, src, info, mrs, reply, 0)
}

/// seL4_NBSendRecv (MCS): a non-blocking send to `dest`, then a receive on `src` with `reply`.
#[cfg(feature = "mcs")]
pub fn nb_send_recv(dest: u64, info: MessageInfo, mrs: [u64; 4], src: u64, reply: u64) -> Reply {
    send_receive_mcs(Syscall::NbSendRecv, src, info, mrs, reply, dest)
}

/// seL4_NBSendWait (MCS): a non-blocking send to `dest`, then a wait on `src` (no reply).
#[cfg(feature = "mcs")]
pub fn nb_send_wait(dest: u64, info: MessageInfo, mrs: [u64; 4], src: u64) -> Reply {
    send_receive_mcs(Syscall::NbSendWait, src, info, mrs, dest, 0)
}

/// seL4_Wait (MCS): a receive that can take no call; returns the badge and message.
#[cfg(feature = "mcs")]
pub fn wait_message(src: u64) -> Reply {
    send_receive(Syscall::Wait, src, EMPTY, [0; 4])
}

/// seL4_Wait: blocks until signalled; returns the badge word.
#[cfg(feature = "mcs")]
pub fn wait(notification: u64) -> u64 {
    wait_message(notification).badge
}

/// seL4_Poll (MCS: seL4_NBWait): the badge word, 0 if there was none.
#[cfg(feature = "mcs")]
pub fn poll(notification: u64) -> u64 {
    send_receive(Syscall::NbWait, notification, EMPTY, [0; 4]).badge
}

/// seL4_Signal.
pub fn signal(notification: u64) {
    send(notification, EMPTY, [0; 4]);
}
