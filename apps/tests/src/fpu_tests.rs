//! The FPU (sel4test's FPU area): floating-point registers and the FP control/status register
//! belong to each thread and survive context switches, new threads start with a clean FP state,
//! and a thread with the fpuDisabled flag faults on its first FP instruction.
use crate::framework::{Outcome, Test};
use crate::support::{done, new_helper, park, spawn, start, stop, wait_done};
use crate::{check, check_eq, check_ok};
use atoll_sdk::abi::tcb::TCB_FLAG_FPU_DISABLED;
use atoll_sdk::abi::{InvocationLabel, MessageInfo, Syscall, slots};
use atoll_sdk::{BootInfo, syscall, tcb};
use core::arch::asm;
use core::hint::black_box;
use core::sync::atomic::{AtomicU64, Ordering};

pub const TESTS: &[Test] = &[
    Test { name: "fpu::registers_survive_context_switches", run: registers_survive_context_switches },
    Test { name: "fpu::new_thread_starts_with_clean_fp_state", run: new_thread_starts_with_clean_fp_state },
    Test { name: "fpu::rust_f64_math_interleaved_with_yields", run: rust_f64_math_interleaved_with_yields },
    Test {
        name: "fpu::fpu_disabled_thread_faults_on_fp_instruction",
        run: fpu_disabled_thread_faults_on_fp_instruction,
    },
    Test { name: "fpu::state_survives_disable_and_reenable", run: state_survives_disable_and_reenable },
    Test { name: "fpu::state_survives_suspend_and_resume", run: state_survives_suspend_and_resume },
    Test { name: "fpu::own_flag_cleared_gives_fpu_back_at_once", run: own_flag_cleared_gives_fpu_back_at_once },
];

/// A thread's whole FP state as the tests see it: f0..f31 and fcsr.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct FpState {
    regs: [u64; 32],
    fcsr: u64,
}

impl FpState {
    /// Distinct values for each register, different for each seed.
    fn pattern(seed: u64, fcsr: u64) -> Self {
        FpState {
            regs: core::array::from_fn(|index| 0x4000_0000_0000_0000 | seed << 32 | (index as u64 * 0x0101 + 1)),
            fcsr,
        }
    }
}

/// Loads `state` into the FPU, yields `rounds` times, and returns the FP state found after the
/// last yield. All of it happens in one asm block, so nothing but the kernel can touch the FP
/// registers in between. The caller's fcsr (rounding mode) is put back afterwards.
fn hold_fp_across_yields(state: &FpState, rounds: u64) -> FpState {
    const MOST: usize = 64;
    let yield_call = [Syscall::Yield.value() as i64 as u64, 0, 0, 0, 0];
    let calls = [yield_call; MOST];
    hold_fp_across_calls(state, &calls[..(rounds as usize).clamp(1, MOST)])
}

/// Loads `state` into the FPU, then in the same asm block makes each system call of `calls`
/// (`a7`, then `a0` to `a3`), and returns the FP state found after the last one.
fn hold_fp_across_calls(state: &FpState, calls: &[[u64; 5]]) -> FpState {
    assert!(!calls.is_empty());
    let mut found = FpState { regs: [0; 32], fcsr: 0 };
    let fcsr: u64;
    // SAFETY: reads `state.regs` and `calls` (a non-empty slice of 5-word records), writes
    // `found.regs`, all valid arrays; every register the block or the kernel may change is
    // declared clobbered, and the loop's pointers live in registers the kernel preserves.
    unsafe {
        asm!(
            "csrr {saved}, fcsr",
            "csrw fcsr, {fcsr_in}",
            "fld f0, 0({values})",
            "fld f1, 8({values})",
            "fld f2, 16({values})",
            "fld f3, 24({values})",
            "fld f4, 32({values})",
            "fld f5, 40({values})",
            "fld f6, 48({values})",
            "fld f7, 56({values})",
            "fld f8, 64({values})",
            "fld f9, 72({values})",
            "fld f10, 80({values})",
            "fld f11, 88({values})",
            "fld f12, 96({values})",
            "fld f13, 104({values})",
            "fld f14, 112({values})",
            "fld f15, 120({values})",
            "fld f16, 128({values})",
            "fld f17, 136({values})",
            "fld f18, 144({values})",
            "fld f19, 152({values})",
            "fld f20, 160({values})",
            "fld f21, 168({values})",
            "fld f22, 176({values})",
            "fld f23, 184({values})",
            "fld f24, 192({values})",
            "fld f25, 200({values})",
            "fld f26, 208({values})",
            "fld f27, 216({values})",
            "fld f28, 224({values})",
            "fld f29, 232({values})",
            "fld f30, 240({values})",
            "fld f31, 248({values})",
            "2:",
            "ld a7, 0({next})",
            "ld a0, 8({next})",
            "ld a1, 16({next})",
            "ld a2, 24({next})",
            "ld a3, 32({next})",
            "ecall",
            "addi {next}, {next}, 40",
            "bltu {next}, {end}, 2b",
            "fsd f0, 0({out})",
            "fsd f1, 8({out})",
            "fsd f2, 16({out})",
            "fsd f3, 24({out})",
            "fsd f4, 32({out})",
            "fsd f5, 40({out})",
            "fsd f6, 48({out})",
            "fsd f7, 56({out})",
            "fsd f8, 64({out})",
            "fsd f9, 72({out})",
            "fsd f10, 80({out})",
            "fsd f11, 88({out})",
            "fsd f12, 96({out})",
            "fsd f13, 104({out})",
            "fsd f14, 112({out})",
            "fsd f15, 120({out})",
            "fsd f16, 128({out})",
            "fsd f17, 136({out})",
            "fsd f18, 144({out})",
            "fsd f19, 152({out})",
            "fsd f20, 160({out})",
            "fsd f21, 168({out})",
            "fsd f22, 176({out})",
            "fsd f23, 184({out})",
            "fsd f24, 192({out})",
            "fsd f25, 200({out})",
            "fsd f26, 208({out})",
            "fsd f27, 216({out})",
            "fsd f28, 224({out})",
            "fsd f29, 232({out})",
            "fsd f30, 240({out})",
            "fsd f31, 248({out})",
            "csrr {fcsr_out}, fcsr",
            "csrw fcsr, {saved}",
            values = in(reg) state.regs.as_ptr(),
            out = in(reg) found.regs.as_mut_ptr(),
            next = inout(reg) calls.as_ptr() => _,
            end = in(reg) calls.as_ptr().add(calls.len()),
            fcsr_in = in(reg) state.fcsr,
            saved = out(reg) _,
            fcsr_out = lateout(reg) fcsr,
            out("a0") _, out("a1") _, out("a2") _, out("a3") _,
            out("a4") _, out("a5") _, out("a6") _, out("a7") _,
            out("f0") _, out("f1") _, out("f2") _, out("f3") _, out("f4") _, out("f5") _, out("f6") _, out("f7") _,
            out("f8") _, out("f9") _, out("f10") _, out("f11") _, out("f12") _, out("f13") _, out("f14") _, out("f15") _,
            out("f16") _, out("f17") _, out("f18") _, out("f19") _, out("f20") _, out("f21") _, out("f22") _, out("f23") _,
            out("f24") _, out("f25") _, out("f26") _, out("f27") _, out("f28") _, out("f29") _, out("f30") _, out("f31") _,
            options(nostack),
        );
    }
    found.fcsr = fcsr;
    found
}

/// The FP state as it is now.
fn read_fp_state() -> FpState {
    let mut found = FpState { regs: [0; 32], fcsr: 0 };
    let fcsr: u64;
    // SAFETY: writes `found.regs`, a valid 32-word array.
    unsafe {
        asm!(
            "fsd f0, 0({out})",
            "fsd f1, 8({out})",
            "fsd f2, 16({out})",
            "fsd f3, 24({out})",
            "fsd f4, 32({out})",
            "fsd f5, 40({out})",
            "fsd f6, 48({out})",
            "fsd f7, 56({out})",
            "fsd f8, 64({out})",
            "fsd f9, 72({out})",
            "fsd f10, 80({out})",
            "fsd f11, 88({out})",
            "fsd f12, 96({out})",
            "fsd f13, 104({out})",
            "fsd f14, 112({out})",
            "fsd f15, 120({out})",
            "fsd f16, 128({out})",
            "fsd f17, 136({out})",
            "fsd f18, 144({out})",
            "fsd f19, 152({out})",
            "fsd f20, 160({out})",
            "fsd f21, 168({out})",
            "fsd f22, 176({out})",
            "fsd f23, 184({out})",
            "fsd f24, 192({out})",
            "fsd f25, 200({out})",
            "fsd f26, 208({out})",
            "fsd f27, 216({out})",
            "fsd f28, 224({out})",
            "fsd f29, 232({out})",
            "fsd f30, 240({out})",
            "fsd f31, 248({out})",
            "csrr {fcsr_out}, fcsr",
            out = in(reg) found.regs.as_mut_ptr(),
            fcsr_out = lateout(reg) fcsr,
            options(nostack),
        );
    }
    found.fcsr = fcsr;
    found
}

const ROUNDS: u64 = 40;
/// fcsr values: rounding mode in bits 5..7, accrued exception flags in bits 0..4.
const ROOT_FCSR: u64 = 1 << 5 | 0b00101;
const HELPER_FCSR: u64 = 2 << 5 | 0b11010;

static STARTED: AtomicU64 = AtomicU64::new(0);
static HELPER_REGS: [AtomicU64; 33] = [const { AtomicU64::new(0) }; 33];

fn store_helper_state(state: &FpState) {
    for (index, &word) in state.regs.iter().enumerate() {
        HELPER_REGS[index].store(word, Ordering::SeqCst);
    }
    HELPER_REGS[32].store(state.fcsr, Ordering::SeqCst);
}

fn helper_state() -> FpState {
    FpState {
        regs: core::array::from_fn(|index| HELPER_REGS[index].load(Ordering::SeqCst)),
        fcsr: HELPER_REGS[32].load(Ordering::SeqCst),
    }
}

/// Holds its own FP pattern across many yields and records what it found.
extern "C" fn hold_helper(_: u64) -> ! {
    STARTED.store(1, Ordering::SeqCst);
    let found = hold_fp_across_yields(&FpState::pattern(0xbeef, HELPER_FCSR), ROUNDS);
    store_helper_state(&found);
    done();
    park()
}

fn registers_survive_context_switches(_: &'static BootInfo) -> Outcome {
    STARTED.store(0, Ordering::SeqCst);
    store_helper_state(&FpState { regs: [0; 32], fcsr: 0 });
    // Same priority as us: it runs only while we yield, inside the block holding our values.
    let helper = spawn(255, 0, hold_helper, 0);
    let mine = FpState::pattern(0xcafe, ROOT_FCSR);
    let found = hold_fp_across_yields(&mine, ROUNDS);
    check_eq!(STARTED.load(Ordering::SeqCst), 1);
    wait_done();
    stop(helper);
    check_eq!(found, mine);
    check_eq!(helper_state(), FpState::pattern(0xbeef, HELPER_FCSR));
    Ok(())
}

/// Records the FP state it starts with.
extern "C" fn record_initial_fp(_: u64) -> ! {
    store_helper_state(&read_fp_state());
    done();
    park()
}

fn new_thread_starts_with_clean_fp_state(_: &'static BootInfo) -> Outcome {
    store_helper_state(&FpState::pattern(1, 1));
    let helper = spawn(255, 0, record_initial_fp, 0);
    // The helper starts while our FP registers hold non-zero values.
    let mine = FpState::pattern(0x1234, ROOT_FCSR);
    let found = hold_fp_across_yields(&mine, 4);
    wait_done();
    stop(helper);
    check_eq!(found, mine);
    check_eq!(helper_state(), FpState { regs: [0; 32], fcsr: 0 });
    Ok(())
}

/// x <- x * 1.000001 + 0.1, `steps` times, yielding after each step if asked.
fn compute(steps: u32, yielding: bool) -> f64 {
    let mut x = black_box(0.0f64);
    let mut y = black_box(1.0f64);
    for _ in 0..steps {
        x = black_box(x * 1.000001 + 0.1);
        y = black_box(y / 1.0001 + x * 0.001);
        if yielding {
            syscall::yield_now();
        }
    }
    x + y
}

const STEPS: u32 = 300;
static HELPER_RESULT: AtomicU64 = AtomicU64::new(0);

extern "C" fn compute_helper(_: u64) -> ! {
    HELPER_RESULT.store(compute(STEPS, true).to_bits(), Ordering::SeqCst);
    done();
    park()
}

fn rust_f64_math_interleaved_with_yields(_: &'static BootInfo) -> Outcome {
    let alone = compute(STEPS, false);
    check!((30.0..1e12).contains(&alone), "the computation gave {}", alone);
    HELPER_RESULT.store(0, Ordering::SeqCst);
    let helper = spawn(255, 0, compute_helper, 0);
    let together = compute(STEPS, true);
    wait_done();
    stop(helper);
    check_eq!(together.to_bits(), alone.to_bits());
    check_eq!(HELPER_RESULT.load(Ordering::SeqCst), alone.to_bits());
    Ok(())
}

static MARKS: [AtomicU64; 2] = [const { AtomicU64::new(0) }; 2];

/// Marks 0, executes one FP instruction, marks 1, reports.
extern "C" fn touch_fpu(_: u64) -> ! {
    MARKS[0].store(1, Ordering::SeqCst);
    // SAFETY: writes f0 only, declared clobbered.
    unsafe { asm!("fmv.d.x f0, zero", out("f0") _, options(nomem, nostack)) };
    MARKS[1].store(1, Ordering::SeqCst);
    done();
    park()
}

fn fpu_disabled_thread_faults_on_fp_instruction(_: &'static BootInfo) -> Outcome {
    MARKS.iter().for_each(|mark| mark.store(0, Ordering::SeqCst));
    let helper = new_helper(255, 0);
    check_eq!(check_ok!(tcb::set_flags(helper.tcb, 0, TCB_FLAG_FPU_DISABLED)), TCB_FLAG_FPU_DISABLED);
    start(&helper, touch_fpu, 0);
    for _ in 0..5 {
        syscall::yield_now();
    }
    // It ran up to the FP instruction and stopped there (no fault handler).
    let marks = (MARKS[0].load(Ordering::SeqCst), MARKS[1].load(Ordering::SeqCst));
    if marks.1 != 0 {
        wait_done();
    }
    check_eq!(marks, (1, 0));
    // With the FPU enabled again, a Resume retries the instruction and the thread goes on.
    check_eq!(check_ok!(tcb::set_flags(helper.tcb, TCB_FLAG_FPU_DISABLED, 0)), 0);
    check_ok!(tcb::resume(helper.tcb));
    wait_done();
    check_eq!(MARKS[1].load(Ordering::SeqCst), 1);
    stop(helper);
    Ok(())
}

static FINISHED: AtomicU64 = AtomicU64::new(0);

/// Like `hold_helper`, with fewer rounds, and marks FINISHED when its asm block is over.
extern "C" fn hold_then_finish(_: u64) -> ! {
    STARTED.store(1, Ordering::SeqCst);
    let found = hold_fp_across_yields(&FpState::pattern(0xd15a, HELPER_FCSR), 10);
    FINISHED.store(1, Ordering::SeqCst);
    store_helper_state(&found);
    done();
    park()
}

fn state_survives_disable_and_reenable(_: &'static BootInfo) -> Outcome {
    // sel4test FPU0004: the FPU of a thread in the middle of FP work is disabled; its next FP
    // instruction (the stores after its yield loop) faults; with the FPU enabled again it is
    // resumed, retries the instruction and finds its registers as it left them.
    STARTED.store(0, Ordering::SeqCst);
    FINISHED.store(0, Ordering::SeqCst);
    store_helper_state(&FpState { regs: [0; 32], fcsr: 0 });
    let helper = spawn(255, 0, hold_then_finish, 0);
    syscall::yield_now();
    check_eq!(STARTED.load(Ordering::SeqCst), 1);
    check_eq!(check_ok!(tcb::set_flags(helper.tcb, 0, TCB_FLAG_FPU_DISABLED)), TCB_FLAG_FPU_DISABLED);
    // Our own FP work in the meantime must not leak into its state.
    let mine = FpState::pattern(0x0dd, ROOT_FCSR);
    check_eq!(hold_fp_across_yields(&mine, 20), mine);
    check_eq!(FINISHED.load(Ordering::SeqCst), 0);
    check_eq!(check_ok!(tcb::set_flags(helper.tcb, TCB_FLAG_FPU_DISABLED, 0)), 0);
    check_ok!(tcb::resume(helper.tcb));
    wait_done();
    stop(helper);
    check_eq!(FINISHED.load(Ordering::SeqCst), 1);
    check_eq!(helper_state(), FpState::pattern(0xd15a, HELPER_FCSR));
    Ok(())
}

fn own_flag_cleared_gives_fpu_back_at_once(_: &'static BootInfo) -> Outcome {
    // seL4 16.0.0: a thread that disables its own FPU and enables it again goes on with its FP
    // registers as they were, without an FP instruction in between to bring them back.
    let call = Syscall::Call.value() as i64 as u64;
    let info = MessageInfo::new(InvocationLabel::TcbSetFlags.value(), 0, 0, 2).word();
    let tcb = slots::CAP_INIT_THREAD_TCB;
    let mine = FpState::pattern(0x5e1f, ROOT_FCSR);
    let found = hold_fp_across_calls(
        &mine,
        &[[call, tcb, info, 0, TCB_FLAG_FPU_DISABLED], [call, tcb, info, TCB_FLAG_FPU_DISABLED, 0]],
    );
    check_eq!(found, mine);
    check_eq!(check_ok!(tcb::set_flags(tcb, 0, 0)), 0);
    Ok(())
}

static SUSPEND_RESULT: crate::support::Board = crate::support::Board::new();

/// Holds a pattern in the FP registers across many yields and records whether it survived.
extern "C" fn hold_pattern(_: u64) -> ! {
    let state = FpState::pattern(0x5a, 0);
    let found = hold_fp_across_yields(&state, 60);
    SUSPEND_RESULT.set(0, if found == state { 1 } else { 2 });
    crate::support::done();
    crate::support::park()
}

fn state_survives_suspend_and_resume(_: &'static BootInfo) -> Outcome {
    SUSPEND_RESULT.clear();
    let helper = crate::support::spawn(255, 0, hold_pattern, 0);
    // Let it load its registers and yield back a few times; it owns the FPU now.
    crate::support::yield_times(5);
    check_ok!(atoll_sdk::tcb::suspend(helper.tcb));
    crate::support::yield_times(3);
    check_eq!(SUSPEND_RESULT.get(0), 0);
    check_ok!(atoll_sdk::tcb::resume(helper.tcb));
    crate::support::wait_done();
    check_eq!(SUSPEND_RESULT.get(0), 1);
    crate::support::stop(helper);
    Ok(())
}
