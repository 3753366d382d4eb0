// Masks (the portable form) and the helpers that apply them to a network and to weights.
import type { Network } from "../nn/network.js";

/**
 * Masks by parameter name: one per prunable parameter, 1 = kept, 0 = pruned, one byte per weight.
 * The network holds the current level's mask as f32 in wasm memory (Param.mask); these are the
 * portable copies that pruning computes and the store saves.
 */
export type Masks = Map<string, Uint8Array>;

/** Masks that keep every weight of every prunable parameter (the dense level 0). */
export function fullMasks(network: Network): Masks {
  return new Map(network.prunable.map((p) => [p.name, new Uint8Array(p.size).fill(1)]));
}

/** Weights a mask keeps. */
export { countNonzero as countKept } from "../kernels/csr.js";

/** Copies masks into the network's parameters (every prunable parameter must have one). */
export function applyMasks(network: Network, masks: Masks): void {
  for (const p of network.prunable) {
    const m = masks.get(p.name);
    if (!m) throw new Error(`masks lack parameter ${p.name}`);
    if (m.length !== p.size) throw new Error(`mask of ${p.name} has ${m.length} entries, expected ${p.size}`);
    const dst = p.mask!.data;
    for (let i = 0; i < m.length; i++) dst[i] = m[i]!;
  }
}

/** weights ⊙ masks, in place: pruned weights become exactly 0. */
export function maskWeights(weights: Map<string, Float32Array>, masks: Masks): void {
  for (const [name, m] of masks) {
    const w = weights.get(name);
    if (!w) throw new Error(`weights lack parameter ${name}`);
    for (let i = 0; i < m.length; i++) if (m[i] === 0) w[i] = 0;
  }
}

/** A deep copy of named weights (new arrays, so the copy can be changed freely). */
export function cloneWeights(weights: ReadonlyMap<string, Float32Array>): Map<string, Float32Array> {
  return new Map([...weights].map(([k, v]) => [k, Float32Array.from(v)]));
}
