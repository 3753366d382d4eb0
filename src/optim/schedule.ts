// Learning-rate schedules, as a function of the 0-based iteration: a linear warmup (from lr/W to
// lr over the first W iterations, as open_lth's `warmup_steps`), then a multistep decay (× gamma at
// each milestone iteration). Constant = no warmup, no milestones.

/** A learning-rate schedule: base lr, linear warmup iterations, multistep milestones and their factor gamma. */
export interface ScheduleConfig {
  lr: number;
  warmupIterations: number;
  milestones: readonly number[];
  gamma: number;
}

/** The learning rate of 0-based iteration `iteration` (see the header comment). */
export function learningRate(config: ScheduleConfig, iteration: number): number {
  let lr = config.lr;
  for (const m of config.milestones) if (iteration >= m) lr *= config.gamma;
  if (config.warmupIterations > 0 && iteration < config.warmupIterations) lr *= (iteration + 1) / config.warmupIterations;
  return lr;
}
