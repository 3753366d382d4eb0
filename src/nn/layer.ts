// The layer contract. A Layer declares its parameters and output shape; `bind` makes a LayerRun
// for one replica and batch size, allocating that run's scratch memory. Activations are
// feature-major 2-D tensors [features, N]; per-example shapes ([C,H,W] or [F]) travel beside them.
import type { Kernels, Tensor } from "../kernels/index.js";
import type { Param } from "./param.js";

export interface StepContext {
  training: boolean;
  /** The global training step (for counter-based dropout). */
  step: number;
  /** This replica's first column within the whole batch, and the whole batch's size. */
  colOffset: number;
  totalCols: number;
  /** Seed for dropout streams. */
  seed: number;
}

/** Gradient buffers of one replica, one per parameter, sized like the parameter's live tensor. */
export type Grads = Map<Param, Tensor<"f32">>;

export interface LayerRun {
  forward(x: Tensor<"f32">, y: Tensor<"f32">, ctx: StepContext): void;
  /** dy is the gradient of y (may be overwritten); writes dx unless it is null, and this run's parameter gradients. */
  backward(x: Tensor<"f32">, y: Tensor<"f32">, dy: Tensor<"f32">, dx: Tensor<"f32"> | null, grads: Grads, ctx: StepContext): void;
}

export interface Layer {
  readonly name: string;
  readonly params: readonly Param[];
  outputShape(input: readonly number[]): number[];
  bind(k: Kernels, input: readonly number[], N: number): LayerRun;
}

export function features(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
