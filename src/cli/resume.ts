// `lottery resume DIR...`: continues experiments from the settings stored in their directories, so
// an experiment interrupted by a crash, a reboot or the end of a session needs only its directory,
// not the exact `lottery run` command (and every flag of it) that made it.
import { Command } from "commander";
import { basename, dirname, join, resolve } from "node:path";
import { ExperimentStore, type Hparams, type Overrides } from "../node.js";
import { addRuntimeOptions, integerFlag, type RuntimeOptions } from "./common.js";
import { hparamsFor } from "./dataset-defaults.js";
import { storedModel } from "./model-file.js";
import { enqueueCommand, type ExperimentPlan, onDivergenceOf, trainExperiment } from "./run.js";

export function resumeCommand(): Command {
  const cmd = new Command("resume")
    .description(
      "continue experiments where they stopped, from the settings kept in their directories (hparams.json, and network.json for a --model-file network): the runs not finished are trained, an interrupted one from its last checkpoint, exactly as rerunning the `lottery run` command that made each experiment would",
    )
    .argument("<dirs...>", "experiment directories (printed by `lottery run`; `lottery status DIR` shows where one stands), trained one after another")
    .option(
      "--trial <t>",
      "resume only trial t (so trials can run in parallel processes on one experiment)",
      integerFlag(0, Number.MAX_SAFE_INTEGER, "a trial index below the experiment's trials"),
    )
    .option("--no-report", "do not write report.html and the figures at the end")
    .option(
      "--on-divergence <what>",
      "when a run diverges: continue = record it and go on with the runs that do not depend on it; stop = end the experiment with the error",
      "continue",
    )
    .option("--json", "stdout gets only one JSON line per finished run, as with `lottery run --json`")
    .option(
      "--queue <url>",
      "do not train here: put the unfinished runs on the job queue in this Redis (redis://HOST:PORT), as `lottery run --queue` does, for `lottery worker --queue URL` on machines that see the experiment's directory",
    );
  addRuntimeOptions(cmd);
  cmd.action(async (dirs: string[], opts: RuntimeOptions & { trial?: number; report: boolean; json?: boolean; onDivergence: string; queue?: string }) => {
    const onDivergence = onDivergenceOf(opts.onDivergence);
    // Every directory is checked before any trains, so a mistake in the last one is reported now, not hours later.
    const plans: ExperimentPlan[] = [];
    for (const dir of dirs) plans.push(await storedExperiment(dir));
    for (const plan of plans) {
      if (opts.queue !== undefined) await enqueueCommand(opts.queue, plan.hp, plan.defaults, { out: plan.root, trial: opts.trial, json: opts.json });
      else await trainExperiment(plan, { ...opts, onDivergence });
    }
  });
  return cmd;
}

/**
 * What `lottery run` needs to continue the experiment in `dir`: its stored settings, checked as the
 * command's flags would be, its model, and its defaults. The directory's name must be the one those
 * settings give, or training would go to a new directory of that name and start from nothing.
 */
export async function storedExperiment(dir: string): Promise<ExperimentPlan> {
  const first = ExperimentStore.read(dir).hp;
  const model = storedModel(dir, first);
  const silent = () => {}; // the stored schedule is the experiment's own: nothing is scaled
  // The model's defaults (they depend on the dataset); fields hparams.json lacks take their values.
  const { defaults } = await hparamsFor(model, asOverrides(first), silent);
  const { hp } = await hparamsFor(model, asOverrides(ExperimentStore.read(dir, defaults).hp), silent);
  const name = ExperimentStore.experimentName(hp, defaults);
  const path = resolve(dir); // `lottery resume .` from inside the experiment names it too
  if (name !== basename(path)) {
    throw new Error(
      `${dir} holds the settings of experiment ${name}, but its directory is named ${basename(path)}: it was renamed, or made by a version of lottery-wasm with other defaults for ${hp.model.model}; ` +
        `rename it back to ${join(dirname(path), name)}, or rerun the \`lottery run\` command that made it`,
    );
  }
  return { hp, model, defaults, root: dirname(path) };
}

/** Every stored setting as if it had been given as a flag (so all are checked, and nothing is scaled to --iterations again). */
function asOverrides(hp: Hparams): Overrides {
  return { dataset: { ...hp.dataset }, model: { ...hp.model }, training: { ...hp.training }, pruning: { ...hp.pruning } };
}
