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

/// As `vspace_sharing_image`, with the image's frames mapped with `rights`.
pub fn vspace_with_image(
    new_object: impl FnMut(ObjectType) -> u64,
    new_slot: impl FnMut() -> u64,
    rights: CapRights,
) -> Result<u64, crate::invocation::Failure> {
    vspace_with_image_up_to(new_object, new_slot, rights, bootinfo().ipc_buffer)
}

unsafe extern "C" {
    /// The end of the code, defined by the linker (constants come before it, writable data
    /// after it on later pages).
    static etext: u8;
}

/// The first page after the image's code and constants.
pub fn code_end() -> u64 {
    (&raw const etext as u64).next_multiple_of(4096)
}

/// A new VSpace with only the image's code and constants mapped, read-only: a thread there
/// runs the image's functions but can neither read nor write its data, stack or statics.
pub fn vspace_with_image_code(
    new_object: impl FnMut(ObjectType) -> u64,
    new_slot: impl FnMut() -> u64,
) -> Result<u64, crate::invocation::Failure> {
    vspace_with_image_up_to(new_object, new_slot, CapRights::CAN_READ, code_end())
}

fn vspace_with_image_up_to(
    mut new_object: impl FnMut(ObjectType) -> u64,
    mut new_slot: impl FnMut() -> u64,
    rights: CapRights,
    end: u64,
) -> Result<u64, crate::invocation::Failure> {
    let root = new_object(ObjectType::RiscvPageTable);
    vspace::asid_pool_assign(slots::CAP_INIT_THREAD_ASID_POOL, root)?;
    let info = bootinfo();
    let start = image_start();
    vspace::page_table_map(new_object(ObjectType::RiscvPageTable), root, start, 0)?;
    let mut region = start & !((2 << 20) - 1);
    while region < end {
        vspace::page_table_map(new_object(ObjectType::RiscvPageTable), root, region, 0)?;
        region += 2 << 20;
    }
    let path = |index| cnode::SlotPath { root: slots::CAP_INIT_THREAD_CNODE, index, depth: 64 };
    let frames = (end - start) / 4096;
    for (index, frame) in (info.user_image_frames.start..info.user_image_frames.end).take(frames as usize).enumerate() {
        let copy = new_slot();
        cnode::copy(path(copy), path(frame), CapRights::ALL_RIGHTS)?;
        vspace::page_map(copy, root, start + index as u64 * 4096, rights, 0)?;
    }
    Ok(root)
}
