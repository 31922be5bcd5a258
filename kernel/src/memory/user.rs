//! Memory user level can write: copied in and out a word at a time, never borrowed.
//!
//! Another thread may write the same words at any time (two threads may share one IPC buffer,
//! and a sender and receiver may too), so each access is a single volatile load or store: the
//! kernel sees some value the user wrote, never undefined behaviour.
use crate::arch::layout::phys_to_kernel_ptr;
use atoll_abi::CapType;
use atoll_abi::object::PAGE_BITS;
use atoll_kernel_core::cap::Cap;

/// A run of 64-bit words inside a frame that user level may map.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct UserWords {
    paddr: u64,
    len: usize,
}

impl UserWords {
    /// The aligned block of `2^block_bits` bytes (at most a page) that holds `vaddr`, in the
    /// frame `frame` names (which user level maps there); None unless `frame` is a frame cap.
    /// The block lies inside the frame whatever `vaddr` is.
    #[inline(always)]
    pub fn block_in_frame(frame: Cap, vaddr: u64, block_bits: u32) -> Option<UserWords> {
        if !frame.is(CapType::Frame) {
            return None;
        }
        let block_bits = block_bits.clamp(3, PAGE_BITS as u32);
        let offset = vaddr & ((1u64 << frame.frame_size().bits()) - 1) & !((1u64 << block_bits) - 1);
        Some(UserWords { paddr: frame.paddr() + offset, len: 1 << (block_bits - 3) })
    }

    /// Word `index`, if it is inside the run.
    #[inline(always)]
    pub fn get(&self, index: usize) -> Option<u64> {
        // SAFETY: inside a live frame (checked when built); one volatile load of user memory.
        (index < self.len).then(|| unsafe { phys_to_kernel_ptr::<u64>(self.paddr).add(index).read_volatile() })
    }

    /// Writes word `index`; false if it is outside the run.
    #[inline(always)]
    pub fn set(&self, index: usize, value: u64) -> bool {
        if index >= self.len {
            return false;
        }
        // SAFETY: as for `get`; one volatile store.
        unsafe { phys_to_kernel_ptr::<u64>(self.paddr).add(index).write_volatile(value) };
        true
    }
}
