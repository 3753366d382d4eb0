// How many weights each layer keeps. Rates apply per level to what remains, so after level L a
// layer pruned at rate p keeps (1 − p)^L of its weights. The count is computed in closed form,
// round(total · (1 − p)^L), rather than by pruning p of the remaining count at each level, so
// rounding never drifts across levels and every Pm matches the paper's (1 − p)^L exactly up to
// one weight. Rounding is Math.round (halves up), and a layer always keeps at least one weight.
import type { Network } from "../nn/network.js";
import type { Param, WeightKind } from "../nn/param.js";

/** Per-level pruning rates by weight kind; shortcuts (ResNet's 1x1 convolutions) follow conv. */
export interface Rates {
  conv: number;
  fc: number;
  output: number;
}

/**
 * How weights compete for survival: "layerwise" prunes each layer at its own kind's rate (the paper's
 * for most networks); "global" ranks the pooled layers' weights together (VGG-19, ResNet-20).
 */
export type Scope = "layerwise" | "global";

/** What pruning aims at each level: the scope, the per-kind rates and the parameters left alone. */
export interface PruneTarget {
  scope: Scope;
  /** Fraction of the remaining weights pruned per level, by kind, each in (0, 1). */
  rates: Rates;
  /** Parameter names never pruned. */
  exclude: readonly string[];
}

/** The per-level rate of a weight kind: shortcuts follow conv. */
export function rateOf(kind: WeightKind, rates: Rates): number {
  return kind === "fc" ? rates.fc : kind === "output" ? rates.output : rates.conv;
}

/** Prunable parameters that the target prunes (not excluded), in network order. */
export function prunedParams(network: Network, target: PruneTarget): Param[] {
  for (const name of target.exclude) network.param(name); // unknown names are an error, not a silent no-op
  return network.prunable.filter((p) => !target.exclude.includes(p.name));
}

/** Weights kept by a layer of `total` weights at (possibly fractional) level L. */
export function keptAt(total: number, rate: number, level: number): number {
  return Math.max(1, Math.min(total, Math.round(total * (1 - rate) ** level)));
}

/** Per-layer kept counts at level L for layerwise scope. */
export function layerwiseCounts(network: Network, target: PruneTarget, level: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of network.prunable)
    out.set(p.name, target.exclude.includes(p.name) ? p.size : keptAt(p.size, rateOf(p.kind as WeightKind, target.rates), level));
  return out;
}

/** Fraction of prunable weights kept at level L (Pm), for either scope. */
export function pmAt(network: Network, target: PruneTarget, level: number): number {
  const total = network.prunable.reduce((n, p) => n + p.size, 0);
  if (target.scope === "layerwise") {
    let kept = 0;
    for (const n of layerwiseCounts(network, target, level).values()) kept += n;
    return kept / total;
  }
  const pooled = prunedParams(network, target);
  const pooledTotal = pooled.reduce((n, p) => n + p.size, 0);
  const rate = globalRate(pooled, target.rates);
  const kept = keptAt(pooledTotal, rate, level) + (total - pooledTotal);
  return kept / total;
}

/** Global scope prunes the pooled layers at one rate: the conv rate if any conv is pooled, else fc. */
export function globalRate(pooled: readonly Param[], rates: Rates): number {
  return pooled.some((p) => p.kind === "conv" || p.kind === "shortcut") ? rates.conv : rates.fc;
}

/**
 * The fractional level L at which the schedule reaches `pm` (for one-shot pruning to a target
 * Pm with the same per-layer proportions as iterative pruning). Bisection on the monotone Pm(L).
 */
export function levelForPm(network: Network, target: PruneTarget, pm: number): number {
  let lo = 0,
    hi = 1;
  while (pmAt(network, target, hi) > pm && hi < 1e4) hi *= 2;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (pmAt(network, target, mid) > pm) lo = mid;
    else hi = mid;
  }
  return hi;
}
