// `lottery run ... --dry-run`: what the command would do, without training or writing anything:
// the experiment's directory (new, or existing and how far it got), the runs the command trains,
// and the settings that differ from the model's defaults. Every check `lottery run` makes before
// training is made here too, so a command that passes would start.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { checkPruningSettings, describeRun, ExperimentStore, type Hparams, nonDefaults, runGraph } from "../node.js";

/** What a dry run found: also its --json form. */
export interface DryRun {
  /** The experiment's directory (under --out). */
  experiment: string;
  /** Whether that directory already holds the experiment (a run would resume it). */
  exists: boolean;
  /** Runs this command trains (its levels, trials, controls and targets). */
  runs: number;
  /** The first and the last of them, in training order, e.g. "trial 0 level 0 to trial 0 level 14 (reinit control)". */
  span: string;
  /** Of those, finished already. */
  done: number;
  /** With --masks-from: whether that experiment is under --out (its levels are checked when this trains). */
  masksFromFound?: boolean;
  /** The settings that differ from the model's defaults, by dotted name. */
  changed: Record<string, unknown>;
}

/** Checks the command as `lottery run` would before training and says what it would train. */
export function dryRun(hp: Hparams, defaults: Hparams, out: string): DryRun {
  checkPruningSettings(hp.pruning);
  const experiment = join(out, ExperimentStore.experimentName(hp, defaults));
  const exists = existsSync(join(experiment, "hparams.json"));
  const graph = runGraph(hp.pruning);
  const store = exists ? ExperimentStore.read(experiment) : null;
  const done = store ? graph.filter((n) => store.runState(n.id).state === "done").length : 0;
  const source = hp.pruning.masksFrom;
  const first = describeRun(graph[0]!.id),
    last = describeRun(graph[graph.length - 1]!.id);
  return {
    experiment,
    exists,
    runs: graph.length,
    span: graph.length === 1 ? first : `${first} to ${last}`,
    done,
    ...(source !== undefined ? { masksFromFound: existsSync(join(out, source, "hparams.json")) } : {}),
    changed: nonDefaults(hp, defaults),
  };
}

/** `lottery run ... --dry-run`: prints {@link dryRun}'s findings for people, or as one JSON object. */
export function dryRunCommand(hp: Hparams, defaults: Hparams, opts: { out: string; json?: boolean }): void {
  const d = dryRun(hp, defaults, opts.out);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(d)}\n`);
    return;
  }
  const lines = [
    `experiment: ${d.experiment} (${d.exists ? `exists: ${d.done} of these ${d.runs} runs done; a run resumes it` : "new"})`,
    `runs: ${d.runs} (${d.span}), ${hp.training.iterations.toLocaleString("en-US")} iterations each`,
  ];
  if (hp.pruning.masksFrom !== undefined) {
    lines.push(
      `masks from: ${hp.pruning.masksFrom} (levels ${hp.pruning.maskLevels.join(", ")}): ${d.masksFromFound ? "found" : `not under ${opts.out} yet`}; its levels must be finished when this trains`,
    );
  }
  const changed = Object.entries(d.changed).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  lines.push(`settings other than ${hp.model.model}'s defaults: ${changed.length ? changed.join(", ") : "none"}`);
  lines.push("nothing was trained or written (--dry-run)");
  console.log(lines.join("\n"));
}
