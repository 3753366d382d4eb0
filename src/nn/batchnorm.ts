import type { Kernels, Tensor } from "../kernels/index.js";
import { type Grads, type Layer, type LayerRun, singleReplica, type StepContext } from "./layer.js";
import type { ParamFactory } from "./network.js";
import type { Param } from "./param.js";

const EPS = 1e-5;
const MOMENTUM = 0.1;

/**
 * Batch normalization over the channels of CHWN activations (with an optional fused ReLU). In
 * training, the statistics are the whole batch's: per-example sums go through the step's {@link Collective},
 * as do the backward sums, so a batch split across threads normalizes with exactly
 * the statistics one thread computes. Running statistics (momentum 0.1, unbiased
 * variance, as PyTorch) are kept for evaluation; they are parameters of kind "buffer": saved and
 * reset with the weights, never touched by the optimizer. In training its backward only reads dy
 * (the fused ReLU's mask is recomputed from x), which residual blocks rely on.
 */
export class BatchNorm2d implements Layer {
  readonly gamma: Param;
  readonly beta: Param;
  readonly runningMean: Param;
  readonly runningVar: Param;
  readonly params: readonly Param[];

  constructor(
    factory: ParamFactory,
    readonly name: string,
    readonly channels: number,
    readonly relu = false,
  ) {
    this.gamma = factory.param(`${name}.weight`, [channels], "norm", false, 1, 1);
    this.beta = factory.param(`${name}.bias`, [channels], "norm", false, 1, 1);
    this.runningMean = factory.param(`${name}.running_mean`, [channels], "buffer", false, 1, 1);
    this.runningVar = factory.param(`${name}.running_var`, [channels], "buffer", false, 1, 1);
    this.params = [this.gamma, this.beta, this.runningMean, this.runningVar];
  }

  outputShape(input: readonly number[]): number[] {
    if (input[0] !== this.channels) throw new Error(`${this.name}: expects ${this.channels} channels, got [${input.join(",")}]`);
    return [...input];
  }

  bind(k: Kernels, input: readonly number[], N: number): LayerRun {
    const C = this.channels,
      positions = input.slice(1).reduce((a, b) => a * b, 1);
    const { gamma, beta, runningMean, runningVar, relu } = this;
    const cv = k.conv;
    const mean = k.alloc([C], "f32", `${this.name} mean`),
      invstd = k.alloc([C], "f32", `${this.name} invstd`);
    const va = new Float64Array(C);
    // Per-example partial sums [2C, N] (two blocks of C rows: the forward's example means and
    // squared deviations, the backward's Σdy and Σdy·x̂) and the batch totals [2C].
    const partial = k.alloc([2 * C, N], "f32", `${this.name} partial sums`),
      total = k.alloc([2 * C], "f32", `${this.name} batch sums`);
    const p1 = partial.rows(0, C),
      p2 = partial.rows(C, 2 * C),
      t1 = total.rows(0, C),
      t2 = total.rows(C, 2 * C);
    // The gradient of evaluation mode (fixed running statistics: a per-channel affine map), for
    // criteria that differentiate the network in evaluation mode (SynFlow). Training never uses it.
    const evalBackward = (x: Tensor<"f32">, dy: Tensor<"f32">, dx: Tensor<"f32"> | null, grads: Grads): void => {
      const N = x.shape[1]!,
        xd = x.data,
        gd = dy.data,
        md = mean.data,
        id = invstd.data,
        g = gamma.value.data;
      const gb = grads.get(beta)!.data,
        gg = grads.get(gamma)!.data;
      for (let c = 0; c < C; c++) {
        let sb = 0,
          sg = 0;
        const scale = g[c]! * id[c]!;
        for (let i = c * positions * N; i < (c + 1) * positions * N; i++) {
          sb += gd[i]!;
          sg += gd[i]! * (xd[i]! - md[c]!) * id[c]!;
          if (dx) dx.data[i] = gd[i]! * scale;
        }
        gb[c] = sb;
        gg[c] = sg;
      }
    };
    // The fused ReLU's mask parameters for the backward reductions (built once, not per step).
    const reluMask = relu ? { gamma: gamma.value, beta: beta.value } : undefined;
    return {
      forward(x: Tensor<"f32">, y: Tensor<"f32">, ctx: StepContext): void {
        const md = mean.data,
          id = invstd.data;
        if (!ctx.training) {
          const rm = runningMean.value.data,
            rv = runningVar.value.data;
          for (let c = 0; c < C; c++) {
            md[c] = rm[c]!;
            id[c] = 1 / Math.sqrt(rv[c]! + EPS);
          }
        } else {
          const coll = ctx.collective ?? singleReplica;
          const count = positions * ctx.totalCols;
          // One pass over x: each example's mean (p1) and squared deviations from it (p2).
          cv.channelColumnMoments(x, p1, p2, C);
          coll.sumColumns(partial, total);
          const pm = p1.data,
            cols = p1.shape[1]!;
          for (let c = 0; c < C; c++) {
            const mu = t1.data[c]! / ctx.totalCols;
            md[c] = mu;
            va[c] = t2.data[c]!; // the examples' own squared deviations, Σ m2
            // The examples' means spread around the batch's: P·(mean_n − μ)² per example, added
            // across the batch below in example order (Chan et al.'s pairwise combination).
            for (let n = c * cols; n < (c + 1) * cols; n++) pm[n] = positions * (pm[n]! - mu) ** 2;
          }
          coll.sumColumns(p1, t1);
          const rm = runningMean.value.data,
            rv = runningVar.value.data;
          for (let c = 0; c < C; c++) {
            const variance = (va[c]! + t1.data[c]!) / count;
            id[c] = 1 / Math.sqrt(variance + EPS);
            // Every replica holds the same statistics; replica 0 alone updates the running ones.
            if (ctx.colOffset === 0) {
              rm[c] = (1 - MOMENTUM) * rm[c]! + MOMENTUM * md[c]!;
              rv[c] = (1 - MOMENTUM) * rv[c]! + MOMENTUM * variance * (count / Math.max(1, count - 1));
            }
          }
        }
        cv.bnApply(x, y, mean, invstd, gamma.value, beta.value, C, relu);
      },

      backward(x: Tensor<"f32">, y: Tensor<"f32">, dy: Tensor<"f32">, dx: Tensor<"f32"> | null, grads: Grads, ctx: StepContext): void {
        if (!ctx.training) {
          if (relu) k.elementwise.reluBackward(y, dy, dy);
          evalBackward(x, dy, dx, grads);
          return;
        }
        // Training: the fused ReLU's mask is recomputed from x inside the reductions (one pass over
        // y and dy fewer than reluBackward first; dy is left as it came).
        cv.channelColumnGradSums(dy, x, mean, invstd, p1, p2, C, reluMask);
        // Every replica takes part in the same collectives, whether or not it needs dx.
        (ctx.collective ?? singleReplica).sumColumns(partial, total);
        // dβ = Σdy and dγ = Σdy·x̂ of the whole batch go to replica 0 (the optimizer sums the
        // replicas' gradients, so the others contribute zero).
        const first = ctx.colOffset === 0;
        const gb = grads.get(beta)!.data,
          gg = grads.get(gamma)!.data;
        if (first) {
          gb.set(t1.data);
          gg.set(t2.data);
        } else {
          gb.fill(0);
          gg.fill(0);
        }
        if (!dx) return;
        cv.bnBackward(dy, x, dx, mean, invstd, gamma.value, t1, t2, C, positions * ctx.totalCols, relu ? beta.value : undefined);
      },
    };
  }
}
