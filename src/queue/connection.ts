// Where the job queue is: `--queue redis://[user:password@]HOST:PORT[/DB]`, parsed into the
// connection options of BullMQ's ioredis client, and a first connection that fails fast with a
// clear message instead of ioredis retrying forever against a wrong address.
import { Queue, type RedisOptions as BullRedisOptions } from "bullmq";
import { Redis, type RedisOptions } from "ioredis";

/** The BullMQ queue every lottery job goes to (one Redis database can serve many experiments). */
export const QUEUE_NAME = "lottery";

export function parseQueueUrl(text: string): RedisOptions & BullRedisOptions {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`invalid --queue ${JSON.stringify(text)}: use redis://HOST:PORT (e.g. redis://127.0.0.1:6379, or redis://:password@host:6379/0)`);
  }
  if (url.protocol !== "redis:") throw new Error(`invalid --queue ${JSON.stringify(text)}: the scheme must be redis:// (e.g. redis://127.0.0.1:6379)`);
  if (!url.hostname) throw new Error(`invalid --queue ${JSON.stringify(text)}: no host (e.g. redis://127.0.0.1:6379)`);
  const port = url.port ? Number(url.port) : 6379;
  const db = url.pathname && url.pathname !== "/" ? Number(url.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0)
    throw new Error(`invalid --queue ${JSON.stringify(text)}: the path must be a database number (e.g. redis://host:6379/0)`);
  return {
    host: url.hostname.replace(/^\[|\]$/g, ""),
    port,
    db,
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    // BullMQ's workers block on Redis; they must not give up on a command while it reconnects.
    maxRetriesPerRequest: null,
  };
}

/** Connects once (5 s at most) so that a wrong address or a stopped server is one clear error. */
export async function checkReachable(text: string, options: RedisOptions): Promise<void> {
  const client = new Redis({ ...options, lazyConnect: true, connectTimeout: 5000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  // The connection's own error (ECONNREFUSED, ENOTFOUND, ...) says more than connect()'s "Connection is closed".
  let cause: Error | null = null;
  client.on("error", (err: Error) => (cause ??= err));
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    throw new Error(`cannot reach the queue's Redis at ${text} (${(cause ?? (err as Error)).message}): start redis-server there, or fix --queue`);
  } finally {
    client.disconnect();
  }
}

/** The queue and a plain client for the experiments' records, on one Redis. */
export interface QueueConnection {
  queue: Queue;
  redis: Redis;
  close(): Promise<void>;
}

export async function connectQueue(text: string): Promise<QueueConnection> {
  const options = parseQueueUrl(text);
  await checkReachable(text, options);
  const queue = new Queue(QUEUE_NAME, { connection: options });
  const redis = new Redis(options);
  return {
    queue,
    redis,
    async close() {
      await queue.close();
      redis.disconnect();
    },
  };
}
