// Browser entry of a worker thread: the same handler as the Piscina worker, over postMessage.
import handle from "./worker.js";
import type { Task } from "./protocol.js";

const scope = globalThis as unknown as { onmessage: ((e: MessageEvent<Task>) => void) | null; postMessage(m: unknown): void };
scope.onmessage = async (e) => {
  try {
    scope.postMessage({ result: await handle(e.data) });
  } catch (err) {
    scope.postMessage({ error: (err as Error)?.message ?? String(err) });
  }
};
