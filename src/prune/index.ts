export { applyMasks, cloneWeights, countKept, fullMasks, maskWeights, type Masks } from "./masks.js";
export { keptAt, layerwiseCounts, levelForPm, pmAt, prunedParams, rateOf, type PruneTarget, type Rates, type Scope } from "./plan.js";
export { magnitudes, pruneByMagnitude } from "./magnitude.js";
export { randomMasksAtPm, randomMasksLike } from "./random.js";
export { sparsity, type LayerSparsity, type SparsityReport } from "./report.js";
export { pruneByScores, targetCounts, type Scores } from "./select.js";
export {
  CRITERIA,
  getCriterion,
  graspScores,
  snipScores,
  synflowPrune,
  synflowScores,
  randomScores,
  type Criterion,
  type CriterionContext,
  type CriterionData,
  type CriterionName,
  type RegisteredCriterion,
  CRITERION_NAMES,
} from "./criteria/index.js";
