import type { Kernels } from "../kernels/index.js";
import { Optimizer, type OptimizerConfig, type Slot } from "./optimizer.js";

export { Optimizer, slotsOf, type OptimizerConfig, type Slot } from "./optimizer.js";
export { runUpdate, shareOf, type AdamConfig, type SgdConfig, type UpdatePlan, type PlanSlot } from "./update.js";
export { learningRate, type ScheduleConfig } from "./schedule.js";

export function createOptimizer(k: Kernels, slots: readonly Slot[], c: OptimizerConfig): Optimizer {
  return new Optimizer(k, slots, c);
}
