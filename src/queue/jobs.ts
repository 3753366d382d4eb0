// What the queue holds: one BullMQ job per run of an experiment, named by where the run lives in
// the store (<experiment>/trial_0/level_1/branch_reinit), so adding the same run twice adds
// nothing; and per experiment a record of its settings and store directory, which workers read
// for every job (so a later, wider `lottery run --queue` reaches jobs enqueued earlier).
import type { JobsOptions } from "bullmq";
import type { Redis } from "ioredis";
import type { Hparams } from "../hparams/schema.js";
import { runPath, type RunId } from "../store/experiment.js";
import { QUEUE_NAME } from "./connection.js";

export interface RunJobData {
  experiment: string;
  run: RunId;
}

/** What a finished job returns (kept by BullMQ with the job; `lottery status` reads it). */
export interface RunJobResult {
  pm: number;
  early_stop_test_accuracy: number;
  final_test_accuracy: number;
  diverged: boolean;
}

/** What a running job reports through job.updateProgress. */
export interface RunJobProgress {
  done: number;
  total: number;
  pm: number;
  valAccuracy: number | null;
  worker: string;
}

export interface ExperimentRecord {
  experiment: string;
  /** The store's root directory as the enqueuing machine sees it (workers may override it with --out). */
  root: string;
  hp: Hparams;
  defaults: Hparams;
}

/** A job fails for good after this many attempts; the runs that depend on it then never start. */
export const ATTEMPTS = 3;

export function jobId(experiment: string, run: RunId): string {
  return `${experiment}/${runPath(run)}`;
}

export function runJob(experiment: string, run: RunId): { name: string; data: RunJobData; opts: JobsOptions } {
  return {
    name: runPath(run),
    data: { experiment, run },
    opts: {
      jobId: jobId(experiment, run),
      attempts: ATTEMPTS,
      backoff: { type: "exponential", delay: 2000 },
      // Kept, so that enqueuing again finds them (and `lottery status` shows them).
      removeOnComplete: false,
      removeOnFail: false,
    },
  };
}

const experimentsKey = `lottery-wasm:${QUEUE_NAME}:experiments`;

export async function saveExperimentRecord(client: Redis, record: ExperimentRecord): Promise<void> {
  await client.hset(experimentsKey, record.experiment, JSON.stringify(record));
}

export async function experimentRecord(client: Redis, experiment: string): Promise<ExperimentRecord | null> {
  const text = await client.hget(experimentsKey, experiment);
  return text ? (JSON.parse(text) as ExperimentRecord) : null;
}

export async function experimentRecords(client: Redis): Promise<ExperimentRecord[]> {
  const all = await client.hgetall(experimentsKey);
  return Object.values(all)
    .map((t) => JSON.parse(t) as ExperimentRecord)
    .sort((a, b) => a.experiment.localeCompare(b.experiment));
}
