// Bindings of the dense linear algebra kernels (assembly/gemm.ts): GEMM on whole tensors or on
// strided blocks of them, and a transpose. Activations are feature-major, [features, batch] with
// the batch contiguous.
import { dims2, disjoint, dtype, fail, own } from "./checks.js";
import type { KernelCore } from "./core.js";
import type { Tensor } from "./tensor.js";

/** A matrix inside a tensor: `rows` x `cols` floats from `offset`, rows `ld` floats apart. */
export interface MatrixView {
  t: Tensor<"f32">;
  offset: number;
  rows: number;
  cols: number;
  ld: number;
}

/** Operand transposes and whether c accumulates (c += …) instead of being overwritten. */
export interface GemmOptions {
  transA?: boolean;
  transB?: boolean;
  accumulate?: boolean;
}

/** Dense GEMM and transpose bindings (`k.dense`). */
export class DenseKernels {
  constructor(private readonly k: KernelCore) {}

  /** c (+)= op(a)·op(b) with op = identity or transpose. Shapes: op(a) [M,K], op(b) [K,N], c [M,N]. */
  gemm(a: Tensor<"f32">, b: Tensor<"f32">, c: Tensor<"f32">, options: GemmOptions = {}): void {
    if (this.k.checking) {
      const op = gemmName(options);
      for (const [n, t] of [
        ["a", a],
        ["b", b],
        ["c", c],
      ] as const)
        dtype(op, n, t, "f32");
      dims2(op, "a", a);
      dims2(op, "b", b);
      dims2(op, "c", c);
    }
    this.gemmStrided(
      { t: a, offset: 0, rows: a.shape[0]!, cols: a.shape[1]!, ld: a.shape[1]! },
      { t: b, offset: 0, rows: b.shape[0]!, cols: b.shape[1]!, ld: b.shape[1]! },
      { t: c, offset: 0, rows: c.shape[0]!, cols: c.shape[1]!, ld: c.shape[1]! },
      options,
    );
  }

  /**
   * GEMM on matrix views: each a block of a tensor starting `offset` floats in, with rows `ld`
   * floats apart (a column block of a wider matrix, as the convolution layers use).
   */
  gemmStrided(a: MatrixView, b: MatrixView, c: MatrixView, options: GemmOptions = {}): void {
    const { transA = false, transB = false, accumulate = false } = options;
    const [M, K] = transA ? [a.cols, a.rows] : [a.rows, a.cols];
    const N = transB ? b.rows : b.cols;
    if (this.k.checking) this.checkGemm(a, b, c, options, M, K, N);
    const e = this.k.exports;
    const pa = a.t.ptr + 4 * a.offset,
      pb = b.t.ptr + 4 * b.offset,
      pc = c.t.ptr + 4 * c.offset;
    if (transB) e.gemm_nt(pa, pb, pc, M, K, N, a.ld, b.ld, c.ld, accumulate);
    else if (transA) e.gemm_tn(pa, pb, pc, M, K, N, a.ld, b.ld, c.ld, accumulate, this.k.gemmWorkspace);
    else e.gemm_nn(pa, pb, pc, M, K, N, a.ld, b.ld, c.ld, accumulate, this.k.gemmWorkspace);
  }

  private checkGemm(a: MatrixView, b: MatrixView, c: MatrixView, options: GemmOptions, M: number, K: number, N: number): void {
    const op = gemmName(options);
    for (const [n, v] of [
      ["a", a],
      ["b", b],
      ["c", c],
    ] as const)
      this.checkView(op, n, v);
    const K2 = options.transB ? b.cols : b.rows;
    const shape = (v: MatrixView) => `${v.t.toString()}${v.offset || v.ld !== v.cols ? `[${v.rows}x${v.cols} view]` : ""}`;
    if (K !== K2) fail(op, `inner dimensions differ: a ${shape(a)}, b ${shape(b)} gives K = ${K} vs ${K2}`);
    if (c.rows !== M || c.cols !== N) fail(op, `c must be [${M},${N}] for a ${shape(a)}, b ${shape(b)}, got ${shape(c)}`);
    if (options.transA && options.transB) fail(op, "transA and transB together are not supported; transpose one operand first");
    disjoint(op, ["c", c.t], { a: a.t, b: b.t });
  }

  private checkView(op: string, name: string, v: MatrixView): void {
    dtype(op, name, v.t, "f32");
    own(this.k, op, { [name]: v.t });
    const { offset, rows, cols, ld } = v;
    if (![offset, rows, cols, ld].every(Number.isInteger) || rows <= 0 || cols <= 0 || offset < 0 || ld < cols) {
      fail(
        op,
        `${name} view of ${v.t.toString()} (offset ${offset}, ${rows}x${cols}, row stride ${ld}) is invalid: sizes must be positive and the stride at least the columns`,
      );
    }
    if (offset + (rows - 1) * ld + cols > v.t.size) fail(op, `${name} view (offset ${offset}, ${rows}x${cols}, row stride ${ld}) runs past ${v.t.toString()}`);
  }

  /** dst [C,R] = src [R,C]ᵀ. */
  transpose(src: Tensor<"f32">, dst: Tensor<"f32">): void {
    const R = src.shape[0]!,
      C = src.shape[1]!;
    if (this.k.checking) {
      const op = "transpose";
      dtype(op, "src", src, "f32");
      dtype(op, "dst", dst, "f32");
      dims2(op, "src", src);
      const [dr, dc] = dims2(op, "dst", dst);
      if (dr !== C || dc !== R) fail(op, `dst must be [${C},${R}] for src ${src.toString()}, got ${dst.toString()}`);
      own(this.k, op, { src, dst });
      disjoint(op, ["dst", dst], { src });
    }
    this.k.exports.transpose(src.ptr, dst.ptr, R, C);
  }
}

function gemmName(o: GemmOptions): string {
  return `gemm(transA=${o.transA ?? false}, transB=${o.transB ?? false})`;
}
