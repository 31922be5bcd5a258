//! From XML to the model: elements and attributes as Microkit 2.3.0 names them, each checked
//! for its form (numbers, booleans, permissions, units) where it appears. Rules that relate
//! elements to each other are `validate.rs`'s.
use crate::model::*;
use crate::{Error, Location};
use roxmltree::Node;

struct Doc<'a> {
    file: &'a str,
    text: &'a str,
    /// Byte offsets where lines start, to find a node's line without rescanning the text.
    line_starts: Vec<usize>,
}

impl Doc<'_> {
    fn location(&self, node: Node) -> Location {
        let at = node.range().start;
        let line = self.line_starts.partition_point(|&start| start <= at);
        let start = self.line_starts[line - 1];
        let column = self.text[start..at].chars().count() + 1;
        Location {
            file: self.file.to_string(),
            line: line as u32,
            column: column as u32,
            element: node.tag_name().name().into(),
        }
    }

    fn error(&self, node: Node, message: impl Into<String>) -> Error {
        Error { location: self.location(node), message: message.into() }
    }

    /// Refuses attributes the element does not have.
    fn only(&self, node: Node, allowed: &[&str]) -> Result<(), Error> {
        match node.attributes().find(|a| !allowed.contains(&a.name())) {
            Some(attribute) => Err(self.error(
                node,
                format!("unknown attribute '{}' (expected one of: {})", attribute.name(), allowed.join(", ")),
            )),
            None => Ok(()),
        }
    }

    fn required<'n>(&self, node: Node<'n, '_>, name: &str) -> Result<&'n str, Error> {
        node.attribute(name).ok_or_else(|| self.error(node, format!("missing attribute '{name}'")))
    }

    fn number(&self, node: Node, name: &str, text: &str) -> Result<u64, Error> {
        parse_number(text).ok_or_else(|| self.error(node, format!("'{name}' is not a number: '{text}'")))
    }

    fn optional_number(&self, node: Node, name: &str) -> Result<Option<u64>, Error> {
        node.attribute(name).map(|text| self.number(node, name, text)).transpose()
    }

    fn required_number(&self, node: Node, name: &str) -> Result<u64, Error> {
        let text = self.required(node, name)?;
        self.number(node, name, text)
    }

    fn boolean(&self, node: Node, name: &str, default: bool) -> Result<bool, Error> {
        match node.attribute(name) {
            None => Ok(default),
            Some("true") => Ok(true),
            Some("false") => Ok(false),
            Some(other) => Err(self.error(node, format!("'{name}' must be 'true' or 'false', not '{other}'"))),
        }
    }

    fn elements<'n, 'i>(&self, node: Node<'n, 'i>) -> impl Iterator<Item = Node<'n, 'i>> {
        node.children().filter(|child| child.is_element())
    }

    fn unexpected(&self, node: Node, parent: &str) -> Error {
        self.error(node, format!("unexpected element in <{parent}>"))
    }
}

/// Decimal or `0x` hexadecimal, with `_` allowed between digits (as Microkit reads numbers).
pub fn parse_number(text: &str) -> Option<u64> {
    let digits: String = text.chars().filter(|&c| c != '_').collect();
    match digits.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => digits.parse().ok(),
    }
}

pub fn system(file: &str, text: &str) -> Result<System, Error> {
    let xml = roxmltree::Document::parse(text).map_err(|e| {
        let pos = e.pos();
        Error {
            location: Location { file: file.into(), line: pos.row, column: pos.col, element: "system".into() },
            message: format!("not well-formed XML: {e}"),
        }
    })?;
    let line_starts = core::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
    let doc = Doc { file, text, line_starts };
    let root = xml.root_element();
    if root.tag_name().name() != "system" {
        return Err(doc.error(root, "the root element must be <system>"));
    }
    doc.only(root, &[])?;
    let mut system = System::default();
    for node in doc.elements(root) {
        match node.tag_name().name() {
            "protection_domain" => system.protection_domains.push(protection_domain(&doc, node, false)?),
            "memory_region" => system.memory_regions.push(memory_region(&doc, node)?),
            "channel" => system.channels.push(channel(&doc, node)?),
            "domains" => {
                if system.domains.is_some() {
                    return Err(doc.error(node, "<domains> may appear only once"));
                }
                system.domains = Some(domains(&doc, node)?);
            }
            _ => return Err(doc.unexpected(node, "system")),
        }
    }
    Ok(system)
}

fn protection_domain(doc: &Doc, node: Node, is_child: bool) -> Result<ProtectionDomain, Error> {
    let mut allowed = vec!["name", "priority", "budget", "period", "passive", "stack_size", "fpu", "domain", "cpu"];
    if is_child {
        allowed.push("id");
    }
    doc.only(node, &allowed)?;
    let budget_us = doc.optional_number(node, "budget")?.unwrap_or(DEFAULT_BUDGET_US);
    let priority = doc.optional_number(node, "priority")?.unwrap_or(0);
    if priority > MAX_PRIORITY as u64 {
        return Err(doc.error(node, format!("priority {priority} is above {MAX_PRIORITY}, the highest a PD may have")));
    }
    if doc.optional_number(node, "cpu")?.unwrap_or(0) != 0 {
        return Err(doc.error(node, "'cpu' must be 0: Atoll runs on one core"));
    }
    let mut pd = ProtectionDomain {
        name: doc.required(node, "name")?.to_string(),
        priority: priority as u8,
        budget_us,
        period_us: doc.optional_number(node, "period")?.unwrap_or(budget_us),
        passive: doc.boolean(node, "passive", false)?,
        stack_size: doc.optional_number(node, "stack_size")?.unwrap_or(DEFAULT_STACK_SIZE),
        fpu: doc.boolean(node, "fpu", true)?,
        domain: node.attribute("domain").map(String::from),
        id: if is_child { Some(doc.required_number(node, "id")?) } else { None },
        location: doc.location(node),
        ..ProtectionDomain::default()
    };
    let mut image = None;
    for child in doc.elements(node) {
        match child.tag_name().name() {
            "program_image" => {
                doc.only(child, &["path"])?;
                if image.is_some() {
                    return Err(doc.error(child, "a protection domain has one <program_image>"));
                }
                image = Some(doc.required(child, "path")?.to_string());
            }
            "map" => pd.maps.push(map(doc, child)?),
            "irq" => pd.irqs.push(irq(doc, child)?),
            "setvar" => {
                doc.only(child, &["symbol", "region_paddr"])?;
                pd.setvars.push(SetVar {
                    symbol: doc.required(child, "symbol")?.into(),
                    region_paddr: doc.required(child, "region_paddr")?.into(),
                    location: doc.location(child),
                });
            }
            "protection_domain" => pd.children.push(protection_domain(doc, child, true)?),
            "virtual_machine" => {
                if pd.virtual_machine.is_some() {
                    return Err(doc.error(child, "a protection domain has at most one <virtual_machine>"));
                }
                pd.virtual_machine = Some(virtual_machine(doc, child)?);
            }
            "cspace" => {
                doc.only(child, &[])?;
                for entry in doc.elements(child) {
                    let kind = match entry.tag_name().name() {
                        "cap_tcb" => CapKind::Tcb,
                        "cap_sc" => CapKind::SchedContext,
                        "cap_vspace" => CapKind::VSpace,
                        _ => return Err(doc.unexpected(entry, "cspace")),
                    };
                    doc.only(entry, &["slot", "pd"])?;
                    pd.cap_maps.push(CapMap {
                        kind,
                        slot: doc.required_number(entry, "slot")?,
                        pd: doc.required(entry, "pd")?.into(),
                        location: doc.location(entry),
                    });
                }
            }
            _ => return Err(doc.unexpected(child, "protection_domain")),
        }
    }
    pd.program_image = image.ok_or_else(|| doc.error(node, format!("'{}' has no <program_image>", pd.name)))?;
    Ok(pd)
}

/// `<virtual_machine>`: Microkit's attributes and defaults, as for a PD's scheduling.
fn virtual_machine(doc: &Doc, node: Node) -> Result<VirtualMachine, Error> {
    doc.only(node, &["name", "priority", "budget", "period"])?;
    let budget_us = doc.optional_number(node, "budget")?.unwrap_or(DEFAULT_BUDGET_US);
    let priority = doc.optional_number(node, "priority")?.unwrap_or(0);
    if priority > MAX_PRIORITY as u64 {
        return Err(doc.error(node, format!("priority {priority} is above {MAX_PRIORITY}, the highest a VM may have")));
    }
    let mut vm = VirtualMachine {
        name: doc.required(node, "name")?.to_string(),
        priority: priority as u8,
        budget_us,
        period_us: doc.optional_number(node, "period")?.unwrap_or(budget_us),
        location: doc.location(node),
        ..VirtualMachine::default()
    };
    for child in doc.elements(node) {
        match child.tag_name().name() {
            "vcpu" => {
                doc.only(child, &["id", "setvar_id", "cpu"])?;
                if doc.optional_number(child, "cpu")?.unwrap_or(0) != 0 {
                    return Err(doc.error(child, "'cpu' must be 0: Atoll runs on one core"));
                }
                vm.vcpus.push(Vcpu {
                    id: doc.required_number(child, "id")?,
                    setvar_id: child.attribute("setvar_id").map(String::from),
                    location: doc.location(child),
                });
            }
            "map" => {
                // A guest has no program image, so its mappings set no variables.
                doc.only(child, &["mr", "vaddr", "perms", "cached"])?;
                vm.maps.push(map(doc, child)?);
            }
            _ => return Err(doc.unexpected(child, "virtual_machine")),
        }
    }
    if vm.vcpus.is_empty() {
        return Err(doc.error(node, format!("virtual machine '{}' has no <vcpu>", vm.name)));
    }
    Ok(vm)
}

fn map(doc: &Doc, node: Node) -> Result<Map, Error> {
    doc.only(node, &["mr", "vaddr", "perms", "cached", "setvar_vaddr", "setvar_size", "setvar_prefill_size"])?;
    let text = node.attribute("perms").unwrap_or("rw");
    let mut perms = Perms::default();
    for c in text.chars() {
        match c {
            'r' => perms.read = true,
            'w' => perms.write = true,
            'x' => perms.execute = true,
            _ => return Err(doc.error(node, format!("'perms' may hold only r, w and x, not '{text}'"))),
        }
    }
    if perms.write && !perms.read {
        return Err(doc.error(node, "'perms' cannot be write-only"));
    }
    Ok(Map {
        memory_region: doc.required(node, "mr")?.into(),
        vaddr: doc.required_number(node, "vaddr")?,
        perms,
        cached: doc.boolean(node, "cached", true)?,
        setvar_vaddr: node.attribute("setvar_vaddr").map(String::from),
        setvar_size: node.attribute("setvar_size").map(String::from),
        setvar_prefill_size: node.attribute("setvar_prefill_size").map(String::from),
        location: doc.location(node),
    })
}

fn irq(doc: &Doc, node: Node) -> Result<Irq, Error> {
    doc.only(node, &["irq", "id", "trigger"])?;
    let trigger = match node.attribute("trigger").unwrap_or("level") {
        "level" => Trigger::Level,
        "edge" => Trigger::Edge,
        other => return Err(doc.error(node, format!("'trigger' must be 'level' or 'edge', not '{other}'"))),
    };
    Ok(Irq {
        irq: doc.required_number(node, "irq")?,
        id: doc.required_number(node, "id")?,
        trigger,
        location: doc.location(node),
    })
}

fn memory_region(doc: &Doc, node: Node) -> Result<MemoryRegion, Error> {
    doc.only(node, &["name", "size", "page_size", "phys_addr", "prefill_path"])?;
    let prefill_path = node.attribute("prefill_path").map(String::from);
    let size = match prefill_path {
        // Sized from the file when the builder reads it.
        Some(_) => doc.optional_number(node, "size")?.unwrap_or(0),
        None => doc.required_number(node, "size")?,
    };
    if prefill_path.is_some() && node.attribute("phys_addr").is_some() {
        return Err(doc.error(node, "a region with a fixed physical address cannot be prefilled"));
    }
    Ok(MemoryRegion {
        name: doc.required(node, "name")?.into(),
        size,
        page_size: doc.optional_number(node, "page_size")?.unwrap_or(PAGE_SIZES[0]),
        phys_addr: doc.optional_number(node, "phys_addr")?,
        prefill_path,
        prefill_len: 0,
        location: doc.location(node),
    })
}

fn channel(doc: &Doc, node: Node) -> Result<Channel, Error> {
    doc.only(node, &[])?;
    let mut ends = Vec::new();
    for child in doc.elements(node) {
        if child.tag_name().name() != "end" {
            return Err(doc.unexpected(child, "channel"));
        }
        doc.only(child, &["pd", "id", "pp", "notify"])?;
        ends.push(ChannelEnd {
            pd: doc.required(child, "pd")?.into(),
            id: doc.required_number(child, "id")?,
            pp: doc.boolean(child, "pp", false)?,
            notify: doc.boolean(child, "notify", true)?,
            location: doc.location(child),
        });
    }
    let ends: [ChannelEnd; 2] =
        ends.try_into().map_err(|_| doc.error(node, "a channel has exactly two <end> elements"))?;
    Ok(Channel { ends, location: doc.location(node) })
}

fn domains(doc: &Doc, node: Node) -> Result<DomainSchedule, Error> {
    doc.only(node, &[])?;
    let mut schedule = DomainSchedule { location: doc.location(node), ..DomainSchedule::default() };
    let mut requested: Vec<(String, Option<u64>, Node)> = Vec::new();
    let mut entries = None;
    for child in doc.elements(node) {
        match child.tag_name().name() {
            "domain" => {
                doc.only(child, &["name", "id"])?;
                requested.push((doc.required(child, "name")?.into(), doc.optional_number(child, "id")?, child));
            }
            "domain_schedule" => {
                if entries.is_some() {
                    return Err(doc.error(child, "<domain_schedule> may appear only once"));
                }
                entries = Some(child);
            }
            _ => return Err(doc.unexpected(child, "domains")),
        }
    }
    // Explicit ids first; the others take the smallest unused ids.
    let mut used: Vec<u64> = requested.iter().filter_map(|(_, id, _)| *id).collect();
    for (name, id, child) in &requested {
        if schedule.domains.iter().any(|(other, _)| other == name) {
            return Err(doc.error(*child, format!("domain '{name}' is declared twice")));
        }
        let id = match id {
            Some(id) => *id,
            None => {
                let free = (0..).find(|n| !used.contains(n)).unwrap_or(0);
                used.push(free);
                free
            }
        };
        let id = u8::try_from(id).map_err(|_| doc.error(*child, format!("domain id {id} is too large")))?;
        schedule.domains.push((name.clone(), id));
    }
    if let Some(entries) = entries {
        doc.only(entries, &["start_index"])?;
        schedule.start_index = doc.optional_number(entries, "start_index")?.unwrap_or(0);
        for entry in doc.elements(entries) {
            schedule.schedule.push(schedule_entry(doc, entry, &schedule.domains)?);
        }
    }
    Ok(schedule)
}

fn schedule_entry(doc: &Doc, node: Node, domains: &[(String, u8)]) -> Result<ScheduleEntry, Error> {
    let location = doc.location(node);
    match node.tag_name().name() {
        "schedule_end_marker" => {
            doc.only(node, &[])?;
            Ok(ScheduleEntry { domain: None, duration: None, location })
        }
        "schedule_entry" => {
            doc.only(node, &["domain", "duration"])?;
            let name = doc.required(node, "domain")?;
            let domain = domains
                .iter()
                .position(|(known, _)| known == name)
                .ok_or_else(|| doc.error(node, format!("domain '{name}' is not declared in <domains>")))?;
            let text = doc.required(node, "duration")?;
            let must = "'duration' must be a non-zero number and a unit, 'us' or 'ticks' (e.g. '1000 us')";
            let (value, unit) = text.split_once(' ').ok_or_else(|| doc.error(node, must))?;
            let value = parse_number(value).filter(|&v| v > 0).ok_or_else(|| doc.error(node, must))?;
            let duration = match unit {
                "us" => Duration::Micros(value),
                "ticks" => Duration::Ticks(value),
                _ => return Err(doc.error(node, must)),
            };
            Ok(ScheduleEntry { domain: Some(domain), duration: Some(duration), location })
        }
        _ => Err(doc.unexpected(node, "domain_schedule")),
    }
}
