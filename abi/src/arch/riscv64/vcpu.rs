//! The RISC-V VCPU (hypervisor builds): its registers as the VCPU invocations number them, its
//! object size, the guest-physical address space, and the VCPU fault's layout. The names follow
//! seL4's experimental RISC-V hypervisor branch, so VMMs written for it map onto Atoll.

use crate::convert::abi_enum;

abi_enum! {
    /// seL4_VCPUReg: the guest's VS-level CSRs a VMM reads and writes with
    /// RISCVVCPUReadReg / RISCVVCPUWriteReg.
    pub enum VcpuReg: u64 {
        /// vsstatus
        Sstatus = 0,
        /// vsie
        Sie = 1,
        /// vstvec
        Stvec = 2,
        /// vsscratch
        Sscratch = 3,
        /// vsepc
        Sepc = 4,
        /// vscause
        Scause = 5,
        /// vstval
        Stval = 6,
        /// The interrupts the VMM injects, at the guest's sip positions (SSIP bit 1, STIP bit 5,
        /// SEIP bit 9); they stay pending until written clear (the guest may clear SSIP). The
        /// guest's timer interrupt from `Timer` is not among them.
        Sip = 7,
        /// vsatp
        Satp = 8,
        /// The guest's timer compare value (vstimecmp, in `time` ticks): the guest's timer
        /// interrupt is pending while `time` is at or past it.
        Timer = 9,
    }
}

/// seL4_VCPUReg_Num
pub const VCPU_REG_COUNT: u64 = 10;

/// seL4_RISCV_VCPUBits
pub const VCPU_BITS: usize = 12;
/// The guest root page table of an Sv39x4 G-stage address space: 2048 entries, 16 KiB.
pub const GUEST_ROOT_PAGE_TABLE_BITS: usize = 14;
/// One past the highest guest-physical address a VMM can map: Sv39x4 translates 41 bits, and
/// a mapping's address is recorded in 39 bits of its cap, as a VSpace's is.
pub const GUEST_PHYS_TOP: u64 = 1 << 39;
/// Guest address spaces use their ASID as the hardware VMID, which has at most 14 bits (the
/// kernel finds how many the hart has); an ASID that does not fit cannot hold a guest root.
pub const VMID_BITS: usize = 14;

/// seL4_VCPUFault_Cause: the guest's trap cause (scause): 10 an SBI call (ecall from
/// VS-mode), 22 a virtual-instruction trap.
pub const VCPU_FAULT_CAUSE: usize = 0;
/// seL4_VCPUFault_Data: stval of the trap (the instruction bits of a virtual-instruction trap).
pub const VCPU_FAULT_DATA: usize = 1;
/// The guest's pc at the trap, then its a0..a7 (an SBI call's arguments, function and
/// extension), so a VMM needs no ReadRegisters for an SBI call. Atoll's addition: the branch's
/// message is the cause alone.
pub const VCPU_FAULT_PC: usize = 2;
/// The guest's a0; a1..a7 follow.
pub const VCPU_FAULT_A0: usize = 3;
/// seL4_VCPUFault_Length
pub const VCPU_FAULT_LENGTH: usize = 11;
/// A reply with label 0 resumes the guest after writing its pc, a0, a1, ... a7 from the reply's
/// message registers, as many as the reply's length (as an UnknownSyscall reply does); any
/// other label leaves the guest stopped.
pub const VCPU_FAULT_REPLY_REGISTERS: usize = 9;

/// Guest page faults arrive as VM faults: Addr is the guest-physical address, FSR the trap
/// cause (one of these), PrefetchFault 1 for an instruction fetch.
pub const GUEST_INSTRUCTION_PAGE_FAULT: u64 = 20;
/// A guest load from unmapped guest-physical memory.
pub const GUEST_LOAD_PAGE_FAULT: u64 = 21;
/// A guest store to unmapped (or read-only) guest-physical memory.
pub const GUEST_STORE_PAGE_FAULT: u64 = 23;
/// The VCPU fault cause of an SBI call.
pub const CAUSE_SBI_CALL: u64 = 10;
/// The VCPU fault cause of a virtual-instruction trap.
pub const CAUSE_VIRTUAL_INSTRUCTION: u64 = 22;
