//! RISC-V VCPU invocations (hypervisor builds), named as seL4's experimental RISC-V hypervisor
//! branch names them (seL4_RISCV_VCPU_SetTCB, _ReadRegs, _WriteRegs).
use crate::invocation::{Failure, invoke};
use atoll_abi::InvocationLabel as L;
pub use atoll_abi::arch::vcpu::VcpuReg;

/// seL4_RISCV_VCPU_SetTCB: `tcb` runs the guest whose state `vcpu` holds.
pub fn set_tcb(vcpu: u64, tcb: u64) -> Result<(), Failure> {
    invoke(vcpu, L::RiscvVcpuSetTcb, &[], &[tcb]).map(|_| ())
}

/// seL4_RISCV_VCPU_ReadRegs: one of the guest's VS-level registers.
pub fn read_reg(vcpu: u64, reg: VcpuReg) -> Result<u64, Failure> {
    invoke(vcpu, L::RiscvVcpuReadReg, &[reg.value()], &[]).map(|reply| reply.mrs[0])
}

/// seL4_RISCV_VCPU_WriteRegs: sets one of the guest's VS-level registers (`Sip` injects
/// interrupts: SSIP bit 1, STIP bit 5, SEIP bit 9).
pub fn write_reg(vcpu: u64, reg: VcpuReg, value: u64) -> Result<(), Failure> {
    invoke(vcpu, L::RiscvVcpuWriteReg, &[reg.value(), value], &[]).map(|_| ())
}
