// The redis-server the job-queue test starts (test/queue/): Debian's package, found or installed
// by `npm test`'s pretest step (scripts/pretest.ts) as Chromium is.
import { type EnsureOptions, ensureProgram, findProgram, type ProgramSpec } from "./debian-package.js";

/** What to do when there is no redis-server: one line, for the pretest step and the queue test. */
export const REDIS_HINT =
  "the job-queue test needs redis-server: install Debian's package (as root: apt-get update && apt-get install -y redis-server), " +
  "or set LOTTERY_REDIS_SERVER to a redis-server executable";

const REDIS: ProgramSpec = {
  command: "redis-server",
  envVar: "LOTTERY_REDIS_SERVER",
  debianPackage: "redis-server",
  purpose: "the job-queue test",
  hint: REDIS_HINT,
};

/** LOTTERY_REDIS_SERVER if set, else `redis-server` on the PATH; null when there is none. */
export function findRedisServer(env: NodeJS.ProcessEnv = process.env): string | null {
  return findProgram(REDIS, env);
}

export function ensureRedisServer(o: EnsureOptions = {}): string | null {
  return ensureProgram(REDIS, o);
}
