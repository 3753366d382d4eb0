// `lottery worker`: takes run jobs from the queue and trains each through the local driver's code
// (openRunTrainer: the same inputs, checkpoints, resume and store writes as `lottery run`), so a
// run's files are byte for byte those of a local run on the same threads, kernels and SIMD.
//
// Durability comes from the store and BullMQ together: a worker killed mid-run stops renewing its
// job's lock; after `stallSeconds` another worker's stalled-job check puts the job back, and
// whoever takes it resumes the run from its last checkpoint (a killed process's lock on the run
// is taken over at once on the same host, after FOREIGN_LOCK_TIMEOUT_SECONDS from another host).
// A job that fails ATTEMPTS times stays failed with its error; runs that do not depend on it go on.
import { hostname } from "node:os";
import { DelayedError, type Job, Worker } from "bullmq";
import type { KernelMode } from "../nn/network.js";
import { removeStaleTempFiles } from "../store/atomic.js";
import { openRunTrainer, RunBusy, describeRun, type RunTrainer, type ExperimentEvents } from "../lottery/experiment.js";
import { dependentsOf, runGraph } from "../lottery/run-graph.js";
import type { ExperimentStore, RunId } from "../store/experiment.js";
import { QUEUE_NAME, type QueueConnection, connectQueue, parseQueueUrl } from "./connection.js";
import { experimentRecord, type ExperimentRecord, runJob, type RunJobData, type RunJobProgress, type RunJobResult } from "./jobs.js";

export interface WorkerOptions {
  queue: string;
  threads: number;
  kernelMode?: KernelMode;
  dataDir?: string;
  /** The store's root on this machine, when it is mounted elsewhere than where `lottery run --queue` saw it. */
  out?: string;
  checkpointSeconds?: number;
  /** A job whose worker stops renewing its lock for this long is handed to another worker (BullMQ's lockDuration). */
  stallSeconds: number;
  /** Stop when the queue has nothing left to do (no waiting, delayed or active job). */
  exitWhenIdle?: boolean;
  log: (message: string) => void;
  /** Per run: start, progress, end (the CLI draws its progress bar from them). */
  events?: ExperimentEvents;
}

/** How long a job whose run another process is training waits before it looks again. */
const BUSY_DELAY_MS = 5000;

/** `interrupted`: stopped by a signal while training a run, which still runs in this process: exit it. */
export async function runWorker(o: WorkerOptions): Promise<{ jobs: number; interrupted: boolean }> {
  const conn = await connectQueue(o.queue);
  const me = `${hostname()}:${process.pid}`;
  let trainer: { key: string; trainer: RunTrainer<ExperimentStore> } | null = null;
  let current: Job<RunJobData> | null = null,
    currentToken: string | undefined;
  let lastReport = 0,
    currentPm = NaN;
  let jobs = 0;

  // Progress is advisory: a lost update is harmless, so it is not waited for.
  const report = (p: RunJobProgress) => void current?.updateProgress(p as unknown as object).catch(() => {});
  const events: ExperimentEvents = {
    ...o.events,
    onProgress(id, done, total, last) {
      o.events?.onProgress?.(id, done, total, last);
      const now = Date.now();
      if (current && (now - lastReport >= 1000 || done === total)) {
        lastReport = now;
        report({ done, total, pm: currentPm, valAccuracy: last?.val.accuracy ?? null, worker: me });
      }
    },
    onRunStart(id, pm, resumedAt) {
      o.events?.onRunStart?.(id, pm, resumedAt);
      currentPm = pm;
      report({ done: resumedAt ?? 0, total: 0, pm, valAccuracy: null, worker: me });
    },
  };

  /** One trainer (data, kernels, store) at a time, reopened when a job of another experiment or extent comes. */
  const trainerFor = async (record: ExperimentRecord): Promise<RunTrainer<ExperimentStore>> => {
    const root = o.out ?? record.root;
    const key = JSON.stringify([record.experiment, root, record.hp.pruning]);
    if (trainer?.key === key) return trainer.trainer;
    await trainer?.trainer.close();
    trainer = null;
    const opened = await openRunTrainer({
      hp: record.hp,
      defaults: record.defaults,
      root,
      dataDir: o.dataDir,
      fetchIfMissing: true,
      kernelMode: o.kernelMode,
      threads: o.threads,
      log: o.log,
      checkpointSeconds: o.checkpointSeconds,
      events,
    });
    trainer = { key, trainer: opened };
    return opened;
  };

  const process_ = async (job: Job<RunJobData>, token?: string): Promise<RunJobResult> => {
    const { experiment, run } = job.data;
    const record = await experimentRecord(conn.redis, experiment);
    if (!record) throw new Error(`the queue has no record of experiment ${experiment}: enqueue it again with lottery run ... --queue`);
    const t = await trainerFor(record);
    o.log(`job ${job.id}: ${describeRun(run)} (attempt ${job.attemptsMade + 1})`);
    // A worker killed mid-write left a temp file here (the store is opened, and so swept, once per
    // worker, not per job): removed when its writer is dead, as opening the experiment does.
    removeStaleTempFiles(t.store.trialDir(run.trial));
    current = job;
    currentToken = token;
    lastReport = 0;
    currentPm = NaN;
    let summary: Awaited<ReturnType<typeof t.train>>;
    try {
      summary = await t.train(run);
    } catch (err) {
      if (!(err instanceof RunBusy) || !token) throw err;
      // Another process trains it (a local `lottery run`, or a worker the queue thinks is gone): look again later, without using an attempt.
      o.log(`job ${job.id}: ${err.what}; trying again in ${BUSY_DELAY_MS / 1000} s`);
      await job.moveToDelayed(Date.now() + BUSY_DELAY_MS, token);
      throw new DelayedError();
    } finally {
      current = null;
    }
    jobs++;
    // Its dependents can start now. Added before this job completes, so a worker killed in between
    // leaves the job to be retried, which finds the run finished and adds them then.
    if (!summary.diverged) await addDependents(conn, record, run);
    return {
      pm: summary.pm,
      early_stop_test_accuracy: summary.early_stop_test_accuracy,
      final_test_accuracy: summary.final_test_accuracy,
      diverged: !!summary.diverged,
    };
  };

  const worker = new Worker<RunJobData, RunJobResult>(QUEUE_NAME, process_, {
    connection: parseQueueUrl(o.queue),
    concurrency: 1, // one run at a time per process: --threads is its parallelism
    lockDuration: o.stallSeconds * 1000,
    stalledInterval: o.stallSeconds * 1000,
    maxStalledCount: ATTEMPTS_STALLED,
  });
  worker.on("failed", (job, err) => {
    if (job && !(err instanceof DelayedError)) o.log(`job ${job.id} failed (attempt ${job.attemptsMade} of ${job.opts.attempts ?? 1}): ${err.message}`);
  });
  worker.on("error", (err) => o.log(`queue: ${err.message}`));

  let stopping: Promise<void> | null = null,
    interrupted = false;
  const stop = () =>
    (stopping ??= (async () => {
      // A run being trained is not waited for (conv runs take hours): its job goes back to the queue
      // now, and whoever takes it resumes the run from its last checkpoint.
      if (current && currentToken) {
        interrupted = true;
        await current
          .moveToWait(currentToken)
          .catch((err: Error) => o.log(`could not put job ${current?.id} back (${err.message}): it goes back when its lock expires`));
        // The process ends before the run's own release: free the run for whoever takes the job (another host would wait 600 s).
        trainer?.trainer.store.releaseLockIfMine(current.data.run);
      }
      await worker.close(true);
      await trainer?.trainer.close();
      await conn.close();
    })());
  const onSignal = () => {
    o.log("stopping: the run in progress (if any) goes back to the queue and resumes from its last checkpoint");
    void stop();
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  o.log(`worker ${me}: taking jobs from ${o.queue} (${o.threads} thread${o.threads > 1 ? "s" : ""} per run)`);

  if (o.exitWhenIdle) {
    for (;;) {
      await new Promise((r) => setTimeout(r, 1000));
      if (stopping) break;
      const counts = await conn.queue.getJobCounts("waiting", "active", "delayed", "prioritized", "waiting-children");
      if (!current && Object.values(counts).every((n) => n === 0)) {
        o.log("the queue is empty: stopping");
        break;
      }
    }
    await stop();
  } else {
    await new Promise<void>((resolve) => worker.once("closed", () => resolve()));
    await stopping;
  }
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  return { jobs, interrupted };
}

/** A killed worker's job is given back this many times before BullMQ fails it as stalled. */
const ATTEMPTS_STALLED = 3;

async function addDependents(conn: QueueConnection, record: ExperimentRecord, run: RunId): Promise<void> {
  const next = dependentsOf(runGraph(record.hp.pruning), run);
  if (next.length) await conn.queue.addBulk(next.map((n) => runJob(record.experiment, n.id)));
}
