// `lottery run ... --estimate`: how long an experiment would take here, measured in the session that
// would train it (src/lottery/estimate.ts), printed for people or as one JSON object.
import { ESTIMATE_STEPS, estimateExperiment, type Hparams, type ModelEntry, Session } from "../node.js";
import { formatDuration, pct, type RuntimeOptions } from "./common.js";

/** `lottery run ... --estimate`: measures here and prints how long the experiment would take. */
export async function estimateCommand(hp: Hparams, model: ModelEntry, opts: RuntimeOptions & { json?: boolean }): Promise<void> {
  const say = (m: string) => process.stderr.write(`${m}\n`);
  const session = await Session.open(hp, { model, dataDir: opts.dataDir, fetchIfMissing: true, kernelMode: opts.kernels, threads: opts.threads, log: say });
  try {
    say(`timing ${ESTIMATE_STEPS} steps of the dense and of the sparsest network, with their evaluations...`);
    const e = await estimateExperiment(session, hp);
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(e)}\n`);
      return;
    }
    const t = hp.training;
    console.log(
      [
        `${e.runs} runs of ${e.iterations.toLocaleString("en-US")} iterations, ${e.evaluations} evaluations each (validation every ${t.evalEvery}; test ${t.evalTest === "every" ? "at each" : "where the validation loss improves, and at the end"})`,
        `step (median, ${e.threads} thread${e.threads === 1 ? "" : "s"}, --kernels ${opts.kernels ?? "auto"}): ${e.denseStepMs.toFixed(1)} ms dense, ${e.sparsestStepMs.toFixed(1)} ms at Pm ${pct(e.sparsestPm)} (the sparsest run)`,
        `evaluation: ${e.valSeconds.toFixed(1)} s validation (${session.data.val.count.toLocaleString("en-US")} images), ${e.testSeconds.toFixed(1)} s test (${session.data.test.count.toLocaleString("en-US")})`,
        `about ${formatDuration(e.seconds.low)} to ${formatDuration(e.seconds.high)} in all on this machine as it is now (from each run's step interpolated by Pm to every run at the dense step${t.evalTest === "improved" ? ", and from the test split at two evaluations a run to all" : ""}; other processes slow it)`,
      ].join("\n"),
    );
  } finally {
    await session.close();
  }
}
