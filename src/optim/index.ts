import type { Kernels } from "../kernels/index.js";
import { Adam } from "./adam.js";
import type { Optimizer, Slot } from "./optimizer.js";
import { Sgd } from "./sgd.js";

export { Adam, type AdamConfig } from "./adam.js";
export { Sgd, type SgdConfig } from "./sgd.js";
export { learningRate, type ScheduleConfig } from "./schedule.js";
export { slotsOf, type Optimizer, type Slot } from "./optimizer.js";

export interface OptimizerConfig {
  optimizer: "adam" | "sgd";
  momentum: number;
  nesterov: boolean;
  weightDecay: number;
  beta1: number;
  beta2: number;
  eps: number;
}

export function createOptimizer(k: Kernels, slots: readonly Slot[], c: OptimizerConfig): Optimizer {
  return c.optimizer === "adam"
    ? new Adam(k, slots, { beta1: c.beta1, beta2: c.beta2, eps: c.eps, weightDecay: c.weightDecay })
    : new Sgd(k, slots, { momentum: c.momentum, weightDecay: c.weightDecay, nesterov: c.nesterov });
}
