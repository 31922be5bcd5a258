//! Boot tests: bootinfo consistency, the initial capabilities and the untyped memory list.
use crate::framework::{Outcome, Test};
use crate::support::kernel_config;
use crate::{check, check_eq};
use atoll_dtb::Fdt;
use atoll_sdk::BootInfo;
use atoll_sdk::abi::bootinfo::{BootInfoHeader, BootInfoId, UntypedDesc};
use atoll_sdk::abi::object::{MAX_UNTYPED_BITS, MIN_UNTYPED_BITS};
use atoll_sdk::abi::{CapType, slots};
use atoll_sdk::invocation::page_get_address;
use atoll_sdk::syscall::debug_cap_identify;

pub const TESTS: &[Test] = &[
    Test { name: "boot::bootinfo_fields", run: bootinfo_fields },
    Test { name: "boot::slot_regions_follow_sel4_order", run: slot_regions_follow_sel4_order },
    Test { name: "boot::initial_caps_have_sel4_types", run: initial_caps_have_sel4_types },
    Test { name: "boot::slot_regions_hold_their_cap_types", run: slot_regions_hold_their_cap_types },
    Test { name: "boot::empty_region_is_empty", run: empty_region_is_empty },
    Test { name: "boot::extra_bootinfo_holds_device_tree", run: extra_bootinfo_holds_device_tree },
    Test { name: "boot::untyped_sizes_and_alignment", run: untyped_sizes_and_alignment },
    Test { name: "boot::untypeds_do_not_overlap", run: untypeds_do_not_overlap },
    Test { name: "boot::untypeds_split_ram_from_devices", run: untypeds_split_ram_from_devices },
    Test { name: "boot::untypeds_avoid_kernel_and_root_task", run: untypeds_avoid_kernel_and_root_task },
    Test { name: "boot::untypeds_cover_free_ram", run: untypeds_cover_free_ram },
    Test { name: "boot::user_image_frames_are_contiguous", run: user_image_frames_are_contiguous },
];

const PAGE: u64 = 4096;
/// Where seL4's (and Atoll's) RISC-V kernel is loaded.
const KERNEL_PADDR: u64 = 0x8020_0000;

fn untypeds(bootinfo: &BootInfo) -> &[UntypedDesc] {
    let count = (bootinfo.untyped.end - bootinfo.untyped.start) as usize;
    &bootinfo.untyped_list[..count.min(bootinfo.untyped_list.len())]
}

fn span(desc: &UntypedDesc) -> (u64, u64) {
    (desc.paddr, desc.paddr + (1u64 << desc.size_bits))
}

/// The device tree the kernel passed on in the extra bootinfo (right after the bootinfo frame).
fn device_tree(bootinfo: &'static BootInfo) -> Option<Fdt<'static>> {
    let extra = bootinfo as *const BootInfo as usize + PAGE as usize;
    // SAFETY: seL4 maps `extra_len` bytes of extra bootinfo right after the bootinfo frame.
    let bytes = unsafe { core::slice::from_raw_parts(extra as *const u8, bootinfo.extra_len as usize) };
    let header = bytes.get(..16)?;
    let id = u64::from_le_bytes(header[..8].try_into().ok()?);
    if id != BootInfoId::Fdt.value() {
        return None;
    }
    Fdt::new(bytes.get(core::mem::size_of::<BootInfoHeader>()..)?).ok()
}

/// The machine as the kernel should have seen it: the device tree it passed on, or (in a
/// configuration whose loader hands over none) the QEMU `virt` description built into it.
struct Board {
    fdt: Option<Fdt<'static>>,
}

impl Board {
    fn of(bootinfo: &'static BootInfo) -> Result<Board, crate::framework::Failure> {
        let fdt = device_tree(bootinfo);
        if fdt.is_some() != kernel_config::DEVICE_TREE {
            return Err(crate::framework::Failure { what: "a device tree where none was due, or none", line: line!() });
        }
        Ok(Board { fdt })
    }

    /// RAM: memory nodes (or the built-in RAM), as (start, end).
    fn ram_ranges(&self, out: &mut [(u64, u64); 16]) -> usize {
        let Some(fdt) = &self.fdt else {
            out[0] = (0x8000_0000, 0x8000_0000 + (kernel_config::PLATFORM_RAM_MB << 20));
            return 1;
        };
        let mut count = 0;
        for region in fdt.memory_regions() {
            if count < out.len() {
                out[count] = (region.address, region.address + region.size);
                count += 1;
            }
        }
        count
    }

    /// Reserved memory within [start, end) (none in the built-in description).
    fn reserved_bytes_in(&self, start: u64, end: u64) -> u64 {
        let Some(fdt) = &self.fdt else { return 0 };
        fdt.reserved_regions()
            .chain(fdt.memory_reservations())
            .map(|r| {
                let (lo, hi) = (r.address.max(start), (r.address + r.size).min(end));
                hi.saturating_sub(lo)
            })
            .sum()
    }
}

fn overlaps(a: (u64, u64), b: (u64, u64)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

fn bootinfo_fields(bootinfo: &'static BootInfo) -> Outcome {
    check_eq!(bootinfo.node_id, 0);
    check_eq!(bootinfo.num_nodes, 1);
    check_eq!(bootinfo.num_io_pt_levels, 0);
    // The root CNode's size is a kernel build option (seL4's default is 12 bits); the empty
    // slots run to its end.
    let bits = bootinfo.init_thread_cnode_size_bits;
    check!((4..=20).contains(&bits), "root CNode of {bits} bits");
    check_eq!(bootinfo.empty.end, 1 << bits);
    atoll_sdk::println!("root CNode: 2^{bits} slots");
    check_eq!(bootinfo.init_thread_domain, 0);
    check_eq!(bootinfo.ipc_buffer % PAGE, 0);
    // seL4 places the bootinfo frame on the page after the IPC buffer.
    check_eq!(bootinfo as *const BootInfo as u64, bootinfo.ipc_buffer + PAGE);
    check_eq!(bootinfo.shared_frames.start, bootinfo.shared_frames.end);
    check_eq!(bootinfo.io_space_caps.start, bootinfo.io_space_caps.end);
    Ok(())
}

fn slot_regions_follow_sel4_order(bootinfo: &'static BootInfo) -> Outcome {
    // seL4 fills slots after the initial caps in this order: paging, extra bootinfo, (MCS:
    // one SchedControl cap per core), image frames, untypeds; everything after is empty.
    check_eq!(bootinfo.user_image_paging.start, slots::NUM_INITIAL_CAPS);
    check_eq!(bootinfo.extra_bi_pages.start, bootinfo.user_image_paging.end);
    #[cfg(not(feature = "mcs"))]
    check_eq!(bootinfo.user_image_frames.start, bootinfo.extra_bi_pages.end);
    #[cfg(feature = "mcs")]
    {
        check_eq!(bootinfo.schedcontrol.start, bootinfo.extra_bi_pages.end);
        check_eq!(bootinfo.schedcontrol.end, bootinfo.schedcontrol.start + 1);
        check_eq!(bootinfo.user_image_frames.start, bootinfo.schedcontrol.end);
    }
    check_eq!(bootinfo.untyped.start, bootinfo.user_image_frames.end);
    check_eq!(bootinfo.empty.start, bootinfo.untyped.end);
    check_eq!(bootinfo.empty.end, 1 << bootinfo.init_thread_cnode_size_bits);
    check!(bootinfo.user_image_paging.end > bootinfo.user_image_paging.start);
    check!(bootinfo.user_image_frames.end > bootinfo.user_image_frames.start);
    check!(bootinfo.untyped.end > bootinfo.untyped.start);
    Ok(())
}

fn initial_caps_have_sel4_types(_: &'static BootInfo) -> Outcome {
    let expected = [
        (slots::CAP_NULL, CapType::Null),
        (slots::CAP_INIT_THREAD_TCB, CapType::Thread),
        (slots::CAP_INIT_THREAD_CNODE, CapType::CNode),
        (slots::CAP_INIT_THREAD_VSPACE, CapType::PageTable),
        (slots::CAP_IRQ_CONTROL, CapType::IrqControl),
        (slots::CAP_ASID_CONTROL, CapType::AsidControl),
        (slots::CAP_INIT_THREAD_ASID_POOL, CapType::AsidPool),
        (slots::CAP_IO_PORT_CONTROL, CapType::Null),
        (slots::CAP_IO_SPACE, CapType::Null),
        (slots::CAP_BOOT_INFO_FRAME, CapType::Frame),
        (slots::CAP_INIT_THREAD_IPC_BUFFER, CapType::Frame),
        (slots::CAP_DOMAIN, CapType::Domain),
        (slots::CAP_SMMU_SID_CONTROL, CapType::Null),
        (slots::CAP_SMMU_CB_CONTROL, CapType::Null),
        // The initial thread's scheduling context (MCS).
        #[cfg(feature = "mcs")]
        (slots::CAP_INIT_THREAD_SC, CapType::SchedContext),
        #[cfg(not(feature = "mcs"))]
        (slots::CAP_INIT_THREAD_SC, CapType::Null),
        (slots::CAP_SMC, CapType::Null),
    ];
    for (slot, ty) in expected {
        check_eq!((slot, debug_cap_identify(slot)), (slot, ty.value()));
    }
    Ok(())
}

fn slot_regions_hold_their_cap_types(bootinfo: &'static BootInfo) -> Outcome {
    let regions = [
        (bootinfo.user_image_paging, CapType::PageTable),
        (bootinfo.extra_bi_pages, CapType::Frame),
        (bootinfo.user_image_frames, CapType::Frame),
        (bootinfo.untyped, CapType::Untyped),
        #[cfg(feature = "mcs")]
        (bootinfo.schedcontrol, CapType::SchedControl),
    ];
    for (region, ty) in regions {
        for slot in region.start..region.end {
            check_eq!((slot, debug_cap_identify(slot)), (slot, ty.value()));
        }
    }
    Ok(())
}

fn empty_region_is_empty(bootinfo: &'static BootInfo) -> Outcome {
    for slot in bootinfo.empty.start..bootinfo.empty.end {
        check_eq!((slot, debug_cap_identify(slot)), (slot, CapType::Null.value()));
    }
    Ok(())
}

fn extra_bootinfo_holds_device_tree(bootinfo: &'static BootInfo) -> Outcome {
    if !kernel_config::DEVICE_TREE {
        // No device tree was handed over, so there is no extra bootinfo (as in seL4).
        check_eq!(bootinfo.extra_len, 0);
        check_eq!(bootinfo.extra_bi_pages.end, bootinfo.extra_bi_pages.start);
        return Ok(());
    }
    check!(bootinfo.extra_len > 16, "extra_len = {}", bootinfo.extra_len);
    let pages = bootinfo.extra_bi_pages.end - bootinfo.extra_bi_pages.start;
    check!(pages * PAGE >= bootinfo.extra_len);
    let extra = (bootinfo as *const BootInfo as usize + PAGE as usize) as *const u64;
    // SAFETY: the extra bootinfo is mapped right after the bootinfo frame.
    let (id, len) = unsafe { (*extra, *extra.add(1)) };
    check_eq!(id, BootInfoId::Fdt.value());
    check_eq!(len, bootinfo.extra_len);
    let Some(fdt) = device_tree(bootinfo) else {
        check!(false, "the extra bootinfo does not parse as a device tree");
        unreachable!()
    };
    check!(fdt.memory_regions().next().is_some());
    check!(fdt.timebase_frequency().is_some());
    Ok(())
}

fn untyped_sizes_and_alignment(bootinfo: &'static BootInfo) -> Outcome {
    check!(untypeds(bootinfo).len() <= 230);
    for desc in untypeds(bootinfo) {
        let bits = desc.size_bits as usize;
        check!((MIN_UNTYPED_BITS..=MAX_UNTYPED_BITS).contains(&bits), "size_bits {bits}");
        check_eq!(desc.paddr & ((1u64 << bits) - 1), 0);
        check!(desc.is_device <= 1);
    }
    Ok(())
}

fn untypeds_do_not_overlap(bootinfo: &'static BootInfo) -> Outcome {
    let list = untypeds(bootinfo);
    for (i, a) in list.iter().enumerate() {
        for b in &list[i + 1..] {
            check!(!overlaps(span(a), span(b)), "{:#x} and {:#x}", a.paddr, b.paddr);
        }
    }
    Ok(())
}

fn untypeds_split_ram_from_devices(bootinfo: &'static BootInfo) -> Outcome {
    let board = Board::of(bootinfo)?;
    let mut ram = [(0, 0); 16];
    let count = board.ram_ranges(&mut ram);
    for desc in untypeds(bootinfo) {
        let range = span(desc);
        let in_ram = ram[..count].iter().any(|&r| r.0 <= range.0 && range.1 <= r.1);
        let touches_ram = ram[..count].iter().any(|&r| overlaps(r, range));
        if desc.is_device == 0 {
            check!(in_ram, "RAM untyped {:#x} outside RAM", desc.paddr);
            check_eq!(board.reserved_bytes_in(range.0, range.1), 0);
        } else {
            // Device untypeds may cover the firmware's RAM (reserved, or below the kernel's
            // load address), as in seL4, but no RAM above the kernel.
            let usable = if touches_ram {
                let overlap: u64 = ram[..count]
                    .iter()
                    .map(|&r| r.1.min(range.1).saturating_sub(r.0.max(range.0).max(KERNEL_PADDR)))
                    .sum();
                overlap - board.reserved_bytes_in(range.0.max(KERNEL_PADDR), range.1)
            } else {
                0
            };
            check_eq!((desc.paddr, usable), (desc.paddr, 0));
        }
    }
    Ok(())
}

fn untypeds_avoid_kernel_and_root_task(bootinfo: &'static BootInfo) -> Outcome {
    let mut used = [0u64; 3];
    used[0] = KERNEL_PADDR;
    used[1] = page_get_address(slots::CAP_BOOT_INFO_FRAME)
        .map_err(|_| crate::framework::Failure { what: "GetAddress on the bootinfo frame", line: line!() })?;
    used[2] = page_get_address(slots::CAP_INIT_THREAD_IPC_BUFFER).unwrap_or(u64::MAX);
    let frames = bootinfo.user_image_frames.start..bootinfo.user_image_frames.end;
    let extra = bootinfo.extra_bi_pages.start..bootinfo.extra_bi_pages.end;
    for paddr in used.into_iter().chain(frames.chain(extra).map(|slot| page_get_address(slot).unwrap_or(u64::MAX))) {
        check!(paddr != u64::MAX, "a frame cap did not answer GetAddress");
        for desc in untypeds(bootinfo) {
            check!(!overlaps(span(desc), (paddr, paddr + PAGE)), "untyped {:#x} covers {paddr:#x}", desc.paddr);
        }
    }
    Ok(())
}

fn untypeds_cover_free_ram(bootinfo: &'static BootInfo) -> Outcome {
    let board = Board::of(bootinfo)?;
    let mut ram = [(0, 0); 16];
    let count = board.ram_ranges(&mut ram);
    // RAM from the kernel's load address up (below it is the firmware's, as in seL4).
    let usable: u64 = ram[..count]
        .iter()
        .map(|&(s, e)| (s.max(KERNEL_PADDR), e))
        .filter(|&(s, e)| s < e)
        .map(|(s, e)| e - s - board.reserved_bytes_in(s, e))
        .sum();
    let given: u64 = untypeds(bootinfo).iter().filter(|d| d.is_device == 0).map(|d| 1u64 << d.size_bits).sum();
    let image = (bootinfo.user_image_frames.end - bootinfo.user_image_frames.start) * PAGE;
    let withheld = usable - given;
    // What is not untyped: the root task's image and CNode (a build option's size), and no more
    // than 1 MiB for the kernel, the device tree and the root task's other objects (TCB,
    // VSpace, bootinfo, ...).
    let cnode = 1u64 << (bootinfo.init_thread_cnode_size_bits + 5);
    check!(withheld >= image + cnode, "withheld {withheld:#x} < image {image:#x} + CNode {cnode:#x}");
    check!(withheld <= image + cnode + (1 << 20), "withheld {withheld:#x}, image {image:#x}, CNode {cnode:#x}");
    Ok(())
}

fn user_image_frames_are_contiguous(bootinfo: &'static BootInfo) -> Outcome {
    let first = page_get_address(bootinfo.user_image_frames.start).unwrap_or(1);
    check_eq!(first % PAGE, 0);
    for (index, slot) in (bootinfo.user_image_frames.start..bootinfo.user_image_frames.end).enumerate() {
        check_eq!(page_get_address(slot).ok(), Some(first + index as u64 * PAGE));
    }
    Ok(())
}
