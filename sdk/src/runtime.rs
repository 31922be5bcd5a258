//! Root-task runtime: the entry point, a stack, access to bootinfo, and the panic handler.
//!
//! seL4 starts the root task at its ELF entry with a0 = the bootinfo frame's address and no
//! stack; `_start` sets up the stack and calls the function named with [`root_task!`].
use atoll_abi::BootInfo;
use core::sync::atomic::{AtomicUsize, Ordering};

#[cfg(feature = "root-task")]
const STACK_SIZE: usize = 256 * 1024;

#[cfg(feature = "root-task")]
#[repr(C, align(16))]
struct Stack([u8; STACK_SIZE]);

#[cfg(feature = "root-task")]
static mut STACK: Stack = Stack([0; STACK_SIZE]);
static BOOTINFO: AtomicUsize = AtomicUsize::new(0);
static IPC_BUFFER: AtomicUsize = AtomicUsize::new(0);

#[cfg(feature = "root-task")]
#[unsafe(naked)]
#[unsafe(no_mangle)]
#[unsafe(link_section = ".text._start")]
unsafe extern "C" fn _start() -> ! {
    core::arch::naked_asm!(
        "la sp, {stack}",
        "li t0, {size}",
        "add sp, sp, t0",
        "j {start}",
        stack = sym STACK,
        size = const STACK_SIZE,
        start = sym rust_start,
    )
}

#[cfg(feature = "root-task")]
unsafe extern "Rust" {
    /// Defined by [`root_task!`].
    fn __atoll_root_task_main(bootinfo: &'static BootInfo) -> !;
}

#[cfg(feature = "root-task")]
extern "C" fn rust_start(bootinfo: usize) -> ! {
    BOOTINFO.store(bootinfo, Ordering::Relaxed);
    // SAFETY: seL4 passes the address of the mapped bootinfo frame, valid for the task's life.
    let bootinfo = unsafe { &*(bootinfo as *const BootInfo) };
    IPC_BUFFER.store(bootinfo.ipc_buffer as usize, Ordering::Relaxed);
    // SAFETY: `root_task!` defines this symbol with exactly this signature.
    unsafe { __atoll_root_task_main(bootinfo) }
}

/// The bootinfo the kernel handed to this root task.
pub fn bootinfo() -> &'static BootInfo {
    // SAFETY: set once in `rust_start` before any user code runs.
    unsafe { &*(BOOTINFO.load(Ordering::Relaxed) as *const BootInfo) }
}

/// This thread's IPC buffer. The root task's comes from bootinfo; threads started with
/// [`crate::thread`] keep theirs in the `tp` register (the SDK's convention).
pub fn ipc_buffer() -> &'static mut atoll_abi::IpcBuffer {
    let tp: usize;
    // SAFETY: reading tp has no side effects.
    unsafe { core::arch::asm!("mv {0}, tp", out(reg) tp, options(nomem, nostack)) };
    let address = if tp != 0 { tp } else { IPC_BUFFER.load(Ordering::Relaxed) };
    // SAFETY: either the root task's IPC buffer, mapped by seL4, or the buffer its creator set
    // up for this thread; each thread uses only its own.
    unsafe { &mut *(address as *mut atoll_abi::IpcBuffer) }
}

/// MCS: the reply object `syscall::recv` and friends use for this thread, kept in its IPC
/// buffer's `userData` word (free for user level).
#[cfg(feature = "mcs")]
pub fn reply_cap() -> u64 {
    ipc_buffer().user_data
}

/// MCS: sets this thread's reply object (see [`reply_cap`]).
#[cfg(feature = "mcs")]
pub fn set_reply_cap(cptr: u64) {
    ipc_buffer().user_data = cptr;
}

/// Names the root task's main function: `atoll_sdk::root_task!(main);` with
/// `fn main(bootinfo: &'static BootInfo) -> !`.
#[macro_export]
macro_rules! root_task {
    ($main:path) => {
        #[unsafe(no_mangle)]
        fn __atoll_root_task_main(bootinfo: &'static $crate::BootInfo) -> ! {
            $main(bootinfo)
        }
    };
}

#[cfg(feature = "root-task")]
#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    crate::println!("root task panicked: {info}");
    crate::syscall::debug_halt()
}
