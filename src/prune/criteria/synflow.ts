// SynFlow (Tanaka, Kunin, Yamins & Ganguli, "Pruning neural networks without any data by
// iteratively conserving synaptic flow", NeurIPS 2020): data-free. The network's weights are
// replaced by their absolute values, the input by all ones, and R = 1ᵀ(Π|W_l|)1 is the sum of the
// outputs; a weight's score is |∂R/∂w · w|. Pruning is iterative, as the paper prescribes: 100
// rounds of rescoring, round k keeping the exponential schedule's count K0·(Kf/K0)^(k/100) from K0
// weights now to the target's Kf (per layer in layerwise scope, pooled in global scope).
//
// As in the paper's R (and unlike its reference code, which takes |b|), biases and batch norm's
// shifts are set to zero, so every activation is a positive linear function of the weights and the
// scores of each layer sum to R (the conservation law; a test checks it). Batch norm runs in
// evaluation mode with its running mean set to zero: a positive per-channel scale. To keep f32
// from overflowing in deep networks (the reference code computes in f64), each pruned layer of a
// network without residual blocks is divided by its mean absolute row sum: that multiplies every
// path, hence every score, by the same constant, so the ranking is unchanged. (Residual blocks add
// paths of different lengths, so they are left unscaled; a non-finite R is then an error.)
import type { Network } from "../../nn/network.js";
import { ResidualBlock } from "../../nn/residual.js";
import type { StepContext } from "../../nn/layer.js";
import { countKept, type Masks } from "../masks.js";
import { pruneByScores, targetCounts } from "../select.js";
import { backward, loadMasked, prunableGrads, withReplica } from "./gradients.js";
import type { Criterion } from "./types.js";

export const SYNFLOW_ITERATIONS = 100;

/** |θ| with biases, batch-norm shifts and running means zero: the linearized network SynFlow scores. */
function linearized(network: Network, weights: ReadonlyMap<string, Float32Array>, masks: Masks, normalize: boolean): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const p of network.params) {
    const w = weights.get(p.name);
    if (!w) throw new Error(`synflow: weights lack parameter ${p.name}`);
    const zero = p.kind === "bias" || (p.kind === "norm" && p.name.endsWith(".bias")) || p.name.endsWith(".running_mean");
    const a = new Float32Array(w.length);
    if (!zero) for (let i = 0; i < a.length; i++) a[i] = Math.abs(w[i]!);
    const m = masks.get(p.name);
    if (m && normalize) {
      let sum = 0;
      for (let i = 0; i < a.length; i++) if (m[i]) sum += a[i]!;
      const rowMean = sum / p.matrix[0];
      if (rowMean > 0) for (let i = 0; i < a.length; i++) a[i] = a[i]! / rowMean;
    }
    out.set(p.name, a);
  }
  return out;
}

/**
 * SynFlow scores |∂R/∂w · w| of the prunable weights at |weights| ⊙ masks (zero where pruned).
 * With `normalize` (the default for networks without residual blocks) they are scaled by one
 * constant common to all layers; `normalize: false` gives the raw scores.
 */
export function synflowScores(
  network: Network,
  weights: ReadonlyMap<string, Float32Array>,
  masks: Masks,
  normalize = !network.layers.some((l) => l instanceof ResidualBlock),
): Map<string, Float32Array> {
  loadMasked(network, linearized(network, weights, masks, normalize), masks);
  return withReplica(network, 1, (replica) => {
    const ctx: StepContext = { training: false, step: 0, colOffset: 0, totalCols: 1, seed: 0 };
    replica.input.data.fill(1);
    const logits = replica.forward(ctx);
    let r = 0;
    for (const v of logits.data) r += v;
    if (!Number.isFinite(r))
      throw new Error(`synflow: R = 1ᵀ(Π|W|)1 overflowed f32 (${r}) in ${network.name}; this network is too deep for the f32 pass without rescaling`);
    replica.dlogits!.data.fill(1); // ∂R/∂(outputs) = 1
    backward(replica, ctx);
    const grads = prunableGrads(network, replica);
    return new Map(
      network.prunable.map((p) => {
        const g = grads.get(p.name)!,
          w = p.value.data,
          s = new Float32Array(p.size);
        for (let i = 0; i < s.length; i++) s[i] = Math.abs(g[i]! * w[i]!);
        return [p.name, s];
      }),
    );
  });
}

/** The kept counts of round k of n of the exponential schedule from the current masks to the final counts. */
function roundCounts(
  from: { layerwise: Map<string, number> } | { global: number },
  to: { layerwise: Map<string, number> } | { global: number },
  k: number,
  n: number,
) {
  const step = (a: number, b: number) => (k === n || b >= a ? Math.min(a, b) : Math.round(a * (b / a) ** (k / n)));
  if ("global" in from && "global" in to) return { global: step(from.global, to.global) };
  const f = (from as { layerwise: Map<string, number> }).layerwise,
    t = (to as { layerwise: Map<string, number> }).layerwise;
  return { layerwise: new Map([...t].map(([name, c]) => [name, step(f.get(name)!, c)])) };
}

/** SynFlow's iterative pruning: 100 rounds of rescoring on the exponential schedule down to the target, data-free (all-ones input, |θ|). */
export function synflowPrune(
  network: Network,
  target: Parameters<Criterion["prune"]>[0]["target"],
  weights: ReadonlyMap<string, Float32Array>,
  masks: Masks,
  level: number,
  iterations = SYNFLOW_ITERATIONS,
): Masks {
  const final = targetCounts(network, target, level);
  const kept = (m: Masks) =>
    "global" in final
      ? { global: network.prunable.filter((p) => !target.exclude.includes(p.name)).reduce((n, p) => n + countKept(m.get(p.name)!), 0) }
      : { layerwise: new Map(network.prunable.map((p) => [p.name, countKept(m.get(p.name)!)])) };
  const start = kept(masks);
  let current = masks;
  for (let k = 1; k <= iterations; k++) {
    const scores = synflowScores(network, weights, current);
    current = pruneByScores(network, target, scores, current, level, "SynFlow score", roundCounts(start, final, k, iterations));
  }
  return current;
}

export const synflow = {
  name: "synflow",
  description: `SynFlow: data-free, |∂R/∂w·w| of the all-ones input through |θ|, ${SYNFLOW_ITERATIONS} rounds of rescoring on the exponential schedule`,
  scores: "start",
  prune: (ctx) => synflowPrune(ctx.network, ctx.target, ctx.start, ctx.masks, ctx.level),
} as const satisfies Criterion;
