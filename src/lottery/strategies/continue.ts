// Strategy 2 of the paper: the surviving weights keep their trained values.
import type { Strategy } from "./types.js";

export const continueTraining: Strategy = { name: "continue", rewindIteration: null, start: (ctx) => ctx.previousFinal };
