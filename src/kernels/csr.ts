// Compressed sparse rows for a pruned weight matrix W[rows, cols]. The index arrays (rowPtr,
// colIdx) are built once from the mask when a level starts and never change during the level;
// only `values` (the kept weights, row by row, columns ascending) change. Instances come from
// Kernels.csrFromMask, which guarantees rowPtr is monotone and every column index is in range,
// so the kernels can trust them.
import type { Tensor } from "./tensor.js";

/** A pruned weight matrix [rows, cols] in compressed sparse rows: `rowPtr` [rows+1], `colIdx` [nnz] ascending within each row, `values` [nnz], all in wasm memory. */
export class Csr {
  constructor(
    readonly rows: number,
    readonly cols: number,
    readonly nnz: number,
    readonly rowPtr: Tensor<"u32">,
    readonly colIdx: Tensor<"u32">,
    readonly values: Tensor<"f32">,
  ) {}

  get density(): number {
    return this.rows * this.cols === 0 ? 0 : this.nnz / (this.rows * this.cols);
  }

  /** "csr[rows,cols] nnz N", for messages. */
  toString(): string {
    return `csr[${this.rows},${this.cols}] nnz ${this.nnz}`;
  }
}

/**
 * The CSR index of the nonzeros of a [rows, cols] mask (any array; nonzero = kept), columns
 * ascending within each row: the one construction shared by training (SparseKernels.fromMask,
 * into wasm memory) and export (packCsr, into a ticket file). Column indices are u16 when
 * `u16` is asked and cols fit, else u32.
 */
export function csrIndex(mask: ArrayLike<number>, rows: number, cols: number, u16 = false): { rowPtr: Uint32Array; colIdx: Uint16Array | Uint32Array } {
  const nnz = countNonzero(mask);
  const rowPtr = new Uint32Array(rows + 1);
  const colIdx = u16 && cols <= 65536 ? new Uint16Array(nnz) : new Uint32Array(nnz);
  let p = 0;
  for (let r = 0; r < rows; r++) {
    rowPtr[r] = p;
    const base = r * cols;
    for (let c = 0; c < cols; c++) if (mask[base + c] !== 0) colIdx[p++] = c;
  }
  rowPtr[rows] = p;
  return { rowPtr, colIdx };
}

/** Counts the nonzero entries (kept weights, for a mask). */
export function countNonzero(mask: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) n++;
  return n;
}
