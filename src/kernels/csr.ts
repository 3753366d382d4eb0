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

/** Counts the nonzero entries (kept weights, for a mask). */
export function countNonzero(mask: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) n++;
  return n;
}
