// `lottery train`: trains one network (dense, or with masks already in it) on real data with the
// paper's protocol and prints a summary; with --json stdout carries only one JSON object (the
// summary text goes to stderr).
import { Command } from "commander";
import { type Hparams, metricRows, nonDefaults, Session, writeJsonAtomic, writeJsonLinesAtomic } from "../node.js";
import { chooseModel } from "./model-file.js";
import { addHparamOptions, collectOverrides } from "./hparam-options.js";
import { hparamsFor } from "./dataset-defaults.js";
import { Progress, PROGRESS_ENV_HELP, progressSecondsFromEnv } from "./progress.js";
import { addRuntimeOptions, type RuntimeOptions, pct } from "./common.js";
import { join } from "node:path";

const GROUPS = ["dataset", "model", "training"] as const;

export function trainCommand(): Command {
  const cmd = new Command("train")
    .description(
      "train a network on its dataset (LeNet-300-100 on MNIST, ...) with the paper's settings, evaluating validation and test every --eval-every iterations",
    )
    .option("--model-file <file>", 'train the network declared in this JSON file (a layer list, see README "Your own data and model") instead of --model')
    .option("--out <dir>", "write hparams.json, metrics.jsonl (one line per evaluation and split) and summary.json here")
    .option(
      "--json",
      "stdout gets only one JSON object (test_accuracy, val_accuracy, early_stop_iteration, early_stop_test_accuracy, iterations, seconds, ...); the summary text goes to stderr",
    )
    .addHelpText("after", `\nEnvironment:\n${PROGRESS_ENV_HELP}`);
  addRuntimeOptions(cmd);
  addHparamOptions(cmd, GROUPS);
  cmd.action(async (opts: Record<string, unknown> & RuntimeOptions & { out?: string; json?: boolean; modelFile?: string }) => {
    const overrides = collectOverrides(opts, GROUPS);
    const choice = chooseModel(overrides, opts.modelFile);
    const { hp, defaults } = await hparamsFor(choice.model, choice.overrides);
    // Every line goes through the progress display, so none is written into the bar's line.
    const progress = new Progress({ plainEverySeconds: progressSecondsFromEnv(process.env.LOTTERY_PROGRESS_SECONDS) });
    const log = (m: string) => progress.log(m);
    const session = await Session.open(hp, {
      model: choice.model,
      dataDir: opts.dataDir,
      fetchIfMissing: true,
      kernelMode: opts.kernels,
      threads: opts.threads,
      log,
    });
    try {
      await trainAndReport(session, hp, defaults, opts, progress);
    } finally {
      progress.end(); // an error's message must not land in the bar's line
      await session.close();
    }
  });
  return cmd;
}

/** Trains from θ0, prints the summary, and writes --out files. */
async function trainAndReport(session: Session, hp: Hparams, defaults: Hparams, opts: { out?: string; json?: boolean }, progress: Progress): Promise<void> {
  const model = session.model;
  const log = (m: string) => progress.log(m);
  session.initialize();
  progress.start(hp.training.iterations, model.name);
  const result = await session.train({
    onProgress(done, _total, last) {
      progress.update(done, { valAcc: last ? pct(last.val.accuracy) : "-" });
    },
    onExecution(execution, threads) {
      log(`kernels (${session.k.simd} SIMD, ${threads} thread${threads > 1 ? "s" : ""}): ${execution.map((e) => `${e.param} ${e.kernel}`).join(", ")}`);
    },
  });
  progress.end();
  // From the whole history: --eval-test best measures the early-stop point's test split at the end.
  const metrics = metricRows(result.history);
  const summary = {
    model: model.name,
    test_accuracy: result.final.test.accuracy,
    val_accuracy: result.final.val.accuracy,
    test_loss: result.final.test.loss,
    val_loss: result.final.val.loss,
    early_stop_iteration: result.earlyStop.iteration,
    early_stop_val_loss: result.earlyStop.val.loss,
    early_stop_val_accuracy: result.earlyStop.val.accuracy,
    early_stop_test_accuracy: result.earlyStop.test.accuracy,
    iterations: result.iterations,
    seconds: +result.seconds.toFixed(3),
    step_ms_median: +result.stepMs.toFixed(4),
    // What fixes the exact numbers: the same three give the same bits.
    threads: result.threads,
    kernel_mode: session.kernelMode,
    simd: session.k.simd,
    hparams_changed: nonDefaults(hp, defaults),
  };
  if (opts.out) {
    writeJsonAtomic(join(opts.out, "hparams.json"), hp);
    writeJsonLinesAtomic(join(opts.out, "metrics.jsonl"), metrics);
    writeJsonAtomic(join(opts.out, "summary.json"), summary);
  }
  // With --json, stdout is for the JSON object only (`| jq` must parse it): text goes to stderr.
  const say = (line: string) => (opts.json ? process.stderr : process.stdout).write(`${line}\n`);
  say(`${model.name}: ${result.iterations} iterations in ${result.seconds.toFixed(1)} s (median step ${result.stepMs.toFixed(3)} ms)`);
  say(`  final:      val acc ${pct(result.final.val.accuracy)}  test acc ${pct(result.final.test.accuracy)}  val loss ${result.final.val.loss.toFixed(4)}`);
  say(
    `  early stop: iteration ${result.earlyStop.iteration}  val acc ${pct(result.earlyStop.val.accuracy)}  test acc ${pct(result.earlyStop.test.accuracy)}  val loss ${result.earlyStop.val.loss.toFixed(4)}`,
  );
  if (opts.out) say(`  wrote ${opts.out}/{hparams.json,metrics.jsonl,summary.json}`);
  if (opts.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
}
