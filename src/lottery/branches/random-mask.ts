// Control: a uniformly random mask with the ticket's per-layer counts, on the ticket's start
// weights (θ0 under the reset strategy): "random pruning".
import { randomMasksLike } from "../../prune/random.js";
import { Rng } from "../../util/rng.js";
import type { ControlBranch } from "./types.js";

export const randomMask = {
  name: "random-mask",
  description: "a random mask with the ticket's per-layer counts, on the ticket's start weights",
  color: "#2ca02c",
  oneShotColor: "#8c564b",
  prepare(ctx) {
    return { masks: randomMasksLike(ctx.masks, new Rng(ctx.trialSeed, `random-mask/${ctx.tag}`)), start: ctx.start };
  },
} as const satisfies ControlBranch;
