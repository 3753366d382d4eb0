// `lottery run ... --estimate`: how long an experiment would take here, measured in the session that
// would train it (src/lottery/estimate.ts), printed for people or as one JSON object.
import { ESTIMATE_STEPS, estimateExperiment, type Hparams, type ModelEntry, Session } from "../node.js";
import { formatDuration, pct, type RuntimeOptions } from "./common.js";

/** When each --eval-test choice evaluates the test split, as the estimate says it. */
const TEST_WHEN: Record<Hparams["training"]["evalTest"], string> = {
  every: "at each",
  improved: "where the validation loss improves, and at the end",
  best: "at the end only, on the final and the early-stop weights",
};

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
        `${e.runs} runs of ${e.iterations.toLocaleString("en-US")} iterations, ${e.evaluations} evaluations each (validation every ${t.evalEvery}; test ${TEST_WHEN[t.evalTest]})`,
        `step (median, ${e.threads} thread${e.threads === 1 ? "" : "s"}, --kernels ${opts.kernels ?? "auto"}): ${e.denseStepMs.toFixed(1)} ms dense, ${e.sparsestStepMs.toFixed(1)} ms at Pm ${pct(e.sparsestPm)} (the sparsest run)`,
        `evaluation: ${e.valSeconds.toFixed(1)} s validation (${session.data.val.count.toLocaleString("en-US")} images), ${e.testSeconds.toFixed(1)} s test (${session.data.test.count.toLocaleString("en-US")})`,
        `about ${formatDuration(e.seconds.low)} to ${formatDuration(e.seconds.high)} in all on this machine as it is now (from each run's step interpolated by Pm to every run at the dense step${t.evalTest === "improved" ? ", and from the test split at two evaluations a run to all" : ""}${t.evalTest === "best" ? ", and the test split at two evaluations a run" : ""}; other processes slow it)`,
      ].join("\n"),
    );
  } finally {
    await session.close();
  }
}
