// What every thread does with its replica, written once: the main thread runs replica 0 through
// these functions and each worker its own replica, so a step and an evaluation are the same code
// on every thread. Only the synchronization around them differs (the main thread starts the step
// and may wait with its event loop running; workers block on Atomics).
import type { Tensor } from "../kernels/index.js";
import type { StepContext } from "../nn/layer.js";
import type { Replica } from "../nn/network.js";
import type { InputPipeline } from "../train/input.js";

/** A thread's part of every training step: its replica, and which columns of the batch it trains. */
export interface TrainShare {
  replica: Replica;
  /** The pipeline that fills this share (null: the main thread filled it). */
  input: InputPipeline | null;
  /** Scratch for the batch's example indices (batch size). */
  indices: Uint32Array;
  /** First column of the batch and number of columns of this share. */
  offset: number;
  size: number;
  ctx: StepContext;
}

/**
 * Fills this share of batch `iteration` (every thread computes the same batch indices and
 * augmentation from the data seed, so the shares make up exactly the one-thread batch), then
 * runs forward and backward. Returns the share's summed loss.
 */
export function trainShare(s: TrainShare, iteration: number): number {
  if (s.input) {
    s.input.batchIndices(iteration, s.indices);
    s.input.fillPart(iteration, s.indices, s.offset, s.size, s.replica.input, s.replica.labels);
  }
  s.ctx.step = iteration;
  return s.replica.trainStep(s.ctx);
}

/** An evaluation chunk: inputs [features, n] and their labels. */
export interface EvalChunkView {
  x: Tensor<"f32">;
  labels: Tensor<"i32">;
}

/**
 * Thread r of T evaluates the chunks c ≡ r (mod T) of a set and writes each chunk's loss sum and
 * correct count into results[2·(first + c)], [2·(first + c) + 1] (the main thread then sums the
 * chunks in chunk order, so the total does not depend on T).
 */
export function evaluateShare(
  chunkCount: number,
  r: number,
  T: number,
  evaluate: (c: number) => { loss: number; correct: number },
  results: Float64Array,
  first: number,
): void {
  for (let c = r; c < chunkCount; c += T) {
    const res = evaluate(c);
    results[2 * (first + c)] = res.loss;
    results[2 * (first + c) + 1] = res.correct;
  }
}
