//! Boot: building the root task's address space from page tables boot carved out of free
//! memory (seL4's create_it_address_space and map_it_frame_cap for RISC-V).
use super::vm::{self, PTE_EXECUTE, PTE_READ, PTE_USER, PTE_WRITE, PageTable};
use super::vspace::{self, entry_target, page_table};
use crate::memory::Handle;
use atoll_kernel_core::cap::Cap;

/// Page-table levels above the last one, by the address bits one entry there covers: the root
/// task gets a table for every 1 GiB, then every 2 MiB, of its range.
pub const TABLE_LEVEL_BITS: [u32; 2] = [30, 21];

/// The root task's VSpace root during boot.
pub struct BootVSpace {
    root: Handle<PageTable>,
}

impl BootVSpace {
    /// Starts an address space in `root`, a zeroed page-table object boot carved out (named by
    /// a page-table cap), with the kernel's half copied in.
    pub fn new(root: Cap) -> Self {
        let root = page_table(root);
        vm::copy_kernel_entries(root);
        BootVSpace { root }
    }

    fn table_for(&self, vaddr: u64, level: u32) -> Handle<PageTable> {
        let mut table = self.root;
        for walk in 0..level {
            let entry = table.entry(vm::index(vaddr, walk));
            assert!(vspace::is_table_entry(entry), "boot maps tables from the top down");
            // SAFETY: boot linked this entry to a page table it carved out (below).
            table = unsafe { Handle::from_paddr(entry_target(entry)) };
        }
        table
    }

    /// Links `table` (a zeroed page-table object named by a page-table cap) in at `level`
    /// (0 = under the root) for `vaddr`.
    pub fn add_table(&self, vaddr: u64, level: u32, table: Cap) {
        let parent = self.table_for(vaddr, level);
        parent.set_entry(vm::index(vaddr, level), vm::table(page_table(table).paddr()));
    }

    /// Maps one 4 KiB frame at `vaddr`; the tables on the way were added by `add_table`.
    pub fn map_page(&self, vaddr: u64, paddr: u64, executable: bool) {
        let table = self.table_for(vaddr, 2);
        let execute = if executable { PTE_EXECUTE } else { 0 };
        table.set_entry(vm::index(vaddr, 2), vm::leaf(paddr, PTE_READ | PTE_WRITE | execute | PTE_USER));
    }
}

/// Boot: registers the initial ASID pool and gives `asid` the root `vspace_root` (whose kernel
/// half `BootVSpace::new` copied in).
pub fn assign_initial_asid(pool: Cap, asid: u64, vspace_root: Cap) {
    vspace::set_pool(pool.asid_base(), pool);
    vspace::set_root(asid, vspace_root);
}
