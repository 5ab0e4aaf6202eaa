//! A weight matrix stored one row per output: f32, or ggml's 32-element blocks as a GGUF
//! file stores them (scales widened to f32 once, quantised values kept as they are).

use std::fmt;

/// Elements per quantisation block.
pub const BLOCK: usize = 32;

/// The ggml block formats the kernels read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockFormat {
    /// `w = (q - 8) * d`, `q` a 4-bit value; block: f16 `d`, 16 bytes of nibbles.
    Q4_0,
    /// `w = q * d + m`, `q` a 4-bit value; block: f16 `d`, f16 `m`, 16 bytes of nibbles.
    Q4_1,
    /// `w = q * d`, `q` a signed byte; block: f16 `d`, 32 bytes.
    Q8_0,
}

impl BlockFormat {
    /// Bytes of one stored block.
    pub fn block_bytes(self) -> usize {
        match self {
            BlockFormat::Q4_0 => 2 + BLOCK / 2,
            BlockFormat::Q4_1 => 4 + BLOCK / 2,
            BlockFormat::Q8_0 => 2 + BLOCK,
        }
    }
}

/// Why a matrix could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatrixError(pub String);

impl fmt::Display for MatrixError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for MatrixError {}

#[derive(Clone)]
pub(crate) enum Storage {
    F32(Vec<f32>),
    /// Nibbles as stored: byte `j` of a block holds element `j` (low) and `j + 16` (high).
    /// `mins` is empty for Q4_0 (whose weights are `(q - 8) * d`).
    Q4 {
        scales: Vec<f32>,
        mins: Vec<f32>,
        nibbles: Vec<u8>,
    },
    Q8 {
        scales: Vec<f32>,
        quants: Vec<i8>,
    },
}

/// A `[rows, cols]` weight matrix, one row per output feature.
#[derive(Clone)]
pub struct Matrix {
    pub(crate) rows: usize,
    pub(crate) cols: usize,
    pub(crate) storage: Storage,
}

impl fmt::Debug for Matrix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.storage {
            Storage::F32(_) => "f32",
            Storage::Q4 { mins, .. } if mins.is_empty() => "Q4_0",
            Storage::Q4 { .. } => "Q4_1",
            Storage::Q8 { .. } => "Q8_0",
        };
        write!(f, "Matrix({}x{} {kind})", self.rows, self.cols)
    }
}

fn f16_to_f32(bits: u16) -> f32 {
    let sign = u32::from(bits >> 15) << 31;
    let exp = u32::from((bits >> 10) & 0x1f);
    let man = u32::from(bits & 0x3ff);
    let value = match (exp, man) {
        (0, 0) => sign,
        (0, _) => {
            // Subnormal: normalise.
            let shift = man.leading_zeros() - 21;
            let man = (man << shift) & 0x3ff;
            sign | ((113 - shift) << 23) | (man << 13)
        }
        (0x1f, _) => sign | 0x7f80_0000 | (man << 13),
        _ => sign | ((exp + 112) << 23) | (man << 13),
    };
    f32::from_bits(value)
}

impl Matrix {
    /// A matrix from row-major f32 values.
    pub fn from_f32(rows: usize, cols: usize, data: Vec<f32>) -> Result<Self, MatrixError> {
        if data.len() != rows * cols {
            return Err(MatrixError(format!(
                "{} values for a {rows}x{cols} matrix",
                data.len()
            )));
        }
        Ok(Self {
            rows,
            cols,
            storage: Storage::F32(data),
        })
    }

    /// A matrix from ggml blocks (`bytes` as a GGUF file stores a `[rows, cols]` tensor).
    pub fn from_blocks(
        format: BlockFormat,
        rows: usize,
        cols: usize,
        bytes: &[u8],
    ) -> Result<Self, MatrixError> {
        if !cols.is_multiple_of(BLOCK) {
            return Err(MatrixError(format!(
                "rows of {cols} values do not split into blocks of {BLOCK}"
            )));
        }
        let blocks = rows * cols / BLOCK;
        let size = format.block_bytes();
        if bytes.len() != blocks * size {
            return Err(MatrixError(format!(
                "{} bytes for {blocks} {format:?} blocks of {size} bytes",
                bytes.len()
            )));
        }
        let scale = |b: &[u8], at: usize| f16_to_f32(u16::from_le_bytes([b[at], b[at + 1]]));
        let storage = match format {
            BlockFormat::Q4_0 | BlockFormat::Q4_1 => {
                let header = size - BLOCK / 2;
                let mut scales = Vec::with_capacity(blocks);
                let mut mins = Vec::with_capacity(if header == 4 { blocks } else { 0 });
                let mut nibbles = Vec::with_capacity(blocks * BLOCK / 2);
                for block in bytes.chunks_exact(size) {
                    scales.push(scale(block, 0));
                    if header == 4 {
                        mins.push(scale(block, 2));
                    }
                    nibbles.extend_from_slice(&block[header..]);
                }
                Storage::Q4 {
                    scales,
                    mins,
                    nibbles,
                }
            }
            BlockFormat::Q8_0 => {
                let mut scales = Vec::with_capacity(blocks);
                let mut quants = Vec::with_capacity(blocks * BLOCK);
                for block in bytes.chunks_exact(size) {
                    scales.push(scale(block, 0));
                    quants.extend(block[2..].iter().map(|&q| q as i8));
                }
                Storage::Q8 { scales, quants }
            }
        };
        Ok(Self {
            rows,
            cols,
            storage,
        })
    }

    /// Number of rows (output features).
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns (input features).
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Bytes the matrix occupies.
    pub fn size_bytes(&self) -> usize {
        match &self.storage {
            Storage::F32(d) => d.len() * 4,
            Storage::Q4 {
                scales,
                mins,
                nibbles,
            } => (scales.len() + mins.len()) * 4 + nibbles.len(),
            Storage::Q8 { scales, quants } => scales.len() * 4 + quants.len(),
        }
    }

    /// The matrix with its rows reordered: row `i` of the result is row `order[i]` of `self`.
    pub fn reorder_rows(&self, order: &[usize]) -> Result<Self, MatrixError> {
        if order.len() != self.rows || order.iter().any(|&r| r >= self.rows) {
            return Err(MatrixError("row order does not cover the rows".into()));
        }
        let nb = self.cols / BLOCK;
        fn gather<T: Copy>(data: &[T], order: &[usize], per_row: usize) -> Vec<T> {
            let mut out = Vec::with_capacity(data.len());
            for &r in order {
                out.extend_from_slice(&data[r * per_row..(r + 1) * per_row]);
            }
            out
        }
        let storage = match &self.storage {
            Storage::F32(d) => Storage::F32(gather(d, order, self.cols)),
            Storage::Q4 {
                scales,
                mins,
                nibbles,
            } => Storage::Q4 {
                scales: gather(scales, order, nb),
                mins: if mins.is_empty() {
                    Vec::new()
                } else {
                    gather(mins, order, nb)
                },
                nibbles: gather(nibbles, order, nb * BLOCK / 2),
            },
            Storage::Q8 { scales, quants } => Storage::Q8 {
                scales: gather(scales, order, nb),
                quants: gather(quants, order, self.cols),
            },
        };
        Ok(Self {
            rows: self.rows,
            cols: self.cols,
            storage,
        })
    }

    /// Row `row` as f32 into `out` (`cols` values): exactly the values ggml's dequantisation
    /// gives (`(q - 8) * d`, `q * d + m`, `q * d`).
    pub fn row_into(&self, row: usize, out: &mut [f32]) {
        let cols = self.cols;
        let nb = cols / BLOCK.max(1);
        match &self.storage {
            Storage::F32(d) => out.copy_from_slice(&d[row * cols..(row + 1) * cols]),
            Storage::Q4 {
                scales,
                mins,
                nibbles,
            } => {
                for b in 0..nb {
                    let i = row * nb + b;
                    let d = scales[i];
                    let q = &nibbles[i * BLOCK / 2..(i + 1) * BLOCK / 2];
                    let o = &mut out[b * BLOCK..(b + 1) * BLOCK];
                    for j in 0..BLOCK / 2 {
                        let (lo, hi) = (f32::from(q[j] & 0x0f), f32::from(q[j] >> 4));
                        if mins.is_empty() {
                            o[j] = (lo - 8.0) * d;
                            o[j + BLOCK / 2] = (hi - 8.0) * d;
                        } else {
                            o[j] = lo * d + mins[i];
                            o[j + BLOCK / 2] = hi * d + mins[i];
                        }
                    }
                }
            }
            Storage::Q8 { scales, quants } => {
                for (c, o) in out.iter_mut().enumerate().take(cols) {
                    *o = f32::from(quants[row * cols + c]) * scales[row * nb + c / BLOCK];
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f16_conversion_covers_normal_subnormal_and_special_values() {
        assert_eq!(f16_to_f32(0x3c00), 1.0);
        assert_eq!(f16_to_f32(0xc000), -2.0);
        assert_eq!(f16_to_f32(0x3555), 0.333_251_95);
        assert_eq!(f16_to_f32(0x0001), 5.960_464_5e-8);
        assert_eq!(f16_to_f32(0x8000), -0.0);
        assert!(f16_to_f32(0x7c00).is_infinite());
        assert!(f16_to_f32(0x7e00).is_nan());
    }

    #[test]
    fn rows_dequantise_like_ggml() {
        // One Q4_1 row of one block: d = 0.5, m = -1, byte j = j | (15 - j) << 4.
        let mut block = vec![0x00, 0x38, 0x00, 0xbc];
        block.extend((0..16u8).map(|j| j | ((15 - j) << 4)));
        let m = Matrix::from_blocks(BlockFormat::Q4_1, 1, 32, &block).unwrap();
        let mut row = vec![0.0; 32];
        m.row_into(0, &mut row);
        for j in 0..16 {
            assert_eq!(row[j], j as f32 * 0.5 - 1.0);
            assert_eq!(row[j + 16], (15 - j) as f32 * 0.5 - 1.0);
        }
        let reordered = Matrix::from_blocks(BlockFormat::Q8_0, 2, 32, &{
            let mut b = vec![0x00, 0x3c];
            b.extend((0..32u8).map(|i| i.wrapping_sub(16)));
            b.extend([0x00, 0x40]);
            b.extend([3u8; 32]);
            b
        })
        .unwrap()
        .reorder_rows(&[1, 0])
        .unwrap();
        reordered.row_into(0, &mut row);
        assert_eq!(row, vec![6.0; 32]);
        reordered.row_into(1, &mut row);
        assert_eq!(row[0], -16.0);
        assert!(Matrix::from_blocks(BlockFormat::Q8_0, 1, 30, &[]).is_err());
    }
}
