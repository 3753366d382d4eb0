// Random pruning as a criterion: every kept weight gets a uniform random score from a stream named
// after the trial's seed, the level (or one-shot target) and the parameter, so the same seed gives
// the same masks. With layerwise scope it keeps the schedule's per-layer counts, like the
// random-mask control; with global scope the layers' densities are equal only in expectation.
import { Rng } from "../../util/rng.js";
import { pruneByScores } from "../select.js";
import type { Criterion, CriterionContext } from "./types.js";

/** Scores drawn uniformly from the trial seed's own stream (the random-pruning control as a criterion). */
export function randomScores(ctx: Pick<CriterionContext, "network" | "trialSeed" | "tag">): Map<string, Float32Array> {
  const rng = new Rng(ctx.trialSeed, `criterion-random/${ctx.tag}`);
  return new Map(
    ctx.network.prunable.map((p) => {
      const r = rng.derive(p.name);
      const s = new Float32Array(p.size);
      for (let i = 0; i < s.length; i++) s[i] = r.float();
      return [p.name, s];
    }),
  );
}

export const random = {
  name: "random",
  description: "uniformly random scores (a control: what any criterion must beat)",
  scores: "start",
  prune: (ctx) => pruneByScores(ctx.network, ctx.target, randomScores(ctx), ctx.masks, ctx.level, "random score"),
} as const satisfies Criterion;
