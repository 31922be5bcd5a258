//! Hand-made malformed blobs and the error each one must produce.

use atoll_dtb::{Error, Fdt, MAX_DEPTH};

use crate::builder::{self, Builder, set_header_word};

fn minimal() -> Builder {
    let mut b = Builder::new();
    b.node("", |b| {
        b.prop_u32("#address-cells", 1);
        b.node("child", |b| {
            b.prop_str("compatible", "x");
        });
    });
    b
}

fn with_header(index: usize, value: u32) -> Result<(), Error> {
    let mut blob = minimal().finish();
    set_header_word(&mut blob, index, value);
    Fdt::new(&blob).map(|_| ())
}

/// Builds a blob whose structure block is `words` followed by `FDT_END`.
fn raw(b: &mut Builder, tail: &[u32]) -> Result<(), Error> {
    for &word in tail {
        b.word(word);
    }
    let blob = b.finish();
    Fdt::new(&blob).map(|_| ())
}

#[test]
fn header_errors() {
    let blob = minimal().finish();
    assert!(Fdt::new(&blob).is_ok());
    assert_eq!(Fdt::new(&[]).unwrap_err(), Error::Truncated);
    assert_eq!(Fdt::new(&blob[..39]).unwrap_err(), Error::Truncated);
    assert_eq!(Fdt::new(&blob[..blob.len() - 1]).unwrap_err(), Error::Truncated);
    assert_eq!(Fdt::total_size_from_header(&blob[..7]), Err(Error::Truncated));
    assert_eq!(Fdt::total_size_from_header(&[0; 8]), Err(Error::BadMagic));

    assert_eq!(with_header(0, 0xedfe_0dd0), Err(Error::BadMagic));
    assert_eq!(with_header(1, 39), Err(Error::BadLayout));
    assert_eq!(with_header(1, u32::MAX), Err(Error::Truncated));
    assert_eq!(with_header(5, 15), Err(Error::UnsupportedVersion));
    assert_eq!(with_header(6, 18), Err(Error::UnsupportedVersion));
    assert_eq!(with_header(6, 17), Ok(()));
}

#[test]
fn layout_errors() {
    let blob = minimal().finish();
    let total = blob.len() as u32;
    let word = |index: usize| u32::from_be_bytes(blob[index * 4..index * 4 + 4].try_into().unwrap());
    let (off_struct, off_strings, size_strings, size_struct) = (word(2), word(3), word(8), word(9));

    assert_eq!(with_header(2, total), Err(Error::BadLayout));
    assert_eq!(with_header(2, 36), Err(Error::BadLayout));
    assert_eq!(with_header(2, off_struct + 2), Err(Error::BadLayout));
    assert_eq!(with_header(2, u32::MAX - 3), Err(Error::BadLayout));
    assert_eq!(with_header(9, size_struct + size_strings + 4), Err(Error::BadLayout));
    assert_eq!(with_header(9, u32::MAX), Err(Error::BadLayout));
    assert_eq!(with_header(3, total), Err(Error::BadLayout));
    assert_eq!(with_header(3, 8), Err(Error::BadLayout));
    assert_eq!(with_header(8, size_strings + 1), Err(Error::BadLayout));
    assert_eq!(with_header(3, off_strings + 4), Err(Error::BadLayout));
    assert_eq!(with_header(4, total + 8), Err(Error::BadLayout));
    assert_eq!(with_header(4, 0), Err(Error::BadLayout));
    assert_eq!(with_header(4, total - 8), Err(Error::BadReservationMap));
    // A shorter struct size cuts off FDT_END.
    assert_eq!(with_header(9, size_struct - 4), Err(Error::BadStructure));
    assert_eq!(with_header(9, 0), Err(Error::BadStructure));
}

#[test]
fn structure_errors() {
    assert_eq!(raw(&mut minimal(), &[7]), Err(Error::BadToken));
    // Content after the root must be NOPs and FDT_END.
    assert_eq!(raw(&mut minimal(), &[builder::END_NODE]), Err(Error::BadStructure));
    assert_eq!(raw(&mut minimal(), &[builder::NOP, builder::NOP]), Ok(()));
    let mut second_root = minimal();
    second_root.begin("again").end();
    assert_eq!(raw(&mut second_root, &[]), Err(Error::BadStructure));
    let mut unclosed = Builder::new();
    unclosed.begin("").begin("a").end();
    assert_eq!(raw(&mut unclosed, &[]), Err(Error::BadStructure));
    assert_eq!(raw(&mut Builder::new(), &[]), Err(Error::BadStructure));
    let mut prop_outside = Builder::new();
    prop_outside.prop_u32("x", 1).begin("").end();
    assert_eq!(raw(&mut prop_outside, &[]), Err(Error::BadStructure));

    // No FDT_END at all.
    let b = minimal();
    let blob = b.finish_raw(b.structs(), b"#address-cells\0compatible\0");
    assert_eq!(Fdt::new(&blob).unwrap_err(), Error::BadStructure);
}

#[test]
fn property_errors() {
    let strings = b"name\0";
    let b = Builder::new();
    let words = |words: &[u32]| -> Vec<u8> { words.iter().flat_map(|w| w.to_be_bytes()).collect() };
    let (begin, end, prop, fdt_end) = (builder::BEGIN_NODE, builder::END_NODE, builder::PROP, builder::END);

    let ok = words(&[begin, 0, prop, 4, 0, 7, end, fdt_end]);
    assert!(Fdt::new(&b.finish_raw(&ok, strings)).is_ok());

    let long = words(&[begin, 0, prop, 13, 0, 7, end, fdt_end]);
    assert_eq!(Fdt::new(&b.finish_raw(&long, strings)).unwrap_err(), Error::BadProperty);
    let huge = words(&[begin, 0, prop, u32::MAX, 0, 7, end, fdt_end]);
    assert_eq!(Fdt::new(&b.finish_raw(&huge, strings)).unwrap_err(), Error::BadProperty);
    let cut = words(&[begin, 0, prop, 4]);
    assert_eq!(Fdt::new(&b.finish_raw(&cut, strings)).unwrap_err(), Error::BadProperty);

    let bad_name = words(&[begin, 0, prop, 4, 5, 7, end, fdt_end]);
    assert_eq!(Fdt::new(&b.finish_raw(&bad_name, strings)).unwrap_err(), Error::BadName);
    let far_name = words(&[begin, 0, prop, 4, u32::MAX, 7, end, fdt_end]);
    assert_eq!(Fdt::new(&b.finish_raw(&far_name, strings)).unwrap_err(), Error::BadName);
    assert_eq!(Fdt::new(&b.finish_raw(&ok, b"name")).unwrap_err(), Error::BadName);
    assert_eq!(Fdt::new(&b.finish_raw(&ok, b"n\xffe\0")).unwrap_err(), Error::BadName);
}

#[test]
fn node_name_errors() {
    let b = Builder::new();
    let mut unterminated = builder::BEGIN_NODE.to_be_bytes().to_vec();
    unterminated.extend_from_slice(b"abcd");
    assert_eq!(Fdt::new(&b.finish_raw(&unterminated, b"")).unwrap_err(), Error::BadName);

    let mut bad_utf8 = builder::BEGIN_NODE.to_be_bytes().to_vec();
    bad_utf8.extend_from_slice(b"\xff\xfe\0\0");
    bad_utf8.extend_from_slice(&builder::END_NODE.to_be_bytes());
    bad_utf8.extend_from_slice(&builder::END.to_be_bytes());
    assert_eq!(Fdt::new(&b.finish_raw(&bad_utf8, b"")).unwrap_err(), Error::BadName);
}

fn nested(depth: usize) -> Vec<u8> {
    let mut b = Builder::new();
    b.begin("");
    b.prop_u32("#address-cells", 1).prop_u32("#size-cells", 1);
    for level in 1..depth {
        b.begin(&format!("n{level}"));
        b.prop_u32("#address-cells", 1).prop_u32("#size-cells", 1).prop_cells("reg", &[level as u32, 1]);
    }
    for _ in 0..depth {
        b.end();
    }
    b.finish()
}

#[test]
fn depth_limit() {
    let blob = nested(MAX_DEPTH);
    let fdt = Fdt::new(&blob).unwrap();
    assert_eq!(fdt.all_nodes().count(), MAX_DEPTH);
    let deepest = fdt.all_nodes().last().unwrap();
    let last = (MAX_DEPTH - 1) as u64;
    assert_eq!(deepest.reg().next().map(|r| (r.address, r.size)), Some((last, 1)));
    let path: String = (1..MAX_DEPTH).map(|level| format!("/n{level}")).collect();
    assert_eq!(fdt.find_node(&path).unwrap().name(), deepest.name());

    assert_eq!(Fdt::new(&nested(MAX_DEPTH + 1)).unwrap_err(), Error::TooDeep);
    assert_eq!(Fdt::new(&nested(10_000)).unwrap_err(), Error::TooDeep);
}

#[test]
fn errors_display() {
    let all = [
        Error::Truncated,
        Error::BadMagic,
        Error::UnsupportedVersion,
        Error::BadLayout,
        Error::BadReservationMap,
        Error::BadToken,
        Error::BadStructure,
        Error::BadProperty,
        Error::BadName,
        Error::TooDeep,
    ];
    for error in all {
        assert!(!error.to_string().is_empty());
    }
}
