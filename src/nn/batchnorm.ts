// Batch normalization over the channels of CHWN activations (with an optional fused ReLU). In
// training, the statistics are the whole batch's: each replica's per-channel sums go through the
// step's Collective (a no-op on one thread), as do the backward sums, so a batch split across
// threads normalizes exactly as one thread would. Running statistics (momentum 0.1, unbiased
// variance, as PyTorch) are kept for evaluation; they are parameters of kind "buffer": saved and
// reset with the weights, never touched by the optimizer.
import type { Kernels, Tensor } from "../kernels/index.js";
import type { Collective, Grads, Layer, LayerRun, StepContext } from "./layer.js";
import type { ParamFactory } from "./network.js";
import type { Param } from "./param.js";

const EPS = 1e-5;
const MOMENTUM = 0.1;

const noCollective: Collective = { allReduce: (local, out) => out.data.set(local.data) };

export class BatchNorm2d implements Layer {
  readonly gamma: Param;
  readonly beta: Param;
  readonly runningMean: Param;
  readonly runningVar: Param;
  readonly params: readonly Param[];

  constructor(factory: ParamFactory, readonly name: string, readonly channels: number, readonly relu = false) {
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
    const C = this.channels, positions = input.slice(1).reduce((a, b) => a * b, 1);
    const { gamma, beta, runningMean, runningVar, relu } = this;
    const cv = k.conv;
    const mean = k.alloc([C], "f32", `${this.name} mean`), invstd = k.alloc([C], "f32", `${this.name} invstd`);
    const local = k.alloc([2 * C], "f32", `${this.name} local sums`), total = k.alloc([2 * C], "f32", `${this.name} batch sums`);
    const l1 = local.rows(0, C), l2 = local.rows(C, 2 * C), t1 = total.rows(0, C), t2 = total.rows(C, 2 * C);
    void N;
    return {
      forward(x: Tensor<"f32">, y: Tensor<"f32">, ctx: StepContext): void {
        const md = mean.data, id = invstd.data;
        if (!ctx.training) {
          const rm = runningMean.value.data, rv = runningVar.value.data;
          for (let c = 0; c < C; c++) {
            md[c] = rm[c]!;
            id[c] = 1 / Math.sqrt(rv[c]! + EPS);
          }
        } else {
          const coll = ctx.collective ?? noCollective;
          const count = positions * ctx.totalCols;
          cv.channelSum(x, l1, C);
          coll.allReduce(l1, t1);
          for (let c = 0; c < C; c++) md[c] = t1.data[c]! / count;
          cv.channelSquaredDeviation(x, mean, l1, C);
          coll.allReduce(l1, t1);
          const rm = runningMean.value.data, rv = runningVar.value.data;
          for (let c = 0; c < C; c++) {
            const variance = t1.data[c]! / count;
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
        if (relu) k.reluBackward(y, dy, dy);
        cv.channelGradSums(dy, x, mean, invstd, l1, l2, C);
        // This replica's share of dβ = Σdy and dγ = Σdy·x̂ (the optimizer sums the replicas').
        grads.get(beta)!.data.set(l1.data);
        grads.get(gamma)!.data.set(l2.data);
        // Every replica takes part in the same collectives, whether or not it needs dx.
        (ctx.collective ?? noCollective).allReduce(local, total);
        if (!dx) return;
        cv.bnBackward(dy, x, dx, mean, invstd, gamma.value, t1, t2, C, positions * ctx.totalCols);
      },
    };
  }
}
