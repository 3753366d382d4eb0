// Bindings of the convolution, pooling and batch-norm kernels (assembly/conv.ts, winograd.ts,
// pool.ts, norm.ts). Shapes are always checked (a few comparisons against a kernel that touches
// whole feature maps); which memory the tensors live in is checked when the instance checks
// (checks.ts). Activations are CHWN: a tensor [C·H·W, N] whose per-example shape [C, H, W]
// is passed alongside. Kept separate from kernels.ts to keep each file about one family of ops.
import { own, ownCsr } from "./checks.js";
import { Csr } from "./csr.js";
import type { KernelCore } from "./core.js";
import type { Tensor } from "./tensor.js";

function fail(op: string, message: string): never {
  throw new Error(`${op}: ${message}`);
}

/** Checks t is f32 [C·H·W, N] with N columns given by `N` (or any N when undefined); returns N. */
function chwn(op: string, name: string, t: Tensor<"f32">, C: number, H: number, W: number, N?: number): number {
  if (t.dtype !== "f32" || t.shape.length !== 2) fail(op, `${name} must be f32 [C·H·W, N], got ${t.toString()}`);
  const [f, n] = t.shape as [number, number];
  if (f !== C * H * W || (N !== undefined && n !== N)) fail(op, `${name} must be [${C}·${H}·${W}=${C * H * W}, ${N ?? "N"}], got ${t.toString()}`);
  if (n <= 0 || C <= 0 || H <= 0 || W <= 0) fail(op, `${name} ${t.toString()} has an empty dimension`);
  return n;
}

/** A convolution's geometry: input channels C, height H, width W; kernel size K, stride and padding (per side). */
export interface ConvShape {
  /** Input channels, height, width; output channels; kernel size, stride, padding. */
  C: number;
  H: number;
  W: number;
  K: number;
  stride: number;
  pad: number;
}

/** Where the direct sparse kernels find their input (see sparseInputLayout). */
export interface SparseInputLayout {
  /** A row's length, in columns of N floats. */
  width: number;
  /** How far the input advances per output row, in columns of N floats (the kernels' Wp argument). */
  rowStep: number;
  /** Where kernel tap (c, kh, kw) starts for output row and column 0, in columns of N floats. */
  offset: (c: number, kh: number, kw: number) => number;
}

/** sparseInputLayout(s).width and .rowStep without building the layout (the per-call checks run every step). */
function sparseInputRow(s: ConvShape, what: "width" | "rowStep"): number {
  const Wp = s.W + 2 * s.pad;
  if (s.stride === 1) return Wp;
  const Wq = (Wp + 1) >> 1;
  return what === "width" ? 2 * Wq : 4 * Wq;
}

/**
 * The input the direct sparse kernels read for a convolution: stride 1, the padded input [C, Hp,
 * Wp, N]; stride 2, the padded input with each row's columns split by parity (pad_phase_w:
 * [C, Hp, 2, Wq, N], Wq = ceil(Wp / 2)). `width` is a row's length in that layout (in N-float
 * columns), `rowStep` how far the input advances per output row (the kernels' Wp argument), and
 * `offset` where kernel tap (c, kh, kw) starts for output row and column 0.
 */
export function sparseInputLayout(s: ConvShape): SparseInputLayout {
  const { Hp, Wp } = convOutput(s);
  const width = sparseInputRow(s, "width"),
    rowStep = sparseInputRow(s, "rowStep");
  if (s.stride === 1) return { width, rowStep, offset: (c, kh, kw) => (c * Hp + kh) * Wp + kw };
  const Wq = width >> 1;
  return { width, rowStep, offset: (c, kh, kw) => (c * Hp + kh) * width + (kw & 1) * Wq + (kw >> 1) };
}

/** Output height and width of a convolution, and the padded input's height and width. */
export function convOutput(s: ConvShape): { OH: number; OW: number; Hp: number; Wp: number } {
  const Hp = s.H + 2 * s.pad,
    Wp = s.W + 2 * s.pad;
  return { OH: Math.floor((Hp - s.K) / s.stride) + 1, OW: Math.floor((Wp - s.K) / s.stride) + 1, Hp, Wp };
}

/**
 * The input bytes per output chunk that one channel group of sconv_fwd may read (see sconvPlan):
 * the candidates a plan offers, from half of a 32 KB L1 up, and then no limit (all input channels
 * in one group). Which is fastest depends on the core's caches and on the density (measured on one
 * 64->64 layer: at density 0.2, 32 KB on a Zen 3 with 32 KB L1 / 512 KB L2, 64 KB on a Xeon with
 * 48 KB L1 / 2 MB L2, 1.35x the 16 KB grouping there; at density 0.05 on the Xeon, one group of
 * all 64 channels (135 KB) ran 1.5x faster than the two of 128 KB, because with a few kept weights
 * per output channel and group, each group's pass (its partial sums stored and reloaded, its loop
 * exit mispredicted) costs more than the cache misses it saves), so the layer times them once per
 * level (sconvTune). The grouping never changes the result: each output is the same sum in CSR
 * order.
 */
const GROUP_BUDGETS_BYTES = [16384, 32768, 65536, 131072, Number.POSITIVE_INFINITY];

/** Floats of the staging tile sconv_fwd needs for M output channels (a 32-float slot each, of which the kernel uses its 24-float chunk). */
export function sconvTileFloats(M: number): number {
  return 32 * M;
}

/** One way to split a sparse convolution's input channels into groups (see sconvPlan). */
export interface SconvGrouping {
  /** Channel groups; groupPtr is [rows][groups + 1]. */
  groups: number;
  groupPtr: Tensor<"u32">;
}

/** A sparse convolution's per-level index data for one batch size (ConvKernels.sconvPlan). */
export interface SparseConvPlan {
  offsets: Tensor<"u32">;
  /** The grouping sconvForward uses: one of `groupings` (the first until sconvTune picks). */
  groupPtr: Tensor<"u32">;
  groups: number;
  N: number;
  /** The candidate groupings, fewest-channels-per-group first. */
  groupings: readonly SconvGrouping[];
  /** Set once sconvTune has timed the groupings: the milliseconds of each, in `groupings` order. */
  tunedMs?: number[];
}

/** Convolution, pooling and batch-norm bindings (`k.conv`) over CHWN activations. */
export class ConvKernels {
  constructor(private readonly k: KernelCore) {}

  /** xpad [C·(H+2p)·(W+2p), N] = x [C·H·W, N] with p zero rows and columns around each image. */
  pad(x: Tensor<"f32">, xpad: Tensor<"f32">, C: number, H: number, W: number, p: number): void {
    const N = chwn("pad", "x", x, C, H, W);
    chwn("pad", "xpad", xpad, C, H + 2 * p, W + 2 * p, N);
    if (this.k.checking) {
      own(this.k, "pad", { x, xpad });
    }
    this.k.exports.pad_chwn(x.ptr, xpad.ptr, C, H, W, N, p);
  }

  /** x (+)= the interior of xpad (the inverse of pad; accumulates when asked). */
  unpad(xpad: Tensor<"f32">, x: Tensor<"f32">, C: number, H: number, W: number, p: number, accumulate = false): void {
    const N = chwn("unpad", "x", x, C, H, W);
    chwn("unpad", "xpad", xpad, C, H + 2 * p, W + 2 * p, N);
    if (this.k.checking) {
      own(this.k, "unpad", { xpad, x });
    }
    this.k.exports.unpad_chwn(xpad.ptr, x.ptr, C, H, W, N, p, accumulate);
  }

  /** xq = x padded by s.pad and, for stride 2, split by column parity: the sparse kernels' input (sparseInputLayout). */
  padForSparse(x: Tensor<"f32">, xq: Tensor<"f32">, s: ConvShape): void {
    if (s.stride === 1) {
      this.pad(x, xq, s.C, s.H, s.W, s.pad);
      return;
    }
    const N = chwn("padForSparse", "x", x, s.C, s.H, s.W);
    this.sparseInput("padForSparse", "xq", xq, s, N);
    if (this.k.checking) {
      own(this.k, "padForSparse", { x, xq });
    }
    this.k.exports.pad_phase_w(x.ptr, xq.ptr, s.C, s.H, s.W, N, s.pad);
  }

  /** dx = the interior of dxq, the inverse of padForSparse (for the input gradient of strided layers). */
  unpadFromSparse(dxq: Tensor<"f32">, dx: Tensor<"f32">, s: ConvShape): void {
    if (s.stride === 1) {
      this.unpad(dxq, dx, s.C, s.H, s.W, s.pad);
      return;
    }
    const N = chwn("unpadFromSparse", "dx", dx, s.C, s.H, s.W);
    this.sparseInput("unpadFromSparse", "dxq", dxq, s, N);
    if (this.k.checking) {
      own(this.k, "unpadFromSparse", { dxq, dx });
    }
    this.k.exports.unpad_phase_w(dxq.ptr, dx.ptr, s.C, s.H, s.W, N, s.pad);
  }

  /**
   * dxq += the input gradient of a sparse convolution in the sparse kernels' input layout, as the
   * transpose of sconvForward (a scaled row of dy added at each kept weight's offset); the caller
   * zeroes dxq and unpads it (unpadFromSparse). The strided layers' input gradient.
   */
  sconvScatter(w: Csr, plan: SparseConvPlan, dy: Tensor<"f32">, dxq: Tensor<"f32">, s: ConvShape): void {
    const { OH, OW } = convOutput(s);
    const N = this.sparseInput("sconvScatter", "dxq", dxq, s);
    this.sparseConv("sconvScatter", w, plan, s, N);
    chwn("sconvScatter", "dy", dy, w.rows, OH, OW, N);
    if (this.k.checking) {
      own(this.k, "sconvScatter", { dy, dxq });
      ownCsr(this.k, "sconvScatter", w);
    }
    this.k.exports.sconv_scatter(w.rowPtr.ptr, plan.offsets.ptr, w.values.ptr, dy.ptr, dxq.ptr, w.rows, OH, OW, N, sparseInputRow(s, "rowStep"));
  }

  private rowRange(op: string, cols: Tensor<"f32">, s: ConvShape, N: number, oh0: number, rows: number): { OW: number; Hp: number; Wp: number } {
    const { OH, OW, Hp, Wp } = convOutput(s);
    if (!(Number.isInteger(oh0) && Number.isInteger(rows) && oh0 >= 0 && rows > 0 && oh0 + rows <= OH))
      fail(op, `output rows [${oh0}, ${oh0 + rows}) are outside 0..${OH}`);
    if (cols.shape[0] !== s.C * s.K * s.K || cols.shape[1] !== rows * OW * N)
      fail(op, `cols must be [${s.C * s.K * s.K}, ${rows * OW * N}], got ${cols.toString()}`);
    return { OW, Hp, Wp };
  }

  /** cols [C·K·K, rows·OW·N] for output rows oh0 .. oh0+rows−1, from the padded input. */
  im2col(xpad: Tensor<"f32">, cols: Tensor<"f32">, s: ConvShape, oh0 = 0, rows = convOutput(s).OH): void {
    const { Hp, Wp } = convOutput(s);
    const N = chwn("im2col", "xpad", xpad, s.C, Hp, Wp);
    const { OW } = this.rowRange("im2col", cols, s, N, oh0, rows);
    if (this.k.checking) own(this.k, "im2col", { xpad, cols });
    this.k.exports.im2col(xpad.ptr, cols.ptr, s.C, Hp, Wp, s.K, s.stride, oh0, rows, OW, N);
  }

  /** dxpad += the scatter of cols for output rows oh0 .. oh0+rows−1 (the caller zeroes dxpad first). */
  col2im(cols: Tensor<"f32">, dxpad: Tensor<"f32">, s: ConvShape, oh0 = 0, rows = convOutput(s).OH): void {
    const { Hp, Wp } = convOutput(s);
    const N = chwn("col2im", "dxpad", dxpad, s.C, Hp, Wp);
    const { OW } = this.rowRange("col2im", cols, s, N, oh0, rows);
    if (this.k.checking) own(this.k, "col2im", { cols, dxpad });
    this.k.exports.col2im(cols.ptr, dxpad.ptr, s.C, Hp, Wp, s.K, s.stride, oh0, rows, OW, N);
  }

  private sparseConv(op: string, w: Csr, plan: SparseConvPlan, s: ConvShape, N: number): { OH: number; OW: number; Wp: number } {
    if (s.stride !== 1 && s.stride !== 2) fail(op, `direct sparse convolution needs stride 1 or 2, got ${s.stride}`);
    if (w.cols !== s.C * s.K * s.K) fail(op, `weights ${w.toString()} do not match ${s.C} input channels of ${s.K}x${s.K}`);
    if (plan.offsets.size !== w.nnz || plan.N !== N || plan.groupPtr.size !== w.rows * (plan.groups + 1)) {
      fail(
        op,
        `the sparse plan (offsets ${plan.offsets.toString()}, batch ${plan.N}, ${plan.groups} channel groups) was not made for ${w.toString()} at batch ${N}`,
      );
    }
    return convOutput(s);
  }

  /** Checks that `t` is the sparse kernels' input for `s` (sparseInputLayout) and returns its N. */
  private sparseInput(op: string, name: string, t: Tensor<"f32">, s: ConvShape, N?: number): number {
    return chwn(op, name, t, s.C, convOutput(s).Hp, sparseInputRow(s, "width"), N);
  }

  /**
   * What the direct sparse kernels need besides the CSR, built once per level and batch size: each
   * kept weight's float offset into the padded input, and where each output channel's weights of
   * each group of input channels start (sconv_fwd walks input channels a group at a time, sized
   * so that the group's input rows near one output chunk (24 floats) fit in half of L1).
   */
  sconvPlan(w: Csr, s: ConvShape, N: number, label: string): SparseConvPlan {
    if (s.stride !== 1 && s.stride !== 2) fail("sconvPlan", `direct sparse convolution needs stride 1 or 2, got ${s.stride}`);
    const layout = sparseInputLayout(s);
    if (w.cols !== s.C * s.K * s.K) fail("sconvPlan", `weights ${w.toString()} do not match ${s.C} input channels of ${s.K}x${s.K}`);
    const KK = s.K * s.K;
    // Bytes one input channel contributes: K rows of (a 32-float allowance for the 24-float chunk + the K−1 shifts of N floats), in 64-byte lines.
    const perChannel = s.K * (Math.ceil((128 + (s.K - 1) * N * 4) / 64) + 1) * 64;
    const widths = [...new Set(GROUP_BUDGETS_BYTES.map((b) => Math.max(1, Math.min(s.C, Math.floor(b / perChannel)))))];
    const ci = w.colIdx.data,
      rp = w.rowPtr.data;
    const off = new Uint32Array(w.nnz);
    for (let r = 0; r < w.rows; r++) {
      for (let p = rp[r]!; p < rp[r + 1]!; p++) {
        const col = ci[p]!,
          c = Math.floor(col / KK),
          q = col - c * KK,
          kh = Math.floor(q / s.K),
          kw = q - kh * s.K;
        if (p > rp[r]! && col < ci[p - 1]!) fail("sconvPlan", `${w.toString()}: column indices of row ${r} are not ascending`);
        off[p] = layout.offset(c, kh, kw) * N;
      }
    }
    const groupings = [...new Set(widths.map((width) => Math.ceil(s.C / width)))].map((groups): SconvGrouping => {
      const width = Math.ceil(s.C / groups);
      const gp = new Uint32Array(w.rows * (groups + 1));
      for (let r = 0; r < w.rows; r++) {
        let g = 0;
        gp[r * (groups + 1)] = rp[r]!;
        for (let p = rp[r]!; p < rp[r + 1]!; p++) {
          const c = Math.floor(ci[p]! / KK);
          while (g < groups - 1 && c >= (g + 1) * width) gp[r * (groups + 1) + ++g] = p;
        }
        while (g < groups) gp[r * (groups + 1) + ++g] = rp[r + 1]!;
      }
      const groupPtr = this.k.alloc([gp.length], "u32", `${label} sparse channel groups (${groups})`);
      groupPtr.data.set(gp);
      return { groups, groupPtr };
    });
    const offsets = this.k.alloc([w.nnz], "u32", `${label} sparse offsets`);
    offsets.data.set(off);
    const first = groupings[0]!;
    return { offsets, groupPtr: first.groupPtr, groups: first.groups, N, groupings };
  }

  /**
   * sconvForward once per candidate grouping of `plan` (best of `repeats` runs each), keeping the
   * fastest for the plan's later calls: which grouping keeps a chunk's input in cache best depends
   * on the machine, and every grouping computes the same bits, so a measured choice costs no
   * determinism. `y` holds the forward's result afterwards, as after sconvForward. Returns the
   * milliseconds of each grouping.
   */
  sconvTune(
    w: Csr,
    plan: SparseConvPlan,
    xpad: Tensor<"f32">,
    y: Tensor<"f32">,
    tile: Tensor<"f32">,
    s: ConvShape,
    epilogue: { bias?: Tensor<"f32"> | null; relu?: boolean } = {},
    repeats = 2,
  ): number[] {
    const ms = plan.groupings.map((g) => {
      plan.groupPtr = g.groupPtr;
      plan.groups = g.groups;
      let best = Number.POSITIVE_INFINITY;
      for (let r = 0; r < (plan.groupings.length > 1 ? repeats : 1); r++) {
        const t0 = performance.now();
        this.sconvForward(w, plan, xpad, y, tile, s, epilogue);
        best = Math.min(best, performance.now() - t0);
      }
      return best;
    });
    const fastest = plan.groupings[ms.indexOf(Math.min(...ms))]!;
    plan.groupPtr = fastest.groupPtr;
    plan.groups = fastest.groups;
    plan.tunedMs = ms;
    return ms;
  }

  /**
   * y [M·OH·OW, N] (+)= direct sparse convolution of the sparse input (padForSparse: padded, and for stride 2 split by column parity); `tile` holds M·32
   * floats (sconvTileFloats). With `bias` and/or `relu` (not with `accumulate`), y = relu(conv + bias)
   * in the kernel's stores, bit for bit what biasAct after it gives.
   */
  sconvForward(
    w: Csr,
    plan: SparseConvPlan,
    xpad: Tensor<"f32">,
    y: Tensor<"f32">,
    tile: Tensor<"f32">,
    s: ConvShape,
    options: { accumulate?: boolean; bias?: Tensor<"f32"> | null; relu?: boolean } = {},
  ): void {
    const { OH, OW } = convOutput(s);
    const N = this.sparseInput("sconvForward", "xpad", xpad, s);
    const Wp = sparseInputRow(s, "rowStep");
    this.sparseConv("sconvForward", w, plan, s, N);
    chwn("sconvForward", "y", y, w.rows, OH, OW, N);
    if (tile.size < sconvTileFloats(w.rows)) fail("sconvForward", `tile needs ${sconvTileFloats(w.rows)} floats, got ${tile.toString()}`);
    const { accumulate = false, bias = null, relu = false } = options;
    if (accumulate && (bias || relu)) fail("sconvForward", "bias and ReLU apply to a whole sum: not with accumulate");
    if (bias && bias.size !== w.rows) fail("sconvForward", `bias needs ${w.rows} entries (one per output channel), got ${bias.toString()}`);
    if (this.k.checking) {
      own(this.k, "sconvForward", bias ? { xpad, y, tile, bias } : { xpad, y, tile });
      ownCsr(this.k, "sconvForward", w);
    }
    this.k.exports.sconv_fwd(
      w.rowPtr.ptr,
      plan.groupPtr.ptr,
      plan.groups,
      plan.offsets.ptr,
      w.values.ptr,
      xpad.ptr,
      y.ptr,
      tile.ptr,
      w.rows,
      OH,
      OW,
      N,
      Wp,
      accumulate,
      bias ? bias.ptr : 0,
      relu,
    );
  }

  /**
   * The input gradient of a sparse stride-1 convolution is itself a sparse convolution: of the
   * output gradient (padded by K−1−pad) with the weights transposed (input channels as rows) and
   * rotated by 180°. Builds that weight's CSR once per level (rows C, columns (co·K + K−1−kh)·K +
   * K−1−kw, ascending) and `perm`, the position of each of its entries in w's values, so that
   * each step only gathers the current values (gatherValues). Allocates in the caller's arena.
   */
  sconvTranspose(w: Csr, s: ConvShape, label: string): { csr: Csr; perm: Tensor<"u32">; shape: ConvShape } {
    const op = "sconvTranspose";
    if (s.stride !== 1) fail(op, `direct sparse convolution needs stride 1, got ${s.stride}`);
    const KK = s.K * s.K,
      M = w.rows,
      C = s.C;
    if (w.cols !== C * KK) fail(op, `weights ${w.toString()} do not match ${C} input channels of ${s.K}x${s.K}`);
    const rp = w.rowPtr.data,
      ci = w.colIdx.data;
    const counts = new Uint32Array(C + 1);
    for (let p = 0; p < w.nnz; p++) counts[Math.floor(ci[p]! / KK) + 1]!++;
    for (let c = 0; c < C; c++) counts[c + 1]! += counts[c]!;
    const tRowPtr = Uint32Array.from(counts),
      fillAt = Uint32Array.from(counts.subarray(0, C));
    const tCol = new Uint32Array(w.nnz),
      tPerm = new Uint32Array(w.nnz);
    // Rows of w ascending and each row's entries descending: every input channel's list comes out
    // with (co, K−1−kh, K−1−kw) ascending.
    for (let co = 0; co < M; co++) {
      for (let p = rp[co + 1]! - 1; p >= rp[co]!; p--) {
        const col = ci[p]!,
          c = Math.floor(col / KK),
          r = col - c * KK;
        const q = fillAt[c]!++;
        tCol[q] = co * KK + (KK - 1 - r);
        tPerm[q] = p;
      }
    }
    const rowPtr = this.k.alloc([C + 1], "u32", `${label} transposed rowPtr`);
    const colIdx = this.k.alloc([Math.max(1, w.nnz)], "u32", `${label} transposed colIdx`);
    const perm = this.k.alloc([Math.max(1, w.nnz)], "u32", `${label} transposed perm`);
    const values = this.k.alloc([Math.max(1, w.nnz)], "f32", `${label} transposed values`);
    rowPtr.data.set(tRowPtr);
    colIdx.data.set(tCol);
    perm.data.set(tPerm);
    const { OH, OW } = convOutput(s);
    const shape: ConvShape = { C: M, H: OH, W: OW, K: s.K, stride: 1, pad: s.K - 1 - s.pad };
    return { csr: new Csr(C, M * KK, w.nnz, rowPtr, colIdx.rows(0, w.nnz), values.rows(0, w.nnz)), perm: perm.rows(0, w.nnz), shape };
  }

  /** dvalues [nnz] (+)= weight gradient at the kept weights only. */
  sconvWeightGrad(w: Csr, plan: SparseConvPlan, dy: Tensor<"f32">, xpad: Tensor<"f32">, dvalues: Tensor<"f32">, s: ConvShape, accumulate = false): void {
    const { OH, OW } = convOutput(s);
    const N = this.sparseInput("sconvWeightGrad", "xpad", xpad, s);
    const Wp = sparseInputRow(s, "rowStep");
    this.sparseConv("sconvWeightGrad", w, plan, s, N);
    chwn("sconvWeightGrad", "dy", dy, w.rows, OH, OW, N);
    if (dvalues.size !== w.nnz) fail("sconvWeightGrad", `dvalues must have nnz = ${w.nnz} entries, got ${dvalues.toString()}`);
    if (this.k.checking) {
      own(this.k, "sconvWeightGrad", { dy, xpad, dvalues });
      ownCsr(this.k, "sconvWeightGrad", w);
    }
    this.k.exports.sconv_dw(w.rowPtr.ptr, plan.offsets.ptr, dy.ptr, xpad.ptr, dvalues.ptr, w.rows, OH, OW, N, Wp, accumulate);
  }

  /**
   * Winograd F(2x2,3x3) pieces (assembly/winograd.ts) for 3x3 stride-1 "same" convolutions with an
   * even output height and width. `tiles` is the block length Tb (tiles of one tile row per block).
   */
  winogradWeights(w: Tensor<"f32">, u: Tensor<"f32">, M: number, C: number): void {
    if (w.size !== M * C * 9) fail("winogradWeights", `w must hold ${M}x${C}x3x3 weights, got ${w.toString()}`);
    this.winogradWeightsFit("winogradWeights", "u", u, M, C);
    if (this.k.checking) {
      own(this.k, "winogradWeights", { w, u });
    }
    this.k.exports.wino_weights(w.ptr, u.ptr, M, C);
  }

  /** dw [M·C·3·3] (+)= the weight gradient from the transformed one du [16·M·C] (Gᵀ·dU·G per channel pair). */
  winogradWeightGrad(du: Tensor<"f32">, dw: Tensor<"f32">, M: number, C: number, accumulate = false): void {
    if (dw.size !== M * C * 9) fail("winogradWeightGrad", `dw must hold ${M}x${C}x3x3 weights, got ${dw.toString()}`);
    this.winogradWeightsFit("winogradWeightGrad", "du", du, M, C);
    if (this.k.checking) {
      own(this.k, "winogradWeightGrad", { du, dw });
    }
    this.k.exports.wino_weight_grad(du.ptr, dw.ptr, M, C, accumulate);
  }

  /**
   * Floats of a Winograd block buffer (v and dv with rows = C, mb and dm with rows = M) for blocks
   * of `tiles` tiles at batch N: 16 planes of rows x tiles·N, each padded to an odd number of
   * 64-byte lines so the transforms' 16 streams do not share one L1 set (assembly/winograd.ts).
   */
  winogradBlockFloats(rows: number, tiles: number, N: number): number {
    return 16 * this.k.exports.wino_plane_floats(rows, tiles * N);
  }

  /** Floats of the transformed weights u or their gradient du ([16][M][C], planes padded as in winogradBlockFloats). */
  winogradWeightFloats(M: number, C: number): number {
    return 16 * this.k.exports.wino_plane_floats(M, C);
  }

  /** Fails unless `t` holds the transformed weights of an M x C layer (winogradWeightFloats). */
  private winogradWeightsFit(op: string, name: string, t: Tensor<"f32">, M: number, C: number): void {
    const floats = this.winogradWeightFloats(M, C);
    if (t.size < floats) fail(op, `${name} needs ${floats} floats (winogradWeightFloats(${M}, ${C})), got ${t.toString()}`);
  }

  private winogradShape(
    op: string,
    s: ConvShape,
    M: number,
    N: number,
    tiles: number,
    blocks: Record<string, [Tensor<"f32">, number]>,
  ): { OH: number; OW: number } {
    const { OH, OW } = convOutput(s);
    if (s.K !== 3 || s.stride !== 1 || s.pad !== 1 || OH % 2 || OW % 2)
      fail(
        op,
        `Winograd F(2x2,3x3) needs a 3x3 stride-1 pad-1 convolution with an even output size, got ${s.K}x${s.K} stride ${s.stride} pad ${s.pad}, output ${OH}x${OW}`,
      );
    if (!Number.isInteger(tiles) || tiles < 1 || tiles > OW / 2) fail(op, `block of ${tiles} tiles is outside 1..${OW / 2}`);
    for (const [name, [t, rows]] of Object.entries(blocks)) {
      const floats = this.winogradBlockFloats(rows, tiles, N);
      if (t.size < floats) fail(op, `${name} needs ${floats} floats (winogradBlockFloats(${rows}, ${tiles}, ${N})), got ${t.toString()}`);
    }
    void M;
    return { OH, OW };
  }

  /**
   * y [M·OH·OW, N] = conv(x, U) + bias, then ReLU when asked; U from winogradWeights. x is the
   * layer's input as it is ([C·H·W, N], not padded: the kernel reads the padding as zeros).
   */
  winogradForward(
    x: Tensor<"f32">,
    u: Tensor<"f32">,
    v: Tensor<"f32">,
    mb: Tensor<"f32">,
    y: Tensor<"f32">,
    bias: Tensor<"f32"> | null,
    s: ConvShape,
    M: number,
    tiles: number,
    relu: boolean,
  ): void {
    const N = chwn("winogradForward", "x", x, s.C, s.H, s.W);
    const { OH, OW } = this.winogradShape("winogradForward", s, M, N, tiles, { v: [v, s.C], mb: [mb, M] });
    chwn("winogradForward", "y", y, M, OH, OW, N);
    this.winogradWeightsFit("winogradForward", "u", u, M, s.C);
    if (bias && bias.size !== M) fail("winogradForward", `bias needs ${M} entries, got ${bias.toString()}`);
    if (this.k.checking) {
      own(this.k, "winogradForward", { x, u, v, mb, y, bias });
    }
    this.k.exports.wino_forward(x.ptr, u.ptr, v.ptr, mb.ptr, y.ptr, bias ? bias.ptr : 0, s.C, M, OH, OW, N, tiles, relu, this.k.gemmWorkspace);
  }

  /**
   * du [16·M·C] = transformed weight gradient; dx += input gradient when given (zeroed by the
   * caller). x and dx are the layer's input and its gradient as they are ([C·H·W, N], not padded).
   */
  winogradBackward(
    x: Tensor<"f32">,
    dy: Tensor<"f32">,
    u: Tensor<"f32">,
    v: Tensor<"f32">,
    dm: Tensor<"f32">,
    dv: Tensor<"f32">,
    du: Tensor<"f32">,
    dx: Tensor<"f32"> | null,
    s: ConvShape,
    M: number,
    tiles: number,
  ): void {
    const N = chwn("winogradBackward", "x", x, s.C, s.H, s.W);
    const { OH, OW } = this.winogradShape("winogradBackward", s, M, N, tiles, { v: [v, s.C], dm: [dm, M], dv: [dv, s.C] });
    chwn("winogradBackward", "dy", dy, M, OH, OW, N);
    if (dx) chwn("winogradBackward", "dx", dx, s.C, s.H, s.W, N);
    this.winogradWeightsFit("winogradBackward", "u", u, M, s.C);
    this.winogradWeightsFit("winogradBackward", "du", du, M, s.C);
    if (this.k.checking) {
      own(this.k, "winogradBackward", { x, dy, u, v, dm, dv, du, dx });
    }
    this.k.exports.wino_backward(x.ptr, dy.ptr, u.ptr, v.ptr, dm.ptr, dv.ptr, du.ptr, dx ? dx.ptr : 0, s.C, M, OH, OW, N, tiles, this.k.gemmWorkspace);
  }

  /** y = 2x2 max pooling, stride 2, of x [C·H·W, N] (H and W even). */
  maxpoolForward(x: Tensor<"f32">, y: Tensor<"f32">, C: number, H: number, W: number): void {
    if (H % 2 || W % 2) fail("maxpoolForward", `2x2 pooling needs an even height and width, got ${H}x${W}`);
    const N = chwn("maxpoolForward", "x", x, C, H, W);
    chwn("maxpoolForward", "y", y, C, H / 2, W / 2, N);
    if (this.k.checking) {
      own(this.k, "maxpoolForward", { x, y });
    }
    this.k.exports.maxpool2_fwd(x.ptr, y.ptr, C, H, W, N);
  }

  /** dx = dy routed to each window's maximum (the first, on ties), zero elsewhere. */
  maxpoolBackward(x: Tensor<"f32">, y: Tensor<"f32">, dy: Tensor<"f32">, dx: Tensor<"f32">, C: number, H: number, W: number): void {
    const N = chwn("maxpoolBackward", "x", x, C, H, W);
    chwn("maxpoolBackward", "dx", dx, C, H, W, N);
    chwn("maxpoolBackward", "y", y, C, H / 2, W / 2, N);
    chwn("maxpoolBackward", "dy", dy, C, H / 2, W / 2, N);
    if (this.k.checking) {
      own(this.k, "maxpoolBackward", { x, y, dy, dx });
    }
    this.k.exports.maxpool2_bwd(x.ptr, y.ptr, dy.ptr, dx.ptr, C, H, W, N);
  }

  /** y [C, N] = the mean over the P positions of each channel of x [C·P, N] (global average pooling). */
  avgpoolForward(x: Tensor<"f32">, y: Tensor<"f32">, C: number, P: number): void {
    const N = chwn("avgpoolForward", "x", x, C, P, 1);
    chwn("avgpoolForward", "y", y, C, 1, 1, N);
    if (this.k.checking) {
      own(this.k, "avgpoolForward", { x, y });
    }
    this.k.exports.avgpool_fwd(x.ptr, y.ptr, C, P, N);
  }

  /** dx [C·P, N] = dy [C, N] / P at every position. */
  avgpoolBackward(dy: Tensor<"f32">, dx: Tensor<"f32">, C: number, P: number): void {
    const N = chwn("avgpoolBackward", "dx", dx, C, P, 1);
    chwn("avgpoolBackward", "dy", dy, C, 1, 1, N);
    if (this.k.checking) {
      own(this.k, "avgpoolBackward", { dy, dx });
    }
    this.k.exports.avgpool_bwd(dy.ptr, dx.ptr, C, P, N);
  }

  // Batch norm pieces; x is [C·P, N] seen as C channels of M = P·N values.
  private channels(op: string, x: Tensor<"f32">, C: number, ...perChannel: Tensor<"f32">[]): number {
    if (x.size % C !== 0) fail(op, `${x.toString()} does not split into ${C} channels`);
    for (const t of perChannel) if (t.size !== C) fail(op, `per-channel tensors need ${C} entries, got ${t.toString()}`);
    return x.size / C;
  }

  /**
   * Per channel and example, over positions, in one pass: mean [C, N] the example's mean and m2
   * [C, N] its sum of squared deviations from that mean (batch-norm statistics; see
   * channel_col_moments for why the results do not depend on how the batch is split).
   */
  channelColumnMoments(x: Tensor<"f32">, mean: Tensor<"f32">, m2: Tensor<"f32">, C: number): void {
    const [P, N] = this.columns("channelColumnMoments", x, C, mean);
    this.columns("channelColumnMoments", x, C, m2);
    if (this.k.checking) {
      own(this.k, "channelColumnMoments", { x, mean, m2 });
    }
    this.k.exports.channel_col_moments(x.ptr, mean.ptr, m2.ptr, C, P, N);
  }

  /**
   * Per channel and example: sum1 = Σ dy, sum2 = Σ dy·(x − mean)·invstd over positions (the
   * batch-norm backward reductions). With `relu` (the layer's γ and β), dy counts only where the
   * fused ReLU's output x·γ·invstd + β − mean·γ·invstd was positive, recomputed from x as bnApply
   * computes it (the same positions reluBackward would keep, without reading y or writing dy).
   */
  channelColumnGradSums(
    dy: Tensor<"f32">,
    x: Tensor<"f32">,
    mean: Tensor<"f32">,
    invstd: Tensor<"f32">,
    sum1: Tensor<"f32">,
    sum2: Tensor<"f32">,
    C: number,
    relu?: { gamma: Tensor<"f32">; beta: Tensor<"f32"> },
  ): void {
    const [P, N] = this.columns("channelColumnGradSums", x, C, sum1);
    this.columns("channelColumnGradSums", x, C, sum2);
    if (dy.size !== x.size || mean.size !== C || invstd.size !== C)
      fail(
        "channelColumnGradSums",
        `dy ${dy.toString()}, mean ${mean.toString()}, invstd ${invstd.toString()} do not match x ${x.toString()} with ${C} channels`,
      );
    if (this.k.checking) {
      own(this.k, "channelColumnGradSums", { dy, x, mean, invstd, sum1, sum2 });
    }
    if (relu) {
      this.channels("channelColumnGradSums", x, C, relu.gamma, relu.beta);
      if (this.k.checking) own(this.k, "channelColumnGradSums", { gamma: relu.gamma, beta: relu.beta });
      this.k.exports.channel_col_grad_sums_relu(dy.ptr, x.ptr, mean.ptr, invstd.ptr, relu.gamma.ptr, relu.beta.ptr, sum1.ptr, sum2.ptr, C, P, N);
    } else {
      this.k.exports.channel_col_grad_sums(dy.ptr, x.ptr, mean.ptr, invstd.ptr, sum1.ptr, sum2.ptr, C, P, N);
    }
  }

  private columns(op: string, x: Tensor<"f32">, C: number, out: Tensor<"f32">): [number, number] {
    if (x.shape.length !== 2 || x.shape[0]! % C !== 0) fail(op, `x must be [C·P, N] with C = ${C}, got ${x.toString()}`);
    const N = x.shape[1]!;
    if (out.size !== C * N) fail(op, `out must have ${C}x${N} entries, got ${out.toString()}`);
    return [x.shape[0]! / C, N];
  }

  /** y = (x − mean)·invstd·gamma + beta per channel, then ReLU when asked. */
  bnApply(
    x: Tensor<"f32">,
    y: Tensor<"f32">,
    mean: Tensor<"f32">,
    invstd: Tensor<"f32">,
    gamma: Tensor<"f32">,
    beta: Tensor<"f32">,
    C: number,
    relu: boolean,
  ): void {
    const M = this.channels("bnApply", x, C, mean, invstd, gamma, beta);
    if (y.size !== x.size) fail("bnApply", `y ${y.toString()} and x ${x.toString()} differ in size`);
    if (this.k.checking) {
      own(this.k, "bnApply", { x, y, mean, invstd, gamma, beta });
    }
    this.k.exports.bn_apply(x.ptr, y.ptr, mean.ptr, invstd.ptr, gamma.ptr, beta.ptr, C, M, relu);
  }

  /** dx of batch norm from dy and the reductions sum1, sum2 over `count` values per channel; with `reluBeta` (the layer's β), behind its fused ReLU as in channelColumnGradSums. */
  bnBackward(
    dy: Tensor<"f32">,
    x: Tensor<"f32">,
    dx: Tensor<"f32">,
    mean: Tensor<"f32">,
    invstd: Tensor<"f32">,
    gamma: Tensor<"f32">,
    sum1: Tensor<"f32">,
    sum2: Tensor<"f32">,
    C: number,
    count: number,
    reluBeta?: Tensor<"f32">,
  ): void {
    const M = this.channels("bnBackward", x, C, mean, invstd, gamma, sum1, sum2);
    if (dy.size !== x.size || dx.size !== x.size) fail("bnBackward", `dy, x and dx differ in size`);
    if (this.k.checking) {
      own(this.k, "bnBackward", { dy, x, dx, mean, invstd, gamma, sum1, sum2 });
    }
    if (reluBeta) {
      this.channels("bnBackward", x, C, reluBeta);
      if (this.k.checking) own(this.k, "bnBackward", { reluBeta });
      this.k.exports.bn_backward_relu(dy.ptr, x.ptr, dx.ptr, mean.ptr, invstd.ptr, gamma.ptr, reluBeta.ptr, sum1.ptr, sum2.ptr, C, M, count);
    } else {
      this.k.exports.bn_backward(dy.ptr, x.ptr, dx.ptr, mean.ptr, invstd.ptr, gamma.ptr, sum1.ptr, sum2.ptr, C, M, count);
    }
  }
}
