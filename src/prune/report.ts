// Sparsity per level: kept / total per layer and overall Pm (fraction of prunable weights kept).
import type { Network } from "../nn/network.js";
import { countKept, type Masks } from "./masks.js";

/** Kept and total weights of one prunable parameter. */
export interface LayerSparsity {
  /** Parameter name, e.g. "fc1.weight". */
  name: string;
  /** Its weight kind: fc, output, conv or shortcut. */
  kind: string;
  kept: number;
  total: number;
}

/** The sparsity of a network under masks: per prunable parameter and overall. */
export interface SparsityReport {
  /** One per prunable parameter, in network order. */
  layers: LayerSparsity[];
  /** Kept weights over all prunable parameters. */
  kept: number;
  /** All prunable weights. */
  total: number;
  /** Fraction of prunable weights remaining. */
  pm: number;
}

/** Counts the weights `masks` keep in each prunable parameter of the network, and the overall Pm. */
export function sparsity(network: Network, masks: Masks): SparsityReport {
  const layers = network.prunable.map((p) => ({ name: p.name, kind: p.kind, kept: countKept(masks.get(p.name)!), total: p.size }));
  const kept = layers.reduce((n, l) => n + l.kept, 0);
  const total = layers.reduce((n, l) => n + l.total, 0);
  return { layers, kept, total, pm: kept / total };
}
