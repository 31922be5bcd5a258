//! Threads (sel4test's THREADS, TLS and REGRESSIONS areas and more): reading, writing and
//! copying registers, suspend and resume, priority authority, IPC buffer and space checks, the
//! TLS base, TCB flags, and what deleting or faulting a thread leaves behind.
use crate::framework::{Outcome, Test};
use crate::support::{
    Board, alloc_slot, configure, done, new_helper, new_object, park, root_slot, set_sched_params, spawn, start, stop,
    wait_done, yield_times,
};
use crate::{check, check_eq, check_err, check_ok};
use atoll_sdk::abi::{CapRights, Error, MessageInfo, ObjectType, slots};
use atoll_sdk::syscall;
use atoll_sdk::tcb::{self, context};
use atoll_sdk::{BootInfo, cnode};

pub const TESTS: &[Test] = &[
    Test { name: "threads::write_then_read_registers_round_trip", run: write_then_read_registers_round_trip },
    Test { name: "threads::partial_write_leaves_other_registers", run: partial_write_leaves_other_registers },
    Test { name: "threads::read_or_write_own_registers_is_illegal", run: read_or_write_own_registers_is_illegal },
    Test { name: "threads::read_registers_count_out_of_range", run: read_registers_count_out_of_range },
    Test { name: "threads::suspend_stops_and_resume_restarts", run: suspend_stops_and_resume_restarts },
    Test { name: "threads::read_registers_can_suspend_the_source", run: read_registers_can_suspend_the_source },
    Test { name: "threads::copy_registers_frame_then_integer", run: copy_registers_frame_then_integer },
    Test { name: "threads::copy_registers_can_start_the_target", run: copy_registers_can_start_the_target },
    Test {
        name: "threads::priority_above_authority_mcp_is_range_error",
        run: priority_above_authority_mcp_is_range_error,
    },
    Test { name: "threads::set_ipc_buffer_checks_frame_and_alignment", run: set_ipc_buffer_checks_frame_and_alignment },
    Test { name: "threads::configure_checks_cspace_and_vspace_roots", run: configure_checks_cspace_and_vspace_roots },
    Test { name: "threads::set_flags_keeps_only_fpu_disabled", run: set_flags_keeps_only_fpu_disabled },
    Test { name: "tls::set_tls_base_sets_helper_tp", run: set_tls_base_sets_helper_tp },
    Test { name: "tls::set_tls_base_on_self_takes_effect_at_once", run: set_tls_base_on_self_takes_effect_at_once },
    Test { name: "regressions::deleted_receiver_leaves_endpoint_queue", run: deleted_receiver_leaves_endpoint_queue },
    Test { name: "regressions::deleted_sender_leaves_endpoint_queue", run: deleted_sender_leaves_endpoint_queue },
    Test {
        name: "regressions::unknown_syscall_without_handler_stops_only_the_helper",
        run: unknown_syscall_stops_only_the_helper,
    },
    Test {
        name: "regressions::write_registers_starts_thread_with_every_register",
        run: write_registers_starts_thread_with_every_register,
    },
];

static SEEN: Board = Board::new();

/// A full seL4_UserContext of distinct values derived from `seed`.
fn pattern(seed: u64) -> [u64; 32] {
    core::array::from_fn(|index| seed.wrapping_mul(0x1_0000).wrapping_add(index as u64 * 0x111 + 8))
}

fn read_all(tcb: u64) -> Result<[u64; 32], atoll_sdk::invocation::Failure> {
    let mut out = [0u64; 32];
    tcb::read_registers(tcb, false, &mut out)?;
    Ok(out)
}

fn write_then_read_registers_round_trip(_: &'static BootInfo) -> Outcome {
    let helper = new_helper(100, 0);
    let values = pattern(0xabc);
    check_ok!(tcb::write_registers(helper.tcb, false, &values));
    check_eq!(check_ok!(read_all(helper.tcb)), values);
    // Reading fewer registers gives the first ones of seL4_UserContext.
    let mut three = [0u64; 3];
    check_ok!(tcb::read_registers(helper.tcb, false, &mut three));
    check_eq!(three, [values[context::PC], values[context::RA], values[context::SP]]);
    stop(helper);
    Ok(())
}

fn partial_write_leaves_other_registers(_: &'static BootInfo) -> Outcome {
    let helper = new_helper(100, 0);
    let first = pattern(0x11);
    check_ok!(tcb::write_registers(helper.tcb, false, &first));
    // Writing a prefix of the context (pc, ra, sp) leaves the rest as it was.
    let second = pattern(0x22);
    check_ok!(tcb::write_registers(helper.tcb, false, &second[..3]));
    let now = check_ok!(read_all(helper.tcb));
    check_eq!(&now[..3], &second[..3]);
    check_eq!(&now[3..], &first[3..]);
    stop(helper);
    Ok(())
}

fn read_or_write_own_registers_is_illegal(_: &'static BootInfo) -> Outcome {
    let mut out = [0u64; 4];
    check_err!(tcb::read_registers(slots::CAP_INIT_THREAD_TCB, false, &mut out), Error::IllegalOperation);
    check_err!(tcb::write_registers(slots::CAP_INIT_THREAD_TCB, false, &[0; 4]), Error::IllegalOperation);
    Ok(())
}

fn read_registers_count_out_of_range(_: &'static BootInfo) -> Outcome {
    let helper = new_helper(100, 0);
    for count in [0usize, 33, 1000] {
        let mut out = [0u64; 1000];
        let failure = check_err!(tcb::read_registers(helper.tcb, false, &mut out[..count]), Error::RangeError);
        check_eq!(failure.detail(), &[1u64, 32][..]);
    }
    // The whole range is fine.
    let mut out = [0u64; 32];
    check_ok!(tcb::read_registers(helper.tcb, false, &mut out[..1]));
    check_ok!(tcb::read_registers(helper.tcb, false, &mut out));
    stop(helper);
    Ok(())
}

/// Counts in SEEN[0] for ever, yielding after each step.
extern "C" fn count_and_yield(_: u64) -> ! {
    loop {
        SEEN.increment(0);
        syscall::yield_now();
    }
}

fn suspend_stops_and_resume_restarts(_: &'static BootInfo) -> Outcome {
    SEEN.clear();
    let helper = spawn(255, 0, count_and_yield, 0);
    yield_times(10);
    let running = SEEN.get(0);
    check!(running > 0, "the helper never ran");
    check_ok!(tcb::suspend(helper.tcb));
    let stopped = SEEN.get(0);
    yield_times(10);
    check_eq!(SEEN.get(0), stopped);
    check_ok!(tcb::resume(helper.tcb));
    yield_times(10);
    check!(SEEN.get(0) > stopped, "the helper did not run again after Resume");
    // Resuming a thread that is already running changes nothing.
    check_ok!(tcb::resume(helper.tcb));
    let again = SEEN.get(0);
    yield_times(5);
    check!(SEEN.get(0) > again);
    stop(helper);
    Ok(())
}

fn read_registers_can_suspend_the_source(_: &'static BootInfo) -> Outcome {
    SEEN.clear();
    let helper = spawn(255, 0, count_and_yield, 0);
    yield_times(5);
    check!(SEEN.get(0) > 0, "the helper never ran");
    let mut out = [0u64; 32];
    check_ok!(tcb::read_registers(helper.tcb, true, &mut out));
    let stopped = SEEN.get(0);
    yield_times(10);
    check_eq!(SEEN.get(0), stopped);
    // What was read is the helper's state: it keeps its IPC buffer address in tp.
    check_eq!(out[context::TP], helper.ipc_buffer);
    check!(out[context::PC] != 0 && out[context::SP] != 0);
    check_ok!(tcb::resume(helper.tcb));
    yield_times(5);
    check!(SEEN.get(0) > stopped);
    stop(helper);
    Ok(())
}

fn copy_registers_frame_then_integer(_: &'static BootInfo) -> Outcome {
    let source = new_helper(100, 0);
    let dest = new_helper(100, 0);
    let a = pattern(0xa);
    let b = pattern(0xb);
    check_ok!(tcb::write_registers(source.tcb, false, &a));
    check_ok!(tcb::write_registers(dest.tcb, false, &b));
    // Frame registers are pc, ra, sp, gp, s0..s11: the first 16 words of seL4_UserContext.
    check_ok!(tcb::copy_registers(dest.tcb, source.tcb, false, false, true, false));
    let now = check_ok!(read_all(dest.tcb));
    check_eq!(&now[..16], &a[..16]);
    check_eq!(&now[16..], &b[16..]);
    // Integer registers are a0..a7, t0..t6, tp: the other 16.
    check_ok!(tcb::copy_registers(dest.tcb, source.tcb, false, false, false, true));
    check_eq!(check_ok!(read_all(dest.tcb)), a);
    // The source is unchanged.
    check_eq!(check_ok!(read_all(source.tcb)), a);
    // The source must be a TCB cap.
    let endpoint = new_object(ObjectType::Endpoint, 0);
    let failure =
        check_err!(tcb::copy_registers(dest.tcb, endpoint, false, false, true, true), Error::InvalidCapability);
    check_eq!(failure.detail(), &[1u64][..]);
    stop(source);
    stop(dest);
    Ok(())
}

/// Stores its argument in SEEN[1], reports, and parks.
extern "C" fn record_arg(arg: u64) -> ! {
    SEEN.set(1, arg);
    done();
    park()
}

fn copy_registers_can_start_the_target(_: &'static BootInfo) -> Outcome {
    SEEN.clear();
    // A template thread gets a start state and is suspended before it ever runs (it has lower
    // priority than us); copying its registers with resume_target starts the target there,
    // on the template's stack, which the template never uses.
    let template = new_helper(100, 0);
    let target = new_helper(100, 0);
    start(&template, record_arg, 0x5eed);
    check_ok!(tcb::suspend(template.tcb));
    check_ok!(tcb::copy_registers(target.tcb, template.tcb, false, true, true, true));
    check_eq!(check_ok!(read_all(target.tcb)), check_ok!(read_all(template.tcb)));
    wait_done();
    check_eq!(SEEN.get(1), 0x5eed);
    stop(template);
    stop(target);
    Ok(())
}

fn priority_above_authority_mcp_is_range_error(_: &'static BootInfo) -> Outcome {
    let target = new_object(ObjectType::Tcb, 0);
    // A fresh TCB has MCP 0: as authority it allows priority 0 only.
    let authority = new_object(ObjectType::Tcb, 0);
    let failure = check_err!(tcb::set_priority(target, authority, 1), Error::RangeError);
    check_eq!(failure.detail(), &[0u64, 0][..]);
    let failure = check_err!(tcb::set_mc_priority(target, authority, 1), Error::RangeError);
    check_eq!(failure.detail(), &[0u64, 0][..]);
    check_ok!(tcb::set_priority(target, authority, 0));
    check_ok!(tcb::set_mc_priority(target, authority, 0));
    // Raise the authority's MCP with the root task's authority (MCP 255).
    check_ok!(tcb::set_mc_priority(authority, slots::CAP_INIT_THREAD_TCB, 50));
    let failure = check_err!(tcb::set_priority(target, authority, 51), Error::RangeError);
    check_eq!(failure.detail(), &[0u64, 50][..]);
    let failure = check_err!(set_sched_params(target, authority, 51, 10), Error::RangeError);
    check_eq!(failure.detail(), &[0u64, 50][..]);
    let failure = check_err!(set_sched_params(target, authority, 10, 51), Error::RangeError);
    check_eq!(failure.detail(), &[0u64, 50][..]);
    check_ok!(tcb::set_priority(target, authority, 50));
    check_ok!(tcb::set_mc_priority(target, authority, 50));
    check_ok!(set_sched_params(target, authority, 50, 50));
    // The root task's own MCP is the highest priority, for others and for itself.
    let failure = check_err!(tcb::set_priority(target, slots::CAP_INIT_THREAD_TCB, 256), Error::RangeError);
    check_eq!(failure.detail(), &[0u64, 255][..]);
    let root = slots::CAP_INIT_THREAD_TCB;
    let failure = check_err!(tcb::set_mc_priority(root, root, 256), Error::RangeError);
    check_eq!(failure.detail(), &[0u64, 255][..]);
    // A thread's MCP does not bound its own priority, only what it may give with its authority.
    check_ok!(tcb::set_mc_priority(authority, root, 0));
    check_ok!(tcb::set_priority(authority, root, 200));
    check_err!(tcb::set_priority(target, authority, 1), Error::RangeError);
    // The authority must be a TCB.
    let endpoint = new_object(ObjectType::Endpoint, 0);
    let failure = check_err!(tcb::set_priority(target, endpoint, 0), Error::InvalidCapability);
    check_eq!(failure.detail(), &[1u64][..]);
    Ok(())
}

fn set_ipc_buffer_checks_frame_and_alignment(info: &'static BootInfo) -> Outcome {
    let target = new_object(ObjectType::Tcb, 0);
    let frame = slots::CAP_INIT_THREAD_IPC_BUFFER;
    let base = info.ipc_buffer;
    // The buffer must be aligned to its size, 2^10 bytes.
    for offset in [8u64, 512, 1000] {
        check_err!(tcb::set_ipc_buffer(target, base + offset, frame), Error::AlignmentError);
    }
    // The cap must be a frame cap (checked before the alignment).
    let endpoint = new_object(ObjectType::Endpoint, 0);
    check_err!(tcb::set_ipc_buffer(target, base, endpoint), Error::IllegalOperation);
    check_err!(tcb::set_ipc_buffer(target, base + 8, endpoint), Error::IllegalOperation);
    check_ok!(tcb::set_ipc_buffer(target, base, frame));
    check_ok!(tcb::set_ipc_buffer(target, base + 1024, frame));
    // Address 0 means no IPC buffer; the cap is then not looked at.
    check_ok!(tcb::set_ipc_buffer(target, 0, endpoint));
    Ok(())
}

fn configure_checks_cspace_and_vspace_roots(info: &'static BootInfo) -> Outcome {
    let target = new_object(ObjectType::Tcb, 0);
    let endpoint = new_object(ObjectType::Endpoint, 0);
    let (cnode_cap, vspace, frame) =
        (slots::CAP_INIT_THREAD_CNODE, slots::CAP_INIT_THREAD_VSPACE, slots::CAP_INIT_THREAD_IPC_BUFFER);
    let buffer = info.ipc_buffer;
    check_err!(configure(target, 0, endpoint, 0, vspace, 0, buffer, frame), Error::IllegalOperation);
    check_err!(configure(target, 0, vspace, 0, vspace, 0, buffer, frame), Error::IllegalOperation);
    check_err!(configure(target, 0, cnode_cap, 0, endpoint, 0, buffer, frame), Error::IllegalOperation);
    check_err!(configure(target, 0, cnode_cap, 0, cnode_cap, 0, buffer, frame), Error::IllegalOperation);
    check_err!(configure(target, 0, cnode_cap, 0, vspace, 0, buffer, endpoint), Error::IllegalOperation);
    check_err!(configure(target, 0, cnode_cap, 0, vspace, 0, buffer + 64, frame), Error::AlignmentError);
    // A null CSpace root (an empty slot) is not a CNode either (sel4test THREADS0004/0005).
    let empty = alloc_slot();
    check_err!(configure(target, 0, empty, 0, vspace, 0, buffer, frame), Error::IllegalOperation);
    check_ok!(configure(target, 0, cnode_cap, 0, vspace, 0, buffer, frame));
    // SetSpace applies the same checks to the CSpace root.
    check_err!(tcb::set_space(target, 0, endpoint, 0, vspace, 0), Error::IllegalOperation);
    check_err!(tcb::set_space(target, 0, empty, 0, vspace, 0), Error::IllegalOperation);
    check_ok!(tcb::set_space(target, 0, cnode_cap, 0, vspace, 0));
    Ok(())
}

fn set_flags_keeps_only_fpu_disabled(_: &'static BootInfo) -> Outcome {
    use atoll_sdk::abi::tcb::TCB_FLAG_FPU_DISABLED as FPU_DISABLED;
    let target = new_object(ObjectType::Tcb, 0);
    check_eq!(check_ok!(tcb::set_flags(target, 0, 0)), 0);
    check_eq!(check_ok!(tcb::set_flags(target, 0, FPU_DISABLED)), FPU_DISABLED);
    // Flags persist: neither clearing nor setting anything returns them.
    check_eq!(check_ok!(tcb::set_flags(target, 0, 0)), FPU_DISABLED);
    check_eq!(check_ok!(tcb::set_flags(target, FPU_DISABLED, 0)), 0);
    // Unknown flags are dropped.
    check_eq!(check_ok!(tcb::set_flags(target, 0, !0)), FPU_DISABLED);
    check_eq!(check_ok!(tcb::set_flags(target, !0, 0b110)), 0);
    // Clear happens before set.
    check_eq!(check_ok!(tcb::set_flags(target, FPU_DISABLED, FPU_DISABLED)), FPU_DISABLED);
    Ok(())
}

/// Records its `tp` in SEEN[2] and reports. It must not touch its IPC buffer through `tp`.
extern "C" fn record_tp(_: u64) -> ! {
    let tp: u64;
    // SAFETY: reading tp has no side effects.
    unsafe { core::arch::asm!("mv {0}, tp", out(reg) tp, options(nomem, nostack)) };
    SEEN.set(2, tp);
    done();
    park()
}

fn set_tls_base_sets_helper_tp(_: &'static BootInfo) -> Outcome {
    SEEN.clear();
    const BASE: u64 = 0x0000_0012_3456_7000;
    let helper = new_helper(100, 0);
    start(&helper, record_tp, 0);
    // Lower priority: it has not run yet.
    check_eq!(SEEN.get(2), 0);
    check_ok!(tcb::set_tls_base(helper.tcb, BASE));
    let mut regs = [0u64; 32];
    check_ok!(tcb::read_registers(helper.tcb, false, &mut regs));
    check_eq!(regs[context::TP], BASE);
    wait_done();
    check_eq!(SEEN.get(2), BASE);
    stop(helper);
    Ok(())
}

fn read_tp() -> u64 {
    let tp: u64;
    // SAFETY: reading tp has no side effects.
    unsafe { core::arch::asm!("mv {0}, tp", out(reg) tp, options(nomem, nostack)) };
    tp
}

fn set_tls_base_on_self_takes_effect_at_once(info: &'static BootInfo) -> Outcome {
    // The SDK reads tp as the IPC buffer address when it is not 0, so the only safe non-zero
    // value for the root task is its own IPC buffer address.
    check_eq!(read_tp(), 0);
    check_ok!(tcb::set_tls_base(slots::CAP_INIT_THREAD_TCB, info.ipc_buffer));
    let after = read_tp();
    check_ok!(tcb::set_tls_base(slots::CAP_INIT_THREAD_TCB, 0));
    check_eq!(after, info.ipc_buffer);
    check_eq!(read_tp(), 0);
    Ok(())
}

/// Receives on the endpoint in arg >> 8 and records MR0 in SEEN[arg & 0xff].
extern "C" fn receive_into(arg: u64) -> ! {
    let message = syscall::recv(arg >> 8);
    SEEN.set((arg & 0xff) as usize, message.mrs[0]);
    done();
    park()
}

fn deleted_receiver_leaves_endpoint_queue(_: &'static BootInfo) -> Outcome {
    SEEN.clear();
    let endpoint = new_object(ObjectType::Endpoint, 0);
    // Two receivers queue on the endpoint in order: first, then second.
    let first = spawn(255, 0, receive_into, endpoint << 8 | 3);
    yield_times(1);
    let second = spawn(255, 0, receive_into, endpoint << 8 | 4);
    yield_times(1);
    stop(first);
    // The message goes to the second receiver, the only one left.
    syscall::nb_send(endpoint, MessageInfo::new(0, 0, 0, 1), [77, 0, 0, 0]);
    wait_done();
    check_eq!((SEEN.get(3), SEEN.get(4)), (0, 77));
    // Nobody is left: this one is dropped.
    syscall::nb_send(endpoint, MessageInfo::new(0, 0, 0, 1), [78, 0, 0, 0]);
    yield_times(2);
    check_eq!((SEEN.get(3), SEEN.get(4)), (0, 77));
    stop(second);
    Ok(())
}

/// Sends MR0 = 0x5ed on the endpoint in arg, then reports.
extern "C" fn send_once(endpoint: u64) -> ! {
    syscall::send(endpoint, MessageInfo::new(0, 0, 0, 1), [0x5ed, 0, 0, 0]);
    SEEN.set(5, 1);
    done();
    park()
}

fn deleted_sender_leaves_endpoint_queue(_: &'static BootInfo) -> Outcome {
    SEEN.clear();
    let endpoint = new_object(ObjectType::Endpoint, 0);
    let badged = alloc_slot();
    check_ok!(cnode::mint(root_slot(badged), root_slot(endpoint), CapRights::ALL_RIGHTS, 0x77));
    let sender = spawn(255, 0, send_once, badged);
    yield_times(1);
    check_eq!(SEEN.get(5), 0);
    stop(sender);
    // Its message went with it: NBRecv finds no sender.
    let got = syscall::nb_recv(endpoint);
    check_eq!(got.badge, 0);
    check!(got.info.length() == 0 || got.mrs[0] != 0x5ed);
    // A second sender queued afterwards is the first one found.
    let sender = spawn(255, 0, send_once, badged);
    yield_times(1);
    let got = syscall::nb_recv(endpoint);
    check_eq!((got.badge, got.mrs[0]), (0x77, 0x5ed));
    yield_times(1);
    check_eq!(SEEN.get(5), 1);
    wait_done();
    stop(sender);
    Ok(())
}

/// Marks SEEN[6], makes a system call seL4 does not have, then marks SEEN[7].
extern "C" fn unknown_syscall(_: u64) -> ! {
    SEEN.set(6, 1);
    syscall::raw(-100, [0; 6]);
    SEEN.set(7, 1);
    park()
}

fn unknown_syscall_stops_only_the_helper(_: &'static BootInfo) -> Outcome {
    SEEN.clear();
    let helper = spawn(255, 0, unknown_syscall, 0);
    yield_times(5);
    check_eq!((SEEN.get(6), SEEN.get(7)), (1, 0));
    // It is stopped, not runnable: more yields do not run it on.
    yield_times(5);
    check_eq!(SEEN.get(7), 0);
    // Its registers can still be read.
    let mut regs = [0u64; 32];
    check_ok!(tcb::read_registers(helper.tcb, false, &mut regs));
    check_eq!(regs[context::TP], helper.ipc_buffer);
    stop(helper);
    Ok(())
}

/// Where `dump_registers` stores the registers it starts with, in seL4_UserContext order. Word 0
/// (pc, which it cannot see) holds the stack it switches to afterwards.
#[repr(C, align(16))]
struct RegisterDump([u64; 32]);
static mut REGISTER_DUMP: RegisterDump = RegisterDump([0; 32]);

#[repr(C, align(16))]
struct SmallStack([u8; 4096]);
static mut DUMP_STACK: SmallStack = SmallStack([0; 4096]);

/// Entry point that stores every register (t6 holds the dump's address) before any code can
/// change them, then moves to a real stack and reports.
#[unsafe(naked)]
extern "C" fn dump_registers() -> ! {
    core::arch::naked_asm!(
        "sd ra, 8(t6)", "sd sp, 16(t6)", "sd gp, 24(t6)",
        "sd s0, 32(t6)", "sd s1, 40(t6)", "sd s2, 48(t6)", "sd s3, 56(t6)",
        "sd s4, 64(t6)", "sd s5, 72(t6)", "sd s6, 80(t6)", "sd s7, 88(t6)",
        "sd s8, 96(t6)", "sd s9, 104(t6)", "sd s10, 112(t6)", "sd s11, 120(t6)",
        "sd a0, 128(t6)", "sd a1, 136(t6)", "sd a2, 144(t6)", "sd a3, 152(t6)",
        "sd a4, 160(t6)", "sd a5, 168(t6)", "sd a6, 176(t6)", "sd a7, 184(t6)",
        "sd t0, 192(t6)", "sd t1, 200(t6)", "sd t2, 208(t6)", "sd t3, 216(t6)",
        "sd t4, 224(t6)", "sd t5, 232(t6)", "sd t6, 240(t6)", "sd tp, 248(t6)",
        "ld sp, 0(t6)",
        "j {after}",
        after = sym after_dump,
    )
}

extern "C" fn after_dump() -> ! {
    done();
    park()
}

fn write_registers_starts_thread_with_every_register(_: &'static BootInfo) -> Outcome {
    // sel4test REGRESSIONS0001: WriteRegisters with resume starts the thread at pc with every
    // other register exactly as written.
    const T6: usize = 30;
    let dump = core::ptr::addr_of_mut!(REGISTER_DUMP) as *mut u64;
    let stack_top = core::ptr::addr_of!(DUMP_STACK) as u64 + 4096;
    for index in 0..32 {
        // SAFETY: the dump is only touched by this test and the helper it starts.
        unsafe { dump.add(index).write_volatile(if index == 0 { stack_top } else { 0 }) };
    }
    let helper = new_helper(100, 0);
    let mut regs: [u64; 32] = core::array::from_fn(|index| 0x5a5a_0000_0000_0000 | (index as u64) << 8 | 0x11);
    regs[context::PC] = dump_registers as *const () as u64;
    regs[T6] = dump as u64;
    check_ok!(tcb::write_registers(helper.tcb, true, &regs));
    wait_done();
    // SAFETY: the helper has finished writing the dump (it reported).
    let seen: [u64; 32] = core::array::from_fn(|index| unsafe { dump.add(index).read_volatile() });
    check_eq!(&seen[1..], &regs[1..]);
    stop(helper);
    Ok(())
}
