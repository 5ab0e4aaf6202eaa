//! Dequantisation of ggml blocks to f32, following ggml-quants.c (`dequantize_row_q4_0`,
//! `dequantize_row_q4_1`, `dequantize_row_q8_0`): within a 4-bit block, byte `j` holds
//! element `j` in its low nibble and element `j + 16` in its high nibble.

use half::{bf16, f16};

use super::dtype::GgmlType;

/// Elements per block of the 32-element quantisations.
const QK: usize = 32;

/// Dequantises `bytes` (exactly the tensor's bytes) holding `n` elements of type `dtype`.
/// Returns `None` for a type this module does not handle; the caller has already checked
/// that `bytes.len()` matches `n` for the type.
pub fn dequantize(dtype: GgmlType, bytes: &[u8], n: usize) -> Option<Vec<f32>> {
    let mut out = Vec::with_capacity(n);
    match dtype {
        GgmlType::F32 => out.extend(
            bytes
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        ),
        GgmlType::F16 => out.extend(bytes.chunks_exact(2).map(|b| read_f16(b[0], b[1]))),
        GgmlType::BF16 => out.extend(
            bytes
                .chunks_exact(2)
                .map(|b| bf16::from_le_bytes([b[0], b[1]]).to_f32()),
        ),
        GgmlType::Q8_0 => {
            for block in bytes.chunks_exact(2 + QK) {
                let d = read_f16(block[0], block[1]);
                out.extend(block[2..].iter().map(|&q| f32::from(q as i8) * d));
            }
        }
        GgmlType::Q4_0 => {
            for block in bytes.chunks_exact(2 + QK / 2) {
                let d = read_f16(block[0], block[1]);
                let qs = &block[2..];
                out.extend(qs.iter().map(|&q| (f32::from(q & 0x0F) - 8.0) * d));
                out.extend(qs.iter().map(|&q| (f32::from(q >> 4) - 8.0) * d));
            }
        }
        GgmlType::Q4_1 => {
            for block in bytes.chunks_exact(4 + QK / 2) {
                let d = read_f16(block[0], block[1]);
                let m = read_f16(block[2], block[3]);
                let qs = &block[4..];
                out.extend(qs.iter().map(|&q| f32::from(q & 0x0F) * d + m));
                out.extend(qs.iter().map(|&q| f32::from(q >> 4) * d + m));
            }
        }
        _ => return None,
    }
    debug_assert_eq!(out.len(), n);
    Some(out)
}

fn read_f16(lo: u8, hi: u8) -> f32 {
    f16::from_le_bytes([lo, hi]).to_f32()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f16_bytes(v: f32) -> [u8; 2] {
        f16::from_f32(v).to_le_bytes()
    }

    #[test]
    fn q4_0_low_nibbles_first_then_high_nibbles_centred_on_8() {
        let mut block = f16_bytes(0.5).to_vec();
        // byte j: low nibble j % 16, high nibble 15 - j % 16
        block.extend((0..16u8).map(|j| j | ((15 - j) << 4)));
        let out = dequantize(GgmlType::Q4_0, &block, 32).unwrap();
        for j in 0..16 {
            assert_eq!(out[j], (j as f32 - 8.0) * 0.5, "element {j}");
            assert_eq!(
                out[j + 16],
                ((15 - j) as f32 - 8.0) * 0.5,
                "element {}",
                j + 16
            );
        }
    }

    #[test]
    fn q4_1_scales_and_adds_the_minimum() {
        let mut block = f16_bytes(0.25).to_vec();
        block.extend(f16_bytes(-1.5));
        block.extend((0..16u8).map(|j| j | (3 << 4)));
        let out = dequantize(GgmlType::Q4_1, &block, 32).unwrap();
        for j in 0..16 {
            assert_eq!(out[j], j as f32 * 0.25 - 1.5);
            assert_eq!(out[j + 16], 3.0 * 0.25 - 1.5);
        }
    }

    #[test]
    fn q8_0_is_signed_bytes_times_scale_over_two_blocks() {
        let mut bytes = Vec::new();
        for (scale, offset) in [(2.0f32, 0i8), (-0.125, 10)] {
            bytes.extend(f16_bytes(scale));
            bytes.extend((0..32i8).map(|i| (i - 16 + offset) as u8));
        }
        let out = dequantize(GgmlType::Q8_0, &bytes, 64).unwrap();
        assert_eq!(out.len(), 64);
        assert_eq!(out[0], -32.0);
        assert_eq!(out[31], 30.0);
        assert_eq!(out[32], (-6.0) * -0.125);
        assert_eq!(out[63], 25.0 * -0.125);
    }

    #[test]
    fn f16_bf16_and_f32_are_little_endian() {
        let f16s: Vec<u8> = [1.0f32, -2.5].iter().flat_map(|&v| f16_bytes(v)).collect();
        assert_eq!(
            dequantize(GgmlType::F16, &f16s, 2).unwrap(),
            vec![1.0, -2.5]
        );
        // bf16 0x3FC0 = 1.5, 0xC040 = -3.0
        let bf16s = [0xC0, 0x3F, 0x40, 0xC0];
        assert_eq!(
            dequantize(GgmlType::BF16, &bf16s, 2).unwrap(),
            vec![1.5, -3.0]
        );
        let f32s: Vec<u8> = [3.25f32, -0.0]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        assert_eq!(
            dequantize(GgmlType::F32, &f32s, 2).unwrap(),
            vec![3.25, -0.0]
        );
    }

    #[test]
    fn other_types_are_refused() {
        assert!(dequantize(GgmlType(12), &[0; 144], 256).is_none());
    }
}
