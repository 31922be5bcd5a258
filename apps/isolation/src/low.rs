//! Low: in each of its slices, records everything it can observe through the kernel (results
//! and addresses: the storage record) and when things happen (`rdcycle`: the timing record).
//!
//! This code runs in the Low partition: it writes only its stack and its records frame, never
//! the image's statics (mapped read-only there).
use crate::partition::{RECORDS, SCRATCH, slot};
use atoll_sdk::abi::{CapRights, ObjectType};
use atoll_sdk::cnode::{self, SlotPath};
use atoll_sdk::invocation::page_get_address;
use atoll_sdk::syscall::{debug_cap_identify, poll, read_cycle, signal};
use atoll_sdk::vspace;

/// Slices Low records (after the one it starts in, whose length depends on when it started).
pub const SLICES: usize = 6;
/// Words per slice in each record.
pub const STORAGE_WORDS: usize = 10;
pub const TIMING_WORDS: usize = 10;
/// Where the timing record starts in the records frame (words).
pub const TIMING_OFFSET: usize = 256;

/// A pause in the cycle count this long means another domain ran.
const GAP: u64 = 200_000;

/// Where Low notes how long it ran in each slice (not part of the compared records: with time
/// protection off it differs from run to run).
pub const USABLE_OFFSET: usize = 448;
const USABLE: Usable = Usable;
struct Usable;

impl Usable {
    fn push_at(&self, slice: usize, cycles: u64) {
        // SAFETY: the records frame is Low's own, mapped read-write at RECORDS; the index stays
        // within it (USABLE_OFFSET + SLICES words).
        unsafe { (RECORDS as *mut u64).add(USABLE_OFFSET + slice).write_volatile(cycles) };
    }
}

/// Appends words to one of the two records.
struct Record {
    base: *mut u64,
    next: usize,
}

impl Record {
    fn push(&mut self, value: u64) {
        // SAFETY: the records frame is mapped read-write at RECORDS in this partition only; the
        // record stays within its 4 KiB (SLICES * words per slice < 256 each).
        unsafe { self.base.add(self.next).write_volatile(value) };
        self.next += 1;
    }
}

/// Spins until a gap in the cycle count shows a new slice began; returns when it did, and
/// leaves in `last` the time of the last read before the gap (the end of the slice just over).
fn next_slice(last: &mut u64) -> u64 {
    loop {
        let now = read_cycle();
        if now - *last > GAP {
            return now;
        }
        *last = now;
    }
}

fn own(index: u64) -> SlotPath {
    SlotPath { root: slot::CNODE, index, depth: slot::RADIX }
}

fn code<T>(result: Result<T, atoll_sdk::invocation::Failure>) -> u64 {
    match result {
        Ok(_) => 0,
        Err(failure) => failure.error.value(),
    }
}

/// Times one operation: (its result word, cycles it took).
fn timed(op: impl FnOnce() -> u64) -> (u64, u64) {
    let start = read_cycle();
    let value = op();
    (value, read_cycle() - start)
}

/// The first FP instruction of the slice (the kernel hands over the FPU on it).
fn first_fp_instruction() -> u64 {
    let value: u64;
    // SAFETY: uses only ft0 and the output register.
    unsafe {
        core::arch::asm!("fmv.d.x ft0, zero", "fadd.d ft0, ft0, ft0", "fmv.x.d {0}, ft0", out(reg) value, out("ft0") _);
    }
    value
}

/// `poll_shared` (the positive control): Low polls the notification it shares with High instead
/// of signalling and polling its own.
pub extern "C" fn main(poll_shared: u64) -> ! {
    let mut storage = Record { base: RECORDS as *mut u64, next: 0 };
    let mut timing = Record { base: (RECORDS as *mut u64).wrapping_add(TIMING_OFFSET), next: 0 };
    let mut last = read_cycle();
    next_slice(&mut last);
    last = read_cycle();
    let first = next_slice(&mut last);
    last = first;
    let mut start = first;
    for slice in 0..SLICES {
        if slice > 0 {
            let previous = start;
            start = next_slice(&mut last);
            // How long Low ran in the slice that just ended (the rest went to the kernel).
            USABLE.push_at(slice - 1, last - previous);
        }
        timing.push(start - first);
        let frame = slot::FREE;
        let (fp, fp_time) = timed(first_fp_instruction);
        let (retyped, retype_time) = timed(|| {
            code(cnode::untyped_retype(slot::UNTYPED, ObjectType::Riscv4KPage.value(), 0, slot::CNODE, 0, 0, frame, 1))
        });
        let (paddr, address_time) = timed(|| page_get_address(frame).unwrap_or(u64::MAX));
        let (mapped, map_time) =
            timed(|| code(vspace::page_map(frame, slot::VSPACE, SCRATCH, CapRights::READ_WRITE, 0)));
        // SAFETY: the fresh frame was just mapped read-write at SCRATCH (or the read faults
        // and the record stops, which a comparison shows as well).
        let content = unsafe { (SCRATCH as *const u64).read_volatile() };
        let (unmapped, unmap_time) = timed(|| code(vspace::page_unmap(frame)));
        let identified = debug_cap_identify(frame);
        let (badge, poll_time) = timed(|| {
            if poll_shared == 1 {
                return poll(slot::SHARED);
            }
            signal(slot::NOTIFICATION);
            poll(slot::NOTIFICATION)
        });
        let (revoked, revoke_time) = timed(|| code(cnode::revoke(own(slot::UNTYPED))));
        let emptied = debug_cap_identify(frame);
        for word in [fp, retyped, paddr, mapped, content, unmapped, identified, badge, revoked, emptied] {
            storage.push(word);
        }
        for word in [fp_time, retype_time, address_time, map_time, unmap_time, poll_time, revoke_time] {
            timing.push(word);
        }
        timing.push(read_cycle() - start);
        last = read_cycle();
    }
    USABLE.push_at(SLICES - 1, 0);
    // Tell the root task (through the one notification they share) that the records are done.
    signal(slot::DONE);
    loop {
        core::hint::spin_loop();
    }
}
