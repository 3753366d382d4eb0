import type { InitName } from "../../nn/init.js";
import type { Network } from "../../nn/network.js";
import type { Masks } from "../../prune/masks.js";
import type { Weights } from "../weights.js";

/** What a {@link ControlBranch} builds its masks and start weights from, at one level of a trial. */
export interface BranchContext {
  /** The network (its parameter shapes and kinds). */
  network: Network;
  /** The initialization reinit draws from (the model's). */
  init: InitName;
  /** The trial's seed; a branch derives its own named streams from it. */
  trialSeed: number;
  /** Names the level (or one-shot target) so each gets independent randomness. */
  tag: string;
  /** The ticket's mask and start weights at this level. */
  masks: Masks;
  start: Weights;
}

/** A control branch: what to train instead of the ticket, to show the ticket is special. */
export interface ControlBranch {
  /** Its name in `--controls`, the store (branch_<name>/) and the report. */
  readonly name: string;
  /** One line for --help and the report. */
  readonly description: string;
  /** The report's colour for its iterative and its one-shot series. */
  readonly color: string;
  readonly oneShotColor: string;
  /** The masks and start weights the control trains at this level, drawn from the context's seeds. */
  prepare(ctx: BranchContext): { masks: Masks; start: Weights };
}
