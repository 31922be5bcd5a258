//! Places the kernel, the device tree and the root task in physical memory, as seL4's loader does.
use atoll_bootimage::{FLAG_NO_DEVICE_TREE, HEADER_SIZE, PayloadHeader, payload_len};
use atoll_elf::{Elf64, PT_LOAD};
use core::fmt;

const PAGE_SIZE: u64 = 4096;
/// seL4's loader keeps one page after the root task holding its program headers.
const KEEP_HEADERS_SIZE: u64 = PAGE_SIZE;

/// Everything the kernel is told at entry (seL4's RISC-V hand-off).
pub struct Handoff {
    pub kernel_entry: u64,
    /// Kernel virtual minus physical address, for the loader's own mapping of the kernel.
    pub kernel_virt_offset: u64,
    pub kernel_phys_start: u64,
    pub user_start: u64,
    pub user_end: u64,
    pub pv_offset: u64,
    pub user_entry: u64,
    pub dtb_addr: u64,
    pub dtb_size: u64,
}

pub enum LoadError {
    Payload(atoll_bootimage::Error),
    Elf(&'static str, atoll_elf::Error),
    NoSegments(&'static str),
    Misaligned(&'static str),
    BadDeviceTree,
    Overlap(&'static str, u64, u64),
    KernelNotGigaAligned,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            LoadError::Payload(e) => write!(f, "bad payload: {e:?}"),
            LoadError::Elf(what, e) => write!(f, "bad {what} ELF: {e:?}"),
            LoadError::NoSegments(what) => write!(f, "{what} ELF has no loadable segments"),
            LoadError::Misaligned(what) => write!(f, "{what} does not start on a page boundary"),
            LoadError::BadDeviceTree => write!(f, "no valid device tree from the firmware"),
            LoadError::Overlap(what, start, end) => {
                write!(f, "{what} at [{start:#x}..{end:#x}) would overwrite the loader or its input")
            }
            LoadError::KernelNotGigaAligned => {
                write!(f, "kernel virtual and physical addresses differ by a non-1 GiB multiple")
            }
        }
    }
}

fn align_up(value: u64, align: u64) -> u64 {
    value.div_ceil(align) * align
}

/// A physical range `[start, end)` must not touch what the loader still reads from.
struct Forbidden {
    ranges: [(u64, u64); 2],
}

impl Forbidden {
    fn check(&self, what: &'static str, start: u64, end: u64) -> Result<(), LoadError> {
        for &(lo, hi) in &self.ranges {
            if start < hi && lo < end {
                return Err(LoadError::Overlap(what, start, end));
            }
        }
        Ok(())
    }
}

/// Copies `bytes` to physical `dest` and zeroes `zero_len` bytes after them.
///
/// # Safety
/// `[dest, dest + bytes.len() + zero_len)` must be RAM that nothing live uses.
unsafe fn place(dest: u64, bytes: &[u8], zero_len: u64) {
    let dest = dest as *mut u8;
    // SAFETY: the caller guarantees the destination is free RAM; `core::ptr::copy` allows overlap.
    unsafe {
        core::ptr::copy(bytes.as_ptr(), dest, bytes.len());
        core::ptr::write_bytes(dest.add(bytes.len()), 0, zero_len as usize);
    }
}

fn load_segments(
    elf: &Elf64,
    what: &'static str,
    forbidden: &Forbidden,
    dest_of: impl Fn(u64, u64) -> u64,
) -> Result<(), LoadError> {
    for segment in elf.program_headers().filter(|ph| ph.kind == PT_LOAD) {
        let data = elf.segment_data(&segment).map_err(|e| LoadError::Elf(what, e))?;
        let dest = dest_of(segment.vaddr, segment.paddr);
        forbidden.check(what, dest, dest + segment.mem_size)?;
        // SAFETY: the destination was checked against the loader, its payload and the firmware's
        // device tree, and lies in RAM laid out by `load_images`.
        unsafe { place(dest, data, segment.mem_size - segment.file_size) };
    }
    Ok(())
}

/// Unpacks the payload that the image builder appended at `payload_start`.
pub fn load_images(loader_start: usize, payload_start: usize, dtb: usize) -> Result<Handoff, LoadError> {
    // SAFETY: the image builder put at least a header at `_payload`; QEMU loaded it there.
    let first = unsafe { core::slice::from_raw_parts(payload_start as *const u8, HEADER_SIZE) };
    let total = payload_len(first).map_err(LoadError::Payload)?;
    // SAFETY: the header says how long the payload segment is; it was loaded whole.
    let payload = unsafe { core::slice::from_raw_parts(payload_start as *const u8, total as usize) };
    let header = PayloadHeader::decode(payload).map_err(LoadError::Payload)?;
    let kernel_bytes = header.kernel.slice(payload).map_err(LoadError::Payload)?;
    let user_bytes = header.root_task.slice(payload).map_err(LoadError::Payload)?;
    let kernel = Elf64::parse(kernel_bytes).map_err(|e| LoadError::Elf("kernel", e))?;
    let user = Elf64::parse(user_bytes).map_err(|e| LoadError::Elf("root task", e))?;

    if dtb == 0 {
        return Err(LoadError::BadDeviceTree);
    }
    // SAFETY: the firmware passes a device tree pointer; its header is read for its size only.
    let dtb_header = unsafe { core::slice::from_raw_parts(dtb as *const u8, 8) };
    if dtb_header[0..4] != [0xd0, 0x0d, 0xfe, 0xed] {
        return Err(LoadError::BadDeviceTree);
    }
    let dtb_size = u32::from_be_bytes([dtb_header[4], dtb_header[5], dtb_header[6], dtb_header[7]]) as u64;
    let pass_device_tree = header.flags & FLAG_NO_DEVICE_TREE == 0;

    let forbidden = Forbidden {
        ranges: [(loader_start as u64, payload_start as u64 + total), (dtb as u64, dtb as u64 + dtb_size)],
    };

    // The kernel goes to its ELF physical addresses.
    let mut kernel_phys = (u64::MAX, 0u64);
    let mut kernel_virt_offset = None;
    for segment in kernel.program_headers().filter(|ph| ph.kind == PT_LOAD) {
        kernel_phys.0 = kernel_phys.0.min(segment.paddr);
        kernel_phys.1 = kernel_phys.1.max(segment.paddr + segment.mem_size);
        kernel_virt_offset.get_or_insert(segment.vaddr.wrapping_sub(segment.paddr));
    }
    let kernel_virt_offset = kernel_virt_offset.ok_or(LoadError::NoSegments("kernel"))?;
    if kernel_virt_offset % (1 << 30) != 0 {
        return Err(LoadError::KernelNotGigaAligned);
    }
    load_segments(&kernel, "kernel", &forbidden, |_, paddr| paddr)?;

    // The device tree goes on the next page after the kernel, unless the image says to hand
    // over none (as seL4 Microkit's loader does).
    let dtb_dest = align_up(kernel_phys.1, PAGE_SIZE);
    let dtb_dest_end = if pass_device_tree { dtb_dest + dtb_size } else { dtb_dest };
    if pass_device_tree {
        // The copy may overlap the firmware's tree itself (`place` moves safely), not the loader.
        let loader_only = Forbidden { ranges: [forbidden.ranges[0], (0, 0)] };
        loader_only.check("device tree", dtb_dest, dtb_dest_end)?;
        // SAFETY: the source is the firmware's tree (read above); the destination is free RAM
        // right after the kernel, checked against the loader; `place` copies with memmove
        // semantics.
        unsafe {
            place(dtb_dest, core::slice::from_raw_parts(dtb as *const u8, dtb_size as usize), 0);
        }
    }

    // The root task follows, at the same page offsets as its virtual layout.
    let (min_vaddr, max_vaddr) = user.virtual_extent().ok_or(LoadError::NoSegments("root task"))?;
    if min_vaddr % PAGE_SIZE != 0 {
        return Err(LoadError::Misaligned("root task"));
    }
    let user_start = align_up(dtb_dest_end, PAGE_SIZE);
    let user_end = user_start + (align_up(max_vaddr, PAGE_SIZE) - min_vaddr);
    forbidden.check("root task", user_start, user_end + KEEP_HEADERS_SIZE)?;
    // SAFETY: checked just above; zeroing first makes the gaps between segments defined.
    unsafe { core::ptr::write_bytes(user_start as *mut u8, 0, (user_end - user_start) as usize) };
    load_segments(&user, "root task", &forbidden, |vaddr, _| user_start + (vaddr - min_vaddr))?;
    write_program_headers(&user, user_end);

    Ok(Handoff {
        kernel_entry: kernel.entry(),
        kernel_virt_offset,
        kernel_phys_start: kernel_phys.0,
        user_start,
        user_end,
        pv_offset: user_start.wrapping_sub(min_vaddr),
        user_entry: user.entry(),
        dtb_addr: if pass_device_tree { dtb_dest } else { 0 },
        dtb_size: if pass_device_tree { dtb_size } else { 0 },
    })
}

/// The page after the root task: program header count, entry size, then the table itself.
fn write_program_headers(user: &Elf64, page: u64) {
    let table = user.program_header_table();
    let len = table.len().min(KEEP_HEADERS_SIZE as usize - 8);
    let count = (user.phnum() as u32).to_le_bytes();
    let entry_size = 56u32.to_le_bytes();
    // SAFETY: this page was checked free together with the root task's image.
    unsafe {
        place(page, &count, 0);
        place(page + 4, &entry_size, 0);
        place(page + 8, &table[..len], KEEP_HEADERS_SIZE - 8 - len as u64);
    }
}
