// How an experiment's hyperparameters become pruning targets and per-trial training settings.
// Kept apart from the runner (which imports the file store) so browser code can use them.
import type { Hparams, TrainingHparams } from "../hparams/schema.js";
import type { PruneTarget } from "../prune/plan.js";

/** The pruning target of an experiment: its scope, per-kind rates (conv, fc, output) and excluded layers. */
export function pruneTarget(hp: Hparams): PruneTarget {
  const p = hp.pruning;
  return { scope: p.scope, rates: { conv: p.rateConv, fc: p.rateFc, output: p.rateOutput }, exclude: p.exclude };
}

/** Trial t trains from seed + t with data order dataSeed + t. */
export function trialTraining(hp: Hparams, trial: number): TrainingHparams {
  return { ...hp.training, seed: hp.training.seed + trial, dataSeed: hp.training.dataSeed + trial };
}
