// The random-mask control: for each layer, a uniformly random mask with exactly as many kept
// weights as the given masks (same per-layer counts), from a seeded stream.
import type { Rng } from "../util/rng.js";
import { countKept, type Masks } from "./masks.js";

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
