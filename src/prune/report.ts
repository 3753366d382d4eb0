// Sparsity per level: kept / total per layer and overall Pm (fraction of prunable weights kept).
import type { Network } from "../nn/network.js";
import { countKept, type Masks } from "./masks.js";

export interface LayerSparsity {
  name: string;
  kind: string;
  kept: number;
  total: number;
}

export interface SparsityReport {
  layers: LayerSparsity[];
  kept: number;
  total: number;
  /** Fraction of prunable weights remaining. */
  pm: number;
}

export function sparsity(network: Network, masks: Masks): SparsityReport {
  const layers = network.prunable.map((p) => ({ name: p.name, kind: p.kind, kept: countKept(masks.get(p.name)!), total: p.size }));
  const kept = layers.reduce((n, l) => n + l.kept, 0);
  const total = layers.reduce((n, l) => n + l.total, 0);
  return { layers, kept, total, pm: kept / total };
}
