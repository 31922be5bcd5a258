//! `cspace::resolve` against a direct transcription of seL4's resolveAddressBits, on random
//! trees of guarded CNodes built in a test store.
// Binary addresses below are grouped by field (guard, index, next guard, ...), not by nibble.
#![allow(clippy::unusual_byte_groupings)]

use crate::store::{SLOT_SIZE, VecStore};
use atoll_abi::CapType;
use atoll_kernel_core::cap::{Cap, EndpointRights, FrameSize, VmRights};
use atoll_kernel_core::cspace::{LookupFault, Resolved, resolve, slot_of};
use atoll_kernel_core::cte::{CteStore, SlotRef};
use proptest::prelude::*;

const fn mask(width: u32) -> u128 {
    (1u128 << width) - 1
}

/// The `width` bits of `value` just below bit `top` (`width <= top <= 64`).
fn bits_below(value: u64, top: u32, width: u32) -> u64 {
    ((u128::from(value) >> (top - width)) & mask(width)) as u64
}

/// seL4's resolveAddressBits (kernel/cspace.c), step for step. Depths above 64 are taken as
/// 64, as `resolve` does (seL4's callers refuse them before resolving).
fn model(store: &impl CteStore, root: Cap, cptr: u64, depth: u32) -> Result<Resolved, LookupFault> {
    if !root.is(CapType::CNode) {
        return Err(LookupFault::InvalidRoot);
    }
    let mut node = root;
    let mut n = depth.min(64);
    for _ in 0..=64 {
        let radix = node.cnode_radix();
        let guard_size = node.cnode_guard_size();
        let level = radix + guard_size;
        assert_ne!(level, 0, "the model needs CNodes that resolve bits");
        let cap_guard = node.cnode_guard();
        if guard_size > n || bits_below(cptr, n, guard_size) != cap_guard {
            return Err(LookupFault::GuardMismatch { bits_left: n, guard_found: cap_guard, guard_size });
        }
        if level > n {
            return Err(LookupFault::DepthMismatch { bits_left: n, bits_found: level });
        }
        let index = bits_below(cptr, n - guard_size, radix);
        let slot = node.paddr() + index * SLOT_SIZE;
        if n == level {
            return Ok(Resolved { slot, bits_left: 0 });
        }
        n -= level;
        let next = store.cap(slot);
        if !next.is(CapType::CNode) {
            return Ok(Resolved { slot, bits_left: n });
        }
        node = next;
    }
    unreachable!("every level consumes at least one bit");
}

fn bits_left(fault: LookupFault) -> Option<u32> {
    match fault {
        LookupFault::InvalidRoot => None,
        LookupFault::MissingCapability { bits_left }
        | LookupFault::DepthMismatch { bits_left, .. }
        | LookupFault::GuardMismatch { bits_left, .. } => Some(bits_left),
    }
}

/// Same success (slot and bits left), same failing level (bits left) and, for depth
/// mismatches seL4 reports, the same details.
fn assert_same_outcome(got: Result<Resolved, LookupFault>, want: Result<Resolved, LookupFault>) {
    match (got, want) {
        (Ok(g), Ok(w)) => assert_eq!(g, w),
        (Err(g), Err(w)) => {
            assert_eq!(bits_left(g), bits_left(w), "got {g:?}, want {w:?}");
            match (g, w) {
                (_, LookupFault::DepthMismatch { .. }) | (_, LookupFault::InvalidRoot) => {
                    assert_eq!(g, w)
                }
                (
                    LookupFault::GuardMismatch { guard_size: a, .. },
                    LookupFault::GuardMismatch { guard_size: b, .. },
                ) => assert_eq!(a, b),
                _ => {}
            }
        }
        _ => panic!("got {got:?}, want {want:?}"),
    }
}

struct Rng(u64);

impl Rng {
    /// SplitMix64.
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn range(&mut self, lo: u32, hi: u32) -> u32 {
        lo + self.below(u64::from(hi - lo + 1)) as u32
    }
}

/// A slot reachable from the root: the low `bits` bits of `cptr` name it at depth `bits`.
#[derive(Clone, Copy, Debug)]
struct Path {
    cptr: u64,
    bits: u32,
    slot: SlotRef,
}

struct Tree {
    store: VecStore,
    root: Cap,
    paths: Vec<Path>,
}

fn endpoint(n: u64) -> Cap {
    Cap::endpoint(0x8200_0000 + n * 16, n, EndpointRights::default())
}

/// Builds a CNode with `budget` address bits left, filling its slots with nothing, endpoint
/// caps, further CNodes or copies of CNode caps above it (cycles).
fn build(rng: &mut Rng, store: &mut VecStore, tree: &mut Vec<Path>, prefix: Path, ancestors: &mut Vec<Cap>) -> Cap {
    let budget = 64 - prefix.bits;
    let radix = rng.range(1, 3.min(budget));
    let room = budget - radix;
    let guard_size = match rng.below(4) {
        0 => 0,
        1 => rng.range(0, room),
        _ => rng.range(0, room.min(6)),
    };
    let guard = (u128::from(rng.next()) & mask(guard_size)) as u64;
    let paddr = store.alloc(1 << radix);
    let cap = Cap::cnode(paddr, radix, guard_size, guard);
    ancestors.push(cap);
    let level = guard_size + radix;
    for index in 0..1u64 << radix {
        let slot = slot_of(paddr, index);
        let value = (u128::from(prefix.cptr) << level) | (u128::from(guard) << radix) | u128::from(index);
        let path = Path { cptr: value as u64, bits: prefix.bits + level, slot };
        tree.push(path);
        let content = match rng.below(10) {
            0..=2 => Cap::NULL,
            3..=5 => endpoint(rng.below(1000)),
            6..=8 if path.bits < 64 && ancestors.len() < 5 => build(rng, store, tree, path, ancestors),
            9 => ancestors[rng.below(ancestors.len() as u64) as usize],
            _ => Cap::frame(0x8400_0000, FrameSize::Small, VmRights::ReadOnly, false),
        };
        store.set_cap(slot, content);
    }
    ancestors.pop();
    cap
}

fn tree(seed: u64) -> Tree {
    let mut rng = Rng(seed);
    let mut store = VecStore::new(0);
    let mut paths = Vec::new();
    let root = build(&mut rng, &mut store, &mut paths, Path { cptr: 0, bits: 0, slot: 0 }, &mut Vec::new());
    Tree { store, root, paths }
}

/// A chain of CNodes consuming exactly 64 bits; returns store, root, cptr and final slot.
fn chain(radices: &[u32], cuts: &[u32], rng: &mut Rng) -> (VecStore, Cap, u64, SlotRef) {
    let spare = 64 - radices.iter().sum::<u32>();
    // Split the spare bits into guard sizes at the (sorted) cut points.
    let mut points: Vec<u32> = cuts.iter().map(|c| c % (spare + 1)).collect();
    points.push(0);
    points.push(spare);
    points.sort_unstable();
    let guard_sizes: Vec<u32> = points.windows(2).map(|w| w[1] - w[0]).collect();
    assert_eq!(guard_sizes.len(), radices.len());

    let mut store = VecStore::new(0);
    let mut cptr: u128 = 0;
    let mut caps = Vec::new();
    let mut chosen = Vec::new();
    for (&radix, &guard_size) in radices.iter().zip(&guard_sizes) {
        let guard = (u128::from(rng.next()) & mask(guard_size)) as u64;
        let paddr = store.alloc(1 << radix);
        let index = rng.below(1 << radix);
        caps.push(Cap::cnode(paddr, radix, guard_size, guard));
        chosen.push(slot_of(paddr, index));
        cptr = (cptr << (guard_size + radix)) | (u128::from(guard) << radix) | u128::from(index);
    }
    for (i, &slot) in chosen.iter().enumerate() {
        let content = caps.get(i + 1).copied().unwrap_or(endpoint(7));
        store.set_cap(slot, content);
    }
    (store, caps[0], cptr as u64, *chosen.last().unwrap())
}

fn lookups() -> impl Strategy<Value = Vec<(u64, u32)>> {
    prop::collection::vec((any::<u64>(), 0u32..=80), 0..32)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Every slot of the tree resolves at its own depth, and deeper addresses stop early at
    /// caps that are not CNodes, reporting the unused bits.
    #[test]
    fn valid_addresses_resolve(seed: u64, extra: u64, low: u64) {
        let t = tree(seed);
        for p in &t.paths {
            let want = Resolved { slot: p.slot, bits_left: 0 };
            prop_assert_eq!(resolve(&t.store, t.root, p.cptr, p.bits), Ok(want));
            prop_assert_eq!(model(&t.store, t.root, p.cptr, p.bits), Ok(want));
            let cap = t.store.cap(p.slot);
            if p.bits < 64 && !cap.is(CapType::CNode) {
                let more = 1 + (extra % u64::from(64 - p.bits)) as u32;
                let cptr = (p.cptr << more) | (low & ((1u64 << more) - 1));
                let want = Resolved { slot: p.slot, bits_left: more };
                prop_assert_eq!(resolve(&t.store, t.root, cptr, p.bits + more), Ok(want));
            }
        }
    }

    /// Random and perturbed addresses: `resolve` agrees with seL4 on success, on where the
    /// lookup fails and on depth-mismatch details.
    #[test]
    fn resolve_agrees_with_model(seed: u64, random in lookups(), flips in prop::collection::vec((any::<usize>(), 0u32..64, 0u32..8), 0..32)) {
        let t = tree(seed);
        let mut cases = random;
        for (path, bit, more) in flips {
            let p = t.paths[path % t.paths.len()];
            cases.push((p.cptr ^ (1u64 << (bit % p.bits)), p.bits));
            cases.push((p.cptr, p.bits.saturating_sub(more)));
            cases.push((p.cptr, p.bits + more));
        }
        for (cptr, depth) in cases {
            let got = resolve(&t.store, t.root, cptr, depth);
            assert_same_outcome(got, model(&t.store, t.root, cptr, depth));
            if let Ok(r) = got {
                prop_assert!(r.bits_left < depth.min(64));
            }
        }
    }

    /// CNode chains consuming all 64 bits resolve at depth 64 through every level.
    #[test]
    fn full_depth_through_several_levels(
        radices in prop::collection::vec(1u32..=4, 2..=5),
        cuts in prop::collection::vec(any::<u32>(), 4),
        seed: u64,
        stop in any::<usize>(),
    ) {
        let mut rng = Rng(seed);
        let (mut store, root, cptr, last) = chain(&radices, &cuts[..radices.len() - 1], &mut rng);
        let want = Ok(Resolved { slot: last, bits_left: 0 });
        prop_assert_eq!(resolve(&store, root, cptr, 64), want);
        prop_assert_eq!(model(&store, root, cptr, 64), want);
        // Depths above 64 read as 64.
        prop_assert_eq!(resolve(&store, root, cptr, 80), want);

        // Replace one intermediate CNode cap by an endpoint: the walk stops there.
        let mut node = root;
        let mut used = 0;
        let mut slots = Vec::new();
        loop {
            let level = node.cnode_radix() + node.cnode_guard_size();
            used += level;
            let index = bits_below(cptr, 64 - used + node.cnode_radix(), node.cnode_radix());
            let slot = slot_of(node.paddr(), index);
            slots.push((slot, 64 - used));
            if used == 64 {
                break;
            }
            node = store.cap(slot);
        }
        let (slot, left) = slots[stop % (slots.len() - 1)];
        store.set_cap(slot, endpoint(3));
        let want = Ok(Resolved { slot, bits_left: left });
        prop_assert_eq!(resolve(&store, root, cptr, 64), want);
        prop_assert_eq!(model(&store, root, cptr, 64), want);
    }

    /// Arbitrary roots (any radix up to 58, any guard, pointing anywhere) and addresses: no
    /// panic, and the walk reads at most one slot per address bit.
    #[test]
    fn no_input_panics_or_loops(
        seed: u64,
        radix in 0u32..=58,
        guard_size in 0u32..64,
        guard: u64,
        anywhere: bool,
        paddr in 0u64..1 << 39,
        random in lookups(),
    ) {
        let t = tree(seed);
        let base = if anywhere { paddr } else { t.root.paddr() };
        let root = Cap::cnode(base, radix, guard_size, guard);
        let store = t.store.into_lenient();
        for (cptr, depth) in random {
            for root in [root, t.root] {
                store.take_reads();
                let got = resolve(&store, root, cptr, depth);
                prop_assert!(store.take_reads() <= 64);
                if let Ok(r) = got {
                    prop_assert!(r.bits_left < depth.min(64));
                }
            }
        }
    }

    /// The exact seL4 results, fault details included.
    #[test]
    fn resolve_matches_sel4_exactly(seed: u64, random in lookups()) {
        let t = tree(seed);
        for (cptr, depth) in random {
            prop_assert_eq!(resolve(&t.store, t.root, cptr, depth), model(&t.store, t.root, cptr, depth));
        }
    }
}

/// Root CNode: radix 4, guard 0b1010 of 4 bits, at slot 0 of a 16-slot store; slot 3 holds a
/// second-level CNode (radix 2, guard 0b1 of 1 bit) at slots 16..20; slot 5 an endpoint.
fn two_levels() -> (VecStore, Cap) {
    let mut store = VecStore::new(0);
    let top = store.alloc(16);
    let sub = store.alloc(4);
    let root = Cap::cnode(top, 4, 4, 0b1010);
    store.set_cap(slot_of(top, 3), Cap::cnode(sub, 2, 1, 0b1));
    store.set_cap(slot_of(top, 5), endpoint(5));
    (store, root)
}

#[test]
fn invalid_root_for_caps_that_are_not_cnodes() {
    let store = VecStore::new(4);
    for root in [
        Cap::NULL,
        endpoint(1),
        Cap::untyped(VecStore::slot_ref(0), 12, false),
        Cap::zombie(VecStore::slot_ref(0), false, 2, 4),
        Cap::thread(VecStore::slot_ref(0)),
        Cap::control(CapType::IrqControl),
    ] {
        for depth in [0, 1, 64] {
            assert_eq!(resolve(&store, root, 0, depth), Err(LookupFault::InvalidRoot));
        }
    }
}

#[test]
fn two_level_walk() {
    let (store, root) = two_levels();
    let top = root.paddr();
    let sub = store.cap(slot_of(top, 3)).paddr();
    // 1010 0011 | 1 10 : slot 2 of the second level.
    assert_eq!(resolve(&store, root, 0b1010_0011_1_10, 11), Ok(Resolved { slot: slot_of(sub, 2), bits_left: 0 }));
    // Depth 8 stops at the CNode cap's slot itself.
    assert_eq!(resolve(&store, root, 0b1010_0011, 8), Ok(Resolved { slot: slot_of(top, 3), bits_left: 0 }));
    // Slot 5 holds an endpoint: a deeper address stops there with 3 bits unused.
    assert_eq!(resolve(&store, root, 0b1010_0101_111, 11), Ok(Resolved { slot: slot_of(top, 5), bits_left: 3 }));
    // An empty slot also ends the walk.
    assert_eq!(resolve(&store, root, 0b1010_0110_01, 10), Ok(Resolved { slot: slot_of(top, 6), bits_left: 2 }));
    // Bits above the depth are ignored.
    assert_eq!(
        resolve(&store, root, u64::MAX << 11 | 0b1010_0011_1_10, 11),
        resolve(&store, root, 0b1010_0011_1_10, 11)
    );
}

#[test]
fn depth_mismatch_details() {
    let (store, root) = two_levels();
    // Guard matches but 6 bits cannot cover the 8 the root needs.
    assert_eq!(resolve(&store, root, 0b1010_01, 6), Err(LookupFault::DepthMismatch { bits_left: 6, bits_found: 8 }));
    // Second level: 2 bits left, 3 needed.
    assert_eq!(
        resolve(&store, root, 0b1010_0011_1_0, 10),
        Err(LookupFault::DepthMismatch { bits_left: 2, bits_found: 3 })
    );
    // Depth 0 on a root without a guard.
    let plain = Cap::cnode(root.paddr(), 4, 0, 0);
    assert_eq!(resolve(&store, plain, 0, 0), Err(LookupFault::DepthMismatch { bits_left: 0, bits_found: 4 }));
}

#[test]
fn guard_mismatch_level_and_size() {
    let (store, root) = two_levels();
    let Err(LookupFault::GuardMismatch { bits_left, guard_size, .. }) = resolve(&store, root, 0b1011_0011, 8) else {
        panic!("expected a guard mismatch");
    };
    assert_eq!((bits_left, guard_size), (8, 4));
    // Second level guard (1 bit, must be 1) is 0 here.
    let Err(LookupFault::GuardMismatch { bits_left, guard_size, .. }) = resolve(&store, root, 0b1010_0011_0_10, 11)
    else {
        panic!("expected a guard mismatch");
    };
    assert_eq!((bits_left, guard_size), (3, 1));
}

#[test]
fn guard_mismatch_reports_the_cnode_guard() {
    let (store, root) = two_levels();
    assert_eq!(
        resolve(&store, root, 0b1011_0011, 8),
        Err(LookupFault::GuardMismatch { bits_left: 8, guard_found: 0b1010, guard_size: 4 })
    );
}

#[test]
fn guard_is_checked_before_depth() {
    let (store, root) = two_levels();
    // The guard (4 bits) does not fit in 3 bits: seL4 says guard mismatch.
    assert_eq!(
        resolve(&store, root, 0b101, 3),
        Err(LookupFault::GuardMismatch { bits_left: 3, guard_found: 0b1010, guard_size: 4 })
    );
    // The guard fits in 6 bits but is wrong; the level does not fit either.
    assert_eq!(
        resolve(&store, root, 0b1111_00, 6),
        Err(LookupFault::GuardMismatch { bits_left: 6, guard_found: 0b1010, guard_size: 4 })
    );
    // Depth 0 with a guarded root.
    assert_eq!(
        resolve(&store, root, 0, 0),
        Err(LookupFault::GuardMismatch { bits_left: 0, guard_found: 0b1010, guard_size: 4 })
    );
}

#[test]
fn cnode_with_no_bits_is_refused_not_looped() {
    let (mut store, _) = two_levels();
    let top = VecStore::slot_ref(0);
    // A CNode whose slot 0 holds a cap to itself with radix 0 and no guard.
    let empty = Cap::cnode(top, 0, 0, 0);
    store.set_cap(top, empty);
    assert_eq!(resolve(&store, empty, 0, 64), Err(LookupFault::DepthMismatch { bits_left: 64, bits_found: 0 }));
    // A radix-1 CNode whose slots point back to itself: 64 levels of one bit each.
    let one = Cap::cnode(top, 1, 0, 0);
    store.set_cap(top, one);
    store.set_cap(slot_of(top, 1), one);
    store.take_reads();
    assert_eq!(resolve(&store, one, u64::MAX, 64), Ok(Resolved { slot: slot_of(top, 1), bits_left: 0 }));
    assert_eq!(store.take_reads(), 63);
}
