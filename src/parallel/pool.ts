// A pool of worker threads with one interface in Node (Piscina) and browsers (Web Workers).
// Tasks are small objects (offsets and numbers); results are numbers. A worker that throws or
// dies rejects its task with an Error carrying the worker's message.
import type { Task } from "./protocol.js";

export interface ThreadPool {
  readonly size: number;
  run(task: Task): Promise<null>;
  destroy(): Promise<void>;
}

const isNode = typeof process !== "undefined" && typeof process.versions?.node === "string";

/** The worker entry next to this file: worker.ts when running from source (tsx), worker.js when built. */
function workerUrl(name: string): URL {
  const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
  return new URL(`./${name}${ext}`, import.meta.url);
}

export async function createThreadPool(size: number): Promise<ThreadPool> {
  if (!Number.isInteger(size) || size < 1) throw new Error(`thread pool: size must be a positive integer, got ${size}`);
  return isNode ? createPiscinaPool(size) : createWebWorkerPool(size);
}

async function createPiscinaPool(size: number): Promise<ThreadPool> {
  const { Piscina } = await import("piscina");
  const piscina = new Piscina({
    filename: workerUrl("worker").href,
    minThreads: size,
    maxThreads: size,
    concurrentTasksPerWorker: 1,
    idleTimeout: Number.POSITIVE_INFINITY,
    // Workers inherit the parent's execArgv (tsx when running from source).
  });
  let destroyed = false;
  return {
    size,
    run: (task) =>
      piscina.run(task).catch((err: unknown) => {
        const message = (err as Error)?.message ?? String(err);
        // Piscina's words for a worker that ended while running a task (process.exit, a crash).
        const died = /^worker exited with code/.test(message) ? " without reporting an error" : "";
        throw new Error(`worker thread failed: ${message}${died}`);
      }) as Promise<null>,
    destroy: async () => {
      if (destroyed) return;
      destroyed = true;
      await piscina.destroy();
    },
  };
}

interface Pending {
  resolve(v: null): void;
  reject(e: Error): void;
}

async function createWebWorkerPool(size: number): Promise<ThreadPool> {
  const url = workerUrl("web-worker");
  const workers = Array.from({ length: size }, () => new Worker(url, { type: "module" }));
  const idle: Worker[] = [...workers];
  const queue: { task: Task; pending: Pending }[] = [];
  const inflight = new Map<Worker, Pending>();
  const dispatch = () => {
    while (idle.length && queue.length) {
      const w = idle.shift()!,
        { task, pending } = queue.shift()!;
      inflight.set(w, pending);
      w.postMessage(task);
    }
  };
  for (const w of workers) {
    w.onmessage = (e: MessageEvent<{ result?: number | null; error?: string }>) => {
      const p = inflight.get(w);
      inflight.delete(w);
      idle.push(w);
      if (p) e.data.error !== undefined ? p.reject(new Error(`worker thread failed: ${e.data.error}`)) : p.resolve(null);
      dispatch();
    };
    w.onerror = (e: ErrorEvent) => {
      const p = inflight.get(w);
      inflight.delete(w);
      p?.reject(new Error(`worker thread failed: ${e.message}`));
    };
  }
  return {
    size,
    run: (task) =>
      new Promise((resolve, reject) => {
        queue.push({ task, pending: { resolve, reject } });
        dispatch();
      }),
    destroy: async () => {
      for (const w of workers) w.terminate();
      for (const p of inflight.values()) p.reject(new Error("worker pool destroyed"));
      inflight.clear();
    },
  };
}
