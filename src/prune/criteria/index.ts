// Pruning criteria by name (--criterion). Each is one file; adding one is its file and one entry in
// CRITERIA: the schema's choices and --help, the CriterionName type and the report take it from here.
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

const REGISTRY = [magnitude, random, snip, grasp, synflow] as const;

/** The registered pruning criteria, in `--criterion` order. */
export const CRITERIA: readonly (Criterion & { readonly name: RegisteredCriterion })[] = REGISTRY;

/** The name of a registered criterion. */
export type RegisteredCriterion = (typeof REGISTRY)[number]["name"];

/** The criteria's names, in registry order: the schema's `--criterion` choices. */
export const CRITERION_NAMES = CRITERIA.map((c) => c.name) as [RegisteredCriterion, ...RegisteredCriterion[]];

/** The criterion named `name`. @throws Error listing the criteria when there is none. */
export function getCriterion(name: string): Criterion {
  const c = CRITERIA.find((x) => x.name === name);
  if (!c) throw new Error(`unknown criterion "${name}": use ${CRITERIA.map((x) => x.name).join(", ")}`);
  return c;
}
