// `lottery worker --queue URL`: trains runs from the job queue until stopped (or, with
// --exit-when-idle, until the queue is empty). Runs go to the shared store, resumable as ever.
import { Command } from "commander";
import { addRuntimeOptions, integerFlag, pct, type RuntimeOptions } from "./common.js";
import { Progress, PROGRESS_ENV_HELP, progressSecondsFromEnv } from "./progress.js";
import { checkpointSecondsFromEnv } from "./run.js";
import { describeRun } from "../node.js";
import { loadQueueModules } from "../queue/load.js";

export function workerCommand(): Command {
  const cmd = new Command("worker")
    .description(
      "train runs from a job queue (put there by `lottery run ... --queue URL`), one at a time, into the shared experiment store; start one on every machine (or core) that should help",
    )
    .requiredOption("--queue <url>", "the Redis of the queue: redis://HOST:PORT (redis://:password@HOST:PORT/DB with a password or another database)")
    .option(
      "--out <dir>",
      "the experiments' root directory on this machine, when the shared directory is mounted elsewhere than where `lottery run --queue` saw it (default: that path)",
    )
    .option(
      "--stall-seconds <s>",
      "a job whose worker stops renewing its lock (killed, machine lost) for this long goes back to the queue, and another worker resumes its run from the last checkpoint (BullMQ's lock duration; every worker of a queue should use the same)",
      integerFlag(1, 3600, "seconds"),
      30,
    )
    .option("--exit-when-idle", "stop when the queue has no waiting, delayed or running job left (for batch systems and scripts)")
    .addHelpText(
      "after",
      `\nEnvironment:\n  LOTTERY_CHECKPOINT_SECONDS  seconds between mid-run checkpoints (default 60; 0 = at every evaluation): what a killed worker's run loses at most\n${PROGRESS_ENV_HELP}`,
    );
  addRuntimeOptions(cmd, {
    default: 1,
    help: "training threads per run (run one worker per core for throughput; every worker of a study should use the same count, since results are bitwise reproducible for a given count)",
  });
  cmd.action(async (opts: RuntimeOptions & { queue: string; out?: string; stallSeconds: number; exitWhenIdle?: boolean }) => {
    const checkpointSeconds = checkpointSecondsFromEnv(process.env.LOTTERY_CHECKPOINT_SECONDS);
    const progress = new Progress({ plainEverySeconds: progressSecondsFromEnv(process.env.LOTTERY_PROGRESS_SECONDS) });
    const log = (m: string) => progress.log(m);
    // The bar starts at a run's first progress report, which carries its iteration count.
    let label: string | null = null;
    const { runWorker } = await loadQueueModules();
    const { jobs, interrupted } = await runWorker({
      queue: opts.queue,
      threads: opts.threads,
      kernelMode: opts.kernels,
      dataDir: opts.dataDir,
      out: opts.out,
      checkpointSeconds,
      stallSeconds: opts.stallSeconds,
      exitWhenIdle: opts.exitWhenIdle,
      log,
      events: {
        onRunStart(id, pm, resumedAt) {
          if (resumedAt !== null) log(`${describeRun(id)}: resuming at iteration ${resumedAt} from its checkpoint`);
          label = `${describeRun(id)} Pm ${pct(pm)}`;
        },
        onProgress(_id, done, total, last) {
          if (label !== null) progress.start(total, label);
          label = null;
          progress.update(done, { valAcc: last ? pct(last.val.accuracy) : "-" });
        },
        onExecution(_id, execution, threads) {
          const sparse = execution.filter((e) => e.kernel === "sparse").map((e) => e.param);
          log(`  kernels: ${sparse.length ? `sparse ${sparse.join(", ")}` : "all dense"}; ${threads} thread${threads > 1 ? "s" : ""}`);
        },
        onRunDone(id, s, skipped) {
          progress.end();
          log(
            `${describeRun(id)}: ${skipped ? "already finished in the store" : s.diverged ? `DIVERGED at ${s.diverged.iteration}` : `done in ${s.seconds.toFixed(1)} s, test accuracy ${pct(s.early_stop_test_accuracy)} at early stop`}`,
          );
        },
      },
    }).finally(() => progress.end());
    log(`worker stopped after ${jobs} job${jobs === 1 ? "" : "s"}`);
    // The interrupted run's training is still scheduled in this process: end it here (its job is back on the queue).
    if (interrupted) process.exit(0);
  });
  return cmd;
}
