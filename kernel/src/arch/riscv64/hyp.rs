//! The hypervisor extension (hypervisor builds): VCPUs, switching a guest's VS-level state in
//! and out, guest traps, and the VCPU invocations (RISCVVCPUSetTCB, ReadReg, WriteReg).
//!
//! A thread with a bound VCPU runs a guest: it enters VS-mode (hstatus.SPV) with the VCPU's
//! VS CSRs in the hart and its VSpace, a guest root page table, as the G-stage (hgatp, VMID =
//! the root's ASID). Its saved registers are the guest's general registers, so a VMM reads and
//! writes them with TCB_ReadRegisters / WriteRegisters. VS CSRs only act while V=1, so they stay
//! in the hart while other threads (the VMM) run, and are saved only when another VCPU needs it.
//!
//! The guest's timer is Sstc's vstimecmp when the hart has it (checked at boot): the hardware
//! raises the guest's timer interrupt itself, and a guest told about Sstc never exits for time.
use super::layout::kernel_image_paddr;
use crate::error::SyscallError;
use crate::memory::caps;
use crate::memory::{Handle, KernelObject, KernelWord, Tcb};
use crate::message::Message;
use atoll_abi::arch::vcpu::{VCPU_REG_COUNT, VcpuReg};
use atoll_abi::{CapType, InvocationLabel as L};
use atoll_kernel_core::cap::Cap;
use core::arch::asm;

macro_rules! csr {
    ($read:ident, $write:ident, $number:literal) => {
        #[inline(always)]
        fn $read() -> u64 {
            let value: u64;
            // SAFETY: reading a hypervisor or VS CSR has no side effects.
            unsafe { asm!(concat!("csrr {0}, ", $number), out(reg) value, options(nomem, nostack)) };
            value
        }

        #[inline(always)]
        fn $write(value: u64) {
            // SAFETY: the kernel owns the hypervisor CSRs; VS CSRs only act while a guest runs
            // (V=1), and each call site keeps them those of the VCPU loaded for that guest.
            unsafe { asm!(concat!("csrw ", $number, ", {0}"), in(reg) value, options(nostack)) };
        }
    };
}

csr!(hstatus, write_hstatus, "0x600");
csr!(_hedeleg, write_hedeleg, "0x602");
csr!(_hideleg, write_hideleg, "0x603");
csr!(_hie, write_hie, "0x604");
csr!(_htimedelta, write_htimedelta, "0x605");
csr!(_hcounteren, write_hcounteren, "0x606");
csr!(henvcfg, write_henvcfg, "0x60a");
csr!(htval, _write_htval, "0x643");
csr!(hvip, write_hvip, "0x645");
csr!(hgatp_value, write_hgatp, "0x680");
csr!(vsstatus, write_vsstatus, "0x200");
csr!(vsie, write_vsie, "0x204");
csr!(vstvec, write_vstvec, "0x205");
csr!(vsscratch, write_vsscratch, "0x240");
csr!(vsepc, write_vsepc, "0x241");
csr!(vscause, write_vscause, "0x242");
csr!(vstval, write_vstval, "0x243");
csr!(vsatp, write_vsatp, "0x280");
csr!(vstimecmp, write_vstimecmp, "0x24d");

const HSTATUS_SPV: u64 = 1 << 7;
/// VSXL = 2: the guest's supervisor mode is 64-bit. VTW, VTSR and VTVM stay clear: the guest
/// may wait for interrupts (the kernel's own interrupts still reach it), return with sret and
/// manage its own translations.
const HSTATUS_BOOT: u64 = 2 << 32;
const SSTATUS_SPP: u64 = 1 << 8;
/// Exceptions the guest handles itself: misaligned accesses, access faults, illegal
/// instructions, breakpoints, ecalls from its user mode, and its own page faults. Its ecalls
/// (SBI), virtual-instruction traps and guest page faults come to the kernel, and to its VMM.
const HEDELEG_GUEST: u64 = (1 << 0)
    | (1 << 1)
    | (1 << 2)
    | (1 << 3)
    | (1 << 4)
    | (1 << 5)
    | (1 << 6)
    | (1 << 7)
    | (1 << 8)
    | (1 << 12)
    | (1 << 13)
    | (1 << 15);
/// The guest's own software, timer and external interrupts go straight to it.
const HIDELEG_GUEST: u64 = (1 << 2) | (1 << 6) | (1 << 10);
/// hvip bits the VMM may set: the guest's software, timer and external interrupts.
const HVIP_INJECTABLE: u64 = (1 << 2) | (1 << 6) | (1 << 10);
const HENVCFG_STCE: u64 = 1 << 63;
const HGATP_MODE_SV39X4: u64 = 8 << 60;
const HGATP_VMID_SHIFT: u32 = 44;
/// The guest may read cycle, time and instret, as user level may.
const HCOUNTEREN_GUEST: u64 = 0b111;

/// A virtual hart's VS-level state while it is not in the hart.
#[repr(C)]
pub struct Vcpu {
    tcb: Option<Handle<Tcb>>,
    /// In `VcpuReg` order; `Sip` holds hvip's bits.
    regs: [u64; VCPU_REG_COUNT as usize],
    /// Whether the guest was in its user mode (VU) when it last trapped; it starts in VS.
    guest_user_mode: bool,
}

// SAFETY: zeroed memory is a VCPU bound to no thread, with every VS CSR zero, whose guest
// starts in VS-mode; every field is written only with valid values of its type.
unsafe impl KernelObject for Vcpu {}

impl Handle<Vcpu> {
    fn tcb(self) -> Option<Handle<Tcb>> {
        // SAFETY: a Handle names a live VCPU; the field is read in place.
        unsafe { (&raw const (*self.as_ptr()).tcb).read() }
    }

    fn set_tcb(self, tcb: Option<Handle<Tcb>>) {
        // SAFETY: as for `tcb`.
        unsafe { (&raw mut (*self.as_ptr()).tcb).write(tcb) }
    }

    fn reg(self, reg: VcpuReg) -> u64 {
        // SAFETY: as for `tcb`; a VcpuReg is below VCPU_REG_COUNT.
        unsafe { (&raw const (*self.as_ptr()).regs[reg as usize]).read() }
    }

    fn set_reg(self, reg: VcpuReg, value: u64) {
        // SAFETY: as for `reg`.
        unsafe { (&raw mut (*self.as_ptr()).regs[reg as usize]).write(value) }
    }

    fn guest_user_mode(self) -> bool {
        // SAFETY: as for `tcb`.
        unsafe { (&raw const (*self.as_ptr()).guest_user_mode).read() }
    }

    fn set_guest_user_mode(self, user: bool) {
        // SAFETY: as for `tcb`.
        unsafe { (&raw mut (*self.as_ptr()).guest_user_mode).write(user) }
    }
}

/// The VCPU whose guest `tcb` runs, if any.
#[inline(always)]
pub fn vcpu_of(tcb: Handle<Tcb>) -> Option<Handle<Vcpu>> {
    match tcb.vcpu() {
        0 => None,
        // SAFETY: a TCB's VCPU field is only ever set to a live VCPU (`associate`), and cleared
        // before that VCPU or the TCB goes away (`dissociate`).
        paddr => Some(unsafe { Handle::from_paddr(paddr) }),
    }
}

/// Whether `tcb` runs a guest.
#[inline(always)]
pub fn runs_guest(tcb: Handle<Tcb>) -> bool {
    tcb.vcpu() != 0
}

/// The VCPU whose VS state is in the hart (seL4's riscvHSCurVCPU).
static LOADED: KernelWord<Option<Handle<Vcpu>>> = KernelWord::new(None);
/// What hgatp holds (0: nothing yet).
static LOADED_HGATP: KernelWord<u64> = KernelWord::new(0);
/// How many VMID bits the hart implements (found at boot).
static VMID_BITS: KernelWord<u64> = KernelWord::new(0);
/// Whether the hart has Sstc's vstimecmp (found at boot).
static HAS_GUEST_TIMER: KernelWord<bool> = KernelWord::new(false);

/// An empty G-stage root: a thread with a VCPU whose VSpace is no valid guest root runs its
/// guest on this, so every guest access faults to its VMM and none reaches host memory.
#[repr(C, align(16384))]
struct EmptyGuestRoot([u64; 2048]);

static EMPTY_GUEST_ROOT: EmptyGuestRoot = EmptyGuestRoot([0; 2048]);

/// Boot: what every guest runs under, and whether guests get a hardware timer.
pub fn init() {
    write_hstatus(HSTATUS_BOOT);
    write_hedeleg(HEDELEG_GUEST);
    write_hideleg(HIDELEG_GUEST);
    write_hie(0);
    write_hvip(0);
    write_htimedelta(0);
    write_hcounteren(HCOUNTEREN_GUEST);
    // hgatp's mode and VMID are WARL: a hart without Sv39x4 would read back Bare, which would
    // give guests all of host memory, and the VMID may be narrower than 14 bits.
    write_hgatp(HGATP_MODE_SV39X4 | (0x3fff << HGATP_VMID_SHIFT));
    let probe = hgatp_value();
    write_hgatp(0);
    assert!(probe >> 60 == HGATP_MODE_SV39X4 >> 60, "the hart has no Sv39x4 G-stage translation");
    VMID_BITS.set(((probe >> HGATP_VMID_SHIFT) & 0x3fff).count_ones() as u64);
    // STCE reads back as 0 when the machine level has not enabled Sstc for us.
    write_henvcfg(HENVCFG_STCE);
    HAS_GUEST_TIMER.set(henvcfg() & HENVCFG_STCE != 0);
    crate::kprintln!(
        "atoll: hypervisor extension on; {}-bit VMIDs; guest timer: {}",
        VMID_BITS.get(),
        if HAS_GUEST_TIMER.get() { "Sstc vstimecmp" } else { "none (the VMM injects timer interrupts)" }
    );
}

/// Whether `asid` can be a guest's VMID on this hart.
pub fn vmid_fits(asid: u64) -> bool {
    asid >> VMID_BITS.get() == 0
}

/// Whether the trap the kernel is handling came from a guest (V was 1).
#[inline(always)]
pub fn trapped_from_guest() -> bool {
    hstatus() & HSTATUS_SPV != 0
}

/// A guest trapped: remember whether it was in its user or supervisor mode, which the return
/// to it restores (sstatus.SPP, which returns to other threads overwrite).
#[inline(always)]
pub fn note_guest_trap() {
    if let Some(vcpu) = LOADED.get() {
        vcpu.set_guest_user_mode(super::csr::sstatus() & SSTATUS_SPP == 0);
    }
}

/// The guest-physical address of a guest page fault (htval holds it shifted right by 2; the
/// low bits come from stval).
#[inline(always)]
pub fn guest_fault_address(stval: u64) -> u64 {
    (htval() << 2) | (stval & 3)
}

/// Sets up sret for `thread`: into its guest (VS or VU, as it trapped) if it has a VCPU,
/// else into user mode.
#[inline(always)]
pub fn prepare_return(thread: Handle<Tcb>) {
    // SAFETY (all three blocks): only the privilege sret returns to changes, and the kernel
    // itself runs in HS-mode regardless.
    match vcpu_of(thread) {
        Some(vcpu) => unsafe {
            asm!("csrs 0x600, {0}", in(reg) HSTATUS_SPV, options(nostack));
            if vcpu.guest_user_mode() {
                asm!("csrc sstatus, {0}", in(reg) SSTATUS_SPP, options(nostack));
            } else {
                asm!("csrs sstatus, {0}", in(reg) SSTATUS_SPP, options(nostack));
            }
        },
        None => unsafe {
            asm!("csrc 0x600, {0}", "csrc sstatus, {1}", in(reg) HSTATUS_SPV, in(reg) SSTATUS_SPP, options(nostack));
        },
    }
}

/// hgatp for a guest whose G-stage root is at `root_paddr` with VMID `vmid`; None for the
/// empty root.
fn hgatp(root: Option<(u64, u64)>) -> u64 {
    let (paddr, vmid) = root.unwrap_or((kernel_image_paddr(&raw const EMPTY_GUEST_ROOT), 0));
    HGATP_MODE_SV39X4 | (vmid << HGATP_VMID_SHIFT) | (paddr >> 12)
}

/// Puts `vcpu`'s state in the hart (saving the one there) and its guest's G-stage root
/// (`root`: physical address and ASID, None for no valid root) in hgatp.
pub fn load(vcpu: Handle<Vcpu>, root: Option<(u64, u64)>) {
    let switched = LOADED.get() != Some(vcpu);
    if switched {
        if let Some(old) = LOADED.get() {
            save(old);
        }
        restore(vcpu);
        LOADED.set(Some(vcpu));
    }
    let hgatp = hgatp(root);
    if switched || LOADED_HGATP.get() != hgatp {
        write_hgatp(hgatp);
        LOADED_HGATP.set(hgatp);
        // Guest-virtual translations are tagged by VMID only: another VCPU of the same guest,
        // or a guest given a recycled VMID, must not use the last one's (hfence.vvma zero,
        // zero, encoded since the assembler is not told about H).
        // SAFETY: hfence.vvma only drops cached VS-stage translations.
        unsafe { asm!(".word 0x22000073", options(nostack)) };
    }
}

/// The idle loop is about to wait for an interrupt: the loaded VCPU's enabled and pending
/// guest interrupts would wake `wfi` at once (vsie aliases hie), so its state leaves the hart.
pub fn park() {
    if let Some(vcpu) = LOADED.get() {
        save(vcpu);
        LOADED.set(None);
        write_vsie(0);
        write_hvip(0);
    }
}

fn save(vcpu: Handle<Vcpu>) {
    vcpu.set_reg(VcpuReg::Sstatus, vsstatus());
    vcpu.set_reg(VcpuReg::Sie, vsie());
    vcpu.set_reg(VcpuReg::Stvec, vstvec());
    vcpu.set_reg(VcpuReg::Sscratch, vsscratch());
    vcpu.set_reg(VcpuReg::Sepc, vsepc());
    vcpu.set_reg(VcpuReg::Scause, vscause());
    vcpu.set_reg(VcpuReg::Stval, vstval());
    vcpu.set_reg(VcpuReg::Sip, hvip());
    vcpu.set_reg(VcpuReg::Satp, vsatp());
    if HAS_GUEST_TIMER.get() {
        vcpu.set_reg(VcpuReg::Timer, vstimecmp());
    }
}

fn restore(vcpu: Handle<Vcpu>) {
    write_vsstatus(vcpu.reg(VcpuReg::Sstatus));
    write_vsie(vcpu.reg(VcpuReg::Sie));
    write_vstvec(vcpu.reg(VcpuReg::Stvec));
    write_vsscratch(vcpu.reg(VcpuReg::Sscratch));
    write_vsepc(vcpu.reg(VcpuReg::Sepc));
    write_vscause(vcpu.reg(VcpuReg::Scause));
    write_vstval(vcpu.reg(VcpuReg::Stval));
    write_hvip(vcpu.reg(VcpuReg::Sip));
    write_vsatp(vcpu.reg(VcpuReg::Satp));
    if HAS_GUEST_TIMER.get() {
        write_vstimecmp(vcpu.reg(VcpuReg::Timer));
    }
}

/// Takes `vcpu`'s state out of the hart (it is being unbound or destroyed), so the next
/// guest to run loads its own. Callers also drop the address-space shortcut
/// (`vspace::forget_loaded`): the thread may no longer run a guest.
fn unload(vcpu: Handle<Vcpu>, keep_state: bool) {
    if LOADED.get() == Some(vcpu) {
        if keep_state {
            save(vcpu);
        }
        LOADED.set(None);
        // Nothing of this guest stays visible to the next thread that enters VS-mode.
        write_hvip(0);
    }
}

/// Binds `vcpu` to `tcb`, undoing either's earlier binding (seL4's associateVCPUTCB).
fn associate(vcpu: Handle<Vcpu>, tcb: Handle<Tcb>) {
    if let Some(old) = vcpu_of(tcb) {
        dissociate(old, true);
    }
    dissociate(vcpu, true);
    tcb.set_vcpu(vcpu.paddr());
    vcpu.set_tcb(Some(tcb));
}

/// Unbinds `vcpu` from its thread, if it has one (seL4's dissociateVCPUTCB).
fn dissociate(vcpu: Handle<Vcpu>, keep_state: bool) {
    unload(vcpu, keep_state);
    if let Some(tcb) = vcpu.tcb() {
        tcb.set_vcpu(0);
        vcpu.set_tcb(None);
    }
}

/// The last cap to a VCPU went away.
pub fn vcpu_finalised(vcpu: Handle<Vcpu>) {
    dissociate(vcpu, false);
}

/// A thread is being destroyed: its VCPU is left unbound.
pub fn thread_destroyed(tcb: Handle<Tcb>) {
    if let Some(vcpu) = vcpu_of(tcb) {
        dissociate(vcpu, true);
    }
}

/// Reads a VCPU register: from the hart if the VCPU is loaded, else from its saved state.
fn read(vcpu: Handle<Vcpu>, reg: VcpuReg) -> u64 {
    if LOADED.get() == Some(vcpu) {
        save(vcpu);
    }
    match reg {
        // Guest view: SSIP, STIP and SEIP sit one bit below hvip's VSSIP, VSTIP, VSEIP.
        VcpuReg::Sip => (vcpu.reg(VcpuReg::Sip) & HVIP_INJECTABLE) >> 1,
        _ => vcpu.reg(reg),
    }
}

/// Writes a VCPU register, in the hart too if the VCPU is loaded.
fn write(vcpu: Handle<Vcpu>, reg: VcpuReg, value: u64) {
    let value = match reg {
        VcpuReg::Sip => (value << 1) & HVIP_INJECTABLE,
        _ => value,
    };
    let loaded = LOADED.get() == Some(vcpu);
    if loaded {
        // The hart holds the guest's newest state: keep it, change only this register.
        save(vcpu);
    }
    vcpu.set_reg(reg, value);
    if loaded {
        restore(vcpu);
    }
}

/// A checked VCPU invocation.
pub enum VcpuOp {
    SetTcb(Handle<Vcpu>, Handle<Tcb>),
    ReadReg(Handle<Vcpu>, VcpuReg),
    WriteReg(Handle<Vcpu>, VcpuReg, u64),
}

impl VcpuOp {
    /// Carries the invocation out; ReadReg's value is the reply.
    pub fn invoke(self) -> Option<u64> {
        match self {
            VcpuOp::SetTcb(vcpu, tcb) => associate(vcpu, tcb),
            VcpuOp::ReadReg(vcpu, reg) => return Some(read(vcpu, reg)),
            VcpuOp::WriteReg(vcpu, reg, value) => write(vcpu, reg, value),
        }
        None
    }
}

/// The VCPU a VCPU cap names.
pub fn vcpu(cap: Cap) -> Handle<Vcpu> {
    assert!(cap.is(CapType::Vcpu), "not a VCPU cap (kernel invariant)");
    // SAFETY: a VCPU cap names a live VCPU (the layer's invariant).
    unsafe { Handle::from_paddr(cap.paddr()) }
}

/// Decodes a VCPU invocation with the experimental seL4 branch's checks: SetTCB needs a thread
/// cap; ReadReg and WriteReg need the register number (and value) and a register that exists.
pub fn decode(message: &Message, cap: Cap) -> Result<VcpuOp, SyscallError> {
    let vcpu = vcpu(cap);
    let register = |word: Option<u64>| {
        let number = word.ok_or(SyscallError::TruncatedMessage)?;
        VcpuReg::from_value(number).ok_or(SyscallError::InvalidArgument { argument: 1 })
    };
    match L::from_value(message.label) {
        Some(L::RiscvVcpuSetTcb) => {
            let thread = message.extra_cap(0).ok_or(SyscallError::TruncatedMessage)?;
            if !thread.cap.is(CapType::Thread) {
                return Err(SyscallError::IllegalOperation);
            }
            Ok(VcpuOp::SetTcb(vcpu, caps::thread(thread.cap)))
        }
        Some(L::RiscvVcpuReadReg) => Ok(VcpuOp::ReadReg(vcpu, register(message.arg(0))?)),
        Some(L::RiscvVcpuWriteReg) => {
            let (reg, value) = (message.arg(0), message.arg(1));
            if reg.is_none() || value.is_none() {
                return Err(SyscallError::TruncatedMessage);
            }
            Ok(VcpuOp::WriteReg(vcpu, register(reg)?, value.unwrap_or(0)))
        }
        _ => Err(SyscallError::IllegalOperation),
    }
}
