// The layer contract (Layer, LayerRun) and what a run is handed (StepContext, Grads, Collective).
import type { Kernels, Tensor } from "../kernels/index.js";
import type { Param } from "./param.js";
import type { Scratch } from "./scratch.js";
import type { ExecutionPlan } from "./plan.js";

/**
 * Batch-wide sums for layers that normalize over the batch (batch norm). `local` holds this
 * replica's per-example partial sums, [rows, N] for its N examples; `out[row]` receives the sum
 * over all examples of the whole batch, added in example order, so every replica (and a single
 * thread holding the whole batch) gets bit for bit the same result.
 */
export interface Collective {
  /** Writes into `out` [rows] the whole batch's per-row sums, given this replica's `local` [rows, N]; every replica must call it. */
  sumColumns(local: Tensor<"f32">, out: Tensor<"f32">): void;
}

/** Adds each row of a [rows, cols] block (row stride `stride`) in column order, in f64, into out. */
export function sumRowsInOrder(m: Float32Array, offset: number, rows: number, cols: number, stride: number, out: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    let s = 0;
    const base = offset + r * stride;
    for (let n = 0; n < cols; n++) s += m[base + n]!;
    out[r] = s;
  }
}

/** The collective of a replica holding the whole batch. */
export const singleReplica: Collective = {
  sumColumns(local, out) {
    const [rows, cols] = local.shape as [number, number];
    sumRowsInOrder(local.data, 0, rows, cols, cols, out.data);
  },
};

/** What a layer's run needs to know of the current step besides its tensors. */
export interface StepContext {
  /** True while training (dropout drops, batch norm uses batch statistics); false at evaluation. */
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

/** A layer bound to one replica and batch size, with its buffers allocated: what a step calls. */
export interface LayerRun {
  /** Computes y from x, both feature-major [features, N]; may keep what backward needs. */
  forward(x: Tensor<"f32">, y: Tensor<"f32">, ctx: StepContext): void;
  /** dy is the gradient of y (may be overwritten); writes dx unless it is null, and this run's parameter gradients. */
  backward(x: Tensor<"f32">, y: Tensor<"f32">, dy: Tensor<"f32">, dx: Tensor<"f32"> | null, grads: Grads, ctx: StepContext): void;
  /** A composite layer's intermediate activations, for inspection (gradient checks, debugging). */
  internals?(): Tensor<"f32">[];
}

/**
 * The layer contract: a Layer declares its parameters and output shape; `bind` makes a {@link LayerRun}
 * for one replica and batch size. Activations are feature-major 2-D tensors [features, N]; per-example
 * shapes ([C, H, W] or [F]) travel beside them.
 */
export interface Layer {
  readonly name: string;
  readonly params: readonly Param[];
  /** The per-example output shape for a per-example input shape ([C, H, W] or [F]). */
  outputShape(input: readonly number[]): number[];
  /**
   * Makes this layer's run for a replica of N columns; per-run buffers come from the arena,
   * transient ones from `scratch`; pruned weights run as the level's `plan` says. A run bound with
   * `training` false (evaluation, inference) is only run forward, so it builds nothing that only
   * the backward pass reads.
   */
  bind(k: Kernels, input: readonly number[], N: number, scratch: Scratch, plan: ExecutionPlan, training?: boolean): LayerRun;
  /** A composite layer's sub-layers (a residual block's convolutions and norms), for tools that walk the tree (profiling). */
  readonly children?: readonly Layer[];
}

export function features(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
