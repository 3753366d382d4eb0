// Strategy 2 of the paper: the surviving weights keep their trained values.
import type { Strategy, StrategyEntry } from "./types.js";

const strategy: Strategy = { name: "continue", rewindIteration: null, start: (ctx) => ctx.previousFinal };

export const continueTraining: StrategyEntry = { name: "continue", description: "trained values", parameter: null, create: () => strategy };
