import type { Weights } from "../weights.js";

/** The weights a {@link Strategy} may start a pruned level from. */
export interface StrategyContext {
  /** The trial's initialization θ0. */
  theta0: Weights;
  /** The previous level's trained weights. */
  previousFinal: Weights;
  /** The weights saved at the rewind iteration of level 0 (only for rewind:K). */
  rewind: Weights | null;
}

/** What the kept weights of level L ≥ 1 start from (the caller applies the mask). */
export interface Strategy {
  readonly name: string;
  /** The iteration of level 0 whose weights this strategy needs saved, or null. */
  readonly rewindIteration: number | null;
  /** The start weights of the level (dense; the caller masks them). */
  start(ctx: StrategyContext): Weights;
}
