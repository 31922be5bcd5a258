//! SBI (Supervisor Binary Interface v2.0) calls a guest makes with `ecall` from VS-mode.
//!
//! [`handle`] turns the registers of one call into a [`Decision`]: either a ready [`Reply`] or an
//! action for the VMM (program the timer, print, inject an interrupt, stop). The guest has exactly
//! one hart, hart 0, so every multi-hart request reduces to "this hart" or an error.

/// The only hart the guest has.
pub const GUEST_HART: u64 = 0;

/// `get_spec_version`: SBI v2.0 (major in bits 30:24, minor in bits 23:0).
pub const SPEC_VERSION: u64 = 0x0200_0000;
/// `get_impl_id`: Atoll's own implementation id ("AT"), outside the ids the spec assigns.
pub const IMPL_ID: u64 = 0x4154;
/// `get_impl_version`.
pub const IMPL_VERSION: u64 = 1;

/// Standard SBI error codes, returned in `a0`.
pub const SUCCESS: i64 = 0;
/// The call failed for an unspecified reason.
pub const ERR_FAILED: i64 = -1;
/// The extension or function is not implemented.
pub const ERR_NOT_SUPPORTED: i64 = -2;
/// An argument is out of range.
pub const ERR_INVALID_PARAM: i64 = -3;
/// The caller may not make this request.
pub const ERR_DENIED: i64 = -4;
/// An address argument is not accessible.
pub const ERR_INVALID_ADDRESS: i64 = -5;
/// The resource (here: a hart) is already available.
pub const ERR_ALREADY_AVAILABLE: i64 = -6;

/// Legacy (v0.1) extensions: one function each, result in `a0` only.
pub const LEGACY_SET_TIMER: u64 = 0x00;
/// Legacy console output of one byte.
pub const LEGACY_CONSOLE_PUTCHAR: u64 = 0x01;
/// Legacy console input of one byte (or -1).
pub const LEGACY_CONSOLE_GETCHAR: u64 = 0x02;
/// Legacy clear of the pending supervisor software interrupt.
pub const LEGACY_CLEAR_IPI: u64 = 0x03;
/// Legacy IPI send; `a0` points to a hart mask in guest memory.
pub const LEGACY_SEND_IPI: u64 = 0x04;
/// Legacy remote `fence.i`.
pub const LEGACY_REMOTE_FENCE_I: u64 = 0x05;
/// Legacy remote `sfence.vma`.
pub const LEGACY_REMOTE_SFENCE_VMA: u64 = 0x06;
/// Legacy remote `sfence.vma` for one ASID.
pub const LEGACY_REMOTE_SFENCE_VMA_ASID: u64 = 0x07;
/// Legacy system shutdown.
pub const LEGACY_SHUTDOWN: u64 = 0x08;

/// Base extension: versions and extension probing.
pub const EXT_BASE: u64 = 0x10;
/// Timer extension ("TIME").
pub const EXT_TIME: u64 = 0x5449_4D45;
/// IPI extension ("sPI").
pub const EXT_IPI: u64 = 0x0073_5049;
/// Remote fence extension ("RFNC").
pub const EXT_RFENCE: u64 = 0x5246_4E43;
/// Hart state management extension ("HSM").
pub const EXT_HSM: u64 = 0x0048_534D;
/// System reset extension ("SRST").
pub const EXT_SRST: u64 = 0x5352_5354;
/// Debug console extension ("DBCN").
pub const EXT_DBCN: u64 = 0x4442_434E;

/// `hart_get_status` value of a running hart.
pub const HART_STATE_STARTED: u64 = 0;

/// A `hart_mask_base` of all ones: ignore the mask and address every hart.
const HART_MASK_BASE_ALL: u64 = u64::MAX;

/// The registers of one `ecall`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SbiCall {
    /// Extension id (`a7`).
    pub extension: u64,
    /// Function id (`a6`); legacy extensions ignore it.
    pub function: u64,
    /// Arguments `a0`..`a5`.
    pub args: [u64; 6],
}

/// How a call's result goes back into registers: legacy calls only write `a0`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Convention {
    /// SBI v0.1: result in `a0`, `a1` preserved.
    Legacy,
    /// SBI v0.2 and later: error in `a0`, value in `a1`.
    Standard,
}

/// The result the guest sees when its `ecall` returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reply {
    /// Standard calls: `a0` = error, `a1` = value.
    Return {
        /// An `ERR_*` code, or [`SUCCESS`].
        error: i64,
        /// The call's value (meaningful on success).
        value: u64,
    },
    /// Legacy calls: `a0` only.
    LegacyReturn(u64),
}

impl Reply {
    /// A standard error reply.
    pub const fn error(error: i64) -> Self {
        Reply::Return { error, value: 0 }
    }

    /// A successful standard reply carrying `value`.
    pub const fn value(value: u64) -> Self {
        Reply::Return { error: SUCCESS, value }
    }

    /// Success in the caller's convention (legacy calls return 0 in `a0`).
    pub const fn success(convention: Convention) -> Self {
        match convention {
            Convention::Legacy => Reply::LegacyReturn(0),
            Convention::Standard => Reply::value(0),
        }
    }

    /// The answer to legacy `console_getchar`: the byte, or -1 when no input is waiting.
    pub const fn getchar(byte: Option<u8>) -> Self {
        match byte {
            Some(byte) => Reply::LegacyReturn(byte as u64),
            None => Reply::LegacyReturn(u64::MAX),
        }
    }

    /// The new `(a0, a1)`; `a1` is the guest's current `a1`, which legacy replies leave alone.
    pub const fn registers(self, a1: u64) -> (u64, u64) {
        match self {
            Reply::Return { error, value } => (error as u64, value),
            Reply::LegacyReturn(a0) => (a0, a1),
        }
    }
}

/// Which remote fence the guest asked for; on one hart it is a local fence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fence {
    /// `fence.i`: make instruction fetches see earlier stores.
    Instruction,
    /// `sfence.vma` (any address range or ASID): flush address translations.
    Vma,
}

/// What the VMM must do for one call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Nothing to do but return this to the guest.
    Reply(Reply),
    /// Program the guest's supervisor timer for `deadline` (clearing a pending timer interrupt),
    /// then return success.
    SetTimer {
        /// Absolute `time` value at which the timer fires.
        deadline: u64,
        /// How to return success.
        convention: Convention,
    },
    /// Print one byte, then return `LegacyReturn(0)`.
    ConsolePutchar(u8),
    /// Read one input byte if any and return [`Reply::getchar`].
    ConsoleGetchar,
    /// Print `len` bytes of guest memory at `gpa` (`gpa + len` does not overflow), then return
    /// the number of bytes written (or `ERR_INVALID_PARAM` if the memory is not guest RAM).
    ConsoleWrite {
        /// Guest-physical address of the first byte.
        gpa: u64,
        /// Number of bytes.
        len: u64,
    },
    /// Copy up to `len` pending input bytes to guest memory at `gpa`, then return the number
    /// of bytes read (0 when none is waiting).
    ConsoleRead {
        /// Guest-physical address of the buffer.
        gpa: u64,
        /// Buffer size in bytes.
        len: u64,
    },
    /// Print one byte, then return standard success.
    ConsoleWriteByte(u8),
    /// Raise the guest hart's supervisor software interrupt, then return success.
    SendIpi {
        /// How to return success.
        convention: Convention,
    },
    /// Clear the guest hart's supervisor software interrupt, then return `LegacyReturn(0)`.
    ClearIpi,
    /// Perform the fence for the guest hart, then return success.
    RemoteFence {
        /// Which fence.
        fence: Fence,
        /// How to return success.
        convention: Convention,
    },
    /// Stop the guest hart; the call does not return.
    HartStop,
    /// Power the guest off; the call does not return.
    Shutdown {
        /// The guest reported a system failure.
        failure: bool,
    },
    /// Restart the guest; the call does not return.
    Reboot {
        /// The guest reported a system failure.
        failure: bool,
    },
}

impl Decision {
    /// The reply once the VMM has carried the decision out successfully; `None` where the
    /// result depends on what the VMM found (console input, bytes copied) or the call does not
    /// return.
    pub const fn reply_on_success(&self) -> Option<Reply> {
        match *self {
            Decision::Reply(reply) => Some(reply),
            Decision::SetTimer { convention, .. }
            | Decision::SendIpi { convention }
            | Decision::RemoteFence { convention, .. } => Some(Reply::success(convention)),
            Decision::ConsolePutchar(_) | Decision::ClearIpi => Some(Reply::success(Convention::Legacy)),
            Decision::ConsoleWriteByte(_) => Some(Reply::success(Convention::Standard)),
            Decision::ConsoleGetchar
            | Decision::ConsoleWrite { .. }
            | Decision::ConsoleRead { .. }
            | Decision::HartStop
            | Decision::Shutdown { .. }
            | Decision::Reboot { .. } => None,
        }
    }
}

/// Decides what one guest `ecall` means.
pub fn handle(call: &SbiCall) -> Decision {
    let [a0, a1, a2, ..] = call.args;
    match call.extension {
        LEGACY_SET_TIMER => Decision::SetTimer { deadline: a0, convention: Convention::Legacy },
        LEGACY_CONSOLE_PUTCHAR => Decision::ConsolePutchar(low_byte(a0)),
        LEGACY_CONSOLE_GETCHAR => Decision::ConsoleGetchar,
        LEGACY_CLEAR_IPI => Decision::ClearIpi,
        // The legacy mask lives in guest memory; with one hart the only target is this one.
        LEGACY_SEND_IPI => Decision::SendIpi { convention: Convention::Legacy },
        LEGACY_REMOTE_FENCE_I => Decision::RemoteFence { fence: Fence::Instruction, convention: Convention::Legacy },
        LEGACY_REMOTE_SFENCE_VMA | LEGACY_REMOTE_SFENCE_VMA_ASID => {
            Decision::RemoteFence { fence: Fence::Vma, convention: Convention::Legacy }
        }
        LEGACY_SHUTDOWN => Decision::Shutdown { failure: false },
        EXT_BASE => Decision::Reply(base(call.function, a0)),
        EXT_TIME => match call.function {
            0 => Decision::SetTimer { deadline: a0, convention: Convention::Standard },
            _ => not_supported(),
        },
        EXT_IPI => match call.function {
            0 => checked_harts(a0, a1, Decision::SendIpi { convention: Convention::Standard }),
            _ => not_supported(),
        },
        EXT_RFENCE => rfence(call.function, a0, a1),
        EXT_HSM => match call.function {
            1 => Decision::HartStop,
            function => Decision::Reply(hart_query(function, a0)),
        },
        EXT_SRST => match call.function {
            0 => system_reset(a0, a1),
            _ => not_supported(),
        },
        EXT_DBCN => debug_console(call.function, a0, a1, a2),
        _ => not_supported(),
    }
}

/// Whether [`handle`] implements `extension` (the answer to `probe_extension`).
pub const fn extension_available(extension: u64) -> bool {
    matches!(extension, LEGACY_SET_TIMER..=LEGACY_SHUTDOWN)
        || matches!(extension, EXT_BASE | EXT_TIME | EXT_IPI | EXT_RFENCE | EXT_HSM | EXT_SRST | EXT_DBCN)
}

fn not_supported() -> Decision {
    Decision::Reply(Reply::error(ERR_NOT_SUPPORTED))
}

/// Console bytes travel in the low 8 bits of a register.
fn low_byte(register: u64) -> u8 {
    register.to_le_bytes()[0]
}

fn base(function: u64, a0: u64) -> Reply {
    match function {
        0 => Reply::value(SPEC_VERSION),
        1 => Reply::value(IMPL_ID),
        2 => Reply::value(IMPL_VERSION),
        3 => Reply::value(u64::from(extension_available(a0))),
        // mvendorid, marchid, mimpid: the guest hart claims no particular machine.
        4..=6 => Reply::value(0),
        _ => Reply::error(ERR_NOT_SUPPORTED),
    }
}

/// Whether a (`hart_mask`, `hart_mask_base`) pair names only existing harts, and at least one.
///
/// The spec rejects a mask in which any hart is invalid, not just one where all are.
fn names_only_guest_hart(hart_mask: u64, hart_mask_base: u64) -> bool {
    if hart_mask_base == HART_MASK_BASE_ALL {
        return true;
    }
    // Bit i names hart base + i; the only valid set is {GUEST_HART}.
    hart_mask_base == GUEST_HART && hart_mask == 1
}

/// `on_success` when the hart mask is valid, else `ERR_INVALID_PARAM`.
fn checked_harts(hart_mask: u64, hart_mask_base: u64, on_success: Decision) -> Decision {
    if names_only_guest_hart(hart_mask, hart_mask_base) {
        on_success
    } else {
        Decision::Reply(Reply::error(ERR_INVALID_PARAM))
    }
}

fn rfence(function: u64, hart_mask: u64, hart_mask_base: u64) -> Decision {
    let fence = match function {
        0 => Fence::Instruction,
        1 | 2 => Fence::Vma,
        // 3..=6 are the HFENCE calls, meant for a guest that is itself a hypervisor; this
        // guest hart has no H extension, for which the spec prescribes NOT_SUPPORTED.
        _ => return not_supported(),
    };
    checked_harts(hart_mask, hart_mask_base, Decision::RemoteFence { fence, convention: Convention::Standard })
}

/// The HSM calls that only need an answer.
fn hart_query(function: u64, hart: u64) -> Reply {
    match function {
        // hart_start: the guest hart is already running and no other exists.
        0 if hart == GUEST_HART => Reply::error(ERR_ALREADY_AVAILABLE),
        0 => Reply::error(ERR_INVALID_PARAM),
        // hart_get_status.
        2 if hart == GUEST_HART => Reply::value(HART_STATE_STARTED),
        2 => Reply::error(ERR_INVALID_PARAM),
        // hart_suspend is not offered.
        _ => Reply::error(ERR_NOT_SUPPORTED),
    }
}

fn system_reset(reset_type: u64, reason: u64) -> Decision {
    // Reasons: 0 = none, 1 = system failure; the rest are reserved or vendor specific.
    let failure = match reason {
        0 => false,
        1 => true,
        _ => return Decision::Reply(Reply::error(ERR_INVALID_PARAM)),
    };
    match reset_type {
        0 => Decision::Shutdown { failure },
        // Cold and warm reboot look the same to a guest that is reloaded from scratch.
        1 | 2 => Decision::Reboot { failure },
        _ => Decision::Reply(Reply::error(ERR_INVALID_PARAM)),
    }
}

fn debug_console(function: u64, a0: u64, base_lo: u64, base_hi: u64) -> Decision {
    match function {
        0 | 1 => {
            let Some(gpa) = console_buffer(a0, base_lo, base_hi) else {
                return Decision::Reply(Reply::error(ERR_INVALID_PARAM));
            };
            if function == 0 { Decision::ConsoleWrite { gpa, len: a0 } } else { Decision::ConsoleRead { gpa, len: a0 } }
        }
        2 => Decision::ConsoleWriteByte(low_byte(a0)),
        _ => not_supported(),
    }
}

/// The buffer's guest-physical address, if the buffer lies wholly below 2^64.
///
/// The address is split into the lower and upper XLEN bits; on RV64 the upper half must be
/// zero, and the buffer must not wrap around the address space.
fn console_buffer(len: u64, base_lo: u64, base_hi: u64) -> Option<u64> {
    if base_hi != 0 {
        return None;
    }
    base_lo.checked_add(len)?;
    Some(base_lo)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(extension: u64, function: u64, args: &[u64]) -> Decision {
        let mut registers = [0; 6];
        for (slot, value) in registers.iter_mut().zip(args) {
            *slot = *value;
        }
        handle(&SbiCall { extension, function, args: registers })
    }

    fn value(value: u64) -> Decision {
        Decision::Reply(Reply::value(value))
    }

    fn error(code: i64) -> Decision {
        Decision::Reply(Reply::error(code))
    }

    #[test]
    fn base_reports_versions_and_ids() {
        assert_eq!(call(EXT_BASE, 0, &[]), value(0x0200_0000));
        assert_eq!(call(EXT_BASE, 1, &[]), value(IMPL_ID));
        assert_eq!(call(EXT_BASE, 2, &[]), value(1));
        for function in 4..=6 {
            assert_eq!(call(EXT_BASE, function, &[]), value(0));
        }
        assert_eq!(call(EXT_BASE, 7, &[]), error(ERR_NOT_SUPPORTED));
    }

    #[test]
    fn probe_finds_every_implemented_extension_and_nothing_else() {
        let implemented = [EXT_BASE, EXT_TIME, EXT_IPI, EXT_RFENCE, EXT_HSM, EXT_SRST, EXT_DBCN];
        for extension in implemented.into_iter().chain(0..=8) {
            assert_eq!(call(EXT_BASE, 3, &[extension]), value(1), "extension {extension:#x}");
        }
        for extension in [9, 0x0F, 0x11, 0x4442_434F, 0x5043_4D55 /* PMU */, u64::MAX] {
            assert_eq!(call(EXT_BASE, 3, &[extension]), value(0), "extension {extension:#x}");
        }
    }

    #[test]
    fn timer_calls_program_the_timer() {
        assert_eq!(
            call(EXT_TIME, 0, &[12345]),
            Decision::SetTimer { deadline: 12345, convention: Convention::Standard }
        );
        assert_eq!(call(EXT_TIME, 1, &[12345]), error(ERR_NOT_SUPPORTED));
        // Legacy calls ignore the function id.
        assert_eq!(
            call(LEGACY_SET_TIMER, 99, &[u64::MAX]),
            Decision::SetTimer { deadline: u64::MAX, convention: Convention::Legacy }
        );
    }

    #[test]
    fn legacy_console_calls() {
        assert_eq!(call(LEGACY_CONSOLE_PUTCHAR, 0, &[0x141]), Decision::ConsolePutchar(0x41));
        assert_eq!(call(LEGACY_CONSOLE_GETCHAR, 0, &[]), Decision::ConsoleGetchar);
        assert_eq!(Reply::getchar(Some(b'x')).registers(7), (u64::from(b'x'), 7));
        assert_eq!(Reply::getchar(None).registers(7), (u64::MAX, 7));
    }

    #[test]
    fn debug_console_write_and_read_pass_the_buffer() {
        assert_eq!(call(EXT_DBCN, 0, &[16, 0x8020_0000, 0]), Decision::ConsoleWrite { gpa: 0x8020_0000, len: 16 });
        assert_eq!(call(EXT_DBCN, 1, &[4, 0x8000_1000, 0]), Decision::ConsoleRead { gpa: 0x8000_1000, len: 4 });
        assert_eq!(call(EXT_DBCN, 0, &[0, u64::MAX, 0]), Decision::ConsoleWrite { gpa: u64::MAX, len: 0 });
        assert_eq!(call(EXT_DBCN, 2, &[0x30A]), Decision::ConsoleWriteByte(0x0A));
        assert_eq!(call(EXT_DBCN, 3, &[]), error(ERR_NOT_SUPPORTED));
    }

    #[test]
    fn debug_console_rejects_buffers_beyond_the_address_space() {
        // On RV64 the upper XLEN bits are address bits 64..128.
        assert_eq!(call(EXT_DBCN, 0, &[1, 0x1000, 1]), error(ERR_INVALID_PARAM));
        assert_eq!(call(EXT_DBCN, 1, &[1, 0x1000, u64::MAX]), error(ERR_INVALID_PARAM));
        // The buffer would wrap around.
        assert_eq!(call(EXT_DBCN, 0, &[2, u64::MAX, 0]), error(ERR_INVALID_PARAM));
        assert_eq!(call(EXT_DBCN, 1, &[u64::MAX, 1, 0]), error(ERR_INVALID_PARAM));
    }

    #[test]
    fn ipi_to_the_guest_hart_is_accepted() {
        let send = Decision::SendIpi { convention: Convention::Standard };
        assert_eq!(call(EXT_IPI, 0, &[1, 0]), send);
        assert_eq!(call(EXT_IPI, 0, &[0, u64::MAX]), send);
        assert_eq!(call(EXT_IPI, 0, &[0xFF, u64::MAX]), send);
        assert_eq!(call(LEGACY_SEND_IPI, 0, &[0x8000_0000]), Decision::SendIpi { convention: Convention::Legacy });
        assert_eq!(call(LEGACY_CLEAR_IPI, 0, &[]), Decision::ClearIpi);
        assert_eq!(call(EXT_IPI, 1, &[1, 0]), error(ERR_NOT_SUPPORTED));
    }

    #[test]
    fn ipi_to_missing_harts_is_rejected() {
        for (mask, base) in [(0, 0), (2, 0), (3, 0), (1, 1), (1, u64::MAX - 1), (u64::MAX, 0), (1 << 63, 1)] {
            assert_eq!(call(EXT_IPI, 0, &[mask, base]), error(ERR_INVALID_PARAM), "mask {mask:#x} base {base}");
        }
    }

    #[test]
    fn remote_fences_are_local_on_one_hart() {
        for (function, fence) in [(0, Fence::Instruction), (1, Fence::Vma), (2, Fence::Vma)] {
            let expected = Decision::RemoteFence { fence, convention: Convention::Standard };
            assert_eq!(call(EXT_RFENCE, function, &[1, 0, 0x1000, 0x2000, 5]), expected);
            assert_eq!(call(EXT_RFENCE, function, &[0, u64::MAX]), expected);
            assert_eq!(call(EXT_RFENCE, function, &[2, 0]), error(ERR_INVALID_PARAM));
        }
        for function in 3..=7 {
            assert_eq!(call(EXT_RFENCE, function, &[1, 0]), error(ERR_NOT_SUPPORTED));
        }
        let legacy = |fence| Decision::RemoteFence { fence, convention: Convention::Legacy };
        assert_eq!(call(LEGACY_REMOTE_FENCE_I, 0, &[0]), legacy(Fence::Instruction));
        assert_eq!(call(LEGACY_REMOTE_SFENCE_VMA, 0, &[0]), legacy(Fence::Vma));
        assert_eq!(call(LEGACY_REMOTE_SFENCE_VMA_ASID, 0, &[0]), legacy(Fence::Vma));
    }

    #[test]
    fn hart_state_management_knows_one_running_hart() {
        assert_eq!(call(EXT_HSM, 0, &[0, 0x8020_0000, 0]), error(ERR_ALREADY_AVAILABLE));
        assert_eq!(call(EXT_HSM, 0, &[1, 0x8020_0000, 0]), error(ERR_INVALID_PARAM));
        assert_eq!(call(EXT_HSM, 1, &[]), Decision::HartStop);
        assert_eq!(call(EXT_HSM, 2, &[0]), value(HART_STATE_STARTED));
        assert_eq!(call(EXT_HSM, 2, &[1]), error(ERR_INVALID_PARAM));
        assert_eq!(call(EXT_HSM, 2, &[u64::MAX]), error(ERR_INVALID_PARAM));
        assert_eq!(call(EXT_HSM, 3, &[0, 0, 0]), error(ERR_NOT_SUPPORTED));
        assert_eq!(call(EXT_HSM, 4, &[]), error(ERR_NOT_SUPPORTED));
    }

    #[test]
    fn system_reset_types_and_reasons() {
        assert_eq!(call(EXT_SRST, 0, &[0, 0]), Decision::Shutdown { failure: false });
        assert_eq!(call(EXT_SRST, 0, &[0, 1]), Decision::Shutdown { failure: true });
        assert_eq!(call(EXT_SRST, 0, &[1, 0]), Decision::Reboot { failure: false });
        assert_eq!(call(EXT_SRST, 0, &[2, 1]), Decision::Reboot { failure: true });
        for reset_type in [3, 0xF000_0000, 1 << 32, u64::MAX] {
            assert_eq!(call(EXT_SRST, 0, &[reset_type, 0]), error(ERR_INVALID_PARAM));
        }
        for reason in [2, 0xE000_0000, u64::MAX] {
            assert_eq!(call(EXT_SRST, 0, &[0, reason]), error(ERR_INVALID_PARAM));
        }
        assert_eq!(call(EXT_SRST, 1, &[0, 0]), error(ERR_NOT_SUPPORTED));
        assert_eq!(call(LEGACY_SHUTDOWN, 0, &[]), Decision::Shutdown { failure: false });
    }

    #[test]
    fn unknown_extensions_are_not_supported() {
        for extension in [9, 0x0F, 0x11, 0x5043_4D55, 0x0A00_0000, u64::MAX] {
            assert_eq!(call(extension, 0, &[]), error(ERR_NOT_SUPPORTED));
        }
    }

    #[test]
    fn replies_fill_registers_by_convention() {
        assert_eq!(Reply::error(ERR_NOT_SUPPORTED).registers(9), ((-2i64) as u64, 0));
        assert_eq!(Reply::value(5).registers(9), (0, 5));
        assert_eq!(Reply::success(Convention::Legacy).registers(9), (0, 9));
        assert_eq!(Reply::success(Convention::Standard).registers(9), (0, 0));
        assert_eq!(Reply::LegacyReturn(3).registers(9), (3, 9));
    }

    #[test]
    fn decisions_know_their_success_reply() {
        let standard = Some(Reply::value(0));
        let legacy = Some(Reply::LegacyReturn(0));
        assert_eq!(Decision::SetTimer { deadline: 1, convention: Convention::Standard }.reply_on_success(), standard);
        assert_eq!(Decision::SetTimer { deadline: 1, convention: Convention::Legacy }.reply_on_success(), legacy);
        assert_eq!(Decision::ConsolePutchar(b'a').reply_on_success(), legacy);
        assert_eq!(Decision::ConsoleWriteByte(b'a').reply_on_success(), standard);
        assert_eq!(Decision::ClearIpi.reply_on_success(), legacy);
        assert_eq!(Decision::SendIpi { convention: Convention::Standard }.reply_on_success(), standard);
        assert_eq!(
            Decision::RemoteFence { fence: Fence::Vma, convention: Convention::Legacy }.reply_on_success(),
            legacy
        );
        assert_eq!(value(4).reply_on_success(), Some(Reply::value(4)));
        for open in [
            Decision::ConsoleGetchar,
            Decision::ConsoleWrite { gpa: 0, len: 1 },
            Decision::ConsoleRead { gpa: 0, len: 1 },
            Decision::HartStop,
            Decision::Shutdown { failure: false },
            Decision::Reboot { failure: false },
        ] {
            assert_eq!(open.reply_on_success(), None, "{open:?}");
        }
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn any_call_gets_a_decision(extension: u64, function: u64, args: [u64; 6]) {
                let decision = handle(&SbiCall { extension, function, args });
                if !extension_available(extension) {
                    prop_assert_eq!(decision, Decision::Reply(Reply::error(ERR_NOT_SUPPORTED)));
                }
            }

            #[test]
            fn console_buffers_never_wrap(function in 0u64..2, len: u64, lo: u64, hi: u64) {
                match call(EXT_DBCN, function, &[len, lo, hi]) {
                    Decision::ConsoleWrite { gpa, len: n } | Decision::ConsoleRead { gpa, len: n } => {
                        prop_assert_eq!(hi, 0);
                        prop_assert_eq!((gpa, n), (lo, len));
                        prop_assert!(gpa.checked_add(n).is_some());
                    }
                    other => prop_assert_eq!(other, Decision::Reply(Reply::error(ERR_INVALID_PARAM))),
                }
            }
        }
    }
}
