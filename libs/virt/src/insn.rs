//! Decoding the guest instruction behind an MMIO fault: which register, how wide, load or store.
//!
//! A guest load or store to emulated device memory traps to the VMM, which reads the faulting
//! instruction, performs the access on the device model, writes the destination register of a
//! load, and steps the pc past the instruction. Only the integer loads and stores of RV64I and
//! their compressed forms are accepted: device registers are never accessed with floating-point
//! or atomic instructions, and refusing them is safer than guessing.

/// One decoded load or store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Access {
    /// A store (true) or a load (false).
    pub store: bool,
    /// Bytes accessed: 1, 2, 4 or 8.
    pub width: u8,
    /// The x register: destination of a load, source of a store (0..=31).
    pub reg: u8,
    /// A load that sign-extends its value (always false for stores).
    pub signed: bool,
    /// Instruction bytes (2 or 4), to step the pc.
    pub length: u8,
}

/// Major opcodes (bits 6:0) of 32-bit integer loads and stores.
const OPCODE_LOAD: u32 = 0x03;
const OPCODE_STORE: u32 = 0x23;

/// Compressed quadrants (bits 1:0).
const QUADRANT_0: u16 = 0b00;
const QUADRANT_2: u16 = 0b10;

/// The instruction's length in bytes, from its first 16 bits (the base ISA's length encoding):
/// 2, 4, 6, 8, or 10..=22; 0 for the reserved encoding of 192 bits or more.
pub fn instruction_length(low_halfword: u16) -> u8 {
    if low_halfword & 0b11 != 0b11 {
        2
    } else if low_halfword & 0b1_1100 != 0b1_1100 {
        4
    } else if low_halfword & 0b11_1111 == 0b01_1111 {
        6
    } else if low_halfword & 0b111_1111 == 0b011_1111 {
        8
    } else {
        // x1111111: (80 + 16 * nnn) bits with nnn in bits 14:12, nnn = 7 reserved.
        match (low_halfword >> 12) & 0b111 {
            0b111 => 0,
            nnn => 10 + 2 * nnn as u8,
        }
    }
}

/// Decodes a load or store. `bits` holds the instruction as fetched (little-endian); a
/// compressed instruction uses only the low 16 bits. Anything else gives `None`.
pub fn decode(bits: u32) -> Option<Access> {
    let low_halfword = (bits & 0xFFFF) as u16;
    match instruction_length(low_halfword) {
        2 => decode_compressed(low_halfword),
        4 => decode_standard(bits),
        _ => None,
    }
}

/// RV64I LB LH LW LD LBU LHU LWU and SB SH SW SD.
fn decode_standard(bits: u32) -> Option<Access> {
    let funct3 = (bits >> 12) & 0b111;
    match bits & 0x7F {
        OPCODE_LOAD => {
            let (width, signed) = match funct3 {
                0 => (1, true),
                1 => (2, true),
                2 => (4, true),
                3 => (8, true),
                4 => (1, false),
                5 => (2, false),
                6 => (4, false),
                _ => return None,
            };
            Some(Access { store: false, width, reg: register_at(bits, 7), signed, length: 4 })
        }
        OPCODE_STORE => {
            let width = match funct3 {
                0 => 1,
                1 => 2,
                2 => 4,
                3 => 8,
                _ => return None,
            };
            Some(Access { store: true, width, reg: register_at(bits, 20), signed: false, length: 4 })
        }
        _ => None,
    }
}

/// RV64C C.LW C.LD C.SW C.SD C.LWSP C.LDSP C.SWSP C.SDSP.
fn decode_compressed(halfword: u16) -> Option<Access> {
    let funct3 = halfword >> 13;
    let load = |width, reg| Some(Access { store: false, width, reg, signed: true, length: 2 });
    let store = |width, reg| Some(Access { store: true, width, reg, signed: false, length: 2 });
    match halfword & 0b11 {
        QUADRANT_0 => {
            // rd' / rs2' in bits 4:2 name x8..x15.
            let reg = 8 + ((halfword >> 2) & 0b111) as u8;
            match funct3 {
                0b010 => load(4, reg),
                0b011 => load(8, reg),
                0b110 => store(4, reg),
                0b111 => store(8, reg),
                _ => None,
            }
        }
        QUADRANT_2 => {
            let rd = ((halfword >> 7) & 0b1_1111) as u8;
            let rs2 = ((halfword >> 2) & 0b1_1111) as u8;
            match funct3 {
                // C.LWSP and C.LDSP with rd = x0 are reserved encodings.
                0b010 | 0b011 if rd == 0 => None,
                0b010 => load(4, rd),
                0b011 => load(8, rd),
                0b110 => store(4, rs2),
                0b111 => store(8, rs2),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The 5-bit register field starting at bit `shift`.
fn register_at(bits: u32, shift: u32) -> u8 {
    ((bits >> shift) & 0b1_1111) as u8
}

/// Bits 0..8*width set; the whole word for widths other than 1, 2 and 4.
fn width_mask(width: u8) -> u64 {
    match width {
        1 => 0xFF,
        2 => 0xFFFF,
        4 => 0xFFFF_FFFF,
        _ => u64::MAX,
    }
}

/// The register value of a load of `width` bytes that read `raw` (its low bytes): zero- or
/// sign-extended. Widths other than 1, 2 and 4 take the value whole.
pub fn load_value(raw: u64, width: u8, signed: bool) -> u64 {
    let mask = width_mask(width);
    let value = raw & mask;
    let sign_bit = (mask >> 1) + 1;
    if signed && mask != u64::MAX && value & sign_bit != 0 { value | !mask } else { value }
}

/// The bytes a store of `width` bytes writes from register value `value` (its low bytes).
pub fn store_value(value: u64, width: u8) -> u64 {
    value & width_mask(width)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOADS: [(u32, u8, bool); 7] =
        [(0, 1, true), (1, 2, true), (2, 4, true), (3, 8, true), (4, 1, false), (5, 2, false), (6, 4, false)];
    const STORES: [(u32, u8); 4] = [(0, 1), (1, 2), (2, 4), (3, 8)];

    /// I-type load: imm[11:0] rs1 funct3 rd 0000011.
    fn load(funct3: u32, rd: u32, rs1: u32, offset: i32) -> u32 {
        ((offset as u32 & 0xFFF) << 20) | (rs1 << 15) | (funct3 << 12) | (rd << 7) | OPCODE_LOAD
    }

    /// S-type store: imm[11:5] rs2 rs1 funct3 imm[4:0] 0100011.
    fn store(funct3: u32, rs2: u32, rs1: u32, offset: i32) -> u32 {
        let imm = offset as u32 & 0xFFF;
        ((imm >> 5) << 25) | (rs2 << 20) | (rs1 << 15) | (funct3 << 12) | ((imm & 0x1F) << 7) | OPCODE_STORE
    }

    /// C.LW / C.SW (word) and C.LD / C.SD (double): funct3 imm rs1' imm rd'/rs2' 00.
    fn c_register(funct3: u16, reg: u16, rs1: u16, offset: u16, double: bool) -> u16 {
        let (high, low) = if double {
            // uimm[5:3] in 12:10, uimm[7:6] in 6:5.
            ((offset >> 3) & 0b111, (offset >> 6) & 0b11)
        } else {
            // uimm[5:3] in 12:10, uimm[2] in bit 6, uimm[6] in bit 5.
            ((offset >> 3) & 0b111, (((offset >> 2) & 1) << 1) | ((offset >> 6) & 1))
        };
        (funct3 << 13) | (high << 10) | ((rs1 - 8) << 7) | (low << 5) | ((reg - 8) << 2)
    }

    /// C.LWSP / C.LDSP: funct3 uimm[5] rd uimm[4:2|7:6] (or [4:3|8:6]) 10.
    fn c_load_sp(funct3: u16, rd: u16, offset: u16) -> u16 {
        let low = if funct3 == 0b010 {
            (((offset >> 2) & 0b111) << 2) | ((offset >> 6) & 0b11)
        } else {
            (((offset >> 3) & 0b11) << 3) | ((offset >> 6) & 0b111)
        };
        (funct3 << 13) | (((offset >> 5) & 1) << 12) | (rd << 7) | (low << 2) | QUADRANT_2
    }

    /// C.SWSP / C.SDSP: funct3 uimm[5:2|7:6] (or [5:3|8:6]) rs2 10.
    fn c_store_sp(funct3: u16, rs2: u16, offset: u16) -> u16 {
        let field = if funct3 == 0b110 {
            (((offset >> 2) & 0b1111) << 2) | ((offset >> 6) & 0b11)
        } else {
            (((offset >> 3) & 0b111) << 3) | ((offset >> 6) & 0b111)
        };
        (funct3 << 13) | (field << 7) | (rs2 << 2) | QUADRANT_2
    }

    fn access(store: bool, width: u8, reg: u8, signed: bool, length: u8) -> Option<Access> {
        Some(Access { store, width, reg, signed, length })
    }

    #[test]
    fn standard_loads() {
        for (funct3, width, signed) in LOADS {
            for (rd, rs1, offset) in [(0, 31, 0), (31, 0, -1), (10, 2, -2048), (5, 8, 2047)] {
                let bits = load(funct3, rd, rs1, offset);
                assert_eq!(decode(bits), access(false, width, rd as u8, signed, 4), "{bits:#010x}");
            }
        }
    }

    #[test]
    fn standard_stores() {
        for (funct3, width) in STORES {
            for (rs2, rs1, offset) in [(0, 31, 0), (31, 0, -1), (10, 2, -2048), (5, 8, 2047)] {
                let bits = store(funct3, rs2, rs1, offset);
                assert_eq!(decode(bits), access(true, width, rs2 as u8, false, 4), "{bits:#010x}");
            }
        }
    }

    #[test]
    fn known_encodings() {
        // lw a0, 0(a1); sd ra, -8(sp); lbu t0, 5(a5); c.lw a0, 0(a1); c.sdsp ra, 8(sp).
        assert_eq!(decode(0x0005_A503), access(false, 4, 10, true, 4));
        assert_eq!(decode(0xFE11_3C23), access(true, 8, 1, false, 4));
        assert_eq!(decode(0x0057_C283), access(false, 1, 5, false, 4));
        assert_eq!(decode(0x4188), access(false, 4, 10, true, 2));
        assert_eq!(decode(0xE406), access(true, 8, 1, false, 2));
    }

    #[test]
    fn reserved_standard_functions_are_refused() {
        assert_eq!(decode(load(7, 1, 2, 0)), None, "no LDU in RV64");
        for funct3 in 4..8 {
            assert_eq!(decode(store(funct3, 1, 2, 0)), None, "funct3 {funct3}");
        }
    }

    #[test]
    fn other_instructions_are_refused() {
        let flw = 0x0005_2507; // LOAD-FP
        let fsd = 0x00A5_3027; // STORE-FP
        let amoadd_w = 0x00B5_262F; // AMO
        let lr_d = 0x1005_352F;
        let addi = 0x0015_0513;
        for bits in [flw, fsd, amoadd_w, lr_d, addi, 0x0000_0073 /* ecall */, 0xFFFF_FFFF] {
            assert_eq!(decode(bits), None, "{bits:#010x}");
        }
    }

    #[test]
    fn compressed_register_forms() {
        for (reg, rs1) in [(8, 15), (15, 8), (12, 9)] {
            for offset in [0, 4, 120, 124] {
                let word = |funct3| u32::from(c_register(funct3, reg, rs1, offset, false));
                assert_eq!(decode(word(0b010)), access(false, 4, reg as u8, true, 2));
                assert_eq!(decode(word(0b110)), access(true, 4, reg as u8, false, 2));
            }
            for offset in [0, 8, 248] {
                let double = |funct3| u32::from(c_register(funct3, reg, rs1, offset, true));
                assert_eq!(decode(double(0b011)), access(false, 8, reg as u8, true, 2));
                assert_eq!(decode(double(0b111)), access(true, 8, reg as u8, false, 2));
            }
        }
    }

    #[test]
    fn compressed_stack_forms() {
        for reg in [1, 2, 10, 31] {
            for offset in [0, 8, 64, 248] {
                assert_eq!(decode(c_load_sp(0b010, reg, offset).into()), access(false, 4, reg as u8, true, 2));
                assert_eq!(decode(c_load_sp(0b011, reg, offset).into()), access(false, 8, reg as u8, true, 2));
            }
        }
        for reg in [0, 1, 10, 31] {
            for offset in [0, 8, 248] {
                assert_eq!(decode(c_store_sp(0b110, reg, offset).into()), access(true, 4, reg as u8, false, 2));
                assert_eq!(decode(c_store_sp(0b111, reg, offset).into()), access(true, 8, reg as u8, false, 2));
            }
        }
        // C.LWSP / C.LDSP into x0 are reserved.
        assert_eq!(decode(c_load_sp(0b010, 0, 8).into()), None);
        assert_eq!(decode(c_load_sp(0b011, 0, 8).into()), None);
    }

    #[test]
    fn compressed_forms_ignore_the_upper_halfword() {
        let c_lw = u32::from(c_register(0b010, 9, 10, 4, false));
        assert_eq!(decode(c_lw | 0xFFFF_0000), decode(c_lw));
        assert_eq!(decode(c_lw | 0xFFFF_0000).map(|a| a.length), Some(2));
    }

    #[test]
    fn other_compressed_instructions_are_refused() {
        let c_fld = c_register(0b001, 8, 8, 0, true);
        let c_fsd = c_register(0b101, 8, 8, 0, true);
        let c_fldsp = c_load_sp(0b001, 1, 8);
        let c_fsdsp = c_store_sp(0b101, 1, 8);
        let c_nop = 0x0001;
        let c_addi4spn = 0x0040;
        let reserved_q0 = 0b100 << 13;
        for halfword in
            [0x0000, c_fld, c_fsd, c_fldsp, c_fsdsp, c_nop, c_addi4spn, reserved_q0, 0x8082 /* c.ret */]
        {
            assert_eq!(decode(halfword.into()), None, "{halfword:#06x}");
        }
    }

    #[test]
    fn lengths_follow_the_base_encoding() {
        assert_eq!(instruction_length(0x0000), 2);
        assert_eq!(instruction_length(0x4188), 2);
        assert_eq!(instruction_length(0xFFFE), 2);
        assert_eq!(instruction_length(0xA503), 4);
        assert_eq!(instruction_length(0x0013), 4);
        assert_eq!(instruction_length(0x001F), 6);
        assert_eq!(instruction_length(0x003F), 8);
        assert_eq!(instruction_length(0x007F), 10);
        assert_eq!(instruction_length(0x607F), 22);
        assert_eq!(instruction_length(0x707F), 0);
        assert_eq!(decode(0x001F), None, "48-bit instructions are no loads");
        assert_eq!(decode(0x0000_707F), None);
    }

    #[test]
    fn load_values_extend_by_width_and_sign() {
        assert_eq!(load_value(0x1234_5680, 1, true), 0xFFFF_FFFF_FFFF_FF80);
        assert_eq!(load_value(0x1234_5680, 1, false), 0x80);
        assert_eq!(load_value(0x1234_567F, 1, true), 0x7F);
        assert_eq!(load_value(0xFFFF_8001, 2, true), 0xFFFF_FFFF_FFFF_8001);
        assert_eq!(load_value(0xFFFF_8001, 2, false), 0x8001);
        assert_eq!(load_value(0x1_8000_0000, 4, true), 0xFFFF_FFFF_8000_0000);
        assert_eq!(load_value(0x1_8000_0000, 4, false), 0x8000_0000);
        assert_eq!(load_value(0x7FFF_FFFF, 4, true), 0x7FFF_FFFF);
        assert_eq!(load_value(0x8000_0000_0000_0001, 8, true), 0x8000_0000_0000_0001);
        assert_eq!(load_value(u64::MAX, 8, false), u64::MAX);
        assert_eq!(load_value(0xABCD, 3, true), 0xABCD, "odd widths pass the value whole");
        assert_eq!(store_value(0x1122_3344_5566_7788, 1), 0x88);
        assert_eq!(store_value(0x1122_3344_5566_7788, 2), 0x7788);
        assert_eq!(store_value(0x1122_3344_5566_7788, 4), 0x5566_7788);
        assert_eq!(store_value(0x1122_3344_5566_7788, 8), 0x1122_3344_5566_7788);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn decoded_accesses_are_well_formed(bits: u32) {
                if let Some(access) = decode(bits) {
                    prop_assert!(matches!(access.width, 1 | 2 | 4 | 8));
                    prop_assert!(access.reg < 32);
                    prop_assert!(!(access.store && access.signed));
                    prop_assert_eq!(access.length, instruction_length(bits as u16));
                    prop_assert!(matches!(access.length, 2 | 4));
                }
            }

            #[test]
            fn every_load_round_trips(index in 0usize..7, rd in 0u32..32, rs1 in 0u32..32, offset in -2048i32..2048) {
                let (funct3, width, signed) = LOADS[index];
                prop_assert_eq!(decode(load(funct3, rd, rs1, offset)), access(false, width, rd as u8, signed, 4));
            }

            #[test]
            fn every_store_round_trips(index in 0usize..4, rs2 in 0u32..32, rs1 in 0u32..32, offset in -2048i32..2048) {
                let (funct3, width) = STORES[index];
                prop_assert_eq!(decode(store(funct3, rs2, rs1, offset)), access(true, width, rs2 as u8, false, 4));
            }

            #[test]
            fn load_values_agree_with_casts(raw: u64) {
                prop_assert_eq!(load_value(raw, 1, true), raw as u8 as i8 as i64 as u64);
                prop_assert_eq!(load_value(raw, 2, true), raw as u16 as i16 as i64 as u64);
                prop_assert_eq!(load_value(raw, 4, true), raw as u32 as i32 as i64 as u64);
                prop_assert_eq!(load_value(raw, 4, false), u64::from(raw as u32));
                prop_assert_eq!(load_value(raw, 8, true), raw);
            }
        }
    }
}
