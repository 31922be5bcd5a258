//! The validated blob and whole-tree queries (paths, compatibles, memory).

use core::fmt;

use crate::Error;
use crate::header::{self, Header};
use crate::node::{AllNodes, Node};
use crate::reg::{CellSizes, Region};
use crate::reserve::{self, MemoryReservations};
use crate::token::Tree;

/// A validated flattened device tree borrowing its bytes.
#[derive(Clone, Copy)]
pub struct Fdt<'a> {
    header: Header,
    blob: &'a [u8],
    tree: Tree<'a>,
    reservations: &'a [u8],
    root_name: &'a str,
    root_body: usize,
}

impl fmt::Debug for Fdt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fdt").field("header", &self.header).finish()
    }
}

impl<'a> Fdt<'a> {
    /// Validates a blob: header (magic, version >= 16, last compatible
    /// version <= 17), `totalsize` <= `bytes.len()`, every block within
    /// `totalsize`, and the whole structure block (tokens, names, property
    /// lengths, balance, depth). Bytes past `totalsize` are ignored.
    pub fn new(bytes: &'a [u8]) -> Result<Fdt<'a>, Error> {
        let header = Header::parse(bytes)?;
        let layout = header.layout(bytes.len())?;
        let blob = bytes.get(..layout.total).ok_or(Error::Truncated)?;
        let block = |range| blob.get(range).ok_or(Error::BadLayout);
        let tree = Tree::new(block(layout.structs)?, block(layout.strings)?);
        let reservations = reserve::reservation_block(blob, layout.rsvmap_start)?;
        let (root_name, root_body) = tree.validate()?;
        Ok(Fdt { header, blob, tree, reservations, root_name, root_body })
    }

    /// Reads `totalsize` from the first 8 bytes of a blob (after checking
    /// the magic), so a caller holding only a pointer can size the slice.
    pub fn total_size_from_header(header: &[u8]) -> Result<usize, Error> {
        header::total_size_from_header(header)
    }

    /// The blob's `totalsize`.
    pub fn total_size(&self) -> usize {
        self.blob.len()
    }

    /// The blob bytes, `totalsize` long.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.blob
    }

    /// The decoded header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The physical id of the boot CPU.
    pub fn boot_cpuid_phys(&self) -> u32 {
        self.header.boot_cpuid_phys
    }

    /// The entries of the memory reservation block.
    pub fn memory_reservations(&self) -> MemoryReservations<'a> {
        MemoryReservations::new(self.reservations)
    }

    /// The root node `/`.
    pub fn root(&self) -> Node<'a> {
        Node::new(self.tree, self.root_name, self.root_body, CellSizes::DEFAULT)
    }

    /// Every node, depth first, starting with the root.
    pub fn all_nodes(&self) -> AllNodes<'a> {
        self.root().descendants()
    }

    /// Finds a node by absolute path such as `/soc/serial@10000000`; a
    /// component may omit the unit address (`/soc/serial` finds the first
    /// `serial@…`). A path not starting with `/` begins with an alias from
    /// `/aliases`, e.g. `serial0` or `serial0/child`.
    pub fn find_node(&self, path: &str) -> Option<Node<'a>> {
        if path.starts_with('/') {
            return walk(self.root(), path);
        }
        let (alias, rest) = path.split_once('/').unwrap_or((path, ""));
        let target = self.root().child("aliases")?.property_str(alias)?;
        if !target.starts_with('/') {
            return None;
        }
        walk(walk(self.root(), target)?, rest)
    }

    /// The first node (depth first) whose `compatible` lists any of `models`.
    pub fn find_compatible(&self, models: &[&str]) -> Option<Node<'a>> {
        self.all_nodes().find(|node| node.compatible().any(|entry| models.contains(&entry)))
    }

    /// The node whose `phandle` is `phandle`.
    pub fn find_phandle(&self, phandle: u32) -> Option<Node<'a>> {
        self.all_nodes().find(|node| node.phandle() == Some(phandle))
    }

    /// The `/chosen` node.
    pub fn chosen(&self) -> Option<Node<'a>> {
        self.root().child("chosen")
    }

    /// The `reg` entries of every node whose `device_type` is `"memory"`.
    pub fn memory_regions(&self) -> impl Iterator<Item = Region> + 'a {
        self.all_nodes().filter(|node| node.device_type() == Some("memory")).flat_map(|node| node.reg())
    }

    /// The `reg` entries of every child of `/reserved-memory` (children
    /// without `reg`, i.e. dynamic reservations, contribute nothing).
    pub fn reserved_regions(&self) -> impl Iterator<Item = Region> + 'a {
        self.root().child("reserved-memory").into_iter().flat_map(|node| node.children()).flat_map(|node| node.reg())
    }

    /// `timebase-frequency` from `/cpus`, else from the first CPU node that
    /// has it. Accepts 4- or 8-byte values.
    pub fn timebase_frequency(&self) -> Option<u64> {
        const NAME: &str = "timebase-frequency";
        let cpus = self.root().child("cpus")?;
        cpus.property_u64(NAME).or_else(|| {
            cpus.children()
                .filter(|cpu| cpu.device_type() == Some("cpu") || cpu.base_name() == "cpu")
                .find_map(|cpu| cpu.property_u64(NAME))
        })
    }
}

/// Follows `path`'s components down from `node`, skipping empty ones.
fn walk<'a>(mut node: Node<'a>, path: &str) -> Option<Node<'a>> {
    for component in path.split('/').filter(|component| !component.is_empty()) {
        node = node.child(component)?;
    }
    Some(node)
}
