// "Late resetting" (Frankle et al., 2019; open_lth's rewinding steps): reset the surviving weights
// to their values at iteration K of the dense level rather than to θ0.
import type { Strategy } from "./types.js";

export function rewind(iteration: number): Strategy {
  return {
    name: `rewind:${iteration}`,
    rewindIteration: iteration,
    start(ctx) {
      if (!ctx.rewind) throw new Error(`rewind:${iteration}: the weights of iteration ${iteration} were not saved during level 0`);
      return ctx.rewind;
    },
  };
}
