//! Helpers for root tasks that build address spaces: the root task's own image, and a new
//! VSpace that maps the same frames (so code and statics are shared with the new space).
use crate::abi::{CapRights, ObjectType, slots};
use crate::runtime::bootinfo;
use crate::{cnode, vspace};

/// First virtual address of the root task's image (seL4 maps the image, then the IPC buffer).
pub fn image_start() -> u64 {
    let info = bootinfo();
    info.ipc_buffer - (info.user_image_frames.end - info.user_image_frames.start) * 4096
}

/// The root task's frame cap that maps `vaddr`, an address inside its own image.
pub fn image_frame_cap(vaddr: u64) -> u64 {
    bootinfo().user_image_frames.start + (vaddr - image_start()) / 4096
}

/// Makes a new VSpace, assigns it an ASID from the root task's pool, and maps every frame of
/// the root task's image at the same address (through copies of the frame caps). `new_object`
/// creates a kernel object of the given type in a fresh slot; `new_slot` hands out empty slots.
pub fn vspace_sharing_image(
    new_object: impl FnMut(ObjectType) -> u64,
    new_slot: impl FnMut() -> u64,
) -> Result<u64, crate::invocation::Failure> {
    vspace_with_image(new_object, new_slot, CapRights::ALL_RIGHTS)
}

/// As `vspace_sharing_image`, with the image's frames mapped with `rights` (read-only keeps the
/// image's statics from being shared memory: a thread in the new space can read the code and
/// constants but write nothing of the image).
pub fn vspace_with_image(
    mut new_object: impl FnMut(ObjectType) -> u64,
    mut new_slot: impl FnMut() -> u64,
    rights: CapRights,
) -> Result<u64, crate::invocation::Failure> {
    let root = new_object(ObjectType::RiscvPageTable);
    vspace::asid_pool_assign(slots::CAP_INIT_THREAD_ASID_POOL, root)?;
    let info = bootinfo();
    let (start, end) = (image_start(), info.ipc_buffer);
    vspace::page_table_map(new_object(ObjectType::RiscvPageTable), root, start, 0)?;
    let mut region = start & !((2 << 20) - 1);
    while region < end {
        vspace::page_table_map(new_object(ObjectType::RiscvPageTable), root, region, 0)?;
        region += 2 << 20;
    }
    let path = |index| cnode::SlotPath { root: slots::CAP_INIT_THREAD_CNODE, index, depth: 64 };
    for (index, frame) in (info.user_image_frames.start..info.user_image_frames.end).enumerate() {
        let copy = new_slot();
        cnode::copy(path(copy), path(frame), CapRights::ALL_RIGHTS)?;
        vspace::page_map(copy, root, start + index as u64 * 4096, rights, 0)?;
    }
    Ok(root)
}
