// Another experiment's tickets, trained here (--masks-from NAME --mask-levels L,...): each listed
// level of the source experiment, its mask on its θ0, is trained with this experiment's settings
// instead of being found by pruning. What it is for: checking tickets found on a short schedule
// at a longer one (the paper's Conv-2 trains 20,000 iterations per level; docs/results trains
// Conv-2's 5,000-iteration masks that long), or under any other training setting, with the same
// controls per level. A level's reinit control draws the same weights as the source's control of
// that level (same seed, same tag), so the two experiments differ only in how they train.
//
// The source must be the same network (model, JSON network, initialization) on the same dataset
// from the same seed: a ticket is a mask together with the θ0 it was found from. θ0 is copied from
// the source's store, not rebuilt from the seed, so a change of the initialization code since the
// source was written cannot separate a mask from its weights.
//
// Node only (it reads the source's files); the browser's in-memory stores have no other
// experiments to read.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Hparams } from "../hparams/schema.js";
import type { Masks } from "../prune/masks.js";
import { ExperimentStore, withMissingDefaults, type RunId } from "../store/experiment.js";
import type { Weights } from "./weights.js";

/** The experiment whose masks and θ0 an experiment with --masks-from trains. */
export interface MaskSource {
  /** The source experiment's name (its directory under the experiments root). */
  readonly name: string;
  readonly dir: string;
  /** θ0 of a trial: the weights the source's tickets start from. */
  theta0(trial: number): Weights;
  /** The mask of the source's iterative level (level 0: its dense network, every weight kept). */
  mask(trial: number, level: number): Masks;
  /** The fraction of weights the level keeps, as the source recorded it. */
  pm(trial: number, level: number): number;
}

/**
 * Opens `hp.pruning.masksFrom` under `root` and checks that it can give this experiment its
 * tickets: same network, initialization, dataset and seed, and every level of --mask-levels
 * finished in every trial that will run (`trials`; default all of --trials).
 */
export function openMaskSource(root: string, hp: Hparams, defaults: Hparams, trials?: readonly number[]): MaskSource {
  const name = hp.pruning.masksFrom;
  if (name === undefined) throw new Error("openMaskSource: the experiment has no --masks-from");
  const dir = join(root, name);
  if (!existsSync(join(dir, "hparams.json")))
    throw new Error(
      `--masks-from ${name}: ${dir} is not an experiment directory (no hparams.json); give the name \`lottery run\` printed for an experiment under this --out (${root})`,
    );
  const store = ExperimentStore.read(dir);
  // An experiment written before a field existed ran with that field's default (as the store reads it).
  const theirs = withMissingDefaults(store.hp, defaults);
  const differ: string[] = [];
  const same = (what: string, a: unknown, b: unknown) => {
    if (JSON.stringify(a) !== JSON.stringify(b)) differ.push(`${what}: ${JSON.stringify(b)} there, ${JSON.stringify(a)} here`);
  };
  same("model", hp.model.model, theirs.model.model);
  same("model file network", hp.model.network, theirs.model.network);
  same("init", hp.model.init, theirs.model.init);
  same("dataset", hp.dataset.dataset, theirs.dataset.dataset);
  same("seed", hp.training.seed, theirs.training.seed);
  if (differ.length)
    throw new Error(
      `--masks-from ${name} trained another network or θ0 (${differ.join("; ")}): a ticket is its mask on the θ0 it was found from, so give the same --model, --init, --dataset and --seed as that experiment`,
    );
  const wanted = trials ?? Array.from({ length: hp.pruning.trials }, (_, t) => t);
  const missing: string[] = [];
  for (const trial of wanted)
    for (const level of hp.pruning.maskLevels) if (!store.summary(ticketOf(trial, level))) missing.push(`trial ${trial} level ${level}`);
  if (missing.length)
    throw new Error(
      `--masks-from ${name} has no finished ${missing.join(", ")}: finish them with that experiment's \`lottery run\` command, or leave them out of --mask-levels (and --trials)`,
    );
  return {
    name,
    dir,
    theta0(trial) {
      const w = store.loadTrialWeights(trial, "theta0");
      if (!w) throw new Error(`--masks-from ${name} has no θ0 for trial ${trial} (${store.trialDir(trial)}): rerun that experiment's \`lottery run\` command`);
      return w;
    },
    mask: (trial, level) => store.loadMask(ticketOf(trial, level)),
    pm: (trial, level) => store.summary(ticketOf(trial, level))!.pm,
  };
}

function ticketOf(trial: number, level: number): RunId {
  return { trial, kind: "iterative", level, branch: "ticket" };
}
