// The pruning-criterion contract. A criterion turns the current masks into the next ones, keeping
// the weights it scores highest (select.ts) at the counts the pruning target's schedule has at
// `level` (layerwise or global scope; an integer level for iterative pruning, a fractional one for
// one-shot). Criteria are chosen by name (--criterion); each lives in its own file.
import type { Network } from "../../nn/network.js";
import type { Split } from "../../data/types.js";
import type { Masks } from "../masks.js";
import type { PruneTarget } from "../plan.js";

/** The pruning criteria `--criterion` accepts: the names in the registry (src/prune/criteria/index.ts). */
export type CriterionName = import("./index.js").RegisteredCriterion;

/** Training examples a data-dependent criterion may draw, in the trial's data order. */
export interface CriterionData {
  /** The training split (u8 pixels) and the number of classes. */
  split: Split;
  classes: number;
  /** Index of the example at position `position` of the trial's training order (epoch 0 first). */
  indexAt(position: number): number;
  /** Writes examples `indices` of the split into x [features, N] and labels (converted as in training, never augmented). */
  fill(indices: ArrayLike<number>, x: import("../../kernels/index.js").Tensor<"f32">, labels: import("../../kernels/index.js").Tensor<"i32">): void;
}

/** What a criterion may use to choose its masks: the network (at the weights the next run starts from), the trial's seed and data, the target and scope. */
export interface CriterionContext {
  /** The experiment's network: a criterion may load weights into it and change its masks (the caller reloads both before training). */
  network: Network;
  target: PruneTarget;
  /** The current masks (all ones before the first pruning). */
  masks: Masks;
  /** Level of the schedule to prune to (fractional for one-shot). */
  level: number;
  /** The weights the previous level ended with (the dense level's for one-shot pruning). */
  trained: ReadonlyMap<string, Float32Array>;
  /** The weights the next run starts from (θ0 under --strategy reset, the rewind point under rewind:K). */
  start: ReadonlyMap<string, Float32Array>;
  /** Training examples (snip, grasp). */
  data: CriterionData | null;
  /** Seed of the trial and a tag naming the level or one-shot target, for criteria that draw random numbers. */
  trialSeed: number;
  tag: string;
}

/** A pruning criterion: one file in src/prune/criteria/ and one line in its registry. */
export interface Criterion {
  readonly name: string;
  /** One line for --help and reports. */
  readonly description: string;
  /** Which weights it scores: the previous level's trained ones, or those the next run starts from (pruning at initialization). */
  readonly scores: "trained" | "start";
  /** The masks of the next level (or one-shot target) under this criterion. */
  prune(ctx: CriterionContext): Masks;
}
