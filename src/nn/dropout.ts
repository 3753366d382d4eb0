import type { Kernels, Tensor } from "../kernels/index.js";
import { hash32 } from "../util/rng.js";
import { type Layer, type LayerRun, type StepContext, features } from "./layer.js";
import type { Param } from "./param.js";

/**
 * Inverted dropout with counter-based randomness (see assembly/random.ts): the mask of an element
 * depends on (seed, layer, step, feature, example-in-batch) only, so runs are reproducible and a
 * batch split across threads drops exactly what one thread would. Identity at evaluation.
 */
export class Dropout implements Layer {
  readonly params: readonly Param[] = [];

  constructor(
    readonly name: string,
    readonly p: number,
  ) {
    if (!(p >= 0 && p < 1)) throw new Error(`${name}: dropout probability ${p} is outside [0, 1)`);
  }

  outputShape(input: readonly number[]): number[] {
    return [...input];
  }

  bind(k: Kernels, input: readonly number[], N: number): LayerRun {
    const p = this.p;
    const mask = k.alloc([features(input), N], "f32", `${this.name}.mask`);
    const layerSalt = hash32(this.name);
    return {
      forward(x: Tensor<"f32">, y: Tensor<"f32">, ctx: StepContext): void {
        if (ctx.training && p > 0) k.elementwise.dropout(x, y, mask, p, (ctx.seed ^ layerSalt) >>> 0, ctx.step, ctx.colOffset, ctx.totalCols);
        else y.data.set(x.data);
      },
      backward(_x: Tensor<"f32">, _y: Tensor<"f32">, dy: Tensor<"f32">, dx: Tensor<"f32"> | null, _grads, ctx: StepContext): void {
        if (!dx) return;
        if (ctx.training && p > 0) k.elementwise.mul(dy, mask, dx);
        else dx.data.set(dy.data);
      },
    };
  }
}
