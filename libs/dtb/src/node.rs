//! Nodes of the tree and the iterators that walk them without recursion.

use core::fmt;
use core::iter::FusedIterator;

use crate::MAX_DEPTH;
use crate::property::{Properties, Property, StrList, U32Cells};
use crate::reg::{CellSizes, Reg};
use crate::token::{DONE, Token, Tree};

/// One node of the tree. Cheap to copy; borrows the blob.
#[derive(Clone, Copy)]
pub struct Node<'a> {
    tree: Tree<'a>,
    name: &'a str,
    /// Offset of the first token after this node's `FDT_BEGIN_NODE`.
    body: usize,
    /// The parent's `#address-cells` / `#size-cells`, used to decode `reg`.
    parent_cells: CellSizes,
}

impl fmt::Debug for Node<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Node").field("name", &self.name).finish()
    }
}

/// True if `name` (e.g. `serial@10000000`) matches a path component: exactly,
/// or by its part before `@` when the component gives no unit address.
pub(crate) fn name_matches(name: &str, component: &str) -> bool {
    if name == component {
        return true;
    }
    !component.contains('@') && name.split('@').next() == Some(component)
}

impl<'a> Node<'a> {
    pub(crate) fn new(tree: Tree<'a>, name: &'a str, body: usize, parent_cells: CellSizes) -> Self {
        Node { tree, name, body, parent_cells }
    }

    /// The full name including any unit address, e.g. `serial@10000000`
    /// (empty for the root).
    pub fn name(&self) -> &'a str {
        self.name
    }

    /// The name without its unit address, e.g. `serial`.
    pub fn base_name(&self) -> &'a str {
        self.name.split('@').next().unwrap_or(self.name)
    }

    /// The unit address after `@`, if any, e.g. `10000000`.
    pub fn unit_address(&self) -> Option<&'a str> {
        self.name.split_once('@').map(|(_, unit)| unit)
    }

    /// The node's properties in blob order.
    pub fn properties(&self) -> Properties<'a> {
        Properties::new(self.tree, self.body)
    }

    /// The first property called `name`.
    pub fn property(&self, name: &str) -> Option<Property<'a>> {
        self.properties().find(|property| property.name() == name)
    }

    /// A 4-byte property as `u32`.
    pub fn property_u32(&self, name: &str) -> Option<u32> {
        self.property(name)?.as_u32()
    }

    /// A 4- or 8-byte property as `u64`.
    pub fn property_u64(&self, name: &str) -> Option<u64> {
        self.property(name)?.as_u64()
    }

    /// A NUL-terminated string property.
    pub fn property_str(&self, name: &str) -> Option<&'a str> {
        self.property(name)?.as_str()
    }

    /// The `compatible` strings, most specific first (empty if absent).
    pub fn compatible(&self) -> StrList<'a> {
        self.property("compatible").map_or_else(StrList::empty, |property| property.strings())
    }

    /// True if `compatible` lists `model`.
    pub fn is_compatible(&self, model: &str) -> bool {
        self.compatible().any(|entry| entry == model)
    }

    /// The `device_type` property, e.g. `"memory"` or `"cpu"`.
    pub fn device_type(&self) -> Option<&'a str> {
        self.property_str("device_type")
    }

    /// The `phandle` (or legacy `linux,phandle`) of this node.
    pub fn phandle(&self) -> Option<u32> {
        self.property_u32("phandle").or_else(|| self.property_u32("linux,phandle"))
    }

    /// The cell sizes this node sets for its children (default 2/1).
    pub fn cell_sizes(&self) -> CellSizes {
        let mut cells = CellSizes::DEFAULT;
        for property in self.properties() {
            match (property.name(), property.as_u32()) {
                ("#address-cells", Some(value)) => cells.address_cells = value,
                ("#size-cells", Some(value)) => cells.size_cells = value,
                _ => {}
            }
        }
        cells
    }

    /// The parent's cell sizes, which govern this node's `reg`.
    pub fn parent_cell_sizes(&self) -> CellSizes {
        self.parent_cells
    }

    /// The `reg` entries, decoded with the parent's cell sizes (empty if
    /// absent).
    pub fn reg(&self) -> Reg<'a> {
        let data = self.property("reg").map_or(&[][..], |property| property.value());
        Reg::new(data, self.parent_cells)
    }

    /// The raw cells of the `interrupts` property (empty if absent); how
    /// many make up one specifier is the interrupt parent's
    /// `#interrupt-cells`.
    pub fn interrupts(&self) -> U32Cells<'a> {
        self.property("interrupts").map_or_else(U32Cells::empty, |property| property.cells())
    }

    /// The `interrupt-parent` phandle, if this node names one itself.
    pub fn interrupt_parent(&self) -> Option<u32> {
        self.property_u32("interrupt-parent")
    }

    /// The direct children, in blob order.
    pub fn children(&self) -> Children<'a> {
        Children { tree: self.tree, offset: self.body, depth: 0, cells: self.cell_sizes() }
    }

    /// The first child whose name matches `name`; the unit address may be
    /// left out (`"serial"` finds `serial@10000000`).
    pub fn child(&self, name: &str) -> Option<Node<'a>> {
        self.children().find(|child| name_matches(child.name, name))
    }

    /// This node and all its descendants, depth first.
    pub fn descendants(&self) -> AllNodes<'a> {
        AllNodes::new(self.tree, self.body, self.name, self.parent_cells)
    }
}

/// Iterator over a node's direct children.
#[derive(Clone, Debug)]
pub struct Children<'a> {
    tree: Tree<'a>,
    offset: usize,
    /// Nesting below the parent of the token at `offset`.
    depth: usize,
    cells: CellSizes,
}

impl<'a> Iterator for Children<'a> {
    type Item = Node<'a>;

    fn next(&mut self) -> Option<Node<'a>> {
        loop {
            let token = self.tree.read(self.offset);
            self.offset = DONE;
            let (token, next) = token.ok()?;
            match token {
                Token::BeginNode(name) => {
                    self.depth += 1;
                    if self.depth == 1 {
                        let name = core::str::from_utf8(name).ok()?;
                        self.offset = next;
                        return Some(Node::new(self.tree, name, next, self.cells));
                    }
                }
                Token::EndNode => self.depth = self.depth.checked_sub(1)?,
                Token::End => return None,
                Token::Prop { .. } | Token::Nop => {}
            }
            self.offset = next;
        }
    }
}

impl FusedIterator for Children<'_> {}

/// Depth-first iterator over a subtree, starting with its top node.
///
/// It keeps one [`CellSizes`] per level in a fixed array, so it stops at
/// nodes deeper than [`MAX_DEPTH`] (which validated blobs never contain).
#[derive(Clone, Debug)]
pub struct AllNodes<'a> {
    tree: Tree<'a>,
    offset: usize,
    depth: usize,
    /// `cells[d]` is what the open node at depth `d` sets for its children.
    cells: [CellSizes; MAX_DEPTH],
    /// The top node, still to be yielded.
    top: Option<(&'a str, usize, CellSizes)>,
}

impl<'a> AllNodes<'a> {
    pub(crate) fn new(tree: Tree<'a>, body: usize, name: &'a str, parent: CellSizes) -> Self {
        AllNodes {
            tree,
            offset: body,
            depth: 0,
            cells: [CellSizes::DEFAULT; MAX_DEPTH],
            top: Some((name, body, parent)),
        }
    }

    fn open(&mut self, node: Node<'a>) -> Option<Node<'a>> {
        let slot = self.cells.get_mut(self.depth);
        self.depth += 1;
        match slot {
            Some(slot) => {
                *slot = node.cell_sizes();
                Some(node)
            }
            None => {
                self.offset = DONE;
                None
            }
        }
    }
}

impl<'a> Iterator for AllNodes<'a> {
    type Item = Node<'a>;

    fn next(&mut self) -> Option<Node<'a>> {
        if let Some((name, body, parent)) = self.top.take() {
            return self.open(Node::new(self.tree, name, body, parent));
        }
        loop {
            let token = self.tree.read(self.offset);
            self.offset = DONE;
            let (token, next) = token.ok()?;
            match token {
                Token::BeginNode(name) => {
                    let name = core::str::from_utf8(name).ok()?;
                    let parent = *self.cells.get(self.depth.checked_sub(1)?)?;
                    self.offset = next;
                    return self.open(Node::new(self.tree, name, next, parent));
                }
                Token::EndNode => {
                    self.depth = self.depth.checked_sub(1)?;
                    if self.depth == 0 {
                        // The top node is closed.
                        return None;
                    }
                }
                Token::End => return None,
                Token::Prop { .. } | Token::Nop => {}
            }
            self.offset = next;
        }
    }
}

impl FusedIterator for AllNodes<'_> {}
