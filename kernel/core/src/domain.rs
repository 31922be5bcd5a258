//! The domain schedule of seL4 16.0.0 (RFC-20): a table set at run time with
//! `DomainSet_ScheduleConfigure` and `DomainSet_ScheduleSetStart`, walked in order and
//! restarted at its start entry whenever an end marker (an all-zero entry) or its end is
//! reached. The last entry always stays an end marker.

/// An entry keeps its domain in the top 8 bits and its duration in the low 56.
const DOMAIN_SHIFT: u32 = 56;

/// The longest duration an entry can hold (seL4's DSCHED_MAX_DURATION). Durations are kernel
/// ticks without MCS and timebase ticks with it.
pub const MAX_DURATION: u64 = u64::MAX >> 8;

/// Why a configuration call was refused, in the terms of seL4's error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduleError {
    /// seL4_RangeError with the allowed range.
    Range { min: u64, max: u64 },
    /// seL4_InvalidArgument naming the argument.
    InvalidArgument(u64),
}

/// The table, its start entry and the entry being run.
#[derive(Debug, Clone)]
pub struct DomainSchedule<const N: usize> {
    entries: [u64; N],
    start: usize,
    index: usize,
}

impl<const N: usize> Default for DomainSchedule<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> DomainSchedule<N> {
    /// At boot: domain 0 for as long as an entry can last, until user level configures more.
    pub const fn new() -> Self {
        assert!(N >= 2, "the schedule needs an entry and an end marker");
        let mut entries = [0; N];
        entries[0] = MAX_DURATION;
        Self { entries, start: 0, index: 0 }
    }

    /// The domain and duration of entry `index`.
    pub fn entry(&self, index: usize) -> (u8, u64) {
        let raw = self.entries[index];
        ((raw >> DOMAIN_SHIFT) as u8, raw & MAX_DURATION)
    }

    fn is_end_marker(&self, index: usize) -> bool {
        self.entries[index] == 0
    }

    /// The entry being run.
    pub fn index(&self) -> usize {
        self.index
    }

    /// The entry the schedule restarts at.
    pub fn start(&self) -> usize {
        self.start
    }

    /// DomainSet_ScheduleConfigure: checks the arguments as seL4 does (index below the last
    /// entry, a valid domain, a duration that fits, zero duration only for an end marker, and
    /// no end marker at the start entry) and sets the entry.
    pub fn configure(
        &mut self,
        index: u64,
        domain: u64,
        duration: u64,
        num_domains: usize,
    ) -> Result<(), ScheduleError> {
        let last = N as u64 - 1;
        if index >= last {
            return Err(ScheduleError::Range { min: 0, max: last - 1 });
        }
        if domain >= num_domains as u64 {
            return Err(ScheduleError::Range { min: 0, max: num_domains as u64 - 1 });
        }
        if duration > MAX_DURATION {
            return Err(ScheduleError::InvalidArgument(2));
        }
        if duration == 0 && domain != 0 {
            return Err(ScheduleError::InvalidArgument(1));
        }
        if index as usize == self.start && duration == 0 {
            return Err(ScheduleError::InvalidArgument(2));
        }
        self.entries[index as usize] = (domain << DOMAIN_SHIFT) | duration;
        Ok(())
    }

    /// DomainSet_ScheduleSetStart: the schedule restarts at `index`, which must not be an end
    /// marker. The entry being run becomes the one before the last, so that the next switch
    /// (which the caller forces by ending the current domain's time) goes to `index`.
    pub fn set_start(&mut self, index: u64) -> Result<(), ScheduleError> {
        if index >= N as u64 {
            return Err(ScheduleError::Range { min: 0, max: N as u64 - 1 });
        }
        if self.is_end_marker(index as usize) {
            return Err(ScheduleError::InvalidArgument(0));
        }
        self.start = index as usize;
        self.index = N - 2;
        Ok(())
    }

    /// seL4's nextDomain: moves to the next entry, back to the start at an end marker, and
    /// returns its domain and duration.
    pub fn advance(&mut self) -> (u8, u64) {
        self.index += 1;
        if self.index >= N || self.is_end_marker(self.index) {
            self.index = self.start;
        }
        self.entry(self.index)
    }
}
