// A shorter (or longer) run of a model's recipe keeps the recipe's shape: when --iterations differs
// from the model's and the model's learning-rate schedule has a warmup or decay milestones, the
// ones the user did not give are scaled by the same factor. ResNet-20's 30,000 iterations with
// 20,000 of warmup and decays at 20,000 and 25,000 become, at --iterations 3000, a warmup of 2,000
// and decays at 2,000 and 2,500. Without this, a shortened VGG-19 or ResNet-20 would train inside
// its warmup to the end and never reach the base learning rate or a decay, which no one asking for
// a shorter run means. Setting --warmup-iterations or --milestones explicitly keeps that value.

/** The schedule fields a model's defaults may set, as the training group holds them. */
export interface TrainingSchedule {
  iterations: number;
  warmupIterations: number;
  milestones: readonly number[];
}

/** What scaling changed: the values it chose (a key only for what it scaled), for the caller to say so. */
export interface ScaledSchedule {
  /** The factor: the given iterations over the model's. */
  readonly factor: number;
  readonly warmupIterations?: number;
  readonly milestones?: number[];
}

/**
 * The warmup and milestones to add to `overrides` (the user's training flags) so that the
 * model's schedule (`defaults`) keeps its shape at the given iteration count; null when nothing is
 * scaled (no --iterations, the model's own count, no warmup or milestones to scale, or both given).
 * Invalid values (a non-integer --iterations) are left for validation to report.
 */
export function scaleSchedule(defaults: TrainingSchedule, overrides: Record<string, unknown> | undefined): ScaledSchedule | null {
  const iterations = overrides?.iterations;
  if (typeof iterations !== "number" || !Number.isInteger(iterations) || iterations < 1 || iterations === defaults.iterations) return null;
  const factor = iterations / defaults.iterations;
  const out: { factor: number; warmupIterations?: number; milestones?: number[] } = { factor };
  if (overrides?.warmupIterations === undefined && defaults.warmupIterations > 0) out.warmupIterations = Math.round(defaults.warmupIterations * factor);
  if (overrides?.milestones === undefined && defaults.milestones.length > 0)
    out.milestones = defaults.milestones.map((m) => Math.max(1, Math.round(m * factor)));
  return out.warmupIterations === undefined && out.milestones === undefined ? null : out;
}

/** "warmup 2,000 and learning-rate decays at 2,000, 2,500": what {@link scaleSchedule} chose, for a log line. */
export function describeScaledSchedule(s: ScaledSchedule): string {
  const n = (v: number) => v.toLocaleString("en-US");
  const parts: string[] = [];
  if (s.warmupIterations !== undefined) parts.push(`warmup ${n(s.warmupIterations)}`);
  if (s.milestones !== undefined) parts.push(`learning-rate decays at ${s.milestones.map(n).join(", ")}`);
  return parts.join(" and ");
}
