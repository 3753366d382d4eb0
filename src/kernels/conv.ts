// Validated wrappers of the convolution, pooling and batch-norm kernels (assembly/conv.ts,
// pool.ts, norm.ts). Activations are CHWN: a tensor [C·H·W, N] whose per-example shape [C, H, W]
// is passed alongside. Kept separate from kernels.ts to keep each file about one family of ops.
import type { Csr } from "./csr.js";
import type { Kernels } from "./kernels.js";
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

export interface ConvShape {
  /** Input channels, height, width; output channels; kernel size, stride, padding. */
  C: number;
  H: number;
  W: number;
  K: number;
  stride: number;
  pad: number;
}

export function convOutput(s: ConvShape): { OH: number; OW: number; Hp: number; Wp: number } {
  const Hp = s.H + 2 * s.pad, Wp = s.W + 2 * s.pad;
  return { OH: Math.floor((Hp - s.K) / s.stride) + 1, OW: Math.floor((Wp - s.K) / s.stride) + 1, Hp, Wp };
}

export class ConvKernels {
  constructor(private readonly k: Kernels) {}

  pad(x: Tensor<"f32">, xpad: Tensor<"f32">, C: number, H: number, W: number, p: number): void {
    const N = chwn("pad", "x", x, C, H, W);
    chwn("pad", "xpad", xpad, C, H + 2 * p, W + 2 * p, N);
    this.k.exports.pad_chwn(x.ptr, xpad.ptr, C, H, W, N, p);
  }

  unpad(xpad: Tensor<"f32">, x: Tensor<"f32">, C: number, H: number, W: number, p: number, accumulate = false): void {
    const N = chwn("unpad", "x", x, C, H, W);
    chwn("unpad", "xpad", xpad, C, H + 2 * p, W + 2 * p, N);
    this.k.exports.unpad_chwn(xpad.ptr, x.ptr, C, H, W, N, p, accumulate);
  }

  private rowRange(op: string, cols: Tensor<"f32">, s: ConvShape, N: number, oh0: number, rows: number): { OW: number; Hp: number; Wp: number } {
    const { OH, OW, Hp, Wp } = convOutput(s);
    if (!(Number.isInteger(oh0) && Number.isInteger(rows) && oh0 >= 0 && rows > 0 && oh0 + rows <= OH)) fail(op, `output rows [${oh0}, ${oh0 + rows}) are outside 0..${OH}`);
    if (cols.shape[0] !== s.C * s.K * s.K || cols.shape[1] !== rows * OW * N) fail(op, `cols must be [${s.C * s.K * s.K}, ${rows * OW * N}], got ${cols.toString()}`);
    return { OW, Hp, Wp };
  }

  /** cols [C·K·K, rows·OW·N] for output rows oh0 .. oh0+rows−1, from the padded input. */
  im2col(xpad: Tensor<"f32">, cols: Tensor<"f32">, s: ConvShape, oh0 = 0, rows = convOutput(s).OH): void {
    const { Hp, Wp } = convOutput(s);
    const N = chwn("im2col", "xpad", xpad, s.C, Hp, Wp);
    const { OW } = this.rowRange("im2col", cols, s, N, oh0, rows);
    this.k.exports.im2col(xpad.ptr, cols.ptr, s.C, Hp, Wp, s.K, s.stride, oh0, rows, OW, N);
  }

  /** dxpad += the scatter of cols for output rows oh0 .. oh0+rows−1 (the caller zeroes dxpad first). */
  col2im(cols: Tensor<"f32">, dxpad: Tensor<"f32">, s: ConvShape, oh0 = 0, rows = convOutput(s).OH): void {
    const { Hp, Wp } = convOutput(s);
    const N = chwn("col2im", "dxpad", dxpad, s.C, Hp, Wp);
    const { OW } = this.rowRange("col2im", cols, s, N, oh0, rows);
    this.k.exports.col2im(cols.ptr, dxpad.ptr, s.C, Hp, Wp, s.K, s.stride, oh0, rows, OW, N);
  }

  private sparseConv(op: string, w: Csr, offsets: Tensor<"u32">, s: ConvShape, N: number): { OH: number; OW: number; Wp: number } {
    if (s.stride !== 1) fail(op, `direct sparse convolution needs stride 1, got ${s.stride}`);
    if (w.cols !== s.C * s.K * s.K) fail(op, `weights ${w.toString()} do not match ${s.C} input channels of ${s.K}x${s.K}`);
    if (offsets.dtype !== "u32" || offsets.size !== w.nnz) fail(op, `offsets must be u32 [${w.nnz}], got ${offsets.toString()}`);
    void N;
    return convOutput(s);
  }

  /** y [M·OH·OW, N] (+)= direct sparse convolution of the padded input (stride 1). */
  sconvForward(w: Csr, offsets: Tensor<"u32">, xpad: Tensor<"f32">, y: Tensor<"f32">, s: ConvShape, accumulate = false): void {
    const { OH, OW, Hp, Wp } = convOutput(s);
    const N = chwn("sconvForward", "xpad", xpad, s.C, Hp, Wp);
    this.sparseConv("sconvForward", w, offsets, s, N);
    chwn("sconvForward", "y", y, w.rows, OH, OW, N);
    this.k.exports.sconv_fwd(w.rowPtr.ptr, offsets.ptr, w.values.ptr, xpad.ptr, y.ptr, w.rows, OH, OW, N, Wp, accumulate);
  }

  /** dxpad += input gradient of the sparse convolution (the caller zeroes dxpad first). */
  sconvInputGrad(w: Csr, offsets: Tensor<"u32">, dy: Tensor<"f32">, dxpad: Tensor<"f32">, s: ConvShape): void {
    const { OH, OW, Hp, Wp } = convOutput(s);
    const N = chwn("sconvInputGrad", "dxpad", dxpad, s.C, Hp, Wp);
    this.sparseConv("sconvInputGrad", w, offsets, s, N);
    chwn("sconvInputGrad", "dy", dy, w.rows, OH, OW, N);
    this.k.exports.sconv_dx(w.rowPtr.ptr, offsets.ptr, w.values.ptr, dy.ptr, dxpad.ptr, w.rows, OH, OW, N, Wp);
  }

  /** dvalues [nnz] (+)= weight gradient at the kept weights only. */
  sconvWeightGrad(w: Csr, offsets: Tensor<"u32">, dy: Tensor<"f32">, xpad: Tensor<"f32">, dvalues: Tensor<"f32">, s: ConvShape, accumulate = false): void {
    const { OH, OW, Hp, Wp } = convOutput(s);
    const N = chwn("sconvWeightGrad", "xpad", xpad, s.C, Hp, Wp);
    this.sparseConv("sconvWeightGrad", w, offsets, s, N);
    chwn("sconvWeightGrad", "dy", dy, w.rows, OH, OW, N);
    if (dvalues.size !== w.nnz) fail("sconvWeightGrad", `dvalues must have nnz = ${w.nnz} entries, got ${dvalues.toString()}`);
    this.k.exports.sconv_dw(w.rowPtr.ptr, offsets.ptr, dy.ptr, xpad.ptr, dvalues.ptr, w.rows, OH, OW, N, Wp, accumulate);
  }

  /** Float offsets into the padded input of each kept weight (ci, kh, kw) of a K x K convolution. */
  sconvOffsets(w: Csr, offsets: Tensor<"u32">, s: ConvShape, N: number): void {
    const { Hp, Wp } = convOutput(s);
    const ci = w.colIdx.data, out = offsets.data, KK = s.K * s.K;
    if (out.length !== w.nnz) fail("sconvOffsets", `offsets must have ${w.nnz} entries, got ${offsets.toString()}`);
    for (let p = 0; p < w.nnz; p++) {
      const col = ci[p]!, c = Math.floor(col / KK), r = col - c * KK, kh = Math.floor(r / s.K), kw = r - kh * s.K;
      out[p] = ((c * Hp + kh) * Wp + kw) * N;
    }
  }

  maxpoolForward(x: Tensor<"f32">, y: Tensor<"f32">, C: number, H: number, W: number): void {
    if (H % 2 || W % 2) fail("maxpoolForward", `2x2 pooling needs an even height and width, got ${H}x${W}`);
    const N = chwn("maxpoolForward", "x", x, C, H, W);
    chwn("maxpoolForward", "y", y, C, H / 2, W / 2, N);
    this.k.exports.maxpool2_fwd(x.ptr, y.ptr, C, H, W, N);
  }

  maxpoolBackward(x: Tensor<"f32">, y: Tensor<"f32">, dy: Tensor<"f32">, dx: Tensor<"f32">, C: number, H: number, W: number): void {
    const N = chwn("maxpoolBackward", "x", x, C, H, W);
    chwn("maxpoolBackward", "dx", dx, C, H, W, N);
    chwn("maxpoolBackward", "y", y, C, H / 2, W / 2, N);
    chwn("maxpoolBackward", "dy", dy, C, H / 2, W / 2, N);
    this.k.exports.maxpool2_bwd(x.ptr, y.ptr, dy.ptr, dx.ptr, C, H, W, N);
  }

  avgpoolForward(x: Tensor<"f32">, y: Tensor<"f32">, C: number, P: number): void {
    const N = chwn("avgpoolForward", "x", x, C, P, 1);
    chwn("avgpoolForward", "y", y, C, 1, 1, N);
    this.k.exports.avgpool_fwd(x.ptr, y.ptr, C, P, N);
  }

  avgpoolBackward(dy: Tensor<"f32">, dx: Tensor<"f32">, C: number, P: number): void {
    const N = chwn("avgpoolBackward", "dx", dx, C, P, 1);
    chwn("avgpoolBackward", "dy", dy, C, 1, 1, N);
    this.k.exports.avgpool_bwd(dy.ptr, dx.ptr, C, P, N);
  }

  // Batch norm pieces; x is [C·P, N] seen as C channels of M = P·N values.
  private channels(op: string, x: Tensor<"f32">, C: number, ...perChannel: Tensor<"f32">[]): number {
    if (x.size % C !== 0) fail(op, `${x.toString()} does not split into ${C} channels`);
    for (const t of perChannel) if (t.size !== C) fail(op, `per-channel tensors need ${C} entries, got ${t.toString()}`);
    return x.size / C;
  }

  /** Per-channel, per-example sums over positions: out [C, N] from x [C·P, N]. */
  channelColumnSums(x: Tensor<"f32">, out: Tensor<"f32">, C: number): void {
    const [P, N] = this.columns("channelColumnSums", x, C, out);
    this.k.exports.channel_col_sums(x.ptr, out.ptr, C, P, N);
  }

  channelColumnSquaredDeviation(x: Tensor<"f32">, mean: Tensor<"f32">, out: Tensor<"f32">, C: number): void {
    const [P, N] = this.columns("channelColumnSquaredDeviation", x, C, out);
    if (mean.size !== C) fail("channelColumnSquaredDeviation", `mean needs ${C} entries, got ${mean.toString()}`);
    this.k.exports.channel_col_sqdev(x.ptr, mean.ptr, out.ptr, C, P, N);
  }

  channelColumnGradSums(dy: Tensor<"f32">, x: Tensor<"f32">, mean: Tensor<"f32">, invstd: Tensor<"f32">, sum1: Tensor<"f32">, sum2: Tensor<"f32">, C: number): void {
    const [P, N] = this.columns("channelColumnGradSums", x, C, sum1);
    this.columns("channelColumnGradSums", x, C, sum2);
    if (dy.size !== x.size || mean.size !== C || invstd.size !== C) fail("channelColumnGradSums", `dy ${dy.toString()}, mean ${mean.toString()}, invstd ${invstd.toString()} do not match x ${x.toString()} with ${C} channels`);
    this.k.exports.channel_col_grad_sums(dy.ptr, x.ptr, mean.ptr, invstd.ptr, sum1.ptr, sum2.ptr, C, P, N);
  }

  private columns(op: string, x: Tensor<"f32">, C: number, out: Tensor<"f32">): [number, number] {
    if (x.shape.length !== 2 || x.shape[0]! % C !== 0) fail(op, `x must be [C·P, N] with C = ${C}, got ${x.toString()}`);
    const N = x.shape[1]!;
    if (out.size !== C * N) fail(op, `out must have ${C}x${N} entries, got ${out.toString()}`);
    return [x.shape[0]! / C, N];
  }

  bnApply(x: Tensor<"f32">, y: Tensor<"f32">, mean: Tensor<"f32">, invstd: Tensor<"f32">, gamma: Tensor<"f32">, beta: Tensor<"f32">, C: number, relu: boolean): void {
    const M = this.channels("bnApply", x, C, mean, invstd, gamma, beta);
    if (y.size !== x.size) fail("bnApply", `y ${y.toString()} and x ${x.toString()} differ in size`);
    this.k.exports.bn_apply(x.ptr, y.ptr, mean.ptr, invstd.ptr, gamma.ptr, beta.ptr, C, M, relu);
  }

  bnBackward(dy: Tensor<"f32">, x: Tensor<"f32">, dx: Tensor<"f32">, mean: Tensor<"f32">, invstd: Tensor<"f32">, gamma: Tensor<"f32">, sum1: Tensor<"f32">, sum2: Tensor<"f32">, C: number, count: number): void {
    const M = this.channels("bnBackward", x, C, mean, invstd, gamma, sum1, sum2);
    if (dy.size !== x.size || dx.size !== x.size) fail("bnBackward", `dy, x and dx differ in size`);
    this.k.exports.bn_backward(dy.ptr, x.ptr, dx.ptr, mean.ptr, invstd.ptr, gamma.ptr, sum1.ptr, sum2.ptr, C, M, count);
  }
}
