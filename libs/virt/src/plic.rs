//! A RISC-V PLIC (`riscv,plic0` / `sifive,plic-1.0.0`) with a single context: context 0, the
//! guest hart's supervisor mode.
//!
//! Sources are level-triggered lines from the VMM's device models. A high line becomes pending;
//! the guest claims it (which clears pending and puts it in service) and completes it (which
//! ends service and, if the line is still high, makes it pending again). A line that drops
//! before it is claimed stops being pending, so the guest never claims a device that no longer
//! asks for attention.

/// Largest number of sources this model offers (ids 1..=31; source 0 does not exist).
pub const MAX_SOURCES: u32 = 31;
/// Highest priority; priorities and the threshold are 3-bit fields.
pub const MAX_PRIORITY: u32 = 7;

/// Register map (byte offsets of 32-bit registers).
const PRIORITY_BASE: u64 = 0x0000;
/// One priority word for each of the 1024 possible sources.
const PRIORITY_END: u64 = 0x1000;
const PENDING_BASE: u64 = 0x1000;
/// 1024 pending bits in 32 words.
const PENDING_END: u64 = 0x1080;
const ENABLE_CONTEXT0_BASE: u64 = 0x2000;
const ENABLE_CONTEXT0_END: u64 = 0x2080;
const CONTEXT0_BASE: u64 = 0x20_0000;
const THRESHOLD: u64 = CONTEXT0_BASE;
const CLAIM_COMPLETE: u64 = CONTEXT0_BASE + 4;
/// Each context owns a 4 KiB page of registers.
const CONTEXT0_END: u64 = CONTEXT0_BASE + 0x1000;

/// Which register an offset names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Register {
    /// Priority of a source id (any of the 1024, existing or not).
    Priority(u64),
    /// Pending word `n` (sources 32n..32n+31).
    Pending(u64),
    /// Context 0 enable word `n`.
    Enable(u64),
    Threshold,
    ClaimComplete,
    /// Inside a block the model implements, but with no function: reads 0, ignores writes.
    Reserved,
}

fn register(offset: u64) -> Option<Register> {
    if !offset.is_multiple_of(4) {
        return None;
    }
    let register = match offset {
        PRIORITY_BASE..PRIORITY_END => Register::Priority((offset - PRIORITY_BASE) / 4),
        PENDING_BASE..PENDING_END => Register::Pending((offset - PENDING_BASE) / 4),
        ENABLE_CONTEXT0_BASE..ENABLE_CONTEXT0_END => Register::Enable((offset - ENABLE_CONTEXT0_BASE) / 4),
        CONTEXT0_BASE..CONTEXT0_END => match offset {
            THRESHOLD => Register::Threshold,
            CLAIM_COMPLETE => Register::ClaimComplete,
            _ => Register::Reserved,
        },
        // Other contexts and the gaps between blocks: the guest's device tree names none.
        _ => return None,
    };
    Some(register)
}

/// The PLIC state for one guest hart.
#[derive(Clone, Debug)]
pub struct Plic {
    /// Number of sources (ids 1..=ndev).
    ndev: u32,
    /// Priority of each source, indexed by id; entry 0 stays 0.
    priorities: [u8; MAX_SOURCES as usize + 1],
    /// Bit n: source n is pending (waiting to be claimed).
    pending: u32,
    /// Bit n: source n is enabled for context 0.
    enabled: u32,
    /// Bit n: source n was claimed and is not yet completed.
    in_service: u32,
    /// Bit n: the device line of source n is high.
    lines: u32,
    threshold: u8,
}

impl Plic {
    /// A PLIC with sources 1..=`ndev` (clamped to [`MAX_SOURCES`]), all at priority 0 (never
    /// interrupting), disabled, and with threshold 0.
    pub fn new(ndev: u32) -> Self {
        Plic {
            ndev: ndev.min(MAX_SOURCES),
            priorities: [0; MAX_SOURCES as usize + 1],
            pending: 0,
            enabled: 0,
            in_service: 0,
            lines: 0,
            threshold: 0,
        }
    }

    /// The number of sources, for the device tree's `riscv,ndev`.
    pub fn ndev(&self) -> u32 {
        self.ndev
    }

    /// A guest read of the 32-bit register at `offset`. Reading claim/complete claims the best
    /// interrupt. `None`: the model has no register there (the VMM reports a bad access).
    pub fn read(&mut self, offset: u64) -> Option<u32> {
        let value = match register(offset)? {
            Register::Priority(id) => self.priority_slot(id).map_or(0, |slot| u32::from(*slot)),
            Register::Pending(0) => self.pending,
            Register::Enable(0) => self.enabled,
            Register::Pending(_) | Register::Enable(_) | Register::Reserved => 0,
            Register::Threshold => u32::from(self.threshold),
            Register::ClaimComplete => self.claim(),
        };
        Some(value)
    }

    /// A guest write of the 32-bit register at `offset`. Writing claim/complete completes the
    /// source it names. Returns false where the model has no register.
    pub fn write(&mut self, offset: u64, value: u32) -> bool {
        let Some(register) = register(offset) else {
            return false;
        };
        match register {
            Register::Priority(id) => {
                if let Some(slot) = self.priority_slot(id) {
                    *slot = three_bits(value);
                }
            }
            Register::Enable(0) => self.enabled = value & self.source_mask(),
            Register::Threshold => self.threshold = three_bits(value),
            Register::ClaimComplete => self.complete(value),
            // Pending bits are read-only; the rest has no function.
            Register::Pending(_) | Register::Enable(_) | Register::Reserved => {}
        }
        true
    }

    /// Sets the level of a device's interrupt line. A high line becomes pending unless the
    /// source is in service; a low line withdraws a request not yet claimed. Returns false for
    /// a source that does not exist.
    pub fn set_level(&mut self, source: u32, high: bool) -> bool {
        let Some(bit) = self.source_bit(u64::from(source)) else {
            return false;
        };
        if high {
            self.lines |= bit;
            if self.in_service & bit == 0 {
                self.pending |= bit;
            }
        } else {
            self.lines &= !bit;
            self.pending &= !bit;
        }
        true
    }

    /// The level of the guest hart's supervisor external interrupt: some source is pending,
    /// enabled and above the threshold.
    pub fn external_interrupt(&self) -> bool {
        self.best_candidate().is_some()
    }

    /// Bits 1..=ndev.
    fn source_mask(&self) -> u32 {
        // ndev <= 31, so the shift stays inside u64 and the result inside u32.
        let below = (1u64 << (self.ndev + 1)) - 1;
        (below as u32) & !1
    }

    /// The bit of an existing source id.
    fn source_bit(&self, id: u64) -> Option<u32> {
        if id == 0 || id > u64::from(self.ndev) {
            return None;
        }
        Some(1u32 << id)
    }

    /// The priority register of an existing source id.
    fn priority_slot(&mut self, id: u64) -> Option<&mut u8> {
        self.source_bit(id)?;
        self.priorities.get_mut(usize::try_from(id).ok()?)
    }

    /// The pending, enabled source with the highest priority above the threshold; ties go to
    /// the lowest id.
    fn best_candidate(&self) -> Option<u32> {
        let candidates = self.pending & self.enabled & !self.in_service;
        let mut best: Option<(u32, u8)> = None;
        for id in 1..=self.ndev {
            let priority = self.priorities.get(id as usize).copied().unwrap_or(0);
            if candidates & (1 << id) == 0 || priority <= self.threshold {
                continue;
            }
            if best.is_none_or(|(_, best_priority)| priority > best_priority) {
                best = Some((id, priority));
            }
        }
        best.map(|(id, _)| id)
    }

    fn claim(&mut self) -> u32 {
        let Some(id) = self.best_candidate() else {
            return 0;
        };
        let bit = 1u32 << id;
        self.pending &= !bit;
        self.in_service |= bit;
        id
    }

    /// Ends service of `id`. The PLIC ignores completions for sources not enabled for this
    /// context (Linux re-enables a masked source around its completion for that reason).
    fn complete(&mut self, id: u32) {
        let Some(bit) = self.source_bit(u64::from(id)) else {
            return;
        };
        if self.enabled & bit == 0 {
            return;
        }
        self.in_service &= !bit;
        if self.lines & bit != 0 {
            self.pending |= bit;
        }
    }
}

fn three_bits(value: u32) -> u8 {
    (value & MAX_PRIORITY) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    fn priority(source: u64) -> u64 {
        4 * source
    }

    /// A PLIC with `sources` enabled at the given priorities.
    fn configured(ndev: u32, sources: &[(u32, u32)]) -> Plic {
        let mut plic = Plic::new(ndev);
        let mut enable = 0;
        for &(source, level) in sources {
            assert!(plic.write(priority(source.into()), level));
            enable |= 1 << source;
        }
        assert!(plic.write(ENABLE_CONTEXT0_BASE, enable));
        plic
    }

    fn claim(plic: &mut Plic) -> u32 {
        plic.read(CLAIM_COMPLETE).expect("claim register exists")
    }

    fn complete(plic: &mut Plic, source: u32) {
        assert!(plic.write(CLAIM_COMPLETE, source));
    }

    #[test]
    fn reset_state_is_quiet() {
        let mut plic = Plic::new(10);
        assert_eq!(plic.ndev(), 10);
        assert_eq!(plic.read(priority(1)), Some(0));
        assert_eq!(plic.read(PENDING_BASE), Some(0));
        assert_eq!(plic.read(ENABLE_CONTEXT0_BASE), Some(0));
        assert_eq!(plic.read(THRESHOLD), Some(0));
        assert_eq!(plic.read(CLAIM_COMPLETE), Some(0));
        assert!(!plic.external_interrupt());
    }

    #[test]
    fn registers_hold_three_bit_priorities_and_existing_sources() {
        let mut plic = Plic::new(10);
        assert!(plic.write(priority(3), 0xFFFF_FFF5));
        assert_eq!(plic.read(priority(3)), Some(5));
        assert!(plic.write(THRESHOLD, 9));
        assert_eq!(plic.read(THRESHOLD), Some(1));
        assert!(plic.write(ENABLE_CONTEXT0_BASE, u32::MAX));
        assert_eq!(plic.read(ENABLE_CONTEXT0_BASE), Some(0b111_1111_1110), "bit 0 and sources past ndev stay 0");
        // Source 0 and sources past ndev exist in the map but hold nothing.
        assert!(plic.write(priority(0), 7));
        assert!(plic.write(priority(11), 7));
        assert!(plic.write(priority(1023), 7));
        assert_eq!(plic.read(priority(0)), Some(0));
        assert_eq!(plic.read(priority(11)), Some(0));
        assert_eq!(plic.read(priority(1023)), Some(0));
        // Pending bits are read-only.
        assert!(plic.write(PENDING_BASE, u32::MAX));
        assert_eq!(plic.read(PENDING_BASE), Some(0));
    }

    #[test]
    fn claim_takes_highest_priority_then_lowest_id() {
        let mut plic = configured(31, &[(2, 3), (5, 6), (9, 6), (31, 1)]);
        for source in [2, 5, 9, 31] {
            assert!(plic.set_level(source, true));
        }
        assert_eq!(plic.read(PENDING_BASE), Some((1 << 2) | (1 << 5) | (1 << 9) | (1 << 31)));
        assert_eq!(claim(&mut plic), 5);
        assert_eq!(claim(&mut plic), 9);
        assert_eq!(claim(&mut plic), 2);
        assert_eq!(claim(&mut plic), 31);
        assert_eq!(claim(&mut plic), 0);
        assert_eq!(plic.read(PENDING_BASE), Some(0));
        assert!(!plic.external_interrupt());
    }

    #[test]
    fn threshold_masks_low_priorities() {
        let mut plic = configured(8, &[(1, 2), (2, 3)]);
        plic.set_level(1, true);
        plic.write(THRESHOLD, 2);
        assert!(!plic.external_interrupt(), "priority must exceed the threshold");
        assert_eq!(claim(&mut plic), 0);
        plic.set_level(2, true);
        assert!(plic.external_interrupt());
        assert_eq!(claim(&mut plic), 2);
        plic.write(THRESHOLD, 1);
        assert_eq!(claim(&mut plic), 1);
        plic.write(THRESHOLD, 7);
        plic.write(priority(3), 7);
        plic.write(ENABLE_CONTEXT0_BASE, 0b1110);
        plic.set_level(3, true);
        assert!(!plic.external_interrupt(), "threshold 7 masks everything");
    }

    #[test]
    fn priority_zero_and_disabled_sources_never_interrupt() {
        let mut plic = configured(8, &[(1, 0), (2, 4)]);
        plic.set_level(1, true);
        plic.set_level(3, true);
        assert!(!plic.external_interrupt());
        assert_eq!(claim(&mut plic), 0);
        assert_eq!(plic.read(PENDING_BASE), Some(0b1010), "pending shows regardless of enable");
        // Enabling source 3 with a priority makes it claimable.
        plic.write(priority(3), 1);
        plic.write(ENABLE_CONTEXT0_BASE, 0b1110);
        assert!(plic.external_interrupt());
        assert_eq!(claim(&mut plic), 3);
    }

    #[test]
    fn level_line_retriggers_after_completion() {
        let mut plic = configured(4, &[(1, 1)]);
        plic.set_level(1, true);
        assert_eq!(claim(&mut plic), 1);
        assert!(!plic.external_interrupt(), "in service");
        plic.set_level(1, true);
        assert_eq!(plic.read(PENDING_BASE), Some(0), "a claimed source does not become pending");
        complete(&mut plic, 1);
        assert!(plic.external_interrupt(), "still high after completion");
        assert_eq!(claim(&mut plic), 1);
        plic.set_level(1, false);
        complete(&mut plic, 1);
        assert!(!plic.external_interrupt());
        assert_eq!(claim(&mut plic), 0);
    }

    #[test]
    fn dropped_line_withdraws_an_unclaimed_request() {
        let mut plic = configured(4, &[(2, 1)]);
        plic.set_level(2, true);
        assert!(plic.external_interrupt());
        plic.set_level(2, false);
        assert!(!plic.external_interrupt());
        assert_eq!(claim(&mut plic), 0);
    }

    #[test]
    fn completion_needs_an_enabled_existing_source() {
        let mut plic = configured(4, &[(1, 1), (2, 1)]);
        plic.set_level(1, true);
        assert_eq!(claim(&mut plic), 1);
        // Masked: the completion is ignored, the source stays in service.
        plic.write(ENABLE_CONTEXT0_BASE, 0b100);
        complete(&mut plic, 1);
        plic.write(ENABLE_CONTEXT0_BASE, 0b110);
        assert_eq!(claim(&mut plic), 0, "source 1 still in service");
        // Linux's way: enable, complete, disable.
        complete(&mut plic, 1);
        assert!(plic.external_interrupt());
        for bogus in [0, 5, 32, u32::MAX] {
            complete(&mut plic, bogus);
        }
        assert_eq!(claim(&mut plic), 1);
    }

    #[test]
    fn nested_claims_are_independent() {
        let mut plic = configured(4, &[(1, 1), (2, 5)]);
        plic.set_level(1, true);
        assert_eq!(claim(&mut plic), 1);
        plic.set_level(2, true);
        assert_eq!(claim(&mut plic), 2);
        complete(&mut plic, 2);
        plic.set_level(2, false);
        complete(&mut plic, 1);
        assert_eq!(claim(&mut plic), 1, "line 1 never dropped");
    }

    #[test]
    fn nonexistent_sources_and_ndev_bounds() {
        let mut plic = Plic::new(3);
        assert!(!plic.set_level(0, true));
        assert!(!plic.set_level(4, true));
        assert!(!plic.set_level(u32::MAX, true));
        assert!(plic.set_level(3, true));
        assert_eq!(plic.read(PENDING_BASE), Some(0b1000));
        let mut big = Plic::new(1000);
        assert_eq!(big.ndev(), MAX_SOURCES);
        assert!(big.set_level(31, true));
        assert!(!big.set_level(32, true));
        assert_eq!(big.read(PENDING_BASE), Some(1 << 31));
        let mut none = Plic::new(0);
        assert!(!none.set_level(1, true));
        none.write(ENABLE_CONTEXT0_BASE, u32::MAX);
        assert_eq!(none.read(ENABLE_CONTEXT0_BASE), Some(0));
    }

    #[test]
    fn offsets_outside_the_model_are_rejected() {
        let mut plic = Plic::new(31);
        for offset in [2, 0x1001, 0x1080, 0x1FFC, 0x2080, 0x3000, 0x1F_FFFC, 0x20_1000, 0x20_1004, 0x400_0000, u64::MAX]
        {
            assert_eq!(plic.read(offset), None, "offset {offset:#x}");
            assert!(!plic.write(offset, 1), "offset {offset:#x}");
        }
        // Implemented blocks read 0 where nothing lives.
        for offset in [0x1004, 0x107C, 0x2004, 0x207C, 0x20_0008, 0x20_0FFC] {
            assert_eq!(plic.read(offset), Some(0), "offset {offset:#x}");
            assert!(plic.write(offset, u32::MAX), "offset {offset:#x}");
        }
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn claims_respect_priority_order(
                priorities in proptest::collection::vec(0u32..8, 31),
                lines: u32,
                threshold in 0u32..8,
            ) {
                let mut plic = Plic::new(31);
                for (index, &level) in priorities.iter().enumerate() {
                    plic.write(priority(index as u64 + 1), level);
                }
                plic.write(ENABLE_CONTEXT0_BASE, u32::MAX);
                plic.write(THRESHOLD, threshold);
                for source in 1..=31 {
                    plic.set_level(source, lines & (1 << source) != 0);
                }
                let mut last = (u32::MAX, 0);
                let mut claimed = 0u32;
                loop {
                    let expect_more = plic.external_interrupt();
                    let id = claim(&mut plic);
                    prop_assert_eq!(id != 0, expect_more);
                    if id == 0 { break; }
                    let level = priorities[id as usize - 1];
                    prop_assert!(level > threshold);
                    prop_assert!(lines & (1 << id) != 0);
                    prop_assert!(level < last.0 || (level == last.0 && id > last.1));
                    last = (level, id);
                    claimed |= 1 << id;
                }
                for source in 1..=31u32 {
                    let eligible = lines & (1 << source) != 0 && priorities[source as usize - 1] > threshold;
                    prop_assert_eq!(claimed & (1 << source) != 0, eligible);
                }
            }

            #[test]
            fn any_access_is_answered(offset: u64, value: u32, ndev: u32) {
                let mut plic = Plic::new(ndev);
                let known = plic.write(offset, value);
                prop_assert_eq!(plic.read(offset).is_some(), known);
            }
        }
    }
}
