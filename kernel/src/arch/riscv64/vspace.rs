//! Address spaces: the ASID table, and removing mappings when frame, page-table and ASID-pool
//! caps go away (seL4's Arch_finaliseCap for RISC-V).
use super::vm::{self, PageTable};
use crate::kmem::{self, KernelWord};
use crate::object::cap::Cap;
use atoll_abi::CapType;
use atoll_abi::object::{ASID_POOL_INDEX_BITS, NUM_ASID_POOLS_BITS};

const POOLS: usize = 1 << NUM_ASID_POOLS_BITS;
const POOL_ENTRIES: u64 = 1 << ASID_POOL_INDEX_BITS;

/// Physical address of each ASID pool, by the ASID's high bits (seL4's riscvKSASIDTable).
static ASID_TABLE: [KernelWord; POOLS] = [const { KernelWord::new(0) }; POOLS];

fn table_index(asid: u64) -> usize {
    (asid / POOL_ENTRIES) as usize % POOLS
}

/// The pool registered for `asid_base`'s high bits (0 if none).
pub fn pool_for(asid_base: u64) -> u64 {
    ASID_TABLE[table_index(asid_base)].get()
}

/// The first ASID-table index with no pool, if any.
pub fn free_pool_index() -> Option<u64> {
    ASID_TABLE.iter().position(|pool| pool.get() == 0).map(|i| i as u64)
}

pub fn set_pool(asid_base: u64, pool_paddr: u64) {
    ASID_TABLE[table_index(asid_base)].set(pool_paddr);
}

pub fn pool_entry(asid: u64) -> Option<&'static mut u64> {
    let pool = ASID_TABLE[table_index(asid)].get();
    if pool == 0 {
        return None;
    }
    // SAFETY: the table only holds addresses of live ASID pools (512 words each).
    let entries = unsafe { kmem::object::<[u64; 512]>(pool) };
    entries.get_mut((asid % POOL_ENTRIES) as usize)
}

/// The VSpace root for `asid`, if one is assigned.
pub fn find_vspace(asid: u64) -> Option<u64> {
    pool_entry(asid).map(|entry| *entry).filter(|&root| root != 0)
}

pub fn table(paddr: u64) -> &'static mut PageTable {
    // SAFETY: only called on page-table addresses read from valid non-leaf entries of a live
    // VSpace, which name live page tables.
    unsafe { kmem::object::<PageTable>(paddr) }
}

pub fn entry_target(entry: u64) -> u64 {
    (entry >> 10) << 12
}

pub fn is_table_entry(entry: u64) -> bool {
    entry & vm::PTE_VALID != 0 && entry & (vm::PTE_READ | vm::PTE_WRITE | vm::PTE_EXECUTE) == 0
}

/// The entry that maps `vaddr` at `level` (0 = root), walking down from `root`.
fn entry_at(root: u64, vaddr: u64, level: u32) -> Option<&'static mut u64> {
    let mut current = root;
    for walk in 0..level {
        let entry = table(current).0[vm::index(vaddr, walk)];
        if !is_table_entry(entry) {
            return None;
        }
        current = entry_target(entry);
    }
    Some(&mut table(current).0[vm::index(vaddr, level)])
}

pub fn flush(asid: u64) {
    // SAFETY: sfence.vma only drops cached translations for this ASID.
    unsafe { core::arch::asm!("sfence.vma zero, {0}", in(reg) asid, options(nostack)) };
}

/// The slot where a walk for `vaddr` from `root` ends: the first entry that is not a pointer to
/// a next-level table, and how many address bits one entry there covers (seL4's lookupPTSlot).
pub fn lookup_pt_slot(root: u64, vaddr: u64) -> (&'static mut u64, u32) {
    let mut table_paddr = root;
    let mut level = 0;
    loop {
        let entry = &mut table(table_paddr).0[vm::index(vaddr, level)];
        if level == 2 || !is_table_entry(*entry) {
            return (entry, vm::entry_bits(level));
        }
        table_paddr = entry_target(*entry);
        level += 1;
    }
}

/// Removes the mappings a dying cap stands for.
pub fn finalise(cap: Cap, is_final: bool) {
    match cap.cap_type() {
        CapType::Frame if cap.mapped_asid() != 0 => unmap_frame(cap),
        CapType::PageTable if is_final && cap.page_table_is_mapped() => unmap_page_table(cap),
        CapType::AsidPool if is_final => delete_pool(cap),
        _ => {}
    }
}

pub fn unmap_frame(cap: Cap) {
    let (asid, vaddr) = (cap.mapped_asid(), cap.mapped_vaddr());
    let Some(root) = find_vspace(asid) else { return };
    let level = match cap.frame_size() {
        atoll_kernel_core::cap::FrameSize::Huge => 0,
        atoll_kernel_core::cap::FrameSize::Large => 1,
        atoll_kernel_core::cap::FrameSize::Small => 2,
    };
    if let Some(entry) = entry_at(root, vaddr, level)
        && *entry & vm::PTE_VALID != 0
        && !is_table_entry(*entry)
        && entry_target(*entry) == cap.paddr()
    {
        *entry = 0;
        flush(asid);
    }
}

pub fn unmap_page_table(cap: Cap) {
    let (asid, vaddr) = (cap.mapped_asid(), cap.mapped_vaddr());
    let Some(root) = find_vspace(asid) else { return };
    if root == cap.paddr() {
        // The VSpace root itself: its ASID no longer has an address space.
        if let Some(entry) = pool_entry(asid) {
            *entry = 0;
        }
        flush(asid);
        crate::sched::forget_loaded_satp();
        return;
    }
    for level in 0..2 {
        if let Some(entry) = entry_at(root, vaddr, level)
            && is_table_entry(*entry)
            && entry_target(*entry) == cap.paddr()
        {
            *entry = 0;
            flush(asid);
            return;
        }
    }
}

fn delete_pool(cap: Cap) {
    let entry = &ASID_TABLE[table_index(cap.asid_base())];
    if entry.get() == cap.paddr() {
        entry.set(0);
        crate::sched::forget_loaded_satp();
        for asid in cap.asid_base()..cap.asid_base() + POOL_ENTRIES {
            flush(asid);
        }
    }
}
