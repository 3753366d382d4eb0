// Magnitude pruning: keep the largest |w| among the currently kept weights. Ties are broken
// deterministically: among weights of equal magnitude at the threshold, lower positions are kept
// first (in global scope: earlier layers in network order first, then lower positions).
import type { Network } from "../nn/network.js";
import { countKept, type Masks } from "./masks.js";
import { globalRate, keptAt, layerwiseCounts, type PruneTarget, prunedParams } from "./plan.js";

interface Candidate {
  name: string;
  weights: Float32Array;
  mask: Uint8Array;
}

/** The magnitude of the count-th largest kept entry (count >= 1) over the candidates. */
function threshold(cands: readonly Candidate[], count: number): number {
  let n = 0;
  for (const c of cands) n += countKept(c.mask);
  const mags = new Float32Array(n);
  let o = 0;
  for (const c of cands) {
    const { weights: w, mask: m } = c;
    for (let i = 0; i < m.length; i++) {
      if (m[i] === 0) continue;
      const a = Math.abs(w[i]!);
      if (Number.isNaN(a)) throw new Error(`pruning: ${c.name} holds NaN at position ${i}; training diverged (try a lower --lr)`);
      mags[o++] = a;
    }
  }
  mags.sort();
  return mags[n - count]!;
}

/** New masks keeping `count` of the candidates' kept weights by magnitude (one pool). */
function keepTop(cands: readonly Candidate[], count: number): Masks {
  const out: Masks = new Map();
  let total = 0;
  for (const c of cands) total += countKept(c.mask);
  if (count >= total) {
    for (const c of cands) out.set(c.name, Uint8Array.from(c.mask));
    return out;
  }
  const t = threshold(cands, count);
  // First everything strictly above the threshold, then ties at it in order until count is met.
  let above = 0;
  for (const c of cands) {
    const m = new Uint8Array(c.mask.length);
    for (let i = 0; i < m.length; i++) if (c.mask[i] && Math.abs(c.weights[i]!) > t) { m[i] = 1; above++; }
    out.set(c.name, m);
  }
  let ties = count - above;
  for (const c of cands) {
    const m = out.get(c.name)!;
    for (let i = 0; i < m.length && ties > 0; i++) {
      if (c.mask[i] && !m[i] && Math.abs(c.weights[i]!) === t) { m[i] = 1; ties--; }
    }
  }
  return out;
}

/**
 * Prunes to level `level` of the schedule (or a fractional level for one-shot) from the current
 * masks, by magnitude of `weights` (usually the trained weights of the previous level). Excluded
 * layers keep their masks. Throws if global pruning would empty a layer.
 */
export function pruneByMagnitude(network: Network, target: PruneTarget, weights: ReadonlyMap<string, Float32Array>, masks: Masks, level: number): Masks {
  const next: Masks = new Map();
  for (const [name, m] of masks) next.set(name, Uint8Array.from(m));
  const pooled = prunedParams(network, target);
  const cand = (name: string): Candidate => {
    const w = weights.get(name), m = masks.get(name);
    if (!w || !m) throw new Error(`pruning: no ${w ? "mask" : "weights"} for ${name}`);
    if (w.length !== m.length) throw new Error(`pruning: ${name} has ${w.length} weights but its mask has ${m.length} entries`);
    return { name, weights: w, mask: m };
  };
  if (target.scope === "layerwise") {
    const counts = layerwiseCounts(network, target, level);
    for (const p of pooled) {
      const kept = keepTop([cand(p.name)], counts.get(p.name)!);
      next.set(p.name, kept.get(p.name)!);
    }
    return next;
  }
  const cands = pooled.map((p) => cand(p.name));
  const total = pooled.reduce((n, p) => n + p.size, 0);
  const kept = keepTop(cands, keptAt(total, globalRate(pooled, target.rates), level));
  for (const [name, m] of kept) {
    if (countKept(m) === 0) {
      throw new Error(`global pruning to level ${level} would remove every weight of ${name}; exclude it (--exclude ${name}) or prune fewer levels`);
    }
    next.set(name, m);
  }
  return next;
}
