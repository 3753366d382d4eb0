// Control: a uniformly random mask with the ticket's per-layer counts, on the ticket's start
// weights (θ0 under the reset strategy): "random pruning".
import { randomMasksLike } from "../../prune/random.js";
import { Rng } from "../../util/rng.js";
import type { ControlBranch } from "./types.js";

export const randomMask: ControlBranch = {
  name: "random-mask",
  prepare(ctx) {
    return { masks: randomMasksLike(ctx.masks, new Rng(ctx.trialSeed, `random-mask/${ctx.tag}`)), start: ctx.start };
  },
};
