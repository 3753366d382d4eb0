// The layer contract. A Layer declares its parameters and output shape; `bind` makes a LayerRun
// for one replica and batch size, allocating that run's scratch memory. Activations are
// feature-major 2-D tensors [features, N]; per-example shapes ([C,H,W] or [F]) travel beside them.
import type { Kernels, Tensor } from "../kernels/index.js";
import type { Param } from "./param.js";
import type { Scratch } from "./scratch.js";

/**
 * Sums small per-channel vectors over all replicas of a step (batch norm's statistics), so that
 * split batches normalize exactly as the whole batch would. Every replica gets the same sum,
 * added in replica order.
 */
export interface Collective {
  allReduce(local: Tensor<"f32">, out: Tensor<"f32">): void;
}

export interface StepContext {
  training: boolean;
  /** The global training step (for counter-based dropout). */
  step: number;
  /** This replica's first column within the whole batch, and the whole batch's size. */
  colOffset: number;
  totalCols: number;
  /** Seed for dropout streams. */
  seed: number;
  /** Present when the batch is split across replicas (threads). */
  collective?: Collective;
}

/** Gradient buffers of one replica, one per parameter, sized like the parameter's live tensor. */
export type Grads = Map<Param, Tensor<"f32">>;

export interface LayerRun {
  forward(x: Tensor<"f32">, y: Tensor<"f32">, ctx: StepContext): void;
  /** dy is the gradient of y (may be overwritten); writes dx unless it is null, and this run's parameter gradients. */
  backward(x: Tensor<"f32">, y: Tensor<"f32">, dy: Tensor<"f32">, dx: Tensor<"f32"> | null, grads: Grads, ctx: StepContext): void;
  /** A composite layer's intermediate activations, for inspection (gradient checks, debugging). */
  internals?(): Tensor<"f32">[];
}

export interface Layer {
  readonly name: string;
  readonly params: readonly Param[];
  outputShape(input: readonly number[]): number[];
  /** Makes this layer's run for a replica of N columns; per-run buffers come from the arena, transient ones from `scratch`. */
  bind(k: Kernels, input: readonly number[], N: number, scratch: Scratch): LayerRun;
}

export function features(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
