// `lottery run`: a lottery-ticket experiment (iterative or one-shot pruning, with controls and
// trials) that resumes where it stopped. Prints one table row per finished run; with --json stdout
// carries only one JSON line per run (the table goes to stderr); the report is written at the end.
import { Command } from "commander";
import {
  ExperimentStore,
  GROUPS,
  type Hparams,
  type ModelEntry,
  type Overrides,
  runExperiment,
  type RunId,
  type RunSummary,
  paperComparisonMarkdown,
  writeExperimentReport,
  writeJsonAtomic,
} from "../node.js";
import { chooseModel, NETWORK_FILE } from "./model-file.js";
import { loadQueueModules } from "../queue/load.js";
import { addHparamOptions, collectOverrides } from "./hparam-options.js";
import { dryRunCommand } from "./dry-run.js";
import { hparamsFor } from "./dataset-defaults.js";
import { Progress, PROGRESS_ENV_HELP, progressSecondsFromEnv } from "./progress.js";
import { addRuntimeOptions, integerFlag, pct, type RuntimeOptions } from "./common.js";
import { estimateCommand } from "./estimate.js";
import { join, resolve } from "node:path";

const ALL_GROUPS = Object.keys(GROUPS) as (keyof typeof GROUPS)[];

/** Named starting points; flags given with a preset still override it. */
export const PRESETS: Record<string, { description: string; overrides: Overrides }> = {
  quick: {
    description: "LeNet-300-100 on MNIST, 15 levels (down to Pm 3.6%) of 2,000 iterations with the reinit control (a few minutes)",
    overrides: { model: { model: "lenet_300_100" }, training: { iterations: 2000 }, pruning: { levels: 15, controls: ["reinit"] } },
  },
};

function merge(a: Overrides, b: Overrides): Overrides {
  const out: Overrides = {};
  for (const g of ALL_GROUPS) if (a[g] || b[g]) out[g] = { ...a[g], ...b[g] };
  return out;
}

/** Parses --rate kind=x,kind=y into the pruning rate fields. */
function rateOverrides(text: string | undefined): Record<string, number> {
  if (!text) return {};
  const out: Record<string, number> = {};
  for (const part of text.split(",")) {
    const m = /^\s*(conv|fc|output)\s*=\s*([0-9.eE+-]+)\s*$/.exec(part);
    if (!m || !Number.isFinite(Number(m[2])))
      throw new Error(`invalid --rate ${JSON.stringify(part.trim())}: use kind=fraction with kind conv, fc or output, e.g. --rate fc=0.2,output=0.1`);
    out[`rate${m[1]![0]!.toUpperCase()}${m[1]!.slice(1)}`] = Number(m[2]);
  }
  return out;
}

/** LOTTERY_CHECKPOINT_SECONDS: seconds between mid-run checkpoints; a typo must not silently stop checkpoints. */
export function checkpointSecondsFromEnv(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(n) || n < 0) {
    throw new Error(
      `invalid LOTTERY_CHECKPOINT_SECONDS ${JSON.stringify(raw)}: must be a number of seconds >= 0 (0 = checkpoint at every evaluation); unset it for the default 60`,
    );
  }
  return n;
}

function runLabel(id: RunId): string {
  return id.kind === "iterative" ? `level ${id.level}` : `one-shot ${pct(id.level)}`;
}

const HEADER = ["trial", "run", "Pm", "branch", "es iter", "es val", "es test", "end val", "end test", "time"];
const WIDTHS = [5, 16, 7, 11, 8, 7, 8, 8, 8, 8];

function row(cells: string[]): string {
  return cells.map((c, i) => (i === 1 || i === 3 ? c.padEnd(WIDTHS[i]!) : c.padStart(WIDTHS[i]!))).join("  ");
}

export function runCommand(): Command {
  const cmd = new Command("run")
    .description(
      "run a lottery-ticket experiment: train dense, prune (by magnitude, or by --criterion), reset, retrain, level after level (with controls and trials); rerunning the same command resumes",
    )
    .option("--out <dir>", "root directory of experiments; this one goes to <dir>/<model>_<hash of its settings>", "experiments")
    .option("--model-file <file>", 'train the network declared in this JSON file (a layer list, see README "Your own data and model") instead of --model')
    .option(
      "--preset <name>",
      `start from a preset: ${Object.entries(PRESETS)
        .map(([k, v]) => `${k} = ${v.description}`)
        .join("; ")}`,
    )
    .option("--rate <list>", "pruning rates per layer kind, e.g. fc=0.2,output=0.1 or conv=0.1 (shorthand for --rate-conv/--rate-fc/--rate-output)")
    .option(
      "--trial <t>",
      "run only trial t of the --trials (so trials can run in parallel processes on one experiment)",
      integerFlag(0, Number.MAX_SAFE_INTEGER, "a trial index below --trials"),
    )
    .option("--no-report", "do not write report.html and the figures at the end")
    .option(
      "--on-divergence <what>",
      "when a run diverges (non-finite loss or weights, or a loss above 100x its first evaluation): continue = record it and go on with the runs that do not depend on it; stop = end the experiment with the error",
      "continue",
    )
    .addHelpText(
      "after",
      `\nEnvironment:\n  LOTTERY_CHECKPOINT_SECONDS  seconds between mid-run checkpoints (default 60; 0 = at every evaluation)\n${PROGRESS_ENV_HELP}`,
    )
    .option(
      "--queue <url>",
      "do not train here: put the experiment's runs on the job queue in this Redis (redis://HOST:PORT) and return; `lottery worker --queue URL` trains them on any number of machines sharing --out, `lottery status --queue URL` shows progress (the workers choose their own --threads and --kernels)",
    )
    .option(
      "--json",
      "stdout gets only one JSON line per finished run (trial, level, branch, pm, early_stop_iteration, early_stop_test_accuracy, final_test_accuracy, seconds, ...); the table and the experiment and report paths go to stderr",
    )
    .option(
      "--dry-run",
      "train and write nothing: check the command as a run would, and print the experiment's directory (new, or how many of the command's runs are done), the runs it would train and the settings that differ from the model's defaults (with --json, as one JSON object)",
    )
    .option(
      "--estimate",
      "train nothing: time a few steps of the dense and of the sparsest network this experiment would train, and its evaluations, here with these --threads and --kernels, and print how long all its runs would take (with --json, as one JSON object)",
    );
  addRuntimeOptions(cmd);
  addHparamOptions(cmd, ALL_GROUPS);
  cmd.action(
    async (
      opts: Record<string, unknown> &
        RuntimeOptions & {
          out: string;
          modelFile?: string;
          preset?: string;
          rate?: string;
          report: boolean;
          json?: boolean;
          trial?: number;
          onDivergence: string;
          queue?: string;
          estimate?: boolean;
          dryRun?: boolean;
        },
    ) => {
      const onDivergence = onDivergenceOf(opts.onDivergence);
      let overrides = collectOverrides(opts, ALL_GROUPS);
      if (opts.rate) overrides = merge(overrides, { pruning: rateOverrides(opts.rate) });
      if (opts.preset) {
        const preset = PRESETS[opts.preset];
        if (!preset) throw new Error(`unknown preset "${opts.preset}": choose one of ${Object.keys(PRESETS).join(", ")}`);
        overrides = merge(preset.overrides, overrides);
      }
      const choice = chooseModel(overrides, opts.modelFile);
      const model = choice.model;
      const { hp, defaults } = await hparamsFor(model, choice.overrides);
      if (opts.dryRun) return dryRunCommand(hp, defaults, opts);
      // A --model-file network is kept with the experiment (`lottery resume` rebuilds it from there).
      if (choice.spec) writeJsonAtomic(join(opts.out, ExperimentStore.experimentName(hp, defaults), NETWORK_FILE), choice.spec);
      if (opts.queue !== undefined) return enqueueCommand(opts.queue, hp, defaults, opts);
      if (opts.estimate) return estimateCommand(hp, model, opts);
      await trainExperiment({ hp, model, defaults, root: opts.out }, { ...opts, onDivergence });
    },
  );
  return cmd;
}

/** --on-divergence's value, checked. */
export function onDivergenceOf(what: string): "continue" | "stop" {
  if (what !== "continue" && what !== "stop") throw new Error(`invalid --on-divergence "${what}": use continue or stop`);
  return what;
}

/** How `lottery run` and `lottery resume` train an experiment here (not the settings: those are the experiment's). */
export interface TrainOptions extends RuntimeOptions {
  report: boolean;
  json?: boolean;
  trial?: number;
  onDivergence: "continue" | "stop";
}

/** The experiment to train: its settings, its model, the defaults its name is hashed against, and the directory it is under. */
export interface ExperimentPlan {
  hp: Hparams;
  model: ModelEntry;
  defaults: Hparams;
  root: string;
}

/**
 * Trains the runs of an experiment that are not finished (resuming an interrupted one from its
 * checkpoint), printing one table row (or JSON line) per run, then writes the report.
 */
export async function trainExperiment({ hp, model, defaults, root }: ExperimentPlan, opts: TrainOptions): Promise<void> {
  const checkpointSeconds = checkpointSecondsFromEnv(process.env.LOTTERY_CHECKPOINT_SECONDS);
  // Every line goes through the progress display, so none is written into the bar's line.
  const progress = new Progress({ plainEverySeconds: progressSecondsFromEnv(process.env.LOTTERY_PROGRESS_SECONDS) });
  const log = (m: string) => progress.log(m);
  let printedHeader = false;
  // With --json, stdout is for JSON lines only (`| jq` must parse every line): text goes to stderr.
  const text = opts.json ? process.stderr : process.stdout;
  const print = (line: string) => progress.print(line, text);
  const done = (id: RunId, s: RunSummary, skipped: boolean) => {
    progress.end(); // the run's row says how it ended
    if (!printedHeader) {
      print(row(HEADER));
      printedHeader = true;
    }
    print(
      row([
        String(id.trial),
        runLabel(id),
        pct(s.pm),
        id.branch,
        String(s.early_stop_iteration),
        pct(s.early_stop_val_accuracy),
        pct(s.early_stop_test_accuracy),
        pct(s.final_val_accuracy),
        pct(s.final_test_accuracy),
        s.diverged ? `DIVERGED at ${s.diverged.iteration}` : skipped ? "stored" : `${s.seconds.toFixed(1)}s`,
      ]),
    );
    if (opts.json) {
      process.stdout.write(
        `${JSON.stringify({
          trial: s.trial,
          level: s.level,
          kind: s.kind,
          branch: s.branch,
          pm: +s.pm.toFixed(6),
          early_stop_iteration: s.early_stop_iteration,
          early_stop_val_accuracy: s.early_stop_val_accuracy,
          early_stop_test_accuracy: s.early_stop_test_accuracy,
          final_val_accuracy: s.final_val_accuracy,
          final_test_accuracy: s.final_test_accuracy,
          seconds: s.seconds,
          resumed: skipped,
          ...(s.diverged ? { diverged: s.diverged } : {}),
          ...(s.mixed_arithmetic ? { mixed_arithmetic: s.mixed_arithmetic } : {}),
        })}\n`,
      );
    }
  };
  const { store } = await runExperiment({
    hp,
    model,
    defaults,
    root,
    dataDir: opts.dataDir,
    fetchIfMissing: true,
    kernelMode: opts.kernels,
    threads: opts.threads,
    onlyTrial: opts.trial,
    onDivergence: opts.onDivergence,
    log,
    checkpointSeconds,
    events: {
      onRunStart(id, pm, resumedAt) {
        if (resumedAt !== null) log(`trial ${id.trial} ${runLabel(id)} ${id.branch}: resuming at iteration ${resumedAt}`);
        progress.start(hp.training.iterations, `t${id.trial} ${runLabel(id)} ${id.branch} Pm ${pct(pm)}`);
      },
      onProgress(_id, doneIts, _total, last) {
        progress.update(doneIts, { valAcc: last ? pct(last.val.accuracy) : "-" });
      },
      onExecution(_id, execution, threads) {
        const sparse = execution.filter((e) => e.kernel === "sparse").map((e) => e.param);
        log(`  kernels: ${sparse.length ? `sparse ${sparse.join(", ")}` : "all dense"}; ${threads} thread${threads > 1 ? "s" : ""}`);
      },
      onRunDone: done,
    },
  }).finally(() => progress.end()); // an error's message must not land in the bar's line
  print(`experiment: ${store.dir}`);
  if (opts.report) {
    const written = await writeExperimentReport(store.dir);
    if (written.paper) print(`\nAgainst the paper:\n\n${paperComparisonMarkdown(written.paper)}\n`);
    print(`report: ${written.html}`);
  }
}

/** `lottery run --queue URL` (and `lottery resume --queue URL`): enqueues the runs that can start now and says what it did. */
export async function enqueueCommand(url: string, hp: Hparams, defaults: Hparams, opts: { out: string; trial?: number; json?: boolean }): Promise<void> {
  if (opts.trial !== undefined && !(opts.trial < hp.pruning.trials)) {
    throw new Error(`invalid --trial ${opts.trial}: must be an integer in [0, ${hp.pruning.trials - 1}] (--trials is ${hp.pruning.trials})`);
  }
  const { connectQueue, enqueueExperiment } = await loadQueueModules();
  const conn = await connectQueue(url);
  try {
    const r = await enqueueExperiment(conn, {
      hp,
      defaults,
      root: opts.out,
      trials: opts.trial === undefined ? undefined : [opts.trial],
      log: (m) => process.stderr.write(`${m}\n`),
    });
    const text = opts.json ? process.stderr : process.stdout;
    text.write(`experiment: ${r.dir}\n`);
    text.write(
      `${r.runs} runs: ${r.finished} finished, ${r.added} added to the queue, ${r.retried} retried, ${r.alreadyQueued} already queued, ` +
        `${r.waiting} waiting for the run they start from (its job adds them when it finishes)\n`,
    );
    text.write(
      `train them with \`lottery worker --queue ${url}\` on machines that see ${resolve(opts.out)} (or --out where they mount it); follow with \`lottery status --queue ${url}\`; ` +
        `then \`lottery report ${r.dir}\`\n`,
    );
    if (opts.json) process.stdout.write(`${JSON.stringify(r)}\n`);
  } finally {
    await conn.close();
  }
}
