// CSR arrays of a ticket's pruned weights: packed from a weight and its mask at export, read back
// (and checked: the kernels trust rowPtr and column indices, see src/kernels/csr.ts) at load.
import { csrIndex } from "../kernels/csr.js";
import { halfToFloat } from "./f16.js";
import { type CsrEntry, type Section, TicketError, U16_MAX_COLS } from "./format.js";

export interface CsrArrays {
  rows: number;
  cols: number;
  rowPtr: Uint32Array;
  /** Column of each kept weight, ascending within a row. */
  colIdx: Uint16Array | Uint32Array;
  /** Kept weights, row by row (f32; f16 files are decoded on read). */
  values: Float32Array;
}

/** The kept entries (mask ≠ 0) of a [rows, cols] weight, row by row. Indices are u16 when cols allow. */
export function packCsr(weight: Float32Array, mask: Uint8Array, rows: number, cols: number): CsrArrays {
  if (weight.length !== rows * cols || mask.length !== rows * cols) {
    throw new Error(`packCsr: a [${rows}, ${cols}] weight needs ${rows * cols} values and mask entries, got ${weight.length} and ${mask.length}`);
  }
  const { rowPtr, colIdx } = csrIndex(mask, rows, cols, cols <= U16_MAX_COLS);
  const values = new Float32Array(colIdx.length);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let p = rowPtr[r]!; p < rowPtr[r + 1]!; p++) values[p] = weight[base + colIdx[p]!]!;
  }
  return { rows, cols, rowPtr, colIdx, values };
}

type Ctor<T> = { new (buffer: ArrayBufferLike, byteOffset: number, length: number): T; BYTES_PER_ELEMENT: number };

/** A typed view of a payload section (a copy when the section is not aligned in memory). */
export function sectionView<T>(payload: Uint8Array, s: Section, ctor: Ctor<T>): T {
  const at = payload.byteOffset + s.offset,
    n = s.bytes / ctor.BYTES_PER_ELEMENT;
  if (at % ctor.BYTES_PER_ELEMENT === 0) return new ctor(payload.buffer, at, n);
  const copy = payload.slice(s.offset, s.offset + s.bytes);
  return new ctor(copy.buffer, 0, n);
}

/** Reads a CSR parameter from the payload and checks its structure. */
export function readCsr(entry: CsrEntry, payload: Uint8Array, source: string): CsrArrays {
  const { rows, cols, nnz } = entry;
  const rowPtr = sectionView(payload, entry.row_ptr, Uint32Array);
  const colIdx = entry.index_type === "u16" ? sectionView(payload, entry.col_idx, Uint16Array) : sectionView(payload, entry.col_idx, Uint32Array);
  const bad = (what: string) => new TicketError("malformed", `${source}: parameter ${entry.name}: ${what}; export the ticket again with \`lottery export\``);
  if (rowPtr[0] !== 0 || rowPtr[rows] !== nnz) throw bad(`row pointers run from ${rowPtr[0]} to ${rowPtr[rows]}, expected 0 to nnz = ${nnz}`);
  for (let r = 0; r < rows; r++) {
    const s = rowPtr[r]!,
      e = rowPtr[r + 1]!;
    if (e < s) throw bad(`row pointers decrease at row ${r}`);
    let prev = -1;
    for (let p = s; p < e; p++) {
      const c = colIdx[p]!;
      if (c <= prev || c >= cols) throw bad(`row ${r} has column index ${c} after ${prev} (indices must ascend and be < ${cols})`);
      prev = c;
    }
  }
  let values: Float32Array;
  if (entry.value_type === "f32") {
    values = sectionView(payload, entry.values, Float32Array);
  } else {
    values = new Float32Array(nnz);
    halfToFloat(sectionView(payload, entry.values, Uint16Array), values);
  }
  return { rows, cols, rowPtr, colIdx, values };
}

/**
 * The format is little-endian and so is wasm memory; typed arrays follow the host. Every host that
 * runs wasm in practice is little-endian, but a big-endian one would misread silently, so say so.
 */
export function assertLittleEndian(): void {
  if (new Uint8Array(Uint16Array.of(1).buffer)[0] !== 1)
    throw new Error("lottery tickets need a little-endian host (the file and wasm memory are little-endian)");
}
