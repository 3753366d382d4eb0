// Pruning criteria by name (--criterion). Each is one file; adding one means adding it here and to
// the CriterionName type.
import { grasp } from "./grasp.js";
import { magnitude } from "./magnitude.js";
import { random } from "./random.js";
import { snip } from "./snip.js";
import { synflow } from "./synflow.js";
import type { Criterion } from "./types.js";

export type { Criterion, CriterionContext, CriterionData, CriterionName } from "./types.js";
export { graspScores, GRASP_RELATIVE_STEP, GRASP_SAMPLES_PER_CLASS, GRASP_TEMPERATURE } from "./grasp.js";
export { snipScores, SNIP_BATCH } from "./snip.js";
export { synflowPrune, synflowScores, SYNFLOW_ITERATIONS } from "./synflow.js";
export { randomScores } from "./random.js";
export { balancedExamples, firstExamples } from "./data.js";

/** The registered pruning criteria, in `--criterion` order. */
export const CRITERIA: readonly Criterion[] = [magnitude, random, snip, grasp, synflow];

/** The criterion named `name`. @throws Error listing the criteria when there is none. */
export function getCriterion(name: string): Criterion {
  const c = CRITERIA.find((x) => x.name === name);
  if (!c) throw new Error(`unknown criterion "${name}": use ${CRITERIA.map((x) => x.name).join(", ")}`);
  return c;
}
