// Magnitude pruning (the paper's): keep the largest |w| among the currently kept weights, by the
// shared selection rule of select.ts (ties: lower positions first).
import type { Network } from "../nn/network.js";
import type { Masks } from "./masks.js";
import type { PruneTarget } from "./plan.js";
import { pruneByScores } from "./select.js";

/** |w| of each prunable parameter (exact in f32, so the ranking is the weights' own). */
export function magnitudes(network: Network, weights: ReadonlyMap<string, Float32Array>): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const p of network.prunable) {
    const w = weights.get(p.name);
    if (!w) continue;
    const a = new Float32Array(w.length);
    for (let i = 0; i < w.length; i++) a[i] = Math.abs(w[i]!);
    out.set(p.name, a);
  }
  return out;
}

/**
 * Prunes to level `level` of the schedule (or a fractional level for one-shot) from the current
 * masks, by magnitude of `weights` (usually the trained weights of the previous level). Excluded
 * layers keep their masks. Throws if global pruning would empty a layer.
 */
export function pruneByMagnitude(network: Network, target: PruneTarget, weights: ReadonlyMap<string, Float32Array>, masks: Masks, level: number): Masks {
  for (const [name, m] of masks) {
    const w = weights.get(name);
    if (w && w.length !== m.length) throw new Error(`pruning: ${name} has ${w.length} weights but its mask has ${m.length} entries`);
  }
  return pruneByScores(network, target, magnitudes(network, weights), masks, level, "magnitude");
}
