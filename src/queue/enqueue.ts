// `lottery run --queue`: puts an experiment's runs on the job queue and returns. Only runs that can
// start now are added (their dependency in the run graph is finished); each job adds its
// dependents when it finishes (src/queue/worker.ts). A BullMQ flow cannot say this: a job has at
// most one parent there, and level 0 feeds level 1, its controls and every one-shot run.
// Job ids are the runs' places in the store, so enqueuing again adds nothing twice; it retries
// jobs that failed, and jobs marked complete whose run the store no longer has (deleted to retrain).
import { resolve } from "node:path";
import type { Hparams } from "../hparams/schema.js";
import { openMaskSource } from "../lottery/mask-source.js";
import { runGraph } from "../lottery/run-graph.js";
import { checkPruningSettings } from "../lottery/settings.js";
import { ExperimentStore } from "../store/experiment.js";
import type { QueueConnection } from "./connection.js";
import { experimentRecord, jobId, runJob, saveExperimentRecord } from "./jobs.js";

export interface EnqueueOptions {
  hp: Hparams;
  defaults: Hparams;
  /** The store's root directory (the `--out` of `lottery run`), shared with the workers. */
  root: string;
  /** Only these trials (default: all). */
  trials?: number[];
  log?: (message: string) => void;
}

export interface EnqueueResult {
  experiment: string;
  dir: string;
  runs: number;
  finished: number;
  added: number;
  alreadyQueued: number;
  retried: number;
  /** Runs whose dependency is not finished yet: the job of that dependency adds them. */
  waiting: number;
}

export async function enqueueExperiment(conn: QueueConnection, o: EnqueueOptions): Promise<EnqueueResult> {
  const root = resolve(o.root);
  // Workers would fail each job on these: said here, before anything is queued.
  checkPruningSettings(o.hp.pruning);
  if (o.hp.pruning.masksFrom !== undefined) openMaskSource(root, o.hp, o.defaults, o.trials);
  // Opening checks the directory's configuration and records the widest extent asked for so far.
  const store = ExperimentStore.open(root, o.hp, o.defaults, o.log);
  const experiment = ExperimentStore.experimentName(o.hp, o.defaults);
  const known = await experimentRecord(conn.redis, experiment);
  if (known && known.root !== root) {
    throw new Error(
      `experiment ${experiment} is already queued with its store in ${known.root}, not ${root}: give --out ${known.root} (or use another Redis database, redis://HOST:PORT/N)`,
    );
  }
  // Workers read the settings from here for every job, so the widest extent reaches every job.
  await saveExperimentRecord(conn.redis, { experiment, root, hp: store.hp, defaults: o.defaults });
  const graph = runGraph(store.hp.pruning, o.trials);
  const result: EnqueueResult = { experiment, dir: store.dir, runs: graph.length, finished: 0, added: 0, alreadyQueued: 0, retried: 0, waiting: 0 };
  for (const node of graph) {
    if (store.summary(node.id)) {
      result.finished++;
      continue;
    }
    const dep = node.after && store.summary(node.after);
    if (node.after && (!dep || dep.diverged)) {
      result.waiting++;
      continue;
    }
    const existing = await conn.queue.getJob(jobId(experiment, node.id));
    if (!existing) {
      const job = runJob(experiment, node.id);
      await conn.queue.add(job.name, job.data, job.opts);
      result.added++;
      continue;
    }
    const state = await existing.getState();
    if (state === "failed" || state === "completed") {
      await existing.retry(state);
      result.retried++;
    } else {
      result.alreadyQueued++;
    }
  }
  return result;
}
