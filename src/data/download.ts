// HTTP(S) downloads with the global fetch, as a stream of chunks with occasional progress lines.
// Failures become DataErrors that name the URL and the underlying cause (fetch's own "fetch failed"
// hides it in err.cause). A server that never answers, or a transfer that stalls, fails after a
// timeout instead of waiting (undici's own limits are 5 minutes, and only per phase).

import { DataError, describeCause } from "./errors.js";

export interface DownloadOptions {
  /** Progress lines go here. */
  log: (message: string) => void;
  /** What is being downloaded, for the progress lines (e.g. "mnist: train-images-idx3-ubyte.gz"). */
  label: string;
  signal?: AbortSignal;
  /** Minimum time between progress lines (default 2 s), so a fast link does not flood the log. */
  progressIntervalMs?: number;
  /** Most bytes read ahead of the consumer (default 256 MiB, more than any file here). */
  maxBufferedBytes?: number;
  /** Most time from the request to the response headers (default 30 s): a server that is unreachable, or accepts and never answers. */
  connectTimeoutMs?: number;
  /** Most time without a byte of the body (default 60 s): a transfer that stalls. */
  idleTimeoutMs?: number;
  /** Appended to a timeout error: what to do about it (the fetcher names the mirror setting). */
  hint?: string;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;

function seconds(ms: number): string {
  return `${+(ms / 1000).toFixed(3)} s`;
}

export interface Download {
  /** Total size from Content-Length, when the server sent it. */
  readonly total: number | undefined;
  /** The body's chunks. Stopping the iteration early cancels the transfer. */
  readonly chunks: AsyncIterable<Uint8Array>;
}

export async function openDownload(url: string, options: DownloadOptions): Promise<Download> {
  const { log, label, signal, progressIntervalMs = 2000, maxBufferedBytes = 256 * 2 ** 20 } = options;
  const connectMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    idleMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  // One controller aborts the request on a timeout or when the caller's signal aborts.
  const controller = new AbortController();
  if (signal?.aborted) controller.abort(signal.reason);
  signal?.addEventListener("abort", () => controller.abort(signal.reason), { once: true });
  let timedOut: string | null = null;
  const timeoutError = (err: unknown) =>
    new DataError("DOWNLOAD_FAILED", `GET ${url} failed: ${timedOut}${options.hint ? `. ${options.hint}` : ""}`, undefined, { cause: err });
  const arm = (ms: number, what: () => string) =>
    setTimeout(() => {
      timedOut = what();
      controller.abort(new Error(timedOut));
    }, ms);

  let res: Response;
  const connectTimer = arm(connectMs, () => `no response within ${seconds(connectMs)} (connect timeout)`);
  try {
    // identity: the files are already compressed, and their hashes are of the bytes as served.
    res = await fetch(url, { signal: controller.signal, headers: { "accept-encoding": "identity" } });
  } catch (err) {
    if (timedOut) throw timeoutError(err);
    throw new DataError("DOWNLOAD_FAILED", `GET ${url} failed: ${describeCause(err)}`, undefined, { cause: err });
  } finally {
    clearTimeout(connectTimer);
  }
  if (!res.ok || res.body === null) {
    await res.body?.cancel().catch(() => {});
    throw new DataError("DOWNLOAD_FAILED", `GET ${url} failed: HTTP ${res.status} ${res.statusText}`.trimEnd());
  }
  const length = Number(res.headers.get("content-length"));
  const total = Number.isSafeInteger(length) && length > 0 ? length : undefined;
  const body = res.body;

  // The body is drained into our own queue as fast as it arrives, ahead of the consumer. If instead
  // the consumer's pace (gunzip, hashing, disk) throttled the reads, undici would pause its HTTP
  // parser and on every resume re-read and re-buffer everything the socket holds; on a fast link
  // with a busy CPU that churn took a 160 MB download from 5 s to over a minute. The queue is
  // bounded (maxBufferedBytes) only as a safeguard; at real download speeds it stays near empty.
  async function* chunks(): AsyncGenerator<Uint8Array> {
    const reader = body.getReader();
    const queue = new ChunkQueue();
    let received = 0;
    let finished = false;
    let failure: unknown;
    let stopped = false;
    let wakeConsumer: (() => void) | undefined;
    let wakePump: (() => void) | undefined;
    const wake = () => {
      wakeConsumer?.();
      wakeConsumer = undefined;
    };
    log(`${label}: downloading ${url}${total !== undefined ? ` (${formatBytes(total)})` : ""}`);

    const pump = (async () => {
      let lastLog = Date.now();
      try {
        while (!stopped) {
          if (queue.bytes >= maxBufferedBytes) {
            await new Promise<void>((resolve) => (wakePump = resolve));
            continue;
          }
          // Only the wait for the network counts as idle, not a pause for a slow consumer (above).
          const idleTimer = arm(
            idleMs,
            () => `no data for ${seconds(idleMs)} after ${formatBytes(received)}${total !== undefined ? ` of ${formatBytes(total)}` : ""} (idle timeout)`,
          );
          let step: Awaited<ReturnType<typeof reader.read>>;
          try {
            step = await reader.read();
          } finally {
            clearTimeout(idleTimer);
          }
          if (step.done) break;
          received += step.value.length;
          queue.push(step.value);
          wake();
          const now = Date.now();
          if (now - lastLog >= progressIntervalMs) {
            lastLog = now;
            log(`${label}: ${formatBytes(received)}${total !== undefined ? ` of ${formatBytes(total)} (${Math.floor((100 * received) / total)}%)` : ""}`);
          }
        }
        if (!stopped && total !== undefined && received !== total) {
          failure = new DataError("DOWNLOAD_FAILED", `GET ${url} failed: the connection closed after ${received} of ${total} bytes`);
        }
      } catch (err) {
        failure = timedOut
          ? timeoutError(err)
          : new DataError("DOWNLOAD_FAILED", `GET ${url} failed after ${formatBytes(received)}: ${describeCause(err)}`, undefined, { cause: err });
      } finally {
        finished = true;
        wake();
      }
    })();

    try {
      for (;;) {
        // Bytes that arrived before a failure are still delivered: they are good, and a consumer
        // such as the tar reader can keep the members it completed.
        const chunk = queue.shift();
        if (chunk !== undefined) {
          if (queue.bytes < maxBufferedBytes / 2) {
            wakePump?.();
            wakePump = undefined;
          }
          yield chunk;
        } else if (failure !== undefined) {
          throw failure;
        } else if (finished) {
          break;
        } else {
          await new Promise<void>((resolve) => (wakeConsumer = resolve));
        }
      }
      log(`${label}: downloaded ${formatBytes(received)}`);
    } finally {
      // Cancels the transfer if the consumer stopped early (a no-op after a complete read).
      stopped = true;
      wakePump?.();
      await reader.cancel().catch(() => {});
      await pump;
    }
  }
  return { total, chunks: chunks() };
}

/** The whole body in memory (for files of a few MB). */
export async function downloadBuffer(url: string, options: DownloadOptions): Promise<Buffer> {
  const { chunks } = await openDownload(url, options);
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
}

/** A FIFO of chunks with O(1) shift (Array#shift is O(n) on the long arrays a fast download makes). */
class ChunkQueue {
  private items: Uint8Array[] = [];
  private first = 0;
  bytes = 0;

  push(chunk: Uint8Array): void {
    this.items.push(chunk);
    this.bytes += chunk.length;
  }

  shift(): Uint8Array | undefined {
    if (this.first === this.items.length) return undefined;
    const chunk = this.items[this.first++]!;
    this.bytes -= chunk.length;
    if (this.first >= 64 && this.first * 2 >= this.items.length) {
      this.items = this.items.slice(this.first);
      this.first = 0;
    }
    return chunk;
  }
}
