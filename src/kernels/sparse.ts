// Bindings of the sparse kernels (assembly/sparse.ts): products with a pruned weight matrix held
// in CSR (the forward product, the input gradient, the weight gradient at the kept positions
// only), and the gather/scatter between a CSR matrix's values and its dense form.
import { Csr, csrIndex } from "./csr.js";
import { describe, dims2, disjoint, dtype, fail, own, ownCsr, positiveInt } from "./checks.js";
import type { KernelCore } from "./core.js";
import type { Tensor } from "./tensor.js";

/**
 * Bytes of the input a sparse product gathers from per column block. Conv-2's fc1 gathers rows of
 * a 16384 x 60 input (3.9 MB, twice the Xeon's L2) in no order; walked in 512 KB blocks, the rows
 * stay in L2 while all 256 output rows pass. Measured (`bench step --model conv2 --level 10
 * --profile`, 1 thread): fc1's forward 5.6-5.8 → 3.4 ms, its backward 7.6-8.1 → 5.9-6.2 ms; 128 KB
 * to 1 MB blocks all measured alike.
 */
const SPARSE_INPUT_BLOCK_BYTES = 512 * 1024;

/** Columns per block (SparseKernels.columnBlocks) for a sparse product over a batch of N: SPARSE_INPUT_BLOCK_BYTES of input rows, at least 64. */
export function sparseInputBlockCols(N: number): number {
  return Math.max(64, Math.floor(SPARSE_INPUT_BLOCK_BYTES / (4 * N)));
}

/** A CSR matrix's column-block index (SparseKernels.columnBlocks). */
export interface ColumnBlocks {
  /** The matrix the index was built for: its row ranges mean nothing for another. */
  csr: Csr;
  blocks: number;
  blockCols: number;
  /** Where each row's kept weights of each block start, shape [blocks + 1, rows] (block b's row r: entry b·rows + r). */
  starts: Tensor<"u32">;
}

/** Bindings of the CSR kernels (`k.sparse`). */
export class SparseKernels {
  constructor(private readonly k: KernelCore) {}

  /**
   * Builds the CSR structure of the nonzeros of `mask` ([rows, cols], any array; nonzero = kept)
   * and gathers the kept entries of `dense` (if given) into its values.
   */
  fromMask(mask: ArrayLike<number>, rows: number, cols: number, dense?: Tensor<"f32">, label = "csr"): Csr {
    const op = "csrFromMask";
    positiveInt(op, "rows", rows);
    positiveInt(op, "cols", cols);
    if (mask.length !== rows * cols) fail(op, `mask has ${mask.length} entries but the matrix is [${rows},${cols}]`);
    // Read the mask completely before allocating: it may be a view of this memory (a Param's
    // mask), and an allocation that grows an unshared memory detaches every view of it.
    const { rowPtr: rp, colIdx: ci } = csrIndex(mask, rows, cols);
    const nnz = ci.length;
    const k = this.k;
    const rowPtr = k.alloc([rows + 1], "u32", `${label}.rowPtr`);
    const colIdx = k.alloc([nnz], "u32", `${label}.colIdx`);
    const values = k.alloc([nnz], "f32", `${label}.values`);
    rowPtr.data.set(rp);
    colIdx.data.set(ci);
    const csr = new Csr(rows, cols, nnz, rowPtr, colIdx, values);
    if (dense) this.gather(csr, dense);
    return csr;
  }

  private shapes(op: string, w: Csr, inName: string, input: Tensor<"f32">, inRows: number, outName: string, out: Tensor<"f32">, outRows: number): void {
    dtype(op, inName, input, "f32");
    dtype(op, outName, out, "f32");
    const [ir, N] = dims2(op, inName, input);
    const [or, oc] = dims2(op, outName, out);
    if (ir !== inRows) fail(op, `${inName} must have ${inRows} rows for w ${w.toString()}, got ${input.toString()}`);
    if (or !== outRows || oc !== N)
      fail(op, `${outName} must be [${outRows},${N}] for w ${w.toString()} and ${inName} ${input.toString()}, got ${out.toString()}`);
    ownCsr(this.k, op, w);
    own(this.k, op, { [inName]: input, [outName]: out });
    disjoint(op, [outName, out], { [inName]: input, values: w.values });
  }

  /**
   * wᵀ in CSR ([cols, rows], each row's columns ascending) and `perm`, the position of each of its
   * entries in w's values, built once per level so that each step only gathers the current values
   * (gatherValues). The input gradient Wᵀ·dY then runs as spmm over it: each input row's sums are
   * held in registers, where spmmT scatters a read-modify-write per kept weight, and the sums are
   * taken in the same order (rows of w ascending), so the results are the same bits.
   * Allocates in the caller's arena.
   */
  transpose(w: Csr, label: string): { csr: Csr; perm: Tensor<"u32"> } {
    const rp = w.rowPtr.data,
      ci = w.colIdx.data;
    const counts = new Uint32Array(w.cols + 1);
    for (let p = 0; p < w.nnz; p++) counts[ci[p]! + 1]!++;
    for (let c = 0; c < w.cols; c++) counts[c + 1]! += counts[c]!;
    const fillAt = counts.slice(0, w.cols);
    const tCol = new Uint32Array(w.nnz),
      tPerm = new Uint32Array(w.nnz);
    for (let r = 0; r < w.rows; r++) {
      for (let p = rp[r]!; p < rp[r + 1]!; p++) {
        const q = fillAt[ci[p]!]!++;
        tCol[q] = r;
        tPerm[q] = p;
      }
    }
    const rowPtr = this.k.alloc([w.cols + 1], "u32", `${label} transposed rowPtr`);
    const colIdx = this.k.alloc([Math.max(1, w.nnz)], "u32", `${label} transposed colIdx`);
    const perm = this.k.alloc([Math.max(1, w.nnz)], "u32", `${label} transposed perm`);
    const values = this.k.alloc([Math.max(1, w.nnz)], "f32", `${label} transposed values`);
    rowPtr.data.set(counts);
    colIdx.data.set(tCol);
    perm.data.set(tPerm);
    return { csr: new Csr(w.cols, w.rows, w.nnz, rowPtr, colIdx.rows(0, w.nnz), values.rows(0, w.nnz)), perm: perm.rows(0, w.nnz) };
  }

  /**
   * Where each row of w starts in each block of `blockCols` columns: a [blocks + 1][rows] index
   * (row r's kept weights in block b are [starts[b][r], starts[b + 1][r]), since its columns
   * ascend). spmm and maskedGrad given it walk X one block of rows at a time, so the rows they
   * gather stay in cache across all of w's rows; each output is still the same sum in the same
   * order, so the bits do not change. Null when one block covers every column. Built once per
   * level; allocates in the caller's arena.
   */
  columnBlocks(w: Csr, blockCols: number, label: string): ColumnBlocks | null {
    positiveInt("columnBlocks", "blockCols", blockCols);
    const blocks = Math.ceil(w.cols / blockCols);
    if (blocks <= 1) return null;
    const starts = this.k.alloc([blocks + 1, w.rows], "u32", `${label} column blocks`);
    const rp = w.rowPtr.data,
      ci = w.colIdx.data,
      st = starts.data;
    for (let r = 0; r < w.rows; r++) {
      let p = rp[r]!;
      for (let b = 0; b < blocks; b++) {
        st[b * w.rows + r] = p;
        const end = (b + 1) * blockCols;
        while (p < rp[r + 1]! && ci[p]! < end) p++;
      }
      st[blocks * w.rows + r] = rp[r + 1]!;
    }
    return { csr: w, blocks, blockCols, starts };
  }

  /** out.values = w.values in the order of a transposed index (perm from transpose or ConvKernels.sconvTranspose). */
  gatherValues(w: Csr, perm: Tensor<"u32">, out: Csr): void {
    if (perm.size !== w.nnz || out.nnz !== w.nnz) fail("gatherValues", `perm ${perm.toString()} and ${out.toString()} must have nnz = ${w.nnz} entries`);
    if (this.k.checking) {
      own(this.k, "gatherValues", { perm });
      ownCsr(this.k, "gatherValues", w);
      ownCsr(this.k, "gatherValues", out);
    }
    this.k.exports.gather_values(w.values.ptr, perm.ptr, out.values.ptr, w.nnz);
  }

  /** y [M,N] (+)= w [M,K] · x [K,N], w in CSR; with `blocks` (columnBlocks of w), one block of x's rows at a time (same bits). */
  spmm(w: Csr, x: Tensor<"f32">, y: Tensor<"f32">, options: { accumulate?: boolean; blocks?: ColumnBlocks | null } = {}): void {
    if (this.k.checking) {
      this.shapes("spmm", w, "x", x, w.cols, "y", y, w.rows);
      if (options.blocks) this.blocksOf("spmm", w, options.blocks);
    }
    const accumulate = options.accumulate ?? false,
      N = x.shape[1]!;
    const b = options.blocks;
    if (!b) {
      this.k.exports.spmm(w.rowPtr.ptr, w.rowPtr.ptr + 4, w.colIdx.ptr, w.values.ptr, x.ptr, y.ptr, w.rows, w.cols, N, accumulate);
      return;
    }
    const rowBytes = 4 * w.rows;
    for (let i = 0; i < b.blocks; i++) {
      const s = b.starts.ptr + i * rowBytes;
      this.k.exports.spmm(s, s + rowBytes, w.colIdx.ptr, w.values.ptr, x.ptr, y.ptr, w.rows, w.cols, N, accumulate || i > 0);
    }
  }

  /** dx [K,N] (+)= wᵀ · dy [M,N], w in CSR [M,K]. */
  spmmT(w: Csr, dy: Tensor<"f32">, dx: Tensor<"f32">, options: { accumulate?: boolean } = {}): void {
    if (this.k.checking) this.shapes("spmmT", w, "dy", dy, w.rows, "dx", dx, w.cols);
    this.k.exports.spmm_t(w.rowPtr.ptr, w.colIdx.ptr, w.values.ptr, dy.ptr, dx.ptr, w.rows, w.cols, dy.shape[1]!, options.accumulate ?? false);
  }

  /** dvalues[nz] (+)= Σ_n dy[r,n]·x[c,n] at the kept positions of w only; with `blocks`, one block of x's rows at a time (same bits). */
  maskedGrad(w: Csr, dy: Tensor<"f32">, x: Tensor<"f32">, dvalues: Tensor<"f32">, options: { accumulate?: boolean; blocks?: ColumnBlocks | null } = {}): void {
    if (this.k.checking) {
      const op = "maskedGrad";
      for (const [n, t] of [
        ["dy", dy],
        ["x", x],
        ["dvalues", dvalues],
      ] as const)
        dtype(op, n, t, "f32");
      const [dr, N] = dims2(op, "dy", dy);
      const [xr, xn] = dims2(op, "x", x);
      if (dr !== w.rows || xr !== w.cols || xn !== N) fail(op, `for w ${w.toString()} need dy [${w.rows},N] and x [${w.cols},N], got ${describe({ dy, x })}`);
      if (dvalues.size !== w.nnz) fail(op, `dvalues must have nnz = ${w.nnz} entries, got ${dvalues.toString()}`);
      ownCsr(this.k, op, w);
      own(this.k, op, { dy, x, dvalues: w.nnz > 0 ? dvalues : null });
      if (w.nnz > 0) disjoint(op, ["dvalues", dvalues], { dy, x });
      if (options.blocks) this.blocksOf(op, w, options.blocks);
    }
    const accumulate = options.accumulate ?? false,
      N = dy.shape[1]!;
    const b = options.blocks;
    if (!b) {
      this.k.exports.masked_grad(w.rowPtr.ptr, w.rowPtr.ptr + 4, w.colIdx.ptr, dy.ptr, x.ptr, dvalues.ptr, w.rows, w.cols, N, accumulate);
      return;
    }
    // Every kept weight lies in exactly one block: each block writes (or adds to) its own entries.
    const rowBytes = 4 * w.rows;
    for (let i = 0; i < b.blocks; i++) {
      const s = b.starts.ptr + i * rowBytes;
      this.k.exports.masked_grad(s, s + rowBytes, w.colIdx.ptr, dy.ptr, x.ptr, dvalues.ptr, w.rows, w.cols, N, accumulate);
    }
  }

  private blocksOf(op: string, w: Csr, b: ColumnBlocks): void {
    if (b.csr !== w) fail(op, `column blocks were built for ${b.csr.toString()}, not for w ${w.toString()}: build them with columnBlocks(w)`);
    own(this.k, op, { starts: b.starts });
  }

  private denseForm(op: string, w: Csr, dense: Tensor<"f32">, values: Tensor<"f32">): void {
    dtype(op, "dense", dense, "f32");
    if (dense.size !== w.rows * w.cols) fail(op, `dense must have ${w.rows}x${w.cols} entries for w ${w.toString()}, got ${dense.toString()}`);
    if (values.size !== w.nnz) fail(op, `values must have nnz = ${w.nnz} entries, got ${values.toString()}`);
    ownCsr(this.k, op, w);
    own(this.k, op, { dense });
  }

  /** values[nz] = dense[r,c] at the kept positions. */
  gather(w: Csr, dense: Tensor<"f32">, values: Tensor<"f32"> = w.values): void {
    if (this.k.checking) this.denseForm("csrGather", w, dense, values);
    this.k.exports.csr_gather(w.rowPtr.ptr, w.colIdx.ptr, dense.ptr, values.ptr, w.rows, w.cols);
  }

  /** dense = 0 except dense[r,c] = values[nz] at the kept positions. */
  scatter(w: Csr, dense: Tensor<"f32">, values: Tensor<"f32"> = w.values): void {
    if (this.k.checking) this.denseForm("csrScatter", w, dense, values);
    this.k.exports.csr_scatter(w.rowPtr.ptr, w.colIdx.ptr, values.ptr, dense.ptr, w.rows, w.cols);
  }
}
