import type { Kernels } from "../kernels/index.js";
import { Optimizer, type OptimizerConfig, type Slot } from "./optimizer.js";

export { Optimizer, slotsOf, type OptimizerConfig, type Slot } from "./optimizer.js";
export { runUpdate, shareOf, type AdamConfig, type SgdConfig, type UpdatePlan, type PlanSlot } from "./update.js";
export { learningRate, type ScheduleConfig } from "./schedule.js";

/** An Optimizer over `slots` with the settings `c` (state allocated in the caller's arena region). */
export function createOptimizer(k: Kernels, slots: readonly Slot[], c: OptimizerConfig): Optimizer {
  return new Optimizer(k, slots, c);
}
