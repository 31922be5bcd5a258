//! RISC-V VSpace invocations with libsel4's argument order (seL4_RISCV_*).
use crate::invocation::{Failure, invoke};
use atoll_abi::{CapRights, InvocationLabel as L};

fn unit<T>(result: Result<T, Failure>) -> Result<(), Failure> {
    result.map(|_| ())
}

/// seL4_RISCV_Page_Map.
pub fn page_map(frame: u64, vspace: u64, vaddr: u64, rights: CapRights, attributes: u64) -> Result<(), Failure> {
    unit(invoke(frame, L::RiscvPageMap, &[vaddr, rights.word(), attributes], &[vspace]))
}

/// seL4_RISCV_Page_Unmap.
pub fn page_unmap(frame: u64) -> Result<(), Failure> {
    unit(invoke(frame, L::RiscvPageUnmap, &[], &[]))
}

/// seL4_RISCV_PageTable_Map.
pub fn page_table_map(table: u64, vspace: u64, vaddr: u64, attributes: u64) -> Result<(), Failure> {
    unit(invoke(table, L::RiscvPageTableMap, &[vaddr, attributes], &[vspace]))
}

/// seL4_RISCV_PageTable_Unmap.
pub fn page_table_unmap(table: u64) -> Result<(), Failure> {
    unit(invoke(table, L::RiscvPageTableUnmap, &[], &[]))
}

/// seL4_RISCV_ASIDControl_MakePool.
pub fn asid_control_make_pool(control: u64, untyped: u64, root: u64, index: u64, depth: u64) -> Result<(), Failure> {
    unit(invoke(control, L::RiscvAsidControlMakePool, &[index, depth], &[untyped, root]))
}

/// seL4_RISCV_ASIDPool_Assign.
pub fn asid_pool_assign(pool: u64, vspace: u64) -> Result<(), Failure> {
    unit(invoke(pool, L::RiscvAsidPoolAssign, &[], &[vspace]))
}
