// "Late resetting" (Frankle et al., 2019; open_lth's rewinding steps): reset the surviving weights
// to their values at iteration K of the dense level rather than to θ0.
import type { Strategy, StrategyEntry } from "./types.js";

function rewindTo(iteration: number): Strategy {
  return {
    name: `rewind:${iteration}`,
    rewindIteration: iteration,
    start(ctx) {
      if (!ctx.rewind) throw new Error(`rewind:${iteration}: the weights of iteration ${iteration} were not saved during level 0`);
      return ctx.rewind;
    },
  };
}

export const rewind: StrategyEntry = {
  name: "rewind",
  description: "values at iteration K of level 0",
  parameter: { name: "K", description: "an iteration" },
  create(k, iterations) {
    if (k === null) throw new Error("rewind needs its iteration: rewind:K");
    if (iterations !== undefined && k > iterations)
      throw new Error(`invalid --strategy rewind:${k}: the rewind iteration must be at most --iterations (${iterations})`);
    return rewindTo(k);
  },
};
