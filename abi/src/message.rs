//! Bit layouts of the message info word, capability rights and CNode capability data.

use core::fmt;

/// seL4_MsgMaxLength: most message registers one message can carry.
pub const MSG_MAX_LENGTH: usize = 120;
/// seL4_MsgLengthBits: width of the length field of [`MessageInfo`].
pub const MSG_LENGTH_BITS: usize = 7;
/// seL4_MsgExtraCapBits: width of the extra-caps field of [`MessageInfo`].
pub const MSG_EXTRA_CAP_BITS: usize = 2;
/// seL4_MsgMaxExtraCaps: most capabilities one message can carry.
pub const MSG_MAX_EXTRA_CAPS: usize = (1 << MSG_EXTRA_CAP_BITS) - 1;
/// seL4_CapRightsBits: number of meaningful bits in a [`CapRights`] word.
pub const CAP_RIGHTS_BITS: usize = 4;
/// seL4_GuardSizeBits: width of the guard-size field of [`CNodeCapData`].
pub const GUARD_SIZE_BITS: usize = 6;
/// seL4_GuardBits: width of the guard field of [`CNodeCapData`].
pub const GUARD_BITS: usize = 58;
/// seL4_BadgeBits: width of a badge.
pub const BADGE_BITS: usize = 64;
/// seL4_NilData: the "no badge / no change" capability data word.
pub const NIL_DATA: u64 = 0;

const fn mask(bits: u32) -> u64 {
    if bits >= 64 { u64::MAX } else { (1u64 << bits) - 1 }
}

/// seL4_MessageInfo_t: the word passed in `a1` describing a message.
///
/// Layout, least significant bit first: `length` (7 bits), `extraCaps` (2),
/// `capsUnwrapped` (3), `label` (52).
///
/// [`MessageInfo::new`] and the `with_*` setters truncate each field to its
/// width, as seL4's generated constructors do; [`MessageInfo::checked_new`]
/// instead refuses values that do not fit.
#[repr(transparent)]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct MessageInfo(u64);

impl MessageInfo {
    /// Bit offset of the length field.
    pub const LENGTH_SHIFT: u32 = 0;
    /// Width of the length field.
    pub const LENGTH_BITS: u32 = MSG_LENGTH_BITS as u32;
    /// Bit offset of the extra-caps field.
    pub const EXTRA_CAPS_SHIFT: u32 = 7;
    /// Width of the extra-caps field.
    pub const EXTRA_CAPS_BITS: u32 = MSG_EXTRA_CAP_BITS as u32;
    /// Bit offset of the caps-unwrapped field.
    pub const CAPS_UNWRAPPED_SHIFT: u32 = 9;
    /// Width of the caps-unwrapped field.
    pub const CAPS_UNWRAPPED_BITS: u32 = 3;
    /// Bit offset of the label field.
    pub const LABEL_SHIFT: u32 = 12;
    /// Width of the label field.
    pub const LABEL_BITS: u32 = 52;

    /// Builds a message info word, truncating each field to its width.
    #[inline]
    pub const fn new(label: u64, caps_unwrapped: u64, extra_caps: u64, length: u64) -> Self {
        Self(
            ((label & mask(Self::LABEL_BITS)) << Self::LABEL_SHIFT)
                | ((caps_unwrapped & mask(Self::CAPS_UNWRAPPED_BITS)) << Self::CAPS_UNWRAPPED_SHIFT)
                | ((extra_caps & mask(Self::EXTRA_CAPS_BITS)) << Self::EXTRA_CAPS_SHIFT)
                | ((length & mask(Self::LENGTH_BITS)) << Self::LENGTH_SHIFT),
        )
    }

    /// Builds a message info word, or `None` if any field does not fit its width.
    #[inline]
    pub const fn checked_new(label: u64, caps_unwrapped: u64, extra_caps: u64, length: u64) -> Option<Self> {
        if label > mask(Self::LABEL_BITS)
            || caps_unwrapped > mask(Self::CAPS_UNWRAPPED_BITS)
            || extra_caps > mask(Self::EXTRA_CAPS_BITS)
            || length > mask(Self::LENGTH_BITS)
        {
            None
        } else {
            Some(Self::new(label, caps_unwrapped, extra_caps, length))
        }
    }

    /// Reinterprets a raw register word. Every word is a valid message info.
    #[inline]
    pub const fn from_word(word: u64) -> Self {
        Self(word)
    }

    /// The raw register word.
    #[inline]
    pub const fn word(self) -> u64 {
        self.0
    }

    /// The label: an invocation label, error code or fault type.
    #[inline]
    pub const fn label(self) -> u64 {
        (self.0 >> Self::LABEL_SHIFT) & mask(Self::LABEL_BITS)
    }

    /// Bit mask of which transferred capabilities were unwrapped into badges.
    #[inline]
    pub const fn caps_unwrapped(self) -> u64 {
        (self.0 >> Self::CAPS_UNWRAPPED_SHIFT) & mask(Self::CAPS_UNWRAPPED_BITS)
    }

    /// Number of extra capabilities transferred.
    #[inline]
    pub const fn extra_caps(self) -> u64 {
        (self.0 >> Self::EXTRA_CAPS_SHIFT) & mask(Self::EXTRA_CAPS_BITS)
    }

    /// Number of message registers used. The field can hold up to 127; see
    /// [`MessageInfo::with_clamped_length`].
    #[inline]
    pub const fn length(self) -> u64 {
        (self.0 >> Self::LENGTH_SHIFT) & mask(Self::LENGTH_BITS)
    }

    const fn with_field(self, shift: u32, bits: u32, value: u64) -> Self {
        let m = mask(bits) << shift;
        Self((self.0 & !m) | ((value << shift) & m))
    }

    /// Replaces the label (truncated to 52 bits).
    #[inline]
    pub const fn with_label(self, label: u64) -> Self {
        self.with_field(Self::LABEL_SHIFT, Self::LABEL_BITS, label)
    }

    /// Replaces the caps-unwrapped mask (truncated to 3 bits).
    #[inline]
    pub const fn with_caps_unwrapped(self, caps_unwrapped: u64) -> Self {
        self.with_field(Self::CAPS_UNWRAPPED_SHIFT, Self::CAPS_UNWRAPPED_BITS, caps_unwrapped)
    }

    /// Replaces the extra-caps count (truncated to 2 bits).
    #[inline]
    pub const fn with_extra_caps(self, extra_caps: u64) -> Self {
        self.with_field(Self::EXTRA_CAPS_SHIFT, Self::EXTRA_CAPS_BITS, extra_caps)
    }

    /// Replaces the length (truncated to 7 bits).
    #[inline]
    pub const fn with_length(self, length: u64) -> Self {
        self.with_field(Self::LENGTH_SHIFT, Self::LENGTH_BITS, length)
    }

    /// Lowers a length above [`MSG_MAX_LENGTH`] to that maximum, leaving the
    /// other fields alone. This is what the kernel does to every message info
    /// word it receives from user level.
    #[inline]
    pub const fn with_clamped_length(self) -> Self {
        if self.length() > MSG_MAX_LENGTH as u64 { self.with_length(MSG_MAX_LENGTH as u64) } else { self }
    }
}

impl From<u64> for MessageInfo {
    #[inline]
    fn from(word: u64) -> Self {
        Self::from_word(word)
    }
}

impl From<MessageInfo> for u64 {
    #[inline]
    fn from(info: MessageInfo) -> Self {
        info.word()
    }
}

impl fmt::Debug for MessageInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MessageInfo")
            .field("label", &self.label())
            .field("caps_unwrapped", &self.caps_unwrapped())
            .field("extra_caps", &self.extra_caps())
            .field("length", &self.length())
            .finish()
    }
}

/// seL4_CapRights_t: access rights passed to mint, copy and map operations.
///
/// Bit 0 is write, bit 1 read, bit 2 grant, bit 3 grant-reply. The kernel
/// ignores all higher bits; [`CapRights::from_word`] keeps them (so the word
/// round-trips), the accessors and [`CapRights::masked`] discard them, and
/// [`CapRights::checked_from_word`] rejects them.
#[repr(transparent)]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct CapRights(u64);

impl CapRights {
    /// Bit of the write right.
    pub const WRITE_BIT: u32 = 0;
    /// Bit of the read right.
    pub const READ_BIT: u32 = 1;
    /// Bit of the grant right.
    pub const GRANT_BIT: u32 = 2;
    /// Bit of the grant-reply right.
    pub const GRANT_REPLY_BIT: u32 = 3;

    /// seL4_AllRights
    pub const ALL_RIGHTS: Self = Self::new(true, true, true, true);
    /// seL4_ReadWrite
    pub const READ_WRITE: Self = Self::new(false, false, true, true);
    /// seL4_CanRead
    pub const CAN_READ: Self = Self::new(false, false, true, false);
    /// seL4_CanWrite
    pub const CAN_WRITE: Self = Self::new(false, false, false, true);
    /// seL4_CanGrant
    pub const CAN_GRANT: Self = Self::new(false, true, false, false);
    /// seL4_CanGrantReply
    pub const CAN_GRANT_REPLY: Self = Self::new(true, false, false, false);
    /// seL4_NoWrite
    pub const NO_WRITE: Self = Self::new(true, true, true, false);
    /// seL4_NoRead
    pub const NO_READ: Self = Self::new(true, true, false, true);
    /// seL4_NoRights
    pub const NO_RIGHTS: Self = Self::new(false, false, false, false);

    /// Builds a rights word; the argument order follows `seL4_CapRights_new`.
    #[inline]
    pub const fn new(grant_reply: bool, grant: bool, read: bool, write: bool) -> Self {
        Self(
            ((grant_reply as u64) << Self::GRANT_REPLY_BIT)
                | ((grant as u64) << Self::GRANT_BIT)
                | ((read as u64) << Self::READ_BIT)
                | ((write as u64) << Self::WRITE_BIT),
        )
    }

    /// Reinterprets a raw word, keeping any unused high bits.
    #[inline]
    pub const fn from_word(word: u64) -> Self {
        Self(word)
    }

    /// Reinterprets a raw word, or `None` if bits above the four rights are set.
    #[inline]
    pub const fn checked_from_word(word: u64) -> Option<Self> {
        if word & !mask(CAP_RIGHTS_BITS as u32) == 0 { Some(Self(word)) } else { None }
    }

    /// The raw word, as given.
    #[inline]
    pub const fn word(self) -> u64 {
        self.0
    }

    /// The same rights with every unused bit cleared.
    #[inline]
    pub const fn masked(self) -> Self {
        Self(self.0 & mask(CAP_RIGHTS_BITS as u32))
    }

    const fn bit(self, bit: u32) -> bool {
        (self.0 >> bit) & 1 == 1
    }

    const fn with_bit(self, bit: u32, on: bool) -> Self {
        Self((self.0 & !(1 << bit)) | ((on as u64) << bit))
    }

    /// capAllowWrite
    #[inline]
    pub const fn can_write(self) -> bool {
        self.bit(Self::WRITE_BIT)
    }

    /// capAllowRead
    #[inline]
    pub const fn can_read(self) -> bool {
        self.bit(Self::READ_BIT)
    }

    /// capAllowGrant
    #[inline]
    pub const fn can_grant(self) -> bool {
        self.bit(Self::GRANT_BIT)
    }

    /// capAllowGrantReply
    #[inline]
    pub const fn can_grant_reply(self) -> bool {
        self.bit(Self::GRANT_REPLY_BIT)
    }

    /// Sets or clears the write right.
    #[inline]
    pub const fn with_write(self, on: bool) -> Self {
        self.with_bit(Self::WRITE_BIT, on)
    }

    /// Sets or clears the read right.
    #[inline]
    pub const fn with_read(self, on: bool) -> Self {
        self.with_bit(Self::READ_BIT, on)
    }

    /// Sets or clears the grant right.
    #[inline]
    pub const fn with_grant(self, on: bool) -> Self {
        self.with_bit(Self::GRANT_BIT, on)
    }

    /// Sets or clears the grant-reply right.
    #[inline]
    pub const fn with_grant_reply(self, on: bool) -> Self {
        self.with_bit(Self::GRANT_REPLY_BIT, on)
    }

    /// Rights present in both (on the meaningful bits only).
    #[inline]
    pub const fn intersection(self, other: Self) -> Self {
        Self(self.0 & other.0).masked()
    }
}

impl From<u64> for CapRights {
    #[inline]
    fn from(word: u64) -> Self {
        Self::from_word(word)
    }
}

impl From<CapRights> for u64 {
    #[inline]
    fn from(rights: CapRights) -> Self {
        rights.word()
    }
}

impl fmt::Debug for CapRights {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CapRights")
            .field("grant_reply", &self.can_grant_reply())
            .field("grant", &self.can_grant())
            .field("read", &self.can_read())
            .field("write", &self.can_write())
            .finish()
    }
}

/// seL4_CNode_CapData: the data word given when minting or mutating a CNode
/// capability, setting its guard.
///
/// Bits 0..6 hold the guard size and bits 6..64 the guard value.
/// [`CNodeCapData::new`] truncates, [`CNodeCapData::checked_new`] rejects.
#[repr(transparent)]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct CNodeCapData(u64);

impl CNodeCapData {
    /// Bit offset of the guard-size field.
    pub const GUARD_SIZE_SHIFT: u32 = 0;
    /// Bit offset of the guard field.
    pub const GUARD_SHIFT: u32 = GUARD_SIZE_BITS as u32;

    /// Builds the data word, truncating the guard to 58 bits and the size to 6.
    #[inline]
    pub const fn new(guard: u64, guard_size: u64) -> Self {
        Self(
            ((guard & mask(GUARD_BITS as u32)) << Self::GUARD_SHIFT)
                | ((guard_size & mask(GUARD_SIZE_BITS as u32)) << Self::GUARD_SIZE_SHIFT),
        )
    }

    /// Builds the data word, or `None` if either field does not fit.
    #[inline]
    pub const fn checked_new(guard: u64, guard_size: u64) -> Option<Self> {
        if guard > mask(GUARD_BITS as u32) || guard_size > mask(GUARD_SIZE_BITS as u32) {
            None
        } else {
            Some(Self::new(guard, guard_size))
        }
    }

    /// Reinterprets a raw word. Every word is valid.
    #[inline]
    pub const fn from_word(word: u64) -> Self {
        Self(word)
    }

    /// The raw word.
    #[inline]
    pub const fn word(self) -> u64 {
        self.0
    }

    /// The guard value.
    #[inline]
    pub const fn guard(self) -> u64 {
        (self.0 >> Self::GUARD_SHIFT) & mask(GUARD_BITS as u32)
    }

    /// The guard size in bits.
    #[inline]
    pub const fn guard_size(self) -> u64 {
        (self.0 >> Self::GUARD_SIZE_SHIFT) & mask(GUARD_SIZE_BITS as u32)
    }
}

impl From<u64> for CNodeCapData {
    #[inline]
    fn from(word: u64) -> Self {
        Self::from_word(word)
    }
}

impl From<CNodeCapData> for u64 {
    #[inline]
    fn from(data: CNodeCapData) -> Self {
        data.word()
    }
}

impl fmt::Debug for CNodeCapData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CNodeCapData").field("guard", &self.guard()).field("guard_size", &self.guard_size()).finish()
    }
}
