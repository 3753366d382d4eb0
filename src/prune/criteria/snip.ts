// SNIP (Lee, Ajanthan & Torr, "SNIP: Single-shot Network Pruning based on Connection
// Sensitivity", ICLR 2019): a weight's connection sensitivity is |∂L/∂c · 1| = |g ⊙ w| at the
// weights training starts from (θ0), for the loss of one mini-batch of training data; keep the
// largest. The paper's mini-batch is 100 examples (its batch size on MNIST and CIFAR-10); here the
// first 100 of the trial's data order. Pruned weights of earlier levels stay zero in the pass.
import type { Network } from "../../nn/network.js";
import type { Masks } from "../masks.js";
import { pruneByScores } from "../select.js";
import { firstExamples } from "./data.js";
import { loadMasked, lossGradient, prunableGrads, withReplica } from "./gradients.js";
import type { Criterion, CriterionData } from "./types.js";

export const SNIP_BATCH = 100;

/** |g ⊙ w| of the prunable weights, g the gradient of the mean loss of `indices` at `weights` ⊙ masks. */
export function snipScores(
  network: Network,
  weights: ReadonlyMap<string, Float32Array>,
  masks: Masks,
  data: CriterionData,
  indices: readonly number[],
): Map<string, Float32Array> {
  loadMasked(network, weights, masks);
  return withReplica(network, indices.length, (replica) => {
    data.fill(indices, replica.input, replica.labels);
    lossGradient(replica);
    const grads = prunableGrads(network, replica);
    const out = new Map<string, Float32Array>();
    for (const p of network.prunable) {
      const g = grads.get(p.name)!,
        w = p.value.data,
        s = new Float32Array(p.size);
      for (let i = 0; i < s.length; i++) s[i] = Math.abs(g[i]! * w[i]!);
      out.set(p.name, s);
    }
    return out;
  });
}

export const snip = {
  name: "snip",
  description: `SNIP: |g·w| at the start weights, on the first ${SNIP_BATCH} training examples`,
  scores: "start",
  prune(ctx) {
    if (!ctx.data) throw new Error("--criterion snip needs training data");
    const scores = snipScores(ctx.network, ctx.start, ctx.masks, ctx.data, firstExamples(ctx.data, SNIP_BATCH));
    return pruneByScores(ctx.network, ctx.target, scores, ctx.masks, ctx.level, "SNIP score");
  },
} as const satisfies Criterion;
