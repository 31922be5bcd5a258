//! What the demo's protection domains share: single-producer, single-consumer byte rings in
//! shared memory regions, and access to the variables the builder sets.
#![no_std]

/// Reads a `static mut u64` the system builder wrote into this PD's image (a `setvar_vaddr`).
#[macro_export]
macro_rules! builder_variable {
    ($variable:ident) => {
        // SAFETY: a static of this image that the builder patched before the PD started and
        // that nothing writes at run time; read through a raw pointer, no reference made.
        unsafe { (&raw const $variable).read_volatile() }
    };
}

/// A byte ring in a 4 KiB shared region: the producer writes `tail`, the consumer `head`.
#[derive(Clone, Copy)]
pub struct Ring {
    base: u64,
}

const CAPACITY: u32 = 4096 - 8;

impl Ring {
    /// The ring in the region mapped at `vaddr`.
    pub const fn at(vaddr: u64) -> Ring {
        Ring { base: vaddr }
    }

    fn word(&self, index: u64) -> *mut u32 {
        (self.base + 4 * index) as *mut u32
    }

    fn byte(&self, index: u32) -> *mut u8 {
        (self.base + 8 + index as u64) as *mut u8
    }

    /// Producer: appends `byte`; false if the ring is full.
    pub fn push(&self, byte: u8) -> bool {
        // SAFETY: the region is mapped read-write at `base` in both PDs; only the producer
        // writes `tail` and the slots between tail and head, only the consumer writes `head`.
        unsafe {
            let (head, tail) = (self.word(0).read_volatile(), self.word(1).read_volatile());
            let next = (tail + 1) % CAPACITY;
            if next == head {
                return false;
            }
            self.byte(tail).write_volatile(byte);
            core::sync::atomic::fence(core::sync::atomic::Ordering::Release);
            self.word(1).write_volatile(next);
        }
        true
    }

    /// Consumer: takes the oldest byte.
    pub fn pop(&self) -> Option<u8> {
        // SAFETY: as for `push`.
        unsafe {
            let (head, tail) = (self.word(0).read_volatile(), self.word(1).read_volatile());
            if head == tail {
                return None;
            }
            core::sync::atomic::fence(core::sync::atomic::Ordering::Acquire);
            let byte = self.byte(head).read_volatile();
            self.word(0).write_volatile((head + 1) % CAPACITY);
            Some(byte)
        }
    }

    /// Producer: appends what fits of `text`.
    pub fn write_str(&self, text: &str) {
        for byte in text.bytes() {
            if !self.push(byte) {
                break;
            }
        }
    }
}

/// `core::fmt` into a ring, for `write!`.
pub struct RingWriter(pub Ring);

impl core::fmt::Write for RingWriter {
    fn write_str(&mut self, text: &str) -> core::fmt::Result {
        self.0.write_str(text);
        Ok(())
    }
}
