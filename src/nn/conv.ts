import { convOutput, type ConvShape, type Kernels, type MatrixView, sconvTileFloats, sparseInputLayout, type Tensor } from "../kernels/index.js";
import type { Grads, Layer, LayerRun } from "./layer.js";
import type { ParamFactory } from "./network.js";
import type { Param } from "./param.js";
import type { Scratch } from "./scratch.js";
import type { ExecutionPlan } from "./plan.js";

/**
 * im2col blocks are cut to about this many floats (1 MB, at least one output row), so a block is
 * still in cache when the GEMM reads it: with 16 MB blocks, two threads sharing the memory
 * bandwidth trained Conv-2 only 1.54x faster than one; with 1 MB blocks, 1.85x.
 */
const COLUMN_BLOCK_FLOATS = 2 ** 18;

/**
 * How a dense convolution runs: Winograd F(2x2,3x3) (3x3 stride 1 with an even output size;
 * 2.25x fewer multiply-adds) or im2col + GEMM (every shape). "auto" takes Winograd wherever it
 * applies and measured faster (see `denseAlgorithm`). Sparse weights always run direct.
 */
export type ConvAlgorithm = "auto" | "winograd" | "im2col";

/** Settings of a {@link Conv2d} beyond its shape. */
export interface ConvOptions {
  /** 1 (default) or 2; the padding is always (kernel - 1) / 2 ("same" at stride 1). */
  stride?: number;
  /** Whether the layer has a bias (default true). */
  bias?: boolean;
  /** Fused ReLU on the output (default false). */
  relu?: boolean;
  /** Pruning kind of the weight: "conv" (default) or "shortcut" (ResNet's 1x1 projections). */
  kind?: "conv" | "shortcut";
  /** Dense algorithm (tests force one; models use "auto"). */
  algorithm?: ConvAlgorithm;
}

/** Columns (tiles x examples) of one Winograd block: its transformed tiles stay in cache between the transforms and the 16 GEMMs. */
const WINOGRAD_BLOCK_COLUMNS = 128;

/**
 * Whether a dense convolution of this shape runs as Winograd. Winograd needs 3x3, stride 1, pad 1
 * and an even output; it loses where the GEMMs are too thin to pay for the transforms (few input
 * or output channels: the first layer's 3 input channels).
 */
export function winogradApplies(s: ConvShape): boolean {
  const { OH, OW } = convOutput(s);
  return s.K === 3 && s.stride === 1 && s.pad === 1 && OH % 2 === 0 && OW % 2 === 0;
}

function denseAlgorithm(requested: ConvAlgorithm, s: ConvShape, M: number): "winograd" | "im2col" | "im2col-strided" {
  if (requested === "im2col" || !winogradApplies(s)) {
    if (requested === "winograd") throw new Error(`Winograd needs a 3x3 stride-1 convolution with an even output size`);
    // Strided layers have their own break-even: their sparse input gradient scatters.
    return s.stride === 1 ? "im2col" : "im2col-strided";
  }
  if (requested === "winograd") return "winograd";
  return s.C >= 8 && M >= 8 ? "winograd" : "im2col";
}

/**
 * 2-D convolution on CHWN activations (3x3 "same" with stride 1 or 2, and 1x1 shortcuts), with
 * an optional bias and fused ReLU. Three ways to run it, fixed per layer when a replica is bound:
 * - Winograd F(2x2,3x3) (assembly/winograd.ts) for dense 3x3 stride-1 layers with an even output
 * size: 2.25x fewer multiply-adds than im2col, bias and ReLU fused into its output transform, the
 * input and its gradient used unpadded (its edge tiles read the padding as zeros);
 * - im2col + GEMM over blocks of output rows for every other dense layer (a full im2col of
 * Conv-2's second layer at batch 60 would be 141 MB);
 * - direct sparse kernels for a pruned weight running sparse this level: work proportional to the
 * kept weights and no im2col at all. Stride 1: the input gradient is the same kernel on the
 * transposed weights. Stride 2: the kernels read the input split by column parity (an output
 * row's taps become contiguous runs), and the input gradient is the forward's transpose (scaled
 * rows of dy added at each kept weight's offset).
 */
export class Conv2d implements Layer {
  readonly weight: Param;
  readonly bias: Param | null;
  readonly params: readonly Param[];
  readonly stride: number;
  readonly pad: number;
  private readonly relu: boolean;
  private readonly algorithm: ConvAlgorithm;

  /** `inputShape` [C, H, W] fixes how often each weight is used (for the thread cost estimate). */
  constructor(
    factory: ParamFactory,
    readonly name: string,
    readonly inputShape: readonly [number, number, number],
    readonly outChannels: number,
    readonly kernel: number,
    options: ConvOptions = {},
  ) {
    this.stride = options.stride ?? 1;
    this.pad = (kernel - 1) >> 1;
    this.relu = options.relu ?? false;
    this.algorithm = options.algorithm ?? "auto";
    const [C] = inputShape;
    const { OH, OW } = convOutput(this.shape());
    this.weight = factory.param(
      `${name}.weight`,
      [outChannels, C, kernel, kernel],
      options.kind ?? "conv",
      true,
      C * kernel * kernel,
      outChannels * kernel * kernel,
      OH * OW,
    );
    // Stride 2 runs sparse through a column-parity split of the input (sparseInputLayout).
    this.weight.sparseCapable = this.stride === 1 || this.stride === 2;
    this.weight.denseKind = denseAlgorithm(this.algorithm, this.shape(), outChannels);
    this.bias = (options.bias ?? true) ? factory.param(`${name}.bias`, [outChannels], "bias", false, C * kernel * kernel, outChannels) : null;
    this.params = this.bias ? [this.weight, this.bias] : [this.weight];
  }

  private shape(): ConvShape {
    const [C, H, W] = this.inputShape;
    return { C, H, W, K: this.kernel, stride: this.stride, pad: this.pad };
  }

  outputShape(input: readonly number[]): number[] {
    const [C, H, W] = this.inputShape;
    if (input.length !== 3 || input[0] !== C || input[1] !== H || input[2] !== W) {
      throw new Error(`${this.name}: built for input [${C},${H},${W}], got [${input.join(",")}]`);
    }
    const { OH, OW } = convOutput(this.shape());
    return [this.outChannels, OH, OW];
  }

  bind(k: Kernels, _input: readonly number[], N: number, scratch: Scratch, level: ExecutionPlan, training = true): LayerRun {
    const s = this.shape();
    const { OH, OW, Hp, Wp } = convOutput(s);
    const { weight: w, bias: b, relu } = this;
    const cv = k.conv;
    const M = this.outChannels,
      CKK = s.C * s.K * s.K;
    const padded = s.pad > 0;
    const csr = level.csrOf(w);
    const plan = csr ? cv.sconvPlan(csr, s, N, w.name) : null;
    // Stride 2: the sparse kernels read the padded input split by column parity (as big as the
    // padded input, rounded up to an even width), and the input gradient is their transpose
    // (sconvScatter) into that layout, then unpadded.
    const strided = s.stride !== 1;
    const sparseInputFloats = s.C * Hp * sparseInputLayout(s).width * N;
    if (csr && strided) {
      scratch.reserve("padded", sparseInputFloats);
      if (training) scratch.reserve("paddedGrad", sparseInputFloats);
    }
    // Stride 1: the input gradient runs as the forward kernel on the transposed, rotated weights
    // over the padded output gradient (each input row's sums held in registers, no scattered
    // updates). (Training runs only: evaluation and inference never run backward.)
    const transposed = csr && training && !strided ? cv.sconvTranspose(csr, s, w.name) : null;
    const transposedPlan = transposed ? cv.sconvPlan(transposed.csr, transposed.shape, N, `${w.name} transposed`) : null;
    if (csr) scratch.reserve("sparseTile", sconvTileFloats(Math.max(M, s.C)));
    if (transposed) {
      const t = transposed.shape;
      scratch.reserve("paddedGrad", t.C * (t.H + 2 * t.pad) * (t.W + 2 * t.pad) * N);
    }
    const algorithm = csr ? "sparse" : w.denseKind === "winograd" ? "winograd" : "im2col";
    // Padded copies of the input and its gradient (Winograd reads the padding as zeros instead).
    if (padded && algorithm !== "winograd") {
      scratch.reserve("padded", s.C * Hp * Wp * N);
      scratch.reserve("paddedGrad", s.C * Hp * Wp * N);
    }
    const rowsPerBlock = Math.max(1, Math.min(OH, Math.floor(COLUMN_BLOCK_FLOATS / (CKK * OW * N))));
    if (algorithm === "im2col") scratch.reserve("columns", CKK * rowsPerBlock * OW * N);
    const tiles = Math.max(1, Math.min(OW / 2, Math.round(WINOGRAD_BLOCK_COLUMNS / N)));
    // Winograd's buffers (16 planes each, padded so their planes do not share L1 sets).
    const winoFloats =
      algorithm === "winograd"
        ? { u: cv.winogradWeightFloats(M, s.C), v: cv.winogradBlockFloats(s.C, tiles, N), m: cv.winogradBlockFloats(M, tiles, N) }
        : null;
    if (winoFloats) {
      scratch.reserve("winoU", winoFloats.u);
      scratch.reserve("winoDU", winoFloats.u);
      scratch.reserve("winoV", winoFloats.v);
      scratch.reserve("winoDV", winoFloats.v);
      scratch.reserve("winoM", winoFloats.m);
    }
    /** Views of the slots, taken at the first run (the replica allocates its scratch after binding) and kept: no per-step objects. */
    let winoViews: { u: Tensor<"f32">; du: Tensor<"f32">; v: Tensor<"f32">; dv: Tensor<"f32">; m: Tensor<"f32"> } | null = null;
    const wino = () =>
      (winoViews ??= {
        u: scratch.view("winoU", winoFloats!.u, 1),
        du: scratch.view("winoDU", winoFloats!.u, 1),
        v: scratch.view("winoV", winoFloats!.v, 1),
        dv: scratch.view("winoDV", winoFloats!.v, 1),
        m: scratch.view("winoM", winoFloats!.m, 1),
      });
    const L = OH * OW * N;
    const weightMatrix: MatrixView = { t: w.value, offset: 0, rows: M, cols: CKK, ld: CKK };

    const epilogue = { bias: b ? b.value : null, relu },
      noEpilogue = {};
    /** The sparse forward kernel; a plan's first call times its channel groupings and keeps the fastest (same bits either way). */
    const sparseForward: typeof cv.sconvForward = (wc, p, xin, out, tile, shape, options) => {
      if (p.tunedMs) cv.sconvForward(wc, p, xin, out, tile, shape, options);
      else cv.sconvTune(wc, p, xin, out, tile, shape, options);
    };

    /** The padded input (the input itself when there is no padding); for a sparse strided layer, its column-parity split. */
    const padInput = (x: Tensor<"f32">): Tensor<"f32"> => {
      if (csr && strided) {
        const xq = scratch.view("padded", sparseInputFloats / N, N);
        cv.padForSparse(x, xq, s);
        return xq;
      }
      if (!padded) return x;
      const xpad = scratch.view("padded", s.C * Hp * Wp, N);
      cv.pad(x, xpad, s.C, s.H, s.W, s.pad);
      return xpad;
    };
    const blocks = function* (): Generator<[number, number]> {
      for (let oh0 = 0; oh0 < OH; oh0 += rowsPerBlock) yield [oh0, Math.min(rowsPerBlock, OH - oh0)];
    };

    return {
      forward(x: Tensor<"f32">, y: Tensor<"f32">): void {
        if (algorithm === "winograd") {
          // Winograd reads the padding as zeros itself: no padded copy of x.
          const { u, v, m } = wino();
          cv.winogradWeights(w.value, u, M, s.C);
          cv.winogradForward(x, u, v, m, y, b ? b.value : null, s, M, tiles, relu);
          return;
        }
        const xpad = padInput(x);
        if (csr) {
          // Bias and ReLU go into the kernel's stores (no second pass over y).
          sparseForward(csr, plan!, xpad, y, scratch.view("sparseTile", M, 32), s, epilogue);
          return;
        }
        for (const [oh0, rows] of blocks()) {
          const cols = scratch.view("columns", CKK, rows * OW * N);
          cv.im2col(xpad, cols, s, oh0, rows);
          k.dense.gemmStrided(
            weightMatrix,
            { t: cols, offset: 0, rows: CKK, cols: rows * OW * N, ld: rows * OW * N },
            { t: y, offset: oh0 * OW * N, rows: M, cols: rows * OW * N, ld: L },
          );
        }
        if (b) k.elementwise.biasAct(y.reshape([M, L]), b.value, relu);
        else if (relu) k.elementwise.relu(y, y);
      },

      backward(x: Tensor<"f32">, y: Tensor<"f32">, dy: Tensor<"f32">, dx: Tensor<"f32"> | null, grads: Grads): void {
        const dy2 = dy.reshape([M, L]);
        // ReLU's mask and the bias gradient in one pass over dy when the layer has both.
        if (relu && b) k.elementwise.reluBiasGrad(y.reshape([M, L]), dy2, grads.get(b)!);
        else if (relu) k.elementwise.reluBackward(y, dy, dy);
        else if (b) k.elementwise.biasGrad(dy2, grads.get(b)!);
        if (algorithm === "winograd") {
          // Unpadded input and input gradient (the kernel drops what falls on the padding).
          if (dx) k.elementwise.fill(dx, 0);
          const { u, du, v, dv, m } = wino();
          cv.winogradWeights(w.value, u, M, s.C);
          cv.winogradBackward(x, dy, u, v, m, dv, du, dx, s, M, tiles);
          cv.winogradWeightGrad(du, grads.get(w)!, M, s.C);
          return;
        }
        const xpad = padInput(x);
        if (csr) {
          cv.sconvWeightGrad(csr, plan!, dy, xpad, grads.get(w)!, s);
          if (dx && strided) {
            const dxq = scratch.view("paddedGrad", sparseInputFloats / N, N);
            k.elementwise.fill(dxq, 0);
            cv.sconvScatter(csr, plan!, dy, dxq, s);
            cv.unpadFromSparse(dxq, dx, s);
          } else if (dx) {
            const t = transposed!.shape,
              tp = t.pad;
            const dypad = tp > 0 ? scratch.view("paddedGrad", t.C * (t.H + 2 * tp) * (t.W + 2 * tp), N) : dy;
            if (tp > 0) cv.pad(dy, dypad, t.C, t.H, t.W, tp);
            k.sparse.gatherValues(csr, transposed!.perm, transposed!.csr);
            sparseForward(transposed!.csr, transposedPlan!, dypad, dx, scratch.view("sparseTile", s.C, 32), t, noEpilogue);
          }
          return;
        }
        const dxpad = dx ? (padded ? scratch.view("paddedGrad", s.C * Hp * Wp, N) : dx) : null;
        if (dxpad) k.elementwise.fill(dxpad, 0);
        const dw = grads.get(w)!;
        let first = true;
        for (const [oh0, rows] of blocks()) {
          const n = rows * OW * N;
          const cols = scratch.view("columns", CKK, n);
          const dyBlock: MatrixView = { t: dy, offset: oh0 * OW * N, rows: M, cols: n, ld: L };
          cv.im2col(xpad, cols, s, oh0, rows);
          // dW (+)= dY_block · colsᵀ
          k.dense.gemmStrided(
            dyBlock,
            { t: cols, offset: 0, rows: CKK, cols: n, ld: n },
            { t: dw, offset: 0, rows: M, cols: CKK, ld: CKK },
            { transB: true, accumulate: !first },
          );
          first = false;
          if (dxpad) {
            // dcols = Wᵀ · dY_block (into the same block buffer), scattered back into dX
            k.dense.gemmStrided(weightMatrix, dyBlock, { t: cols, offset: 0, rows: CKK, cols: n, ld: n }, { transA: true });
            cv.col2im(cols, dxpad, s, oh0, rows);
          }
        }
        if (dx && padded) cv.unpad(dxpad!, dx, s.C, s.H, s.W, s.pad);
      },
    };
  }
}
