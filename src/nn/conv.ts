// 2-D convolution on CHWN activations (3x3 "same" with stride 1 or 2, and 1x1 shortcuts), with
// an optional bias and fused ReLU. Dense weights run as im2col + GEMM over blocks of output rows
// (a full im2col of Conv-2's second layer at batch 60 would be 141 MB);
// a pruned stride-1 weight running sparse this level uses the direct sparse kernels, whose work is
// proportional to the kept weights and which need no im2col at all.
import { convOutput, type ConvShape, type Kernels, type MatrixView, type Tensor } from "../kernels/index.js";
import { type Grads, type Layer, type LayerRun } from "./layer.js";
import type { ParamFactory } from "./network.js";
import type { Param } from "./param.js";
import type { Scratch } from "./scratch.js";

/**
 * im2col blocks are cut to about this many floats (1 MB, at least one output row), so a block is
 * still in cache when the GEMM reads it: with 16 MB blocks, two threads sharing the memory
 * bandwidth trained Conv-2 only 1.54x faster than one; with 1 MB blocks, 1.85x.
 */
const COLUMN_BLOCK_FLOATS = 2 ** 18;

export interface ConvOptions {
  stride?: number;
  bias?: boolean;
  relu?: boolean;
  kind?: "conv" | "shortcut";
}

export class Conv2d implements Layer {
  readonly weight: Param;
  readonly bias: Param | null;
  readonly params: readonly Param[];
  readonly stride: number;
  readonly pad: number;
  private readonly relu: boolean;

  /** `inputShape` [C, H, W] fixes how often each weight is used (for the thread cost estimate). */
  constructor(factory: ParamFactory, readonly name: string, readonly inputShape: readonly [number, number, number], readonly outChannels: number,
              readonly kernel: number, options: ConvOptions = {}) {
    this.stride = options.stride ?? 1;
    this.pad = (kernel - 1) >> 1;
    this.relu = options.relu ?? false;
    const [C] = inputShape;
    const { OH, OW } = convOutput(this.shape());
    this.weight = factory.param(`${name}.weight`, [outChannels, C, kernel, kernel], options.kind ?? "conv", true, C * kernel * kernel, outChannels * kernel * kernel, OH * OW);
    this.weight.sparseCapable = this.stride === 1;
    this.bias = options.bias ?? true ? factory.param(`${name}.bias`, [outChannels], "bias", false, C * kernel * kernel, outChannels) : null;
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

  bind(k: Kernels, _input: readonly number[], N: number, scratch: Scratch): LayerRun {
    const s = this.shape();
    const { OH, OW, Hp, Wp } = convOutput(s);
    const { weight: w, bias: b, relu } = this;
    const cv = k.conv;
    const M = this.outChannels, CKK = s.C * s.K * s.K;
    const padded = s.pad > 0;
    const paddedFloats = s.C * Hp * Wp * N;
    if (padded) {
      scratch.reserve("padded", paddedFloats);
      scratch.reserve("paddedGrad", paddedFloats);
    }
    const csr = w.csr && s.stride === 1 ? w.csr : null;
    // A pruned weight that stays dense (stride 2) keeps its compact values out of reach: the
    // network only makes stride-1 convolutions sparse (see Network.prepare).
    if (w.csr && !csr) throw new Error(`${w.name}: sparse execution needs stride 1`);
    const offsets: Tensor<"u32"> | null = csr ? k.alloc([csr.nnz], "u32", `${w.name} sparse offsets`) : null;
    if (csr) cv.sconvOffsets(csr, offsets!, s, N);
    const rowsPerBlock = Math.max(1, Math.min(OH, Math.floor(COLUMN_BLOCK_FLOATS / (CKK * OW * N))));
    if (!csr) scratch.reserve("columns", CKK * rowsPerBlock * OW * N);
    const L = OH * OW * N;
    const weightMatrix: MatrixView = { t: w.value, offset: 0, rows: M, cols: CKK, ld: CKK };

    /** The padded input (the input itself when there is no padding). */
    const padInput = (x: Tensor<"f32">): Tensor<"f32"> => {
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
        const xpad = padInput(x);
        if (csr) {
          cv.sconvForward(csr, offsets!, xpad, y, s);
        } else {
          for (const [oh0, rows] of blocks()) {
            const cols = scratch.view("columns", CKK, rows * OW * N);
            cv.im2col(xpad, cols, s, oh0, rows);
            k.gemmStrided(weightMatrix, { t: cols, offset: 0, rows: CKK, cols: rows * OW * N, ld: rows * OW * N }, { t: y, offset: oh0 * OW * N, rows: M, cols: rows * OW * N, ld: L });
          }
        }
        if (b) k.biasAct(y.reshape([M, L]), b.value, relu);
        else if (relu) k.relu(y, y);
      },

      backward(x: Tensor<"f32">, y: Tensor<"f32">, dy: Tensor<"f32">, dx: Tensor<"f32"> | null, grads: Grads): void {
        if (relu) k.reluBackward(y, dy, dy);
        const dy2 = dy.reshape([M, L]);
        if (b) k.biasGrad(dy2, grads.get(b)!);
        const xpad = padInput(x);
        const dxpad = dx ? (padded ? scratch.view("paddedGrad", s.C * Hp * Wp, N) : dx) : null;
        if (dxpad) k.fill(dxpad, 0);
        if (csr) {
          cv.sconvWeightGrad(csr, offsets!, dy, xpad, grads.get(w)!, s);
          if (dxpad) cv.sconvInputGrad(csr, offsets!, dy, dxpad, s);
        } else {
          const dw = grads.get(w)!;
          let first = true;
          for (const [oh0, rows] of blocks()) {
            const n = rows * OW * N;
            const cols = scratch.view("columns", CKK, n);
            const dyBlock: MatrixView = { t: dy, offset: oh0 * OW * N, rows: M, cols: n, ld: L };
            cv.im2col(xpad, cols, s, oh0, rows);
            // dW (+)= dY_block · colsᵀ
            k.gemmStrided(dyBlock, { t: cols, offset: 0, rows: CKK, cols: n, ld: n }, { t: dw, offset: 0, rows: M, cols: CKK, ld: CKK }, { transB: true, accumulate: !first });
            first = false;
            if (dxpad) {
              // dcols = Wᵀ · dY_block (into the same block buffer), scattered back into dX
              k.gemmStrided(weightMatrix, dyBlock, { t: cols, offset: 0, rows: CKK, cols: n, ld: n }, { transA: true });
              cv.col2im(cols, dxpad, s, oh0, rows);
            }
          }
        }
        if (dx && padded) cv.unpad(dxpad!, dx, s.C, s.H, s.W, s.pad);
      },
    };
  }
}
