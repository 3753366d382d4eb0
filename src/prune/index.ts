export { applyMasks, cloneWeights, countKept, fullMasks, maskWeights, type Masks } from "./masks.js";
export { keptAt, layerwiseCounts, levelForPm, pmAt, prunedParams, rateOf, type PruneTarget, type Rates, type Scope } from "./plan.js";
export { pruneByMagnitude } from "./magnitude.js";
export { randomMasksAtPm, randomMasksLike } from "./random.js";
export { sparsity, type LayerSparsity, type SparsityReport } from "./report.js";
