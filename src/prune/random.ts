// The random-mask control: for each layer, a uniformly random mask with exactly as many kept
// weights as the given masks (same per-layer counts), from a seeded stream.
import type { Network } from "../nn/network.js";
import type { Rng } from "../util/rng.js";
import { pruneByMagnitude } from "./magnitude.js";
import { countKept, fullMasks, type Masks } from "./masks.js";
import { levelForPm, type PruneTarget } from "./plan.js";

/**
 * Uniformly random masks with the same number of kept weights per parameter as `masks` (the
 * random-mask control). Each parameter draws from its own stream of `rng`, derived by its name.
 */
export function randomMasksLike(masks: Masks, rng: Rng): Masks {
  const out: Masks = new Map();
  for (const [name, m] of masks) {
    const kept = countKept(m);
    const r = rng.derive(name);
    const order = r.permutation(m.length);
    const next = new Uint8Array(m.length);
    for (let i = 0; i < kept; i++) next[order[i]!] = 1;
    out.set(name, next);
  }
  return out;
}

/**
 * Uniformly random masks with the per-layer counts the target's schedule has at `pm` (for
 * benchmarks and tests that need a network pruned to a given Pm without training it).
 */
export function randomMasksAtPm(network: Network, target: PruneTarget, pm: number, rng: Rng): Masks {
  const full = fullMasks(network);
  if (pm >= 1) return full;
  const weights = new Map(network.prunable.map((p) => [p.name, new Float32Array(p.size).fill(1)]));
  const counts = pruneByMagnitude(network, target, weights, full, levelForPm(network, target, pm));
  return randomMasksLike(counts, rng);
}
