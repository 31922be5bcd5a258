//! The RISC-V Linux `Image` header and where the kernel, initrd and device tree go in guest RAM.
//!
//! The header (Linux `Documentation/arch/riscv/boot-image-header.rst`) is 64 bytes of little-endian
//! fields at the start of the uncompressed kernel. An EFI-stub kernel, as Debian ships it, starts
//! with "MZ" instead of an instruction, but keeps every field below at the same offset.

use core::fmt;

/// Length of the header; shorter files cannot be a kernel.
pub const HEADER_LEN: usize = 64;
/// `magic2`, the required magic: "RSC\x05" at offset 0x38.
pub const MAGIC2: [u8; 4] = *b"RSC\x05";
/// Offset of `magic2`.
const MAGIC2_OFFSET: usize = 0x38;
/// Offset of `text_offset`, the load offset from the start of RAM.
const TEXT_OFFSET_OFFSET: usize = 8;
/// Offset of `image_size`, the bytes the kernel occupies once running (bss included).
const IMAGE_SIZE_OFFSET: usize = 16;
/// Offset of `flags`.
const FLAGS_OFFSET: usize = 24;
/// Offset of `version` (major << 16 | minor).
const VERSION_OFFSET: usize = 32;
/// `flags` bit 0: set for a big-endian kernel, which a RISC-V guest cannot run.
const FLAG_BIG_ENDIAN: u64 = 1;

/// The kernel's load offset must be page aligned.
const PAGE_SIZE: u64 = 0x1000;
/// A 64-bit RISC-V kernel maps itself with 2 MiB pages, so RAM starts and the initrd and device
/// tree slots are aligned to this.
pub const MEGAPAGE: u64 = 0x20_0000;

/// What the VMM needs from a kernel's header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageInfo {
    /// Where the kernel must sit, as an offset from the start of RAM.
    pub text_offset: u64,
    /// Bytes the running kernel occupies from its load address, bss included.
    pub image_size: u64,
    /// Header version, major << 16 | minor (0.2 today).
    pub version: u32,
    /// True if the file starts with "MZ", i.e. is also an EFI PE application.
    pub efi_stub: bool,
}

/// Guest-physical addresses chosen for the boot payloads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Load address of the kernel file.
    pub kernel: u64,
    /// The initrd as (start, end), end exclusive, as `/chosen` wants it; `None` without one.
    pub initrd: Option<(u64, u64)>,
    /// Load address of the device tree blob (passed in a1).
    pub dtb: u64,
    /// First instruction of the kernel (the guest's pc on entry, with a0 = hart id).
    pub entry: u64,
}

/// Why a kernel image is refused or the boot payloads do not fit in guest RAM.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageError {
    /// The file is shorter than the 64-byte header.
    TooShort { len: usize },
    /// No "RSC\x05" at offset 0x38: not a RISC-V Linux Image (maybe still compressed).
    NoMagic,
    /// `flags` bit 0 says the kernel is big endian.
    BigEndian,
    /// `image_size` is 0, which only pre-0.1 headers had; the kernel's footprint is unknown.
    ZeroImageSize,
    /// `image_size` is smaller than the file itself, so the header is not to be trusted.
    ImageSizeBelowFileSize { image_size: u64, file_len: u64 },
    /// `text_offset` is not a multiple of 4 KiB.
    TextOffsetMisaligned { text_offset: u64 },
    /// Guest RAM does not start on a 2 MiB boundary.
    RamBaseMisaligned { ram_base: u64 },
    /// Guest RAM would end past the 64-bit address space.
    RamEndOverflow { ram_base: u64, ram_size: u64 },
    /// The kernel's `image_size` bytes at `load` do not end within RAM.
    KernelDoesNotFit { load: u64, size: u64, ram_end: u64 },
    /// The initrd, placed at `start` after the kernel, does not end within RAM.
    InitrdDoesNotFit { start: u64, size: u64, ram_end: u64 },
    /// The device tree has no bytes.
    EmptyDeviceTree,
    /// No 2 MiB-aligned slot for the device tree lies between `free` (the end of the kernel or
    /// initrd) and the end of RAM.
    DtbDoesNotFit { size: u64, free: u64, ram_end: u64 },
}

impl fmt::Display for ImageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const IMAGE: &str = "guest kernel image";
        const LAYOUT: &str = "guest memory layout";
        match *self {
            ImageError::TooShort { len } => {
                write!(f, "{IMAGE}: {len} bytes is shorter than the {HEADER_LEN}-byte RISC-V Image header")
            }
            ImageError::NoMagic => write!(
                f,
                "{IMAGE}: not a RISC-V Linux Image (no RSC\\x05 magic at offset {MAGIC2_OFFSET:#x}); \
                 a compressed vmlinuz must be decompressed first"
            ),
            ImageError::BigEndian => write!(f, "{IMAGE}: the kernel is built big endian"),
            ImageError::ZeroImageSize => write!(f, "{IMAGE}: the header's image_size is 0"),
            ImageError::ImageSizeBelowFileSize { image_size, file_len } => write!(
                f,
                "{IMAGE}: the header's image_size {image_size:#x} is smaller than the file ({file_len:#x} bytes)"
            ),
            ImageError::TextOffsetMisaligned { text_offset } => {
                write!(f, "{IMAGE}: text_offset {text_offset:#x} is not a multiple of 4 KiB")
            }
            ImageError::RamBaseMisaligned { ram_base } => {
                write!(f, "{LAYOUT}: RAM base {ram_base:#x} is not 2 MiB aligned")
            }
            ImageError::RamEndOverflow { ram_base, ram_size } => {
                write!(f, "{LAYOUT}: RAM at {ram_base:#x} of {ram_size:#x} bytes ends past the address space")
            }
            ImageError::KernelDoesNotFit { load, size, ram_end } => {
                write!(f, "{LAYOUT}: the kernel needs {size:#x} bytes at {load:#x}, but RAM ends at {ram_end:#x}")
            }
            ImageError::InitrdDoesNotFit { start, size, ram_end } => write!(
                f,
                "{LAYOUT}: the initrd of {size:#x} bytes at {start:#x} (after the kernel) does not fit; \
                 RAM ends at {ram_end:#x}"
            ),
            ImageError::EmptyDeviceTree => write!(f, "{LAYOUT}: the device tree is empty"),
            ImageError::DtbDoesNotFit { size, free, ram_end } => write!(
                f,
                "{LAYOUT}: no 2 MiB-aligned slot for the {size:#x}-byte device tree between {free:#x} \
                 (end of kernel and initrd) and the end of RAM at {ram_end:#x}"
            ),
        }
    }
}

impl core::error::Error for ImageError {}

/// Reads `N` bytes at `offset`; callers have checked the header length.
fn field<const N: usize>(image: &[u8], offset: usize) -> Result<[u8; N], ImageError> {
    let end = offset.checked_add(N).ok_or(ImageError::TooShort { len: image.len() })?;
    let bytes = image.get(offset..end).ok_or(ImageError::TooShort { len: image.len() })?;
    bytes.try_into().map_err(|_| ImageError::TooShort { len: image.len() })
}

fn le_u64(image: &[u8], offset: usize) -> Result<u64, ImageError> {
    field(image, offset).map(u64::from_le_bytes)
}

/// Checks the header of a kernel file and returns what placing it needs.
pub fn parse(image: &[u8]) -> Result<ImageInfo, ImageError> {
    if image.len() < HEADER_LEN {
        return Err(ImageError::TooShort { len: image.len() });
    }
    if field::<4>(image, MAGIC2_OFFSET)? != MAGIC2 {
        return Err(ImageError::NoMagic);
    }
    if le_u64(image, FLAGS_OFFSET)? & FLAG_BIG_ENDIAN != 0 {
        return Err(ImageError::BigEndian);
    }
    let text_offset = le_u64(image, TEXT_OFFSET_OFFSET)?;
    if !text_offset.is_multiple_of(PAGE_SIZE) {
        return Err(ImageError::TextOffsetMisaligned { text_offset });
    }
    let image_size = le_u64(image, IMAGE_SIZE_OFFSET)?;
    if image_size == 0 {
        return Err(ImageError::ZeroImageSize);
    }
    // A length beyond u64 cannot happen; saturating keeps the check honest if it did.
    let file_len = u64::try_from(image.len()).unwrap_or(u64::MAX);
    if image_size < file_len {
        return Err(ImageError::ImageSizeBelowFileSize { image_size, file_len });
    }
    Ok(ImageInfo {
        text_offset,
        image_size,
        version: u32::from_le_bytes(field(image, VERSION_OFFSET)?),
        efi_stub: image.starts_with(b"MZ"),
    })
}

/// Rounds `value` up to a multiple of `align` (a power of two), or `None` past `u64::MAX`.
fn align_up(value: u64, align: u64) -> Option<u64> {
    let mask = align.checked_sub(1)?;
    Some(value.checked_add(mask)? & !mask)
}

/// Rounds `value` down to a multiple of `align` (a power of two).
fn align_down(value: u64, align: u64) -> u64 {
    value & !align.wrapping_sub(1)
}

/// Places the kernel at `ram_base + text_offset`, the initrd (if `initrd_len` is not 0) at the
/// first 2 MiB boundary after the kernel's `image_size`, and the device tree in the last
/// 2 MiB-aligned slot of RAM that holds `dtb_len` bytes and lies above both. Everything stays
/// inside `ram_base..ram_base + ram_size`.
///
/// The kernel occupies the larger of `image_size` and `kernel_len`, so a header that
/// understates its size cannot make the initrd overwrite the file.
pub fn plan(
    ram_base: u64,
    ram_size: u64,
    info: &ImageInfo,
    kernel_len: u64,
    initrd_len: u64,
    dtb_len: u64,
) -> Result<Layout, ImageError> {
    if !ram_base.is_multiple_of(MEGAPAGE) {
        return Err(ImageError::RamBaseMisaligned { ram_base });
    }
    let ram_end = ram_base.checked_add(ram_size).ok_or(ImageError::RamEndOverflow { ram_base, ram_size })?;
    if !info.text_offset.is_multiple_of(PAGE_SIZE) {
        return Err(ImageError::TextOffsetMisaligned { text_offset: info.text_offset });
    }
    let kernel_size = info.image_size.max(kernel_len);
    if kernel_size == 0 {
        return Err(ImageError::ZeroImageSize);
    }

    // Saturating: a load address past the address space cannot fit, and the error shows why.
    let kernel = ram_base.saturating_add(info.text_offset);
    let kernel_end = kernel.checked_add(kernel_size).filter(|&end| end <= ram_end);
    let kernel_end = kernel_end.ok_or(ImageError::KernelDoesNotFit { load: kernel, size: kernel_size, ram_end })?;

    let (initrd, free) = if initrd_len == 0 {
        (None, kernel_end)
    } else {
        let start = align_up(kernel_end, MEGAPAGE).unwrap_or(u64::MAX);
        let end = start.checked_add(initrd_len).filter(|&end| end <= ram_end);
        let end = end.ok_or(ImageError::InitrdDoesNotFit { start, size: initrd_len, ram_end })?;
        (Some((start, end)), end)
    };

    if dtb_len == 0 {
        return Err(ImageError::EmptyDeviceTree);
    }
    let dtb = ram_end.checked_sub(dtb_len).map(|last| align_down(last, MEGAPAGE)).filter(|&dtb| dtb >= free);
    let dtb = dtb.ok_or(ImageError::DtbDoesNotFit { size: dtb_len, free, ram_end })?;

    Ok(Layout { kernel, initrd, dtb, entry: kernel })
}

#[cfg(test)]
mod tests {
    extern crate std;

    use std::string::ToString;
    use std::vec;
    use std::vec::Vec;

    use super::*;

    const MIB: u64 = 0x10_0000;
    const RAM_BASE: u64 = 0x8000_0000;
    const RAM_SIZE: u64 = 256 * MIB;
    /// Debian 6.12's riscv64 kernel: text_offset 2 MiB, image_size 31.9 MB.
    const TEXT_OFFSET: u64 = 0x20_0000;
    const IMAGE_SIZE: u64 = 0x01e6_c000;

    /// A header as an EFI-stub kernel carries it, followed by `len - 64` bytes of body.
    fn kernel_file(len: usize, text_offset: u64, image_size: u64, flags: u64) -> Vec<u8> {
        let mut file = vec![0u8; len.max(HEADER_LEN)];
        file[0..2].copy_from_slice(b"MZ");
        file[8..16].copy_from_slice(&text_offset.to_le_bytes());
        file[16..24].copy_from_slice(&image_size.to_le_bytes());
        file[24..32].copy_from_slice(&flags.to_le_bytes());
        file[32..36].copy_from_slice(&0x0000_0002u32.to_le_bytes());
        file[48..56].copy_from_slice(b"RISCV\0\0\0");
        file[56..60].copy_from_slice(b"RSC\x05");
        file.truncate(len);
        file
    }

    fn info(text_offset: u64, image_size: u64) -> ImageInfo {
        ImageInfo { text_offset, image_size, version: 2, efi_stub: true }
    }

    #[test]
    fn parses_an_efi_stub_kernel() {
        let file = kernel_file(4096, TEXT_OFFSET, IMAGE_SIZE, 0);
        assert_eq!(parse(&file), Ok(info(TEXT_OFFSET, IMAGE_SIZE)));
    }

    #[test]
    fn plain_image_is_not_an_efi_stub() {
        let mut file = kernel_file(HEADER_LEN, 0, 0x1000, 0);
        file[0..4].copy_from_slice(&0x0000_0013u32.to_le_bytes()); // nop
        assert!(!parse(&file).unwrap().efi_stub);
    }

    #[test]
    fn deprecated_magic_is_not_required() {
        let mut file = kernel_file(HEADER_LEN, 0, 0x1000, 0);
        file[48..56].fill(0);
        assert!(parse(&file).is_ok());
    }

    #[test]
    fn rejects_short_files() {
        let file = kernel_file(HEADER_LEN, 0, 0x1000, 0);
        for len in 0..HEADER_LEN {
            assert_eq!(parse(&file[..len]), Err(ImageError::TooShort { len }));
        }
    }

    #[test]
    fn rejects_a_missing_magic2() {
        let mut file = kernel_file(HEADER_LEN, 0, 0x1000, 0);
        file[59] = 0x06;
        assert_eq!(parse(&file), Err(ImageError::NoMagic));
        // A gzip-compressed vmlinuz.
        let mut gzip = vec![0u8; 4096];
        gzip[0..3].copy_from_slice(&[0x1f, 0x8b, 0x08]);
        assert_eq!(parse(&gzip), Err(ImageError::NoMagic));
    }

    #[test]
    fn rejects_big_endian_kernels() {
        let file = kernel_file(HEADER_LEN, 0, 0x1000, 1);
        assert_eq!(parse(&file), Err(ImageError::BigEndian));
        let other_flags = kernel_file(HEADER_LEN, 0, 0x1000, 0xfe);
        assert!(parse(&other_flags).is_ok());
    }

    #[test]
    fn rejects_bad_image_sizes() {
        assert_eq!(parse(&kernel_file(HEADER_LEN, 0, 0, 0)), Err(ImageError::ZeroImageSize));
        let file = kernel_file(0x2000, 0, 0x1fff, 0);
        assert_eq!(parse(&file), Err(ImageError::ImageSizeBelowFileSize { image_size: 0x1fff, file_len: 0x2000 }));
        assert!(parse(&kernel_file(0x2000, 0, 0x2000, 0)).is_ok());
    }

    #[test]
    fn rejects_a_misaligned_text_offset() {
        let file = kernel_file(HEADER_LEN, 0x20_0800, 0x1000, 0);
        assert_eq!(parse(&file), Err(ImageError::TextOffsetMisaligned { text_offset: 0x20_0800 }));
    }

    #[test]
    fn plans_a_debian_guest() {
        let layout = plan(RAM_BASE, RAM_SIZE, &info(TEXT_OFFSET, IMAGE_SIZE), 0x0170_0000, 2 * MIB, 4096).unwrap();
        assert_eq!(layout.kernel, 0x8020_0000);
        assert_eq!(layout.entry, 0x8020_0000);
        // 0x8020_0000 + 0x01e6_c000 = 0x8206_c000, rounded up to 2 MiB.
        assert_eq!(layout.initrd, Some((0x8220_0000, 0x8240_0000)));
        // The last 2 MiB slot below 0x9000_0000.
        assert_eq!(layout.dtb, 0x8fe0_0000);
    }

    #[test]
    fn skips_an_empty_initrd() {
        let layout = plan(RAM_BASE, RAM_SIZE, &info(TEXT_OFFSET, IMAGE_SIZE), 0x1000, 0, 4096).unwrap();
        assert_eq!(layout.initrd, None);
        assert_eq!(layout.dtb, 0x8fe0_0000);
    }

    #[test]
    fn a_file_longer_than_image_size_still_counts() {
        let layout = plan(RAM_BASE, RAM_SIZE, &info(0, 0x1000), 0x20_0001, MIB, 4096).unwrap();
        assert_eq!(layout.initrd, Some((RAM_BASE + 4 * MIB, RAM_BASE + 5 * MIB)));
    }

    #[test]
    fn rejects_a_misaligned_ram_base() {
        let result = plan(RAM_BASE + 0x1000, RAM_SIZE, &info(TEXT_OFFSET, IMAGE_SIZE), 0, 0, 4096);
        assert_eq!(result, Err(ImageError::RamBaseMisaligned { ram_base: RAM_BASE + 0x1000 }));
    }

    #[test]
    fn rejects_ram_past_the_address_space() {
        let base = u64::MAX - MEGAPAGE + 1;
        let result = plan(base, MEGAPAGE, &info(0, 0x1000), 0, 0, 4096);
        assert_eq!(result, Err(ImageError::RamEndOverflow { ram_base: base, ram_size: MEGAPAGE }));
    }

    #[test]
    fn plan_rejects_what_parse_rejects() {
        let misaligned = plan(RAM_BASE, RAM_SIZE, &info(0x10, 0x1000), 0, 0, 4096);
        assert_eq!(misaligned, Err(ImageError::TextOffsetMisaligned { text_offset: 0x10 }));
        assert_eq!(plan(RAM_BASE, RAM_SIZE, &info(0, 0), 0, 0, 4096), Err(ImageError::ZeroImageSize));
    }

    #[test]
    fn rejects_a_kernel_past_the_end_of_ram() {
        let ram_end = RAM_BASE + 32 * MIB;
        let result = plan(RAM_BASE, 32 * MIB, &info(TEXT_OFFSET, 31 * MIB), 0, 0, 4096);
        assert_eq!(result, Err(ImageError::KernelDoesNotFit { load: 0x8020_0000, size: 31 * MIB, ram_end }));
        let far = plan(RAM_BASE, RAM_SIZE, &info(!0xfff, 0x1000), 0, 0, 4096);
        assert!(matches!(far, Err(ImageError::KernelDoesNotFit { .. })));
        let huge = plan(0, u64::MAX, &info(0x1000, u64::MAX), 0, 0, 4096);
        assert!(matches!(huge, Err(ImageError::KernelDoesNotFit { .. })));
    }

    #[test]
    fn rejects_an_initrd_past_the_end_of_ram() {
        let result = plan(RAM_BASE, 64 * MIB, &info(TEXT_OFFSET, IMAGE_SIZE), 0, 31 * MIB + 1, 4096);
        let ram_end = RAM_BASE + 64 * MIB;
        assert_eq!(result, Err(ImageError::InitrdDoesNotFit { start: 0x8220_0000, size: 31 * MIB + 1, ram_end }));
        let huge = plan(RAM_BASE, RAM_SIZE, &info(TEXT_OFFSET, IMAGE_SIZE), 0, u64::MAX, 4096);
        assert!(matches!(huge, Err(ImageError::InitrdDoesNotFit { .. })));
        // The kernel ends right at the top of the address space: no 2 MiB boundary after it.
        let top = plan(u64::MAX - 4 * MIB + 1, 4 * MIB - 1, &info(0, 4 * MIB - 1), 0, 1, 4096);
        assert!(matches!(top, Err(ImageError::InitrdDoesNotFit { start: u64::MAX, .. })));
    }

    #[test]
    fn rejects_a_dtb_that_does_not_fit() {
        assert_eq!(plan(RAM_BASE, RAM_SIZE, &info(0, 0x1000), 0, 0, 0), Err(ImageError::EmptyDeviceTree));
        // Kernel and initrd fill RAM up to 30 MiB of 32; the last 2 MiB slot is free.
        let fits = plan(RAM_BASE, 32 * MIB, &info(0, 28 * MIB), 0, 2 * MIB, 4096).unwrap();
        assert_eq!(fits.dtb, RAM_BASE + 30 * MIB);
        // One more byte of initrd and the slot overlaps it.
        let result = plan(RAM_BASE, 32 * MIB, &info(0, 28 * MIB), 0, 2 * MIB + 1, 4096);
        let free = RAM_BASE + 30 * MIB + 1;
        assert_eq!(result, Err(ImageError::DtbDoesNotFit { size: 4096, free, ram_end: RAM_BASE + 32 * MIB }));
        let larger_than_ram = plan(RAM_BASE, 4 * MIB, &info(0, 0x1000), 0, 0, 4 * MIB + 1);
        assert!(matches!(larger_than_ram, Err(ImageError::DtbDoesNotFit { .. })));
    }

    #[test]
    fn errors_read_well() {
        let message = ImageError::NoMagic.to_string();
        assert!(message.starts_with("guest kernel image: not a RISC-V Linux Image"), "{message}");
        assert!(message.contains("RSC\\x05 magic at offset 0x38"), "{message}");
        let message = ImageError::KernelDoesNotFit { load: 0x8020_0000, size: 0x100, ram_end: 0x8000_1000 };
        assert_eq!(
            message.to_string(),
            "guest memory layout: the kernel needs 0x100 bytes at 0x80200000, but RAM ends at 0x80001000"
        );
    }

    proptest::proptest! {
        #[test]
        fn parse_is_total(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            let _ = parse(&bytes);
        }

        #[test]
        fn plan_is_total(
            numbers in proptest::collection::vec(proptest::num::u64::ANY, 7),
        ) {
            let info = info(numbers[0], numbers[1]);
            let _ = plan(numbers[2], numbers[3], &info, numbers[4], numbers[5], numbers[6]);
        }

        #[test]
        fn plan_stays_in_ram(
            ram_base in proptest::num::u64::ANY,
            ram_size in proptest::num::u64::ANY,
            text_offset in proptest::num::u64::ANY,
            image_size in proptest::num::u64::ANY,
            kernel_len in 0u64..0x1000_0000,
            initrd_len in proptest::num::u64::ANY,
            dtb_len in 0u64..0x10_0000,
        ) {
            let ram_base = ram_base & !(MEGAPAGE - 1) & 0xffff_ffff_ffff;
            let ram_size = ram_size & 0x3fff_ffff;
            let text_offset = text_offset & 0x3f_f000;
            let image_size = image_size & 0x3fff_ffff;
            let initrd_len = initrd_len & 0x3fff_ffff;
            let info = info(text_offset, image_size);
            if let Ok(layout) = plan(ram_base, ram_size, &info, kernel_len, initrd_len, dtb_len) {
                let ram_end = ram_base + ram_size;
                let kernel_end = layout.kernel + image_size.max(kernel_len);
                proptest::prop_assert!(layout.kernel >= ram_base && kernel_end <= ram_end);
                let mut free = kernel_end;
                if let Some((start, end)) = layout.initrd {
                    proptest::prop_assert!(start >= kernel_end && start % MEGAPAGE == 0);
                    proptest::prop_assert_eq!(end - start, initrd_len);
                    proptest::prop_assert!(end <= ram_end);
                    free = end;
                }
                proptest::prop_assert!(layout.dtb >= free && layout.dtb % MEGAPAGE == 0);
                proptest::prop_assert!(layout.dtb + dtb_len <= ram_end);
            }
        }
    }
}
