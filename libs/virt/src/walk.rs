//! Translating a guest virtual address through the guest's own (VS-stage) page tables.
//!
//! The VMM needs this to read the instruction at the guest pc after an MMIO fault. The walk
//! follows the privileged spec's algorithm for Sv39, Sv48 and Sv57 but skips the permission and
//! accessed/dirty checks: the hardware has just executed the instruction through these very
//! tables, so only the address matters.

/// Page size and the bits of the page offset.
const PAGE_SHIFT: u32 = 12;
/// Each level translates 9 bits of the virtual page number.
const LEVEL_BITS: u32 = 9;
/// Page-table entries are 8 bytes.
const PTE_SIZE: u64 = 8;

/// `vsatp` fields.
const SATP_MODE_SHIFT: u32 = 60;
const SATP_PPN_MASK: u64 = (1 << 44) - 1;

/// PTE bits.
const PTE_V: u64 = 1 << 0;
const PTE_R: u64 = 1 << 1;
const PTE_W: u64 = 1 << 2;
const PTE_X: u64 = 1 << 3;
const PTE_PPN_SHIFT: u32 = 10;
const PTE_PPN_MASK: u64 = (1 << 44) - 1;
/// Bits 60:54, reserved for future standard use.
const PTE_RESERVED: u64 = 0x7F << 54;
/// Svpbmt memory type (bits 62:61); meaningless, hence reserved, in a pointer.
const PTE_PBMT: u64 = 0b11 << 61;
/// Svnapot: the leaf is part of a naturally aligned power-of-two range.
const PTE_NAPOT: u64 = 1 << 63;
/// The only NAPOT size defined: 64 KiB, marked by ppn[3:0] = 0b1000 in a level-0 leaf.
const NAPOT_64K_PPN_BITS: u32 = 4;
const NAPOT_64K_MARK: u64 = 0b1000;

/// The guest's address-translation scheme, from `vsatp.MODE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// No translation: guest-virtual equals guest-physical.
    Bare,
    /// Three levels, 39-bit virtual addresses.
    Sv39,
    /// Four levels, 48-bit virtual addresses.
    Sv48,
    /// Five levels, 57-bit virtual addresses.
    Sv57,
}

impl Mode {
    /// The mode `vsatp` selects, or `None` for a value the spec reserves.
    pub fn from_satp(vsatp: u64) -> Option<Self> {
        match vsatp >> SATP_MODE_SHIFT {
            0 => Some(Mode::Bare),
            8 => Some(Mode::Sv39),
            9 => Some(Mode::Sv48),
            10 => Some(Mode::Sv57),
            _ => None,
        }
    }

    /// Page-table levels (0 for Bare).
    pub fn levels(self) -> u32 {
        match self {
            Mode::Bare => 0,
            Mode::Sv39 => 3,
            Mode::Sv48 => 4,
            Mode::Sv57 => 5,
        }
    }

    /// Significant virtual-address bits; the bits above must copy the top one.
    fn va_bits(self) -> u32 {
        PAGE_SHIFT + LEVEL_BITS * self.levels()
    }
}

/// Why a translation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WalkError {
    /// `vsatp.MODE` is a reserved value.
    UnsupportedMode,
    /// The address is not sign-extended from the mode's top bit.
    NonCanonical,
    /// The page-table entry at this guest-physical address could not be read.
    ReadFailed(u64),
    /// A PTE is not valid (V = 0, W without R, or reserved bits set).
    InvalidEntry,
    /// A superpage leaf's physical page number is not aligned to its size.
    MisalignedSuperpage,
    /// The last level holds a pointer instead of a leaf.
    NoLeaf,
}

/// Translates guest-virtual `va` under `vsatp` into a guest-physical address. `read_pte` reads
/// the 8-byte entry at a guest-physical address (`None` if it cannot).
pub fn translate(vsatp: u64, va: u64, mut read_pte: impl FnMut(u64) -> Option<u64>) -> Result<u64, WalkError> {
    let mode = Mode::from_satp(vsatp).ok_or(WalkError::UnsupportedMode)?;
    if mode == Mode::Bare {
        return Ok(va);
    }
    if !is_canonical(va, mode.va_bits()) {
        return Err(WalkError::NonCanonical);
    }
    let mut table = (vsatp & SATP_PPN_MASK) << PAGE_SHIFT;
    for level in (0..mode.levels()).rev() {
        let pte_address = table | (vpn(va, level) * PTE_SIZE);
        let pte = read_pte(pte_address).ok_or(WalkError::ReadFailed(pte_address))?;
        if pte & PTE_V == 0 || (pte & PTE_R == 0 && pte & PTE_W != 0) || pte & PTE_RESERVED != 0 {
            return Err(WalkError::InvalidEntry);
        }
        let ppn = (pte >> PTE_PPN_SHIFT) & PTE_PPN_MASK;
        if pte & (PTE_R | PTE_X) != 0 {
            return leaf_address(pte, ppn, va, level);
        }
        // A pointer carries no memory type and cannot be NAPOT.
        if pte & (PTE_PBMT | PTE_NAPOT) != 0 {
            return Err(WalkError::InvalidEntry);
        }
        table = ppn << PAGE_SHIFT;
    }
    Err(WalkError::NoLeaf)
}

/// Whether bits 63..`va_bits` of `va` all equal bit `va_bits - 1`.
fn is_canonical(va: u64, va_bits: u32) -> bool {
    let shift = 64 - va_bits;
    // Shifting the significant bits to the top and back (arithmetically) sign-extends them.
    (((va << shift) as i64) >> shift) as u64 == va
}

/// The 9-bit virtual page number that indexes the table at `level`.
fn vpn(va: u64, level: u32) -> u64 {
    (va >> (PAGE_SHIFT + LEVEL_BITS * level)) & ((1 << LEVEL_BITS) - 1)
}

/// The address a leaf at `level` maps `va` to: a superpage takes the low page-number bits from
/// the virtual address, and so must have them clear in its own page number.
fn leaf_address(pte: u64, ppn: u64, va: u64, level: u32) -> Result<u64, WalkError> {
    let mut from_va_pages = LEVEL_BITS * level;
    if pte & PTE_NAPOT != 0 {
        if level != 0 || ppn & ((1 << NAPOT_64K_PPN_BITS) - 1) != NAPOT_64K_MARK {
            return Err(WalkError::InvalidEntry);
        }
        from_va_pages = NAPOT_64K_PPN_BITS;
    } else if ppn & ((1 << from_va_pages) - 1) != 0 {
        return Err(WalkError::MisalignedSuperpage);
    }
    let offset_bits = PAGE_SHIFT + from_va_pages;
    let offset_mask = (1u64 << offset_bits) - 1;
    // ppn has 44 bits, so the page base fits in 56 bits.
    let base = (ppn << PAGE_SHIFT) & !offset_mask;
    Ok(base | (va & offset_mask))
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use std::collections::HashMap;

    const KIB: u64 = 1 << 10;
    const GIB: u64 = 1 << 30;

    const LEAF_RWX: u64 = PTE_V | PTE_R | PTE_W | PTE_X;
    const LEAF_X: u64 = PTE_V | PTE_X;

    /// Guest page tables in a map from PTE address to PTE, with tables handed out from a bump
    /// allocator.
    struct Tables {
        ptes: HashMap<u64, u64>,
        next_table: u64,
        root: u64,
        mode: Mode,
    }

    impl Tables {
        fn new(mode: Mode) -> Self {
            let root = 0x8000_0000;
            Tables { ptes: HashMap::new(), next_table: root + 0x1000, root, mode }
        }

        fn vsatp(&self) -> u64 {
            let mode = match self.mode {
                Mode::Bare => 0,
                Mode::Sv39 => 8,
                Mode::Sv48 => 9,
                Mode::Sv57 => 10,
            };
            (mode << SATP_MODE_SHIFT) | (0x55 << 44) | (self.root >> PAGE_SHIFT)
        }

        /// Maps `va` to `pa` with a leaf at `leaf_level` (0 = 4 KiB, 1 = 2 MiB, 2 = 1 GiB ...).
        fn map(&mut self, va: u64, pa: u64, leaf_level: u32, flags: u64) {
            let mut table = self.root;
            for level in (leaf_level + 1..self.mode.levels()).rev() {
                let slot = table + vpn(va, level) * PTE_SIZE;
                let next = match self.ptes.get(&slot) {
                    Some(pte) => (pte >> PTE_PPN_SHIFT) << PAGE_SHIFT,
                    None => {
                        let fresh = self.next_table;
                        self.next_table += 0x1000;
                        self.ptes.insert(slot, ((fresh >> PAGE_SHIFT) << PTE_PPN_SHIFT) | PTE_V);
                        fresh
                    }
                };
                table = next;
            }
            let slot = table + vpn(va, leaf_level) * PTE_SIZE;
            self.ptes.insert(slot, ((pa >> PAGE_SHIFT) << PTE_PPN_SHIFT) | flags);
        }

        /// The PTE address of `va`'s entry at `level`, along the existing path.
        fn slot(&self, va: u64, level: u32) -> u64 {
            let mut table = self.root;
            for upper in (level + 1..self.mode.levels()).rev() {
                let pte = self.ptes[&(table + vpn(va, upper) * PTE_SIZE)];
                table = (pte >> PTE_PPN_SHIFT) << PAGE_SHIFT;
            }
            table + vpn(va, level) * PTE_SIZE
        }

        fn translate(&self, va: u64) -> Result<u64, WalkError> {
            translate(self.vsatp(), va, |address| Some(self.ptes.get(&address).copied().unwrap_or(0)))
        }
    }

    /// A kernel-half address valid in every mode: sign-extended from bit 38.
    const KERNEL_VA: u64 = 0xFFFF_FFFF_8020_1234;

    #[test]
    fn bare_mode_is_identity() {
        let never = |_: u64| -> Option<u64> { panic!("bare mode reads no tables") };
        assert_eq!(translate(0, 0x8020_0000, never), Ok(0x8020_0000));
        assert_eq!(translate(0, u64::MAX, never), Ok(u64::MAX));
        assert_eq!(translate(0x0000_0FFF_FFFF_FFFF, 0x1234, never), Ok(0x1234), "bare ignores the PPN");
    }

    #[test]
    fn reserved_modes_are_refused() {
        for mode in [1u64, 7, 11, 15] {
            assert_eq!(translate(mode << 60, 0, |_| Some(0)), Err(WalkError::UnsupportedMode));
        }
    }

    #[test]
    fn four_kib_pages_in_every_mode() {
        for mode in [Mode::Sv39, Mode::Sv48, Mode::Sv57] {
            let mut tables = Tables::new(mode);
            tables.map(KERNEL_VA, 0x8765_4000, 0, LEAF_X);
            tables.map(0x1000, 0x9000_0000, 0, LEAF_RWX);
            assert_eq!(tables.translate(KERNEL_VA), Ok(0x8765_4234), "{mode:?}");
            assert_eq!(tables.translate(KERNEL_VA | 0xFFF), Ok(0x8765_4FFF), "{mode:?}");
            assert_eq!(tables.translate(0x1ABC), Ok(0x9000_0ABC), "{mode:?}");
            assert_eq!(tables.translate(KERNEL_VA + 0x1000), Err(WalkError::InvalidEntry), "{mode:?}");
        }
    }

    #[test]
    fn megapages_and_gigapages() {
        for mode in [Mode::Sv39, Mode::Sv48, Mode::Sv57] {
            let mut tables = Tables::new(mode);
            tables.map(0xFFFF_FFFF_8000_0000, 0x8020_0000, 1, LEAF_RWX);
            tables.map(0x4000_0000, 0x1_C000_0000, 2, LEAF_RWX);
            assert_eq!(tables.translate(0xFFFF_FFFF_8012_3456), Ok(0x8032_3456), "{mode:?}");
            assert_eq!(tables.translate(0xFFFF_FFFF_801F_FFFF), Ok(0x803F_FFFF), "{mode:?}");
            assert_eq!(tables.translate(0x4000_0000 + GIB - 1), Ok(0x1_C000_0000 + GIB - 1), "{mode:?}");
            assert_eq!(tables.translate(0x4012_3456), Ok(0x1_C012_3456), "{mode:?}");
        }
    }

    #[test]
    fn top_level_leaves_cover_the_largest_pages() {
        // Sv48 512 GiB and Sv57 256 TiB leaves.
        let mut sv48 = Tables::new(Mode::Sv48);
        sv48.map(0x0000_0080_0000_0000, 0x0000_0100_0000_0000, 3, LEAF_RWX);
        assert_eq!(sv48.translate(0x0000_0080_1234_5678), Ok(0x0000_0100_1234_5678));
        let mut sv57 = Tables::new(Mode::Sv57);
        sv57.map(0x0001_0000_0000_0000, 0x0002_0000_0000_0000, 4, LEAF_RWX);
        assert_eq!(sv57.translate(0x0001_0000_1234_5678), Ok(0x0002_0000_1234_5678));
    }

    #[test]
    fn misaligned_superpages_are_refused() {
        let mut tables = Tables::new(Mode::Sv39);
        tables.map(0x20_0000, 0x8020_1000, 1, LEAF_RWX);
        tables.map(0x4000_0000, 0x8020_0000, 2, LEAF_RWX);
        assert_eq!(tables.translate(0x20_0000), Err(WalkError::MisalignedSuperpage));
        assert_eq!(tables.translate(0x4000_0000), Err(WalkError::MisalignedSuperpage));
    }

    #[test]
    fn non_canonical_addresses_are_refused() {
        let cases = [
            (Mode::Sv39, 0x0000_0040_0000_0000),
            (Mode::Sv39, 0xFFFF_FFBF_FFFF_FFFF),
            (Mode::Sv39, 0x8000_0000_0000_0000),
            (Mode::Sv48, 0x0000_8000_0000_0000),
            (Mode::Sv48, 0xFFFF_7FFF_FFFF_FFFF),
            (Mode::Sv57, 0x0100_0000_0000_0000),
            (Mode::Sv57, 0xFEFF_FFFF_FFFF_FFFF),
        ];
        for (mode, va) in cases {
            let tables = Tables::new(mode);
            assert_eq!(tables.translate(va), Err(WalkError::NonCanonical), "{mode:?} {va:#x}");
        }
        // The largest canonical addresses get as far as the (empty) tables.
        let tables = Tables::new(Mode::Sv39);
        assert_eq!(tables.translate(0x0000_003F_FFFF_FFFF), Err(WalkError::InvalidEntry));
        assert_eq!(tables.translate(0xFFFF_FFC0_0000_0000), Err(WalkError::InvalidEntry));
    }

    #[test]
    fn invalid_entries_stop_the_walk() {
        let va = 0x1000;
        for bad_leaf in [
            0,                     // V = 0
            LEAF_RWX & !PTE_V,     // readable but invalid
            PTE_V | PTE_W,         // W without R
            PTE_V | PTE_W | PTE_X, // W without R, even executable
            LEAF_X | (1 << 54),    // reserved bit
            LEAF_X | (1 << 60),    // reserved bit
            LEAF_X | PTE_NAPOT,    // NAPOT without the 64 KiB mark
        ] {
            let mut tables = Tables::new(Mode::Sv39);
            tables.map(va, 0x9000_0000, 0, LEAF_X);
            let slot = tables.slot(va, 0);
            tables.ptes.insert(slot, ((0x9000_0000 >> PAGE_SHIFT) << PTE_PPN_SHIFT) | bad_leaf);
            assert_eq!(tables.translate(va), Err(WalkError::InvalidEntry), "leaf flags {bad_leaf:#x}");
        }
        // Pointers with reserved encodings.
        for bad_pointer_bits in [PTE_NAPOT, 1 << 61, 1 << 55] {
            let mut tables = Tables::new(Mode::Sv39);
            tables.map(va, 0x9000_0000, 0, LEAF_X);
            let slot = tables.slot(va, 1);
            let pointer = tables.ptes[&slot];
            tables.ptes.insert(slot, pointer | bad_pointer_bits);
            assert_eq!(tables.translate(va), Err(WalkError::InvalidEntry), "pointer bits {bad_pointer_bits:#x}");
        }
    }

    #[test]
    fn memory_types_do_not_change_a_leaf() {
        let mut tables = Tables::new(Mode::Sv39);
        tables.map(0x1000, 0x1000_0000, 0, LEAF_RWX | (1 << 62) | (1 << 61));
        assert_eq!(tables.translate(0x1234), Ok(0x1000_0234));
    }

    #[test]
    fn napot_64k_leaves_take_low_page_bits_from_the_address() {
        let mut tables = Tables::new(Mode::Sv39);
        let napot_ppn = (0x8001_0000 >> PAGE_SHIFT) | NAPOT_64K_MARK;
        for page in 0..16 {
            let va = 0x10_0000 + page * 4 * KIB;
            tables.map(va, 0, 0, 0);
            let slot = tables.slot(va, 0);
            tables.ptes.insert(slot, (napot_ppn << PTE_PPN_SHIFT) | PTE_NAPOT | LEAF_RWX);
        }
        assert_eq!(tables.translate(0x10_0123), Ok(0x8001_0123));
        assert_eq!(tables.translate(0x10_5678), Ok(0x8001_5678));
        assert_eq!(tables.translate(0x10_FFFF), Ok(0x8001_FFFF));
        // NAPOT is only defined for 4 KiB leaves.
        let mut superpage = Tables::new(Mode::Sv39);
        superpage.map(0x20_0000, 0x8020_0000 | (NAPOT_64K_MARK << PAGE_SHIFT), 1, LEAF_RWX | PTE_NAPOT);
        assert_eq!(superpage.translate(0x20_0000), Err(WalkError::InvalidEntry));
    }

    #[test]
    fn pointer_at_the_last_level_is_refused() {
        let mut tables = Tables::new(Mode::Sv39);
        tables.map(0x1000, 0x9000_0000, 0, PTE_V);
        assert_eq!(tables.translate(0x1000), Err(WalkError::NoLeaf));
    }

    #[test]
    fn read_failures_report_the_entry_address() {
        let mut tables = Tables::new(Mode::Sv48);
        tables.map(0x1000, 0x9000_0000, 0, LEAF_X);
        let missing = tables.slot(0x1000, 1);
        let vsatp = tables.vsatp();
        let result =
            translate(
                vsatp,
                0x1000,
                |address| {
                    if address == missing { None } else { tables.ptes.get(&address).copied() }
                },
            );
        assert_eq!(result, Err(WalkError::ReadFailed(missing)));
        assert_eq!(translate(vsatp, 0x1000, |_| None), Err(WalkError::ReadFailed(tables.root)));
    }

    #[test]
    fn walks_read_at_most_one_entry_per_level() {
        for (mode, levels) in [(Mode::Sv39, 3), (Mode::Sv48, 4), (Mode::Sv57, 5)] {
            let mut tables = Tables::new(mode);
            tables.map(0x1000, 0x9000_0000, 0, PTE_V);
            let mut reads = 0;
            let result = translate(tables.vsatp(), 0x1000, |address| {
                reads += 1;
                tables.ptes.get(&address).copied()
            });
            assert_eq!(result, Err(WalkError::NoLeaf));
            assert_eq!(reads, levels, "{mode:?}");
        }
        // A table that points at itself still ends after the mode's levels.
        let root = 0x8000_0000u64;
        let self_pointer = ((root >> PAGE_SHIFT) << PTE_PPN_SHIFT) | PTE_V;
        let mut reads = 0;
        let result = translate((8 << 60) | (root >> PAGE_SHIFT), 0, |_| {
            reads += 1;
            Some(self_pointer)
        });
        assert_eq!((result, reads), (Err(WalkError::NoLeaf), 3));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn any_input_terminates_without_panicking(vsatp: u64, va: u64, ptes: [u64; 5]) {
                let mut reads = 0usize;
                let result = translate(vsatp, va, |_| {
                    let pte = ptes.get(reads).copied();
                    reads += 1;
                    pte
                });
                prop_assert!(reads <= 5);
                if let Ok(pa) = result
                    && Mode::from_satp(vsatp) != Some(Mode::Bare)
                {
                    prop_assert!(pa < 1 << 56);
                    prop_assert_eq!(pa & 0xFFF, va & 0xFFF);
                }
            }

            #[test]
            fn mapped_pages_translate(page in 0u64..(1 << 27), frame in 0u64..(1 << 44), offset in 0u64..4096) {
                let mut tables = Tables::new(Mode::Sv39);
                // Sign-extend the 27-bit page number to a canonical Sv39 address.
                let va = ((((page << 12) << 25) as i64) >> 25) as u64;
                tables.map(va, frame << 12, 0, LEAF_RWX);
                prop_assert_eq!(tables.translate(va | offset), Ok((frame << 12) | offset));
            }
        }
    }
}
