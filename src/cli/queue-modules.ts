// The job-queue modules (src/queue/), loaded only by the commands that use them: they need the
// optional packages bullmq and ioredis, which an install with --omit=optional lacks (a local
// `lottery run` does not need them, and does not pay for loading them).
export type QueueModules = typeof import("../queue/connection.js") &
  typeof import("../queue/enqueue.js") &
  typeof import("../queue/worker.js") &
  typeof import("../queue/status.js");

export async function loadQueueModules(): Promise<QueueModules> {
  try {
    const [connection, enqueue, worker, status] = await Promise.all([
      import("../queue/connection.js"),
      import("../queue/enqueue.js"),
      import("../queue/worker.js"),
      import("../queue/status.js"),
    ]);
    return { ...connection, ...enqueue, ...worker, ...status };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") {
      throw new Error(
        "the job queue (--queue, lottery worker, lottery status) needs the optional packages bullmq and ioredis, which are not installed: run `npm install bullmq ioredis` (or install lottery-wasm without --omit=optional)",
        { cause: err },
      );
    }
    throw err;
  }
}
