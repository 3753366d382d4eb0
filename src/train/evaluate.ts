// Evaluation on whole splits. Validation and test images are converted to f32 once per experiment
// and kept in wasm memory in column chunks, so each evaluation is only forward passes. Every
// example counts: the last chunk is smaller when the split does not divide evenly (a loader that
// drops the last partial batch is a known mistake of other implementations).
import type { Kernels, Tensor } from "../kernels/index.js";
import type { Split } from "../data/types.js";
import { features } from "../nn/layer.js";
import type { Network, Replica } from "../nn/network.js";
import type { ExecutionPlan } from "../nn/plan.js";
import type { InputPipeline } from "./input.js";

/** A block of evaluation examples in wasm memory: inputs x [features, n] and their n labels. */
export interface EvalChunk {
  x: Tensor<"f32">;
  labels: Tensor<"i32">;
}

/**
 * A whole split (validation or test) converted to f32 once and kept in wasm memory in column chunks,
 * so each evaluation is only forward passes. Every example counts: the last chunk may be smaller.
 */
export interface EvalSet {
  /** "val" or "test". */
  name: string;
  /** Number of examples. */
  count: number;
  chunks: EvalChunk[];
}

/** Mean cross-entropy loss and accuracy (fraction correct, in [0, 1]) over a whole split; NaN for an empty one. */
export interface SplitMetrics {
  loss: number;
  accuracy: number;
}

/**
 * Examples per evaluation chunk: up to 1000 for networks of fully connected layers (their GEMMs
 * like wide operands), up to 64 for networks with spatial maps (conv nets), and fewer when the
 * activations would pass the memory budget.
 */
export function evalChunkSize(network: Network, budgetBytes = 96 * 2 ** 20): number {
  let perExample = features(network.inputShape);
  let shape: readonly number[] = network.inputShape;
  let spatial = false;
  for (const layer of network.layers) {
    shape = layer.outputShape(shape);
    perExample += features(shape);
    spatial ||= shape.length === 3;
  }
  // The convolutions are fastest per example near the training batch: Conv-2's 64->64 layer
  // forward took 1.18 ms per example on Winograd at 156 examples (the budget's choice) against
  // 1.07 at 60, and 1.34 against 0.61 on the sparse kernels at density 0.1, whose input rows
  // (read at shifts of N floats) fall out of L1 when N is large (bench conv, conv2-eval vs conv2).
  const cap = spatial ? 64 : 1000;
  // A multiple of 4, so no chunk but the last leaves columns to the kernels' scalar tails.
  return Math.max(4, Math.min(cap, Math.floor(budgetBytes / (4 * perExample) / 4) * 4));
}

export function prepareEvalSet(k: Kernels, input: InputPipeline, split: Split, name: string, chunkSize: number): EvalSet {
  const chunks: EvalChunk[] = [];
  for (let start = 0; start < split.count; start += chunkSize) {
    const n = Math.min(chunkSize, split.count - start);
    const x = k.alloc([input.features, n], "f32", `${name} images`);
    const labels = k.alloc([n], "i32", `${name} labels`);
    const idx = Array.from({ length: n }, (_, i) => start + i);
    input.fill(split, idx, x, labels);
    chunks.push({ x, labels });
  }
  return { name, count: split.count, chunks };
}

/**
 * Evaluates a network (in its current level's form) on prepared sets. Its replicas (one per chunk
 * size) are allocated up front, in the caller's current arena region.
 */
export class Evaluator {
  private readonly replicas = new Map<number, Replica>();

  constructor(network: Network, plan: ExecutionPlan, sets: readonly EvalSet[]) {
    for (const set of sets) {
      for (const chunk of set.chunks) {
        const n = chunk.labels.size;
        if (!this.replicas.has(n)) this.replicas.set(n, network.replica(n, false, plan));
      }
    }
  }

  /** Loss sum and number correct of chunk `c` of a set. */
  evaluateChunk(set: EvalSet, c: number): ChunkResult {
    const chunk = set.chunks[c]!;
    const replica = this.replicas.get(chunk.labels.size);
    if (!replica) throw new Error(`evaluate: set ${set.name} was not given to this Evaluator`);
    const ctx = { training: false, step: 0, colOffset: 0, totalCols: chunk.labels.size, seed: 0 };
    return replica.evaluate(ctx, chunk.x, chunk.labels);
  }

  evaluate(set: EvalSet): SplitMetrics {
    return combineChunks(
      set,
      set.chunks.map((_, c) => this.evaluateChunk(set, c)),
    );
  }
}

export interface ChunkResult {
  loss: number;
  correct: number;
}

/**
 * Mean loss and accuracy from per-chunk results, added in chunk order: the same numbers however
 * the chunks were shared among threads.
 */
export function combineChunks(set: EvalSet, results: readonly ChunkResult[]): SplitMetrics {
  if (set.count === 0) return { loss: NaN, accuracy: NaN };
  let loss = 0,
    correct = 0;
  for (const r of results) {
    loss += r.loss;
    correct += r.correct;
  }
  return { loss: loss / set.count, accuracy: correct / set.count };
}
