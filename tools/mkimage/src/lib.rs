//! Builds a bootable Atoll image: the loader's ELF plus a payload holding the kernel and root task.
//!
//! The result is one ELF file that `qemu-system-riscv64 -machine virt -kernel IMAGE` loads at its
//! physical addresses; OpenSBI then enters the loader. The kernel and root task are carried as
//! whole ELF files, so any statically linked seL4 root task (Rust or C against libsel4) works.
#![forbid(unsafe_code)]
use atoll_bootimage::{FILE_ALIGN, FileRange, HEADER_SIZE, PayloadHeader};
use atoll_elf::{EM_RISCV, Elf64, PT_LOAD};
use std::fmt;

const PAGE: u64 = 4096;
const ELF_HEADER_SIZE: usize = 64;
const PROGRAM_HEADER_SIZE: usize = 56;

#[derive(Debug)]
pub enum Error {
    Elf(&'static str, atoll_elf::Error),
    NotRiscV(&'static str),
    NoPayloadSymbol,
    NoSegments(&'static str),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Error::Elf(what, e) => write!(f, "{what}: not a usable ELF64 file ({e:?})"),
            Error::NotRiscV(what) => write!(f, "{what}: not a RISC-V executable"),
            Error::NoPayloadSymbol => write!(f, "loader: no `_payload` symbol"),
            Error::NoSegments(what) => write!(f, "{what}: no loadable segments"),
        }
    }
}

impl std::error::Error for Error {}

fn parse<'a>(what: &'static str, bytes: &'a [u8]) -> Result<Elf64<'a>, Error> {
    let elf = Elf64::parse(bytes).map_err(|e| Error::Elf(what, e))?;
    if elf.machine() != EM_RISCV {
        return Err(Error::NotRiscV(what));
    }
    if elf.loadable_segments().next().is_none() {
        return Err(Error::NoSegments(what));
    }
    Ok(elf)
}

fn pad_to(buffer: &mut Vec<u8>, align: usize) {
    buffer.resize(buffer.len().div_ceil(align) * align, 0);
}

/// Lays out the payload: header, then the kernel and the root task, each on a page boundary.
pub fn build_payload(kernel: &[u8], root_task: &[u8], flags: u64) -> Vec<u8> {
    let mut payload = vec![0u8; HEADER_SIZE];
    pad_to(&mut payload, FILE_ALIGN);
    let kernel_range = FileRange { offset: payload.len() as u64, size: kernel.len() as u64 };
    payload.extend_from_slice(kernel);
    pad_to(&mut payload, FILE_ALIGN);
    let root_range = FileRange { offset: payload.len() as u64, size: root_task.len() as u64 };
    payload.extend_from_slice(root_task);
    let header = PayloadHeader { total_size: payload.len() as u64, kernel: kernel_range, root_task: root_range, flags };
    payload[..HEADER_SIZE].copy_from_slice(&header.encode());
    payload
}

struct Segment<'a> {
    addr: u64,
    flags: u32,
    data: &'a [u8],
    mem_size: u64,
}

/// Builds the image from the three ELF files; the loader hands the kernel the firmware's device
/// tree.
pub fn build_image(loader: &[u8], kernel: &[u8], root_task: &[u8]) -> Result<Vec<u8>, Error> {
    build_image_with_flags(loader, kernel, root_task, 0)
}

/// As `build_image`, with `atoll_bootimage::FLAG_*` bits for the loader.
pub fn build_image_with_flags(loader: &[u8], kernel: &[u8], root_task: &[u8], flags: u64) -> Result<Vec<u8>, Error> {
    let loader_elf = parse("loader", loader)?;
    parse("kernel", kernel)?;
    parse("root task", root_task)?;
    let payload_addr = loader_elf.symbol("_payload").ok_or(Error::NoPayloadSymbol)?;
    let payload = build_payload(kernel, root_task, flags);

    let mut segments = Vec::new();
    for ph in loader_elf.loadable_segments() {
        let data = loader_elf.segment_data(&ph).map_err(|e| Error::Elf("loader", e))?;
        segments.push(Segment { addr: ph.paddr, flags: ph.flags, data, mem_size: ph.mem_size });
    }
    segments.push(Segment { addr: payload_addr, flags: 0b100, data: &payload, mem_size: payload.len() as u64 });

    let mut image = vec![0u8; ELF_HEADER_SIZE + segments.len() * PROGRAM_HEADER_SIZE];
    let mut headers = Vec::new();
    for segment in &segments {
        // Keep file offset and address congruent modulo the page size, as ELF requires.
        let mut offset = image.len() as u64;
        offset += (segment.addr % PAGE + PAGE - offset % PAGE) % PAGE;
        image.resize(offset as usize, 0);
        image.extend_from_slice(segment.data);
        headers.push(program_header(segment, offset));
    }
    let header = elf_header(loader_elf.entry(), segments.len() as u16);
    image[..ELF_HEADER_SIZE].copy_from_slice(&header);
    for (index, ph) in headers.iter().enumerate() {
        let at = ELF_HEADER_SIZE + index * PROGRAM_HEADER_SIZE;
        image[at..at + PROGRAM_HEADER_SIZE].copy_from_slice(ph);
    }
    Ok(image)
}

fn elf_header(entry: u64, phnum: u16) -> [u8; ELF_HEADER_SIZE] {
    let mut h = [0u8; ELF_HEADER_SIZE];
    h[0..4].copy_from_slice(b"\x7fELF");
    h[4] = 2; // 64-bit
    h[5] = 1; // little endian
    h[6] = 1; // version
    h[16..18].copy_from_slice(&2u16.to_le_bytes()); // executable
    h[18..20].copy_from_slice(&EM_RISCV.to_le_bytes());
    h[20..24].copy_from_slice(&1u32.to_le_bytes());
    h[24..32].copy_from_slice(&entry.to_le_bytes());
    h[32..40].copy_from_slice(&(ELF_HEADER_SIZE as u64).to_le_bytes()); // phoff
    h[48..52].copy_from_slice(&0x5u32.to_le_bytes()); // RVC, double-float ABI
    h[52..54].copy_from_slice(&(ELF_HEADER_SIZE as u16).to_le_bytes());
    h[54..56].copy_from_slice(&(PROGRAM_HEADER_SIZE as u16).to_le_bytes());
    h[56..58].copy_from_slice(&phnum.to_le_bytes());
    h[58..60].copy_from_slice(&64u16.to_le_bytes()); // shentsize
    h
}

fn program_header(segment: &Segment, offset: u64) -> [u8; PROGRAM_HEADER_SIZE] {
    let mut p = [0u8; PROGRAM_HEADER_SIZE];
    p[0..4].copy_from_slice(&PT_LOAD.to_le_bytes());
    p[4..8].copy_from_slice(&segment.flags.to_le_bytes());
    p[8..16].copy_from_slice(&offset.to_le_bytes());
    p[16..24].copy_from_slice(&segment.addr.to_le_bytes());
    p[24..32].copy_from_slice(&segment.addr.to_le_bytes());
    p[32..40].copy_from_slice(&(segment.data.len() as u64).to_le_bytes());
    p[40..48].copy_from_slice(&segment.mem_size.to_le_bytes());
    p[48..56].copy_from_slice(&PAGE.to_le_bytes());
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_holds_both_files_page_aligned() {
        let kernel = vec![0xaau8; 5000];
        let root_task = vec![0x55u8; 123];
        let payload = build_payload(&kernel, &root_task, atoll_bootimage::FLAG_NO_DEVICE_TREE);
        let header = PayloadHeader::decode(&payload).expect("a valid header");
        assert_eq!(header.flags, atoll_bootimage::FLAG_NO_DEVICE_TREE);
        assert_eq!(header.total_size, payload.len() as u64);
        assert_eq!(header.kernel.offset % FILE_ALIGN as u64, 0);
        assert_eq!(header.root_task.offset % FILE_ALIGN as u64, 0);
        assert_eq!(header.kernel.slice(&payload).unwrap(), &kernel[..]);
        assert_eq!(header.root_task.slice(&payload).unwrap(), &root_task[..]);
        assert!(header.root_task.offset >= header.kernel.offset + kernel.len() as u64);
    }

    #[test]
    fn refuses_files_that_are_not_risc_v_executables() {
        let not_elf = vec![0u8; 256];
        assert!(matches!(build_image(&not_elf, &not_elf, &not_elf), Err(Error::Elf("loader", _))));
    }
}
