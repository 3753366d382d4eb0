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
  /** As `--strategy` spells it, with its parameter: "reset", "rewind:100". */
  readonly name: string;
  /** The iteration of level 0 whose weights this strategy needs saved, or null. */
  readonly rewindIteration: number | null;
  /** The start weights of the level (dense; the caller masks them). */
  start(ctx: StrategyContext): Weights;
}

/** The integer parameter a strategy takes after a colon (`rewind:K`). */
export interface StrategyParameter {
  /** Its letter in the usage text: "K". */
  readonly name: string;
  /** What it is, for the usage text: "an iteration". */
  readonly description: string;
}

/**
 * A registered strategy (see STRATEGIES): its name, what it restarts the kept weights from, the
 * parameter it takes, and how it is made for a parameter value.
 */
export interface StrategyEntry {
  /** The name before any parameter: "reset", "continue", "rewind". */
  readonly name: string;
  /** What the kept weights start each level from, in a few words ("to θ0"). */
  readonly description: string;
  /** Its parameter, or null when it takes none. */
  readonly parameter: StrategyParameter | null;
  /**
   * The strategy for a parameter value (null when it takes none) in an experiment of `iterations`
   * iterations per level (when known).
   *
   * @throws Error naming the `--strategy` value when the parameter does not fit.
   */
  create(parameter: number | null, iterations?: number): Strategy;
}
