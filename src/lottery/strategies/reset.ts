// Strategy 1 of the paper: reset the surviving weights to their initial values θ0.
import type { Strategy, StrategyEntry } from "./types.js";

const strategy: Strategy = { name: "reset", rewindIteration: null, start: (ctx) => ctx.theta0 };

export const reset: StrategyEntry = { name: "reset", description: "to θ0", parameter: null, create: () => strategy };
