// Control: the ticket's mask with a fresh random initialization from the same distribution
// (the paper's "random reinitialization").
import { Rng } from "../../util/rng.js";
import type { ControlBranch } from "./types.js";

export const reinit = {
  name: "reinit",
  description: "the ticket's mask, fresh weights from the same initialization",
  color: "#ff7f0e",
  oneShotColor: "#d62728",
  prepare(ctx) {
    ctx.network.init(ctx.init, new Rng(ctx.trialSeed, `reinit/${ctx.tag}`));
    return { masks: ctx.masks, start: ctx.network.snapshot() };
  },
} as const satisfies ControlBranch;
