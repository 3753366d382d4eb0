// The job-queue modules (src/queue/), loaded only by the code that uses them: they need the
// optional packages bullmq and ioredis, which an install with --omit=optional lacks (a local
// `lottery run` does not need them, and does not pay for loading them). The Node entry point
// exports this loader rather than the modules, so importing it never loads bullmq.

/**
 * The job queue's functions (connect, enqueue an experiment, run a worker, read the status), as
 * {@link loadQueueModules} returns them. Internal: the commands' plumbing, not a documented API.
 *
 * @internal
 */
export type QueueModules = typeof import("./connection.js") & typeof import("./enqueue.js") & typeof import("./worker.js") & typeof import("./status.js");

/**
 * Loads the job-queue modules (`lottery run --queue`, `lottery worker`, `lottery status`).
 * Internal: the commands' plumbing, not a documented API.
 *
 * @internal
 * @throws Error saying to install the optional packages bullmq and ioredis when they are missing.
 */
export async function loadQueueModules(): Promise<QueueModules> {
  try {
    const [connection, enqueue, worker, status] = await Promise.all([
      import("./connection.js"),
      import("./enqueue.js"),
      import("./worker.js"),
      import("./status.js"),
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
