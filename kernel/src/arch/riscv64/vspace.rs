//! Address spaces: the ASID table, page-table walks, switching to a thread's address space, and
//! removing mappings when frame, page-table and ASID-pool caps go away (seL4's Arch_finaliseCap
//! for RISC-V).
use super::csr;
use super::vm::{self, PageTable};
use crate::memory::{Handle, KernelObject, KernelWord, Tcb, slot};
use atoll_abi::CapType;
use atoll_abi::object::{ASID_POOL_INDEX_BITS, NUM_ASID_POOLS_BITS};
use atoll_kernel_core::cap::{Cap, FrameSize};

const POOLS: usize = 1 << NUM_ASID_POOLS_BITS;
const POOL_ENTRIES: u64 = 1 << ASID_POOL_INDEX_BITS;

/// An ASID pool: the VSpace root of each of its 512 ASIDs (0: none).
#[repr(C)]
pub struct AsidPool([Option<Handle<PageTable>>; POOL_ENTRIES as usize]);

// SAFETY: zeroed memory is a pool of no roots; entries are only set to live VSpace roots and
// cleared when the root's cap is finalised.
unsafe impl KernelObject for AsidPool {}

/// Each ASID pool, by the ASID's high bits (seL4's riscvKSASIDTable).
static ASID_TABLE: [KernelWord<Option<Handle<AsidPool>>>; POOLS] = [const { KernelWord::new(None) }; POOLS];

fn table_index(asid: u64) -> usize {
    (asid / POOL_ENTRIES) as usize % POOLS
}

fn pool_slot(asid: u64) -> usize {
    (asid % POOL_ENTRIES) as usize
}

/// The pool registered for `asid_base`'s high bits.
pub fn pool_for(asid_base: u64) -> Option<Handle<AsidPool>> {
    ASID_TABLE[table_index(asid_base)].get()
}

/// The first ASID-table index with no pool, if any.
pub fn free_pool_index() -> Option<u64> {
    ASID_TABLE.iter().position(|pool| pool.get().is_none()).map(|i| i as u64)
}

/// Registers the pool that a new ASID-pool cap names.
pub fn set_pool(asid_base: u64, pool: Cap) {
    debug_assert!(pool.is(CapType::AsidPool));
    // SAFETY: an ASID-pool cap names a live pool (the layer's invariant).
    let pool = unsafe { Handle::from_paddr(pool.paddr()) };
    ASID_TABLE[table_index(asid_base)].set(Some(pool));
}

fn pool_entry(pool: Handle<AsidPool>, asid: u64) -> Option<Handle<PageTable>> {
    // SAFETY: a Handle names a live pool; the entry is read in place.
    unsafe { (&raw const (*pool.as_ptr()).0[pool_slot(asid)]).read() }
}

fn set_pool_entry(pool: Handle<AsidPool>, asid: u64, root: Option<Handle<PageTable>>) {
    // SAFETY: as for `pool_entry`.
    unsafe { (&raw mut (*pool.as_ptr()).0[pool_slot(asid)]).write(root) }
}

/// The VSpace root for `asid`, if one is assigned.
pub fn find_vspace(asid: u64) -> Option<Handle<PageTable>> {
    pool_entry(pool_for(asid)?, asid)
}

/// Makes `root` (an unmapped page-table cap about to become a VSpace root) the root of `asid`,
/// with the kernel's half of the address space copied in.
pub fn assign(asid: u64, root: Cap) {
    // A guest's address space holds guest-physical mappings only, never the kernel's.
    if !root.page_table_is_guest_root() {
        vm::copy_kernel_entries(page_table(root));
    }
    set_root(asid, root);
}

/// Records `root` (a page-table cap whose table already holds the kernel's half) as the VSpace
/// root of `asid` in its pool.
pub fn set_root(asid: u64, root: Cap) {
    if let Some(pool) = pool_for(asid) {
        set_pool_entry(pool, asid, Some(page_table(root)));
    }
}

/// The page table a page-table cap names.
pub fn page_table(cap: Cap) -> Handle<PageTable> {
    assert!(cap.is(CapType::PageTable), "not a page-table cap (kernel invariant)");
    // SAFETY: a page-table cap names a live page table (the layer's invariant).
    unsafe { Handle::from_paddr(cap.paddr()) }
}

/// The next-level table a valid non-leaf entry points at.
fn next_table(entry: u64) -> Handle<PageTable> {
    // SAFETY: non-leaf entries of a live VSpace are only ever written with live page tables
    // (PageTable_Map), and are cleared before a mapped table can be deleted.
    unsafe { Handle::from_paddr(entry_target(entry)) }
}

pub fn entry_target(entry: u64) -> u64 {
    (entry >> 10) << 12
}

pub fn is_table_entry(entry: u64) -> bool {
    entry & vm::PTE_VALID != 0 && entry & (vm::PTE_READ | vm::PTE_WRITE | vm::PTE_EXECUTE) == 0
}

/// One page-table entry, named by its physical address.
#[derive(Clone, Copy)]
pub struct PteSlot(u64);

impl PteSlot {
    /// The entry for `vaddr` at `level` in `table`.
    #[inline(always)]
    fn at(table: Handle<PageTable>, vaddr: u64, level: u32) -> PteSlot {
        // vm::index is below 512 by construction (a 9-bit field of the address).
        PteSlot(table.paddr() + vm::index(vaddr, level) as u64 * 8)
    }

    pub fn get(self) -> u64 {
        // SAFETY: built by `at` from a live page table and an index inside it; read in place.
        unsafe { super::layout::phys_to_kernel_ptr::<u64>(self.0).read() }
    }

    pub fn set(self, value: u64) {
        // SAFETY: as for `get`.
        unsafe { super::layout::phys_to_kernel_ptr::<u64>(self.0).write(value) }
    }
}

/// The entry that maps `vaddr` at `level` (0 = root), walking down from `root`.
fn entry_at(root: Handle<PageTable>, vaddr: u64, level: u32) -> Option<PteSlot> {
    let mut table = root;
    for walk in 0..level {
        let entry = table.entry(vm::index(vaddr, walk));
        if !is_table_entry(entry) {
            return None;
        }
        table = next_table(entry);
    }
    Some(PteSlot::at(table, vaddr, level))
}

pub fn flush(asid: u64) {
    // SAFETY: sfence.vma only drops cached translations for this ASID.
    unsafe { core::arch::asm!("sfence.vma zero, {0}", in(reg) asid, options(nostack)) };
    // Hypervisor builds: the ASID may be a guest's VMID; drop its guest-physical translations
    // too (hfence.gvma zero, zero, encoded since the assembler is not told about H).
    #[cfg(feature = "hyp")]
    // SAFETY: hfence.gvma only drops cached G-stage translations.
    unsafe {
        core::arch::asm!(".word 0x62000073", options(nostack))
    };
}

/// The slot where a walk for `vaddr` from `root` ends: the first entry that is not a pointer to
/// a next-level table, and how many address bits one entry there covers (seL4's lookupPTSlot).
pub fn lookup_pt_slot(root: Handle<PageTable>, vaddr: u64) -> (PteSlot, u32) {
    let mut table = root;
    let mut level = 0;
    loop {
        let slot = PteSlot::at(table, vaddr, level);
        let entry = slot.get();
        if level == 2 || !is_table_entry(entry) {
            return (slot, vm::entry_bits(level));
        }
        table = next_table(entry);
        level += 1;
    }
}

/// Removes the mappings a dying cap stands for.
pub fn finalise(cap: Cap, is_final: bool) {
    match cap.cap_type() {
        CapType::Frame if cap.mapped_asid() != 0 => unmap_frame(cap),
        CapType::PageTable if is_final && cap.page_table_is_mapped() => unmap_page_table(cap),
        CapType::AsidPool if is_final => delete_pool(cap),
        #[cfg(feature = "hyp")]
        CapType::Vcpu if is_final => {
            super::hyp::vcpu_finalised(super::hyp::vcpu(cap));
            forget_loaded();
        }
        _ => {}
    }
}

pub fn unmap_frame(cap: Cap) {
    let (asid, vaddr) = (cap.mapped_asid(), cap.mapped_vaddr());
    let Some(root) = find_vspace(asid) else { return };
    let level = match cap.frame_size() {
        FrameSize::Huge => 0,
        FrameSize::Large => 1,
        FrameSize::Small => 2,
    };
    if let Some(slot) = entry_at(root, vaddr, level) {
        let entry = slot.get();
        if entry & vm::PTE_VALID != 0 && !is_table_entry(entry) && entry_target(entry) == cap.paddr() {
            slot.set(0);
            flush(asid);
        }
    }
}

pub fn unmap_page_table(cap: Cap) {
    let (asid, vaddr) = (cap.mapped_asid(), cap.mapped_vaddr());
    let Some(root) = find_vspace(asid) else { return };
    if root.paddr() == cap.paddr() {
        // The VSpace root itself: its ASID no longer has an address space.
        if let Some(pool) = pool_for(asid) {
            set_pool_entry(pool, asid, None);
        }
        flush(asid);
        forget_loaded();
        return;
    }
    for level in 0..2 {
        if let Some(slot) = entry_at(root, vaddr, level) {
            let entry = slot.get();
            if is_table_entry(entry) && entry_target(entry) == cap.paddr() {
                slot.set(0);
                flush(asid);
                return;
            }
        }
    }
}

fn delete_pool(cap: Cap) {
    let entry = &ASID_TABLE[table_index(cap.asid_base())];
    if entry.get().map(Handle::paddr) == Some(cap.paddr()) {
        entry.set(None);
        forget_loaded();
        for asid in cap.asid_base()..cap.asid_base() + POOL_ENTRIES {
            flush(asid);
        }
    }
}

/// The thread whose address space satp holds; None when unknown. The kernel runs on the user's
/// page table, so returning to the same thread needs no switch.
static LOADED_FOR: KernelWord<Option<Handle<Tcb>>> = KernelWord::new(None);

/// An address space went away, or a thread's VSpace slot changed: switch satp on the next return.
pub fn forget_loaded() {
    LOADED_FOR.set(None);
}

/// A thread's TCB is being destroyed: a new TCB at its address must not inherit the shortcut.
pub fn forget_thread(thread: Handle<Tcb>) {
    if LOADED_FOR.get() == Some(thread) {
        forget_loaded();
    }
    #[cfg(feature = "hyp")]
    super::hyp::thread_destroyed(thread);
}

/// The satp of the thread's VSpace, if its VSpace cap names a valid root (seL4's setVMRoot's
/// check; the fastpath only switches to such threads).
#[inline(always)]
pub fn valid_root(thread: Handle<Tcb>) -> Option<u64> {
    let cap = thread.slot(slot::VSPACE_ROOT).cap();
    let asid = cap.mapped_asid();
    // A guest root is no thread's VSpace (and a thread that runs a guest takes `activate`).
    #[cfg(feature = "hyp")]
    if cap.page_table_is_guest_root() || super::hyp::runs_guest(thread) {
        return None;
    }
    is_assigned_root(cap).then(|| vm::satp(cap.paddr(), asid))
}

/// Whether `cap` is a page-table cap whose table is the root its ASID names (seL4's
/// isValidVTableRoot and findVSpaceForASID together).
#[inline(always)]
fn is_assigned_root(cap: Cap) -> bool {
    cap.is(CapType::PageTable)
        && cap.page_table_is_mapped()
        && find_vspace(cap.mapped_asid()).map(Handle::paddr) == Some(cap.paddr())
}

/// Loads `thread`'s address space (or the kernel's alone if its VSpace is gone, as seL4's
/// setVMRoot does: the thread then faults on its first access), unless it is loaded already.
pub fn activate(thread: Handle<Tcb>) {
    // A guest: its VCPU's state and G-stage root, which `hyp` checks are in the hart (they may
    // have left it while the thread did not run); the kernel keeps its own page table.
    #[cfg(feature = "hyp")]
    if let Some(vcpu) = super::hyp::vcpu_of(thread) {
        super::hyp::load(vcpu, guest_root(thread));
        if LOADED_FOR.get() != Some(thread) {
            activate_root(thread, vm::kernel_satp());
        }
        return;
    }
    if LOADED_FOR.get() != Some(thread) {
        activate_root(thread, valid_root(thread).unwrap_or_else(vm::kernel_satp));
    }
}

/// As `activate`, with the root already worked out by `valid_root`.
#[inline(always)]
pub fn activate_root(thread: Handle<Tcb>, satp: u64) {
    csr::write_satp_and_flush(satp);
    LOADED_FOR.set(Some(thread));
}

/// The guest root page table (physical address, ASID) of a thread that runs a guest, if its
/// VSpace cap names a valid one.
#[cfg(feature = "hyp")]
fn guest_root(thread: Handle<Tcb>) -> Option<(u64, u64)> {
    let cap = thread.slot(slot::VSPACE_ROOT).cap();
    (cap.page_table_is_guest_root() && is_assigned_root(cap)).then(|| (cap.paddr(), cap.mapped_asid()))
}
