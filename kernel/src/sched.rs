//! The scheduler: seL4's ready queues (per domain and priority), the scheduler action, the
//! time slice, and the switch to the chosen thread or the idle loop.
use crate::arch::riscv64::{csr, entry, fpu, platform, vm, vspace};
use crate::cspace::{CteStore, PhysicalSlots};
use crate::kmem::{self, KernelCell, KernelWord};
use crate::object::tcb::{TIME_SLICE_TICKS, Tcb, ThreadState, UserContext, slot, slot_paddr};
use atoll_abi::CapType;
use atoll_kernel_core::queue::Links;
use atoll_kernel_core::ready::ReadyQueues;

/// seL4_TCBFlag_fpuDisabled.
const FPU_DISABLED: u64 = 1;

/// seL4's CONFIG_NUM_DOMAINS for the ABI target's default configuration.
pub const NUM_DOMAINS: usize = 1;

/// What the next return to user level must do (seL4's ksSchedulerAction).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Action {
    ResumeCurrent,
    ChooseNew,
    SwitchTo(u64),
}

struct Scheduler {
    ready: ReadyQueues<NUM_DOMAINS>,
    action: Action,
    current_domain: u8,
}

static SCHEDULER: KernelCell<Scheduler> =
    KernelCell::new(Scheduler { ready: ReadyQueues::new(), action: Action::ResumeCurrent, current_domain: 0 });

/// The running thread's TCB; 0 while idle.
static CURRENT: KernelWord = KernelWord::new(0);
/// The thread whose address space satp holds; 0 when unknown. The kernel runs on the user's
/// page table, so returning to the same thread needs no switch.
static SATP_LOADED: KernelWord = KernelWord::new(0);
/// The thread whose registers are in the FPU; 0 for none.
static FPU_OWNER: KernelWord = KernelWord::new(0);

pub fn tcb(paddr: u64) -> &'static mut Tcb {
    kmem::tcb(paddr)
}

/// The ready-queue link fields of TCBs.
struct SchedLinks;

impl Links for SchedLinks {
    fn next(&self, node: u64) -> u64 {
        tcb(node).sched_next
    }
    fn prev(&self, node: u64) -> u64 {
        tcb(node).sched_prev
    }
    fn set_next(&mut self, node: u64, next: u64) {
        tcb(node).sched_next = next;
    }
    fn set_prev(&mut self, node: u64, prev: u64) {
        tcb(node).sched_prev = prev;
    }
}

/// The running thread's TCB address (None while idle).
pub fn current() -> Option<u64> {
    let current = CURRENT.get();
    (current != 0).then_some(current)
}

pub fn current_domain() -> u8 {
    SCHEDULER.borrow_mut().current_domain
}

/// Boot: the root task runs first.
pub fn set_current(tcb_paddr: u64) {
    CURRENT.set(tcb_paddr);
}

/// Puts a runnable thread at the head of its ready queue (seL4's tcbSchedEnqueue).
pub fn enqueue(thread: u64) {
    let t = tcb(thread);
    if !t.in_ready_queue {
        let (domain, priority) = (t.domain as usize, t.priority);
        t.in_ready_queue = true;
        SCHEDULER.borrow_mut().ready.prepend(&mut SchedLinks, domain, priority, thread);
    }
}

/// Puts a runnable thread at the tail of its ready queue (seL4's tcbSchedAppend).
pub fn append(thread: u64) {
    let t = tcb(thread);
    if !t.in_ready_queue {
        let (domain, priority) = (t.domain as usize, t.priority);
        t.in_ready_queue = true;
        SCHEDULER.borrow_mut().ready.append(&mut SchedLinks, domain, priority, thread);
    }
}

/// Takes a thread out of its ready queue (seL4's tcbSchedDequeue).
pub fn dequeue(thread: u64) {
    let t = tcb(thread);
    if t.in_ready_queue {
        let (domain, priority) = (t.domain as usize, t.priority);
        t.in_ready_queue = false;
        SCHEDULER.borrow_mut().ready.remove(&mut SchedLinks, domain, priority, thread);
    }
}

/// The next return to user level picks the best thread again (seL4's rescheduleRequired).
pub fn reschedule_required() {
    let action = SCHEDULER.borrow_mut().action;
    if let Action::SwitchTo(candidate) = action {
        enqueue(candidate);
    }
    SCHEDULER.borrow_mut().action = Action::ChooseNew;
}

/// A thread became runnable: run it now if it may preempt, else queue it (seL4's
/// possibleSwitchTo).
pub fn possible_switch_to(target: u64) {
    let (action, domain) = {
        let s = SCHEDULER.borrow_mut();
        (s.action, s.current_domain)
    };
    if tcb(target).domain != domain {
        enqueue(target);
    } else if action != Action::ResumeCurrent {
        reschedule_required();
        enqueue(target);
    } else {
        SCHEDULER.borrow_mut().action = Action::SwitchTo(target);
    }
}

/// Changes a thread's state, rescheduling if the current thread stops being runnable
/// (seL4's setThreadState).
pub fn set_state(thread: u64, state: ThreadState) {
    tcb(thread).state = state;
    if !state.is_runnable() && thread == CURRENT.get() && SCHEDULER.borrow_mut().action == Action::ResumeCurrent {
        reschedule_required();
    }
}

/// A thread is being suspended or destroyed: it must not stay queued or be switched to.
pub fn forget(thread: u64) {
    dequeue(thread);
    let mut s = SCHEDULER.borrow_mut();
    if s.action == Action::SwitchTo(thread) {
        s.action = Action::ChooseNew;
    }
}

/// seL4_Yield: to the back of its queue, then choose again.
pub fn yield_current() {
    if let Some(current) = current() {
        dequeue(current);
        append(current);
        reschedule_required();
    }
}

/// A timer tick: charge the running thread; at the end of its slice, round-robin.
pub fn timer_tick() {
    let Some(current) = current() else { return };
    let t = tcb(current);
    if !t.state.is_runnable() {
        return;
    }
    if t.time_slice > 1 {
        t.time_slice -= 1;
    } else {
        t.time_slice = TIME_SLICE_TICKS;
        append(current);
        reschedule_required();
    }
}

fn highest_is(priority: u8, domain: u8) -> bool {
    let s = SCHEDULER.borrow_mut();
    match s.ready.highest_priority(domain as usize) {
        None => true,
        Some(best) => priority >= best,
    }
}

fn switch_to(thread: u64) {
    dequeue(thread);
    CURRENT.set(thread);
}

fn choose_new() {
    let best = {
        let s = SCHEDULER.borrow_mut();
        s.ready.best(s.current_domain as usize)
    };
    match best {
        Some((_, thread)) => switch_to(thread),
        None => CURRENT.set(0),
    }
}

/// Carries out the scheduler action (seL4's schedule).
fn schedule() {
    let (action, current) = (SCHEDULER.borrow_mut().action, CURRENT.get());
    if action == Action::ResumeCurrent {
        return;
    }
    let was_runnable = current != 0 && tcb(current).state.is_runnable();
    if was_runnable {
        enqueue(current);
    }
    match action {
        Action::SwitchTo(candidate) => {
            let candidate_priority = tcb(candidate).priority;
            let domain = current_domain();
            let fast_fail = current == 0 || candidate_priority < tcb(current).priority;
            if fast_fail && !highest_is(candidate_priority, domain) {
                enqueue(candidate);
                choose_new();
            } else if was_runnable && candidate_priority == tcb(current).priority {
                append(candidate);
                choose_new();
            } else {
                switch_to(candidate);
            }
        }
        _ => choose_new(),
    }
    SCHEDULER.borrow_mut().action = Action::ResumeCurrent;
}

/// The thread's satp if its VSpace is valid (the fastpath only switches to such threads).
#[inline(always)]
pub fn valid_satp(thread: u64) -> Option<u64> {
    let cap = PhysicalSlots.cap(slot_paddr(thread, slot::VSPACE_ROOT));
    let asid = cap.mapped_asid();
    let valid =
        cap.is(CapType::PageTable) && cap.page_table_is_mapped() && vspace::find_vspace(asid) == Some(cap.paddr());
    valid.then(|| vm::satp(cap.paddr(), asid))
}

/// The thread's address space, or the kernel's alone if its VSpace is gone (seL4's setVMRoot:
/// the thread then faults on its first access).
fn vspace_satp(thread: u64) -> u64 {
    let cap = PhysicalSlots.cap(slot_paddr(thread, slot::VSPACE_ROOT));
    let asid = cap.mapped_asid();
    let valid =
        cap.is(CapType::PageTable) && cap.page_table_is_mapped() && vspace::find_vspace(asid) == Some(cap.paddr());
    if valid { vm::satp(cap.paddr(), asid) } else { vm::kernel_satp() }
}

/// Makes a restarted thread re-execute its system call (seL4's activateThread).
fn activate(thread: u64) {
    let t = tcb(thread);
    if t.state == ThreadState::Restart {
        t.context.regs[UserContext::PC] = t.fault_ip;
        t.state = ThreadState::Running;
    }
}

/// Whether `thread` holds the FPU and may use it.
fn fpu_usable(thread: u64) -> bool {
    tcb(thread).flags & FPU_DISABLED == 0 && FPU_OWNER.get() == thread
}

/// Lazy FPU switching: a thread that does not own the FPU runs with it off; its first FP
/// instruction traps as illegal and lands here, which hands it the FPU and retries.
/// Returns false when the trap was a real illegal instruction.
pub fn claim_fpu(thread: u64) -> bool {
    let owner = FPU_OWNER.get();
    if owner == thread || tcb(thread).flags & FPU_DISABLED != 0 {
        return false;
    }
    csr::enable_fpu();
    if owner != 0 {
        fpu::save(&mut tcb(owner).fpu);
    }
    fpu::restore(&tcb(thread).fpu);
    FPU_OWNER.set(thread);
    true
}

/// Enters `thread` in user mode: its address space, its FPU access, its registers.
pub fn run(thread: u64) -> ! {
    if SATP_LOADED.get() == thread {
        enter(thread)
    }
    run_in(thread, vspace_satp(thread))
}

/// An address space went away or a thread's VSpace changed: switch satp on the next return.
pub fn forget_loaded_satp() {
    SATP_LOADED.set(0);
}

/// As `run`, with the thread's satp already worked out.
#[inline(always)]
pub fn run_in(thread: u64, satp: u64) -> ! {
    csr::write_satp_and_flush(satp);
    SATP_LOADED.set(thread);
    enter(thread)
}

/// The last step to user mode, with satp already right for `thread`.
#[inline(always)]
fn enter(thread: u64) -> ! {
    if fpu_usable(thread) {
        csr::enable_fpu();
    } else {
        csr::disable_fpu();
    }
    entry::enter_user(&tcb(thread).context)
}

/// Fastpath: `thread` (blocked until now, not queued) runs next in place of the current one.
#[inline(always)]
pub fn switch_to_unqueued(thread: u64) {
    CURRENT.set(thread);
}

/// Schedules, then runs the chosen thread, idling until one can run.
pub fn schedule_and_return() -> ! {
    loop {
        schedule();
        if let Some(thread) = current() {
            activate(thread);
            run(thread);
        }
        idle_until_interrupt();
    }
}

/// The idle path: wait with interrupts masked, then service whatever became pending.
fn idle_until_interrupt() {
    csr::wait_for_interrupt();
    let pending = csr::sip();
    if pending & csr::TIMER_INTERRUPT != 0 {
        platform::rearm_timer();
    }
    if pending & csr::EXTERNAL_INTERRUPT != 0 {
        crate::object::irq::handle_external_interrupt();
    }
    reschedule_required();
}

/// Every thread, for seL4_DebugDumpScheduler (seL4 keeps the same list in debug builds).
static ALL_THREADS: KernelCell<atoll_kernel_core::queue::Queue> =
    KernelCell::new(atoll_kernel_core::queue::Queue::EMPTY);

/// The debug-list link fields of TCBs.
struct DebugLinks;

impl Links for DebugLinks {
    fn next(&self, node: u64) -> u64 {
        tcb(node).debug_next
    }
    fn prev(&self, node: u64) -> u64 {
        tcb(node).debug_prev
    }
    fn set_next(&mut self, node: u64, next: u64) {
        tcb(node).debug_next = next;
    }
    fn set_prev(&mut self, node: u64, prev: u64) {
        tcb(node).debug_prev = prev;
    }
}

/// A new thread exists.
pub fn register_thread(thread: u64) {
    ALL_THREADS.borrow_mut().append(&mut DebugLinks, thread);
}

/// A thread's TCB is being destroyed. Its memory may hold a new TCB later, so nothing may keep
/// recognising this address: not the debug list, and not the satp shortcut.
pub fn unregister_thread(thread: u64) {
    ALL_THREADS.borrow_mut().remove(&mut DebugLinks, thread);
    if SATP_LOADED.get() == thread {
        forget_loaded_satp();
    }
    // A suspended thread keeps the FPU (its registers are saved when another thread claims
    // it); a destroyed one gives it up, so a new TCB at this address starts clean.
    if FPU_OWNER.get() == thread {
        FPU_OWNER.set(0);
    }
}

/// seL4_DebugDumpScheduler: one line per thread.
pub fn dump() {
    crate::kprintln!("atoll: threads (name, state, priority, current):");
    let mut node = ALL_THREADS.borrow_mut().head;
    while node != 0 {
        let t = tcb(node);
        let marker = if node == CURRENT.get() { " <- current" } else { "" };
        crate::kprintln!("atoll:   {:<24} {:<22} {:>3}{}", t.name(), state_name(t.state), t.priority, marker);
        node = t.debug_next;
    }
}

fn state_name(state: ThreadState) -> &'static str {
    match state {
        ThreadState::Inactive => "inactive",
        ThreadState::Running => "running",
        ThreadState::Restart => "restart",
        ThreadState::BlockedOnReceive => "blocked on receive",
        ThreadState::BlockedOnSend => "blocked on send",
        ThreadState::BlockedOnReply => "blocked on reply",
        ThreadState::BlockedOnNotification => "blocked on notification",
    }
}
