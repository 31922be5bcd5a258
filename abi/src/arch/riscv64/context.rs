//! The RISC-V 64 user register context (seL4_UserContext).

/// seL4_UserContext for RISC-V 64: the registers read and written by
/// `TCB_ReadRegisters`, `TCB_WriteRegisters` and `TCB_CopyRegisters`.
///
/// The first [`FRAME_REGISTER_COUNT`] fields are the "frame" registers and the
/// remaining [`GP_REGISTER_COUNT`] the "general purpose" ones; the register
/// count those invocations take selects a prefix of this order.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[allow(missing_docs)]
pub struct UserContext {
    pub pc: u64,
    pub ra: u64,
    pub sp: u64,
    pub gp: u64,
    pub s0: u64,
    pub s1: u64,
    pub s2: u64,
    pub s3: u64,
    pub s4: u64,
    pub s5: u64,
    pub s6: u64,
    pub s7: u64,
    pub s8: u64,
    pub s9: u64,
    pub s10: u64,
    pub s11: u64,
    pub a0: u64,
    pub a1: u64,
    pub a2: u64,
    pub a3: u64,
    pub a4: u64,
    pub a5: u64,
    pub a6: u64,
    pub a7: u64,
    pub t0: u64,
    pub t1: u64,
    pub t2: u64,
    pub t3: u64,
    pub t4: u64,
    pub t5: u64,
    pub t6: u64,
    pub tp: u64,
}

/// Number of frame registers (`pc`, `ra`, `sp`, `gp`, `s0`..`s11`).
pub const FRAME_REGISTER_COUNT: usize = 16;
/// Number of general-purpose registers (`a0`..`a7`, `t0`..`t6`, `tp`).
pub const GP_REGISTER_COUNT: usize = 16;
/// Number of words in a [`UserContext`].
pub const USER_CONTEXT_WORDS: usize = FRAME_REGISTER_COUNT + GP_REGISTER_COUNT;

impl UserContext {
    /// The registers as words, in field order.
    pub const fn to_words(&self) -> [u64; USER_CONTEXT_WORDS] {
        [
            self.pc, self.ra, self.sp, self.gp, self.s0, self.s1, self.s2, self.s3, self.s4, self.s5, self.s6, self.s7,
            self.s8, self.s9, self.s10, self.s11, self.a0, self.a1, self.a2, self.a3, self.a4, self.a5, self.a6,
            self.a7, self.t0, self.t1, self.t2, self.t3, self.t4, self.t5, self.t6, self.tp,
        ]
    }

    /// Builds a context from words in field order.
    pub const fn from_words(w: [u64; USER_CONTEXT_WORDS]) -> Self {
        Self {
            pc: w[0],
            ra: w[1],
            sp: w[2],
            gp: w[3],
            s0: w[4],
            s1: w[5],
            s2: w[6],
            s3: w[7],
            s4: w[8],
            s5: w[9],
            s6: w[10],
            s7: w[11],
            s8: w[12],
            s9: w[13],
            s10: w[14],
            s11: w[15],
            a0: w[16],
            a1: w[17],
            a2: w[18],
            a3: w[19],
            a4: w[20],
            a5: w[21],
            a6: w[22],
            a7: w[23],
            t0: w[24],
            t1: w[25],
            t2: w[26],
            t3: w[27],
            t4: w[28],
            t5: w[29],
            t6: w[30],
            tp: w[31],
        }
    }
}

const _: () = assert!(size_of::<UserContext>() == USER_CONTEXT_WORDS * 8);
