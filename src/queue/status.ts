// `lottery status --queue`: per experiment on the queue, how many runs are done, running, queued,
// waiting for a dependency, blocked (a dependency failed or diverged) and failed, with the progress
// of every running job and the error of every failed one. Read from Redis only.
import { runGraph } from "../lottery/run-graph.js";
import type { RunId } from "../store/experiment.js";
import { runKey } from "../store/run-store.js";
import type { QueueConnection } from "./connection.js";
import { experimentRecords, jobId, type RunJobProgress, type RunJobResult } from "./jobs.js";

export type RunState = "done" | "running" | "queued" | "waiting" | "blocked" | "failed";

export interface RunStatus {
  run: RunId;
  state: RunState;
  progress?: RunJobProgress;
  error?: string;
  attempts?: number;
  diverged?: boolean;
}

export interface ExperimentStatus {
  experiment: string;
  root: string;
  counts: Record<RunState, number>;
  runs: RunStatus[];
}

export async function queueStatus(conn: QueueConnection): Promise<ExperimentStatus[]> {
  const out: ExperimentStatus[] = [];
  for (const record of await experimentRecords(conn.redis)) {
    const runs: RunStatus[] = [];
    const byKey = new Map<string, RunStatus>();
    // In graph order, so a run's dependency is known before the run.
    for (const node of runGraph(record.hp.pruning)) {
      const job = await conn.queue.getJob(jobId(record.experiment, node.id));
      let status: RunStatus;
      if (job) {
        const state = await job.getState();
        if (state === "completed") {
          const result = job.returnvalue as RunJobResult | undefined;
          status = { run: node.id, state: "done", diverged: !!result?.diverged };
        } else if (state === "active") {
          status = { run: node.id, state: "running", progress: typeof job.progress === "object" ? (job.progress as unknown as RunJobProgress) : undefined };
        } else if (state === "failed") {
          status = { run: node.id, state: "failed", error: job.failedReason, attempts: job.attemptsMade };
        } else {
          status = { run: node.id, state: "queued", attempts: job.attemptsMade };
        }
      } else {
        const dep = node.after ? byKey.get(runKey(node.after)) : undefined;
        const blocked = dep && (dep.state === "failed" || dep.state === "blocked" || (dep.state === "done" && dep.diverged));
        status = { run: node.id, state: blocked ? "blocked" : "waiting" };
      }
      runs.push(status);
      byKey.set(runKey(node.id), status);
    }
    const counts: Record<RunState, number> = { done: 0, running: 0, queued: 0, waiting: 0, blocked: 0, failed: 0 };
    for (const r of runs) counts[r.state]++;
    out.push({ experiment: record.experiment, root: record.root, counts, runs });
  }
  return out;
}

/** A text bar, e.g. [#######-------------]  35% */
export function progressBar(done: number, total: number, width = 20): string {
  const f = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const n = Math.round(f * width);
  return `[${"#".repeat(n)}${"-".repeat(width - n)}] ${String(Math.floor(f * 100)).padStart(3)}%`;
}
