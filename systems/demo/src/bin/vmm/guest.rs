//! The guest as the VMM reaches it: its RAM through the VMM's own mapping (every access
//! bounds-checked), and its general registers through the VM thread's TCB.
use atoll_pd::Child;

/// Guest-physical base of RAM (where Linux expects it on a QEMU-like `virt` board).
pub const RAM_BASE: u64 = 0x8000_0000;

/// The guest's RAM, mapped read-write into the VMM at `vaddr`.
#[derive(Clone, Copy)]
pub struct Ram {
    vaddr: u64,
    size: u64,
}

impl Ram {
    pub const fn new(vaddr: u64, size: u64) -> Ram {
        Ram { vaddr, size }
    }

    pub const fn size(&self) -> u64 {
        self.size
    }

    /// The VMM address of `len` bytes of guest RAM at `gpa`, if all of them are RAM.
    fn window(&self, gpa: u64, len: u64) -> Option<u64> {
        let offset = gpa.checked_sub(RAM_BASE)?;
        (offset.checked_add(len)? <= self.size).then_some(self.vaddr + offset)
    }

    /// Copies `bytes` into guest RAM at `gpa`; false if they do not fit.
    pub fn write(&self, gpa: u64, bytes: &[u8]) -> bool {
        let Some(address) = self.window(gpa, bytes.len() as u64) else { return false };
        // SAFETY: `window` checked that the range lies inside the guest RAM region, which the
        // system description maps read-write at `vaddr` in this PD; the guest is stopped or
        // blocked in an exit while the VMM writes, and u8 has no alignment.
        unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), address as *mut u8, bytes.len()) };
        true
    }

    /// Reads `out.len()` bytes of guest RAM at `gpa`; false if they are not all RAM.
    pub fn read(&self, gpa: u64, out: &mut [u8]) -> bool {
        let Some(address) = self.window(gpa, out.len() as u64) else { return false };
        // SAFETY: as for `write`, reading.
        unsafe { core::ptr::copy_nonoverlapping(address as *const u8, out.as_mut_ptr(), out.len()) };
        true
    }

    pub fn read_u64(&self, gpa: u64) -> Option<u64> {
        let mut bytes = [0u8; 8];
        self.read(gpa, &mut bytes).then(|| u64::from_le_bytes(bytes))
    }

    pub fn read_u16(&self, gpa: u64) -> Option<u16> {
        let mut bytes = [0u8; 2];
        self.read(gpa, &mut bytes).then(|| u16::from_le_bytes(bytes))
    }
}

/// seL4_UserContext index of each x register (x0 has none: it reads as zero).
const CONTEXT_INDEX: [usize; 32] = {
    // seL4_UserContext order: pc ra sp gp s0-s11 a0-a7 t0-t6 tp, as x register numbers.
    const ORDER: [usize; 32] = [
        0, 1, 2, 3, 8, 9, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 10, 11, 12, 13, 14, 15, 16, 17, 5, 6, 7, 28, 29, 30,
        31, 4,
    ];
    let mut index = [0usize; 32];
    let mut i = 1;
    while i < 32 {
        index[ORDER[i]] = i;
        i += 1;
    }
    index
};

/// The VM thread's registers, read at an exit and written back before it resumes.
pub struct Registers {
    words: [u64; 32],
}

const PC: usize = 0;

impl Registers {
    /// Reads the registers of vCPU `vcpu`'s thread.
    pub fn read(vcpu: Child) -> Registers {
        let mut words = [0u64; 32];
        let _ = atoll_sdk::tcb::read_registers(atoll_pd::BASE_VM_TCB_CAP + vcpu, false, &mut words);
        Registers { words }
    }

    /// Writes them back (the fault reply then resumes the thread with them).
    pub fn write(&self, vcpu: Child) {
        let _ = atoll_sdk::tcb::write_registers(atoll_pd::BASE_VM_TCB_CAP + vcpu, false, &self.words);
    }

    pub fn pc(&self) -> u64 {
        self.words[PC]
    }

    pub fn step(&mut self, bytes: u64) {
        self.words[PC] = self.words[PC].wrapping_add(bytes);
    }

    /// Register x`n` (x0 is zero).
    pub fn x(&self, n: u8) -> u64 {
        match n {
            1..=31 => self.words[CONTEXT_INDEX[n as usize]],
            _ => 0,
        }
    }

    /// Sets x`n` (writes to x0 vanish).
    pub fn set_x(&mut self, n: u8, value: u64) {
        if let 1..=31 = n {
            self.words[CONTEXT_INDEX[n as usize]] = value;
        }
    }
}
