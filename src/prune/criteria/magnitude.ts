// The paper's criterion (the default): keep the weights of largest magnitude after training.
import { pruneByMagnitude } from "../magnitude.js";
import type { Criterion } from "./types.js";

export const magnitude = {
  name: "magnitude",
  description: "largest |w| of the previous level's trained weights (the paper's; the default)",
  scores: "trained",
  prune: (ctx) => pruneByMagnitude(ctx.network, ctx.target, ctx.trained, ctx.masks, ctx.level),
} as const satisfies Criterion;
