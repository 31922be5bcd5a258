//! Fixed capability slots in the root task's CSpace at boot.

/// seL4_CapNull: always empty.
pub const CAP_NULL: u64 = 0;
/// seL4_CapInitThreadTCB: the root task's TCB.
pub const CAP_INIT_THREAD_TCB: u64 = 1;
/// seL4_CapInitThreadCNode: the root task's root CNode.
pub const CAP_INIT_THREAD_CNODE: u64 = 2;
/// seL4_CapInitThreadVSpace: the root task's VSpace root page table.
pub const CAP_INIT_THREAD_VSPACE: u64 = 3;
/// seL4_CapIRQControl: the IRQ control capability.
pub const CAP_IRQ_CONTROL: u64 = 4;
/// seL4_CapASIDControl: the ASID control capability.
pub const CAP_ASID_CONTROL: u64 = 5;
/// seL4_CapInitThreadASIDPool: the root task's ASID pool.
pub const CAP_INIT_THREAD_ASID_POOL: u64 = 6;
/// seL4_CapIOPortControl: x86 only; a null capability on RISC-V.
pub const CAP_IO_PORT_CONTROL: u64 = 7;
/// seL4_CapIOSpace: IOMMU only; a null capability on RISC-V.
pub const CAP_IO_SPACE: u64 = 8;
/// seL4_CapBootInfoFrame: the frame holding [`crate::BootInfo`].
pub const CAP_BOOT_INFO_FRAME: u64 = 9;
/// seL4_CapInitThreadIPCBuffer: the root task's IPC buffer frame.
pub const CAP_INIT_THREAD_IPC_BUFFER: u64 = 10;
/// seL4_CapDomain: the domain control capability.
pub const CAP_DOMAIN: u64 = 11;
/// seL4_CapSMMUSIDControl: ARM SMMU only; a null capability on RISC-V.
pub const CAP_SMMU_SID_CONTROL: u64 = 12;
/// seL4_CapSMMUCBControl: ARM SMMU only; a null capability on RISC-V.
pub const CAP_SMMU_CB_CONTROL: u64 = 13;
/// seL4_CapInitThreadSC: MCS only; a null capability here.
pub const CAP_INIT_THREAD_SC: u64 = 14;
/// seL4_CapSMC: ARM only; a null capability on RISC-V.
pub const CAP_SMC: u64 = 15;
/// seL4_NumInitialCaps: first slot not reserved for the capabilities above.
pub const NUM_INITIAL_CAPS: u64 = 16;

/// seL4_CapInitThreadPD: older name of [`CAP_INIT_THREAD_VSPACE`].
pub const CAP_INIT_THREAD_PD: u64 = CAP_INIT_THREAD_VSPACE;
