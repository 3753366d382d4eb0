// Strategy 1 of the paper: reset the surviving weights to their initial values θ0.
import type { Strategy } from "./types.js";

export const reset: Strategy = { name: "reset", rewindIteration: null, start: (ctx) => ctx.theta0 };
