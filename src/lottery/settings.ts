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

/**
 * Checks the pruning settings that no single flag's validation can: a mask import and the control
 * levels. Every way to start an experiment (the local driver, the queue, a dry run) calls it before
 * anything trains or is written.
 */
export function checkPruningSettings(p: Hparams["pruning"]): void {
  checkMaskImport(p);
  checkControlLevels(p);
}

/**
 * Checks the settings of an experiment that trains another experiment's masks (--masks-from,
 * --mask-levels): both or neither, and nothing that prunes or needs the source's trained weights.
 */
function checkMaskImport(p: Hparams["pruning"]): void {
  if (p.masksFrom === undefined) {
    if (p.maskLevels.length) throw new Error("--mask-levels needs --masks-from: name the experiment whose masks are trained");
    return;
  }
  if (!p.maskLevels.length)
    throw new Error(`--masks-from ${p.masksFrom} needs --mask-levels: the levels of that experiment whose masks are trained, e.g. 0,11,13`);
  if (p.levels > 0 || p.oneShot.length)
    throw new Error(
      `--masks-from trains ${p.masksFrom}'s masks instead of pruning: leave out --levels and --one-shot, and list the levels to train with --mask-levels`,
    );
  if (p.strategy !== "reset")
    throw new Error(
      `--masks-from trains each mask from the source's θ0 (--strategy reset); --strategy ${p.strategy} would need the source's trained weights: use --strategy reset, or prune in an experiment of its own`,
    );
}

/**
 * Checks --control-levels: it names levels that have controls to train, so it needs --controls,
 * and every level in it must be one the experiment trains (at most --levels, or one of
 * --mask-levels).
 */
function checkControlLevels(p: Hparams["pruning"]): void {
  if (!p.controlLevels.length) return;
  const list = p.controlLevels.join(",");
  if (!p.controls.length) throw new Error(`--control-levels ${list} needs --controls: name the controls to train at those levels, e.g. --controls reinit`);
  const trained = p.masksFrom !== undefined ? p.maskLevels : Array.from({ length: p.levels }, (_, i) => i + 1);
  const outside = p.controlLevels.filter((l) => !trained.includes(l));
  if (outside.length)
    throw new Error(
      p.masksFrom !== undefined
        ? `--control-levels ${list}: level ${outside.join(", ")} is not among --mask-levels ${p.maskLevels.join(",")}; list only levels that are trained`
        : `--control-levels ${list}: level ${outside.join(", ")} is beyond --levels ${p.levels}; raise --levels or list levels from 1 to ${p.levels}`,
    );
}
