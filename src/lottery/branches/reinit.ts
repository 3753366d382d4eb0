// Control: the ticket's mask with a fresh random initialization from the same distribution
// (the paper's "random reinitialization").
import { Rng } from "../../util/rng.js";
import type { ControlBranch } from "./types.js";

export const reinit: ControlBranch = {
  name: "reinit",
  prepare(ctx) {
    ctx.network.init(ctx.init, new Rng(ctx.trialSeed, `reinit/${ctx.tag}`));
    return { masks: ctx.masks, start: ctx.network.snapshot() };
  },
};
