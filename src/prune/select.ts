// Keeping the highest-scoring weights: the one selection rule every pruning criterion shares
// (magnitude scores |w|, SNIP |g·w|, ...). Only currently kept weights compete; a pruned weight
// never comes back. Ties are broken deterministically: among weights of equal score at the
// threshold, lower positions are kept first (in global scope: earlier layers in network order
// first, then lower positions).
import type { Network } from "../nn/network.js";
import { countKept, type Masks } from "./masks.js";
import { globalRate, keptAt, layerwiseCounts, type PruneTarget, prunedParams } from "./plan.js";

/** Per prunable parameter, one score per weight (higher = more worth keeping). */
export type Scores = ReadonlyMap<string, Float32Array>;

interface Candidate {
  name: string;
  scores: Float32Array;
  mask: Uint8Array;
}

/** The count-th largest kept score (count >= 1) over the candidates. */
function threshold(cands: readonly Candidate[], count: number, what: string): number {
  let n = 0;
  for (const c of cands) n += countKept(c.mask);
  const values = new Float32Array(n);
  let o = 0;
  for (const c of cands) {
    const { scores: s, mask: m } = c;
    for (let i = 0; i < m.length; i++) {
      if (m[i] === 0) continue;
      const a = s[i]!;
      if (Number.isNaN(a)) throw new Error(`pruning: the ${what} of ${c.name} is NaN at position ${i}; training diverged (try a lower --lr)`);
      values[o++] = a;
    }
  }
  values.sort();
  return values[n - count]!;
}

/** New masks keeping `count` of the candidates' kept weights by score (one pool). */
function keepTop(cands: readonly Candidate[], count: number, what: string): Masks {
  const out: Masks = new Map();
  let total = 0;
  for (const c of cands) total += countKept(c.mask);
  if (count >= total) {
    for (const c of cands) out.set(c.name, Uint8Array.from(c.mask));
    return out;
  }
  const t = threshold(cands, count, what);
  // First everything strictly above the threshold, then ties at it in order until count is met.
  let above = 0;
  for (const c of cands) {
    const m = new Uint8Array(c.mask.length);
    for (let i = 0; i < m.length; i++)
      if (c.mask[i] && c.scores[i]! > t) {
        m[i] = 1;
        above++;
      }
    out.set(c.name, m);
  }
  let ties = count - above;
  for (const c of cands) {
    const m = out.get(c.name)!;
    for (let i = 0; i < m.length && ties > 0; i++) {
      if (c.mask[i] && !m[i] && c.scores[i] === t) {
        m[i] = 1;
        ties--;
      }
    }
  }
  return out;
}

/** Kept counts per pruned parameter that the target's schedule has at (possibly fractional) `level`. */
export function targetCounts(network: Network, target: PruneTarget, level: number): { layerwise: Map<string, number> } | { global: number } {
  if (target.scope === "layerwise") return { layerwise: layerwiseCounts(network, target, level) };
  const pooled = prunedParams(network, target);
  const total = pooled.reduce((n, p) => n + p.size, 0);
  return { global: keptAt(total, globalRate(pooled, target.rates), level) };
}

/**
 * Keeps, from the current masks, the highest-scoring weights: per layer the schedule's count
 * (layerwise) or the pooled count over the pruned layers (global). `counts` overrides the
 * schedule (SynFlow's intermediate steps). Excluded layers keep their masks. Throws if global
 * pruning would empty a layer. `what` names the score in errors ("magnitude", "SNIP score").
 */
export function pruneByScores(
  network: Network,
  target: PruneTarget,
  scores: Scores,
  masks: Masks,
  level: number,
  what = "score",
  counts: { layerwise: Map<string, number> } | { global: number } = targetCounts(network, target, level),
): Masks {
  const next: Masks = new Map();
  for (const [name, m] of masks) next.set(name, Uint8Array.from(m));
  const pooled = prunedParams(network, target);
  const cand = (name: string): Candidate => {
    const s = scores.get(name),
      m = masks.get(name);
    if (!s || !m) throw new Error(`pruning: no ${s ? "mask" : what} for ${name}`);
    if (s.length !== m.length) throw new Error(`pruning: ${name} has ${s.length} ${what}s but its mask has ${m.length} entries`);
    return { name, scores: s, mask: m };
  };
  if ("layerwise" in counts) {
    for (const p of pooled) {
      const kept = keepTop([cand(p.name)], counts.layerwise.get(p.name)!, what);
      next.set(p.name, kept.get(p.name)!);
    }
    return next;
  }
  const kept = keepTop(
    pooled.map((p) => cand(p.name)),
    counts.global,
    what,
  );
  for (const [name, m] of kept) {
    if (countKept(m) === 0) {
      throw new Error(
        `global pruning to level ${+level.toFixed(4)} would remove every weight of ${name}; exclude it (--exclude ${name}) or prune fewer levels`,
      );
    }
    next.set(name, m);
  }
  return next;
}
