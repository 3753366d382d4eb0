// A study through the job queue (issue 19): a real redis-server, a short LeNet-300-100 experiment
// (2 levels with the reinit control) enqueued twice (the second adds nothing), two worker processes,
// one SIGKILLed while it trains level 1 after a checkpoint. The other worker takes the stalled job
// and resumes it from that checkpoint; a run made to fail at every attempt (its mask.lt is a
// directory) is marked failed after 3 attempts with its error while the others go on; every other
// stored file equals a local one-thread run's byte for byte (summaries without their timings).
// A second test queues another experiment's tickets (--masks-from) and checks them the same way,
// and a third puts the rest of an experiment started here on the queue (lottery resume --queue).
import test, { type ExecutionContext } from "ava";
import { type ChildProcess, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { assertBuilt } from "../helpers/kill-resume.js";
import { dataDir } from "../helpers/data.js";
import { differences, experimentResults, onlyExperiment } from "../helpers/results.js";
import { startRedis, type TestRedis } from "../helpers/redis.js";

const BIN = new URL("../../bin/lottery.js", import.meta.url).pathname;
const ARGS = ["--levels", "2", "--iterations", "60", "--eval-every", "30", "--controls", "reinit", "--val-size", "200"];
const ENV = { LOTTERY_CHECKPOINT_SECONDS: "0", LOTTERY_PROGRESS_SECONDS: "0" };
/** The run made to fail: nothing depends on it. */
const FAILING = "trial_0/level_1/branch_reinit";
/** The run whose worker is killed: level 2 and its control wait for it. */
const KILLED = "trial_0/level_1";

interface Proc {
  child: ChildProcess;
  out: () => string;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(args: string[]): Proc {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...ENV }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("close", (code, signal) => resolve({ code, signal })));
  return { child, out: () => out, done };
}

async function cli(args: string[]): Promise<string> {
  const p = start(args);
  const { code } = await p.done;
  if (code !== 0) throw new Error(`lottery ${args.join(" ")} exited ${code}: ${p.out()}`);
  return p.out();
}

/** `p`, or an error after `ms` (the timer is cleared either way: a pending one would keep the test process alive). */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms / 1000} s`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** What each queue test gets: a real Redis, a local and a queued root under one temp directory, and its workers. */
interface QueueStudy {
  url: string;
  local: string;
  queued: string;
  data: string[];
  workers: Proc[];
  /** Starts `lottery worker --queue URL ...args` (killed when the test ends). */
  worker(args: string[]): Proc;
}

async function withQueue(prefix: string, body: (q: QueueStudy) => Promise<void>): Promise<void> {
  assertBuilt();
  const root = mkdtempSync(join(tmpdir(), prefix));
  let redis: TestRedis | null = null;
  const workers: Proc[] = [];
  try {
    redis = await startRedis();
    const url = redis.url;
    await body({
      url,
      local: join(root, "local"),
      queued: join(root, "queued"),
      data: ["--data-dir", dataDir()],
      workers,
      worker(args) {
        const w = start(["worker", "--queue", url, ...args]);
        workers.push(w);
        return w;
      },
    });
  } finally {
    for (const w of workers) w.child.kill("SIGKILL");
    await redis?.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

/** The summary line `--queue ... --json` prints last. */
async function enqueue(args: string[]): Promise<Record<string, unknown>> {
  return JSON.parse((await cli([...args, "--json"])).trim().split("\n").pop()!);
}

/** One worker until the queue is empty; it must end cleanly. */
async function drain(t: ExecutionContext, q: QueueStudy): Promise<void> {
  const w = q.worker([...q.data, "--threads", "1", "--exit-when-idle"]);
  const end = await within(w.done, 90_000, "the worker emptying the queue");
  t.is(end.code, 0, w.out());
}

test("two workers, one SIGKILLed mid-run: the job resumes from its checkpoint elsewhere, a failing run is failed after 3 attempts, the rest equals a local run", async (t) => {
  await withQueue("lottery-queue-", async (q) => {
    const { url, local, queued, data, workers } = q;
    const t0 = Date.now();
    await cli(["run", ...ARGS, ...data, "--threads", "1", "--out", local, "--no-report"]);
    t.log(`local one-thread run: ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const first = await enqueue(["run", ...ARGS, ...data, "--out", queued, "--queue", url]);
    t.like(first, { runs: 5, added: 1, waiting: 4 });
    const again = await enqueue(["run", ...ARGS, ...data, "--out", queued, "--queue", url]);
    t.like(again, { runs: 5, added: 0, alreadyQueued: 1, waiting: 4 }, "enqueuing again adds nothing");
    const dir = onlyExperiment(queued);
    mkdirSync(join(dir, FAILING, "mask.lt"), { recursive: true }); // saving its mask fails, at every attempt

    const t1 = Date.now();
    const worker = () => q.worker([...data, "--threads", "1", "--stall-seconds", "5", "--exit-when-idle"]);
    worker();
    worker();
    // Kill the worker training level 1 once that run has a checkpoint (its lock names the worker).
    const deadline = Date.now() + 60_000;
    const killed = await within(
      (async () => {
        while (Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 50));
          const lock = join(dir, KILLED, "lock.json");
          if (!existsSync(join(dir, KILLED, "checkpoint.lt")) || !existsSync(lock)) continue;
          let pid: number;
          try {
            pid = (JSON.parse(readFileSync(lock, "utf8")) as { pid: number }).pid;
          } catch {
            continue; // being replaced
          }
          const w = workers.find((p) => p.child.pid === pid);
          if (!w) continue;
          w.child.kill("SIGKILL");
          return w;
        }
        throw new Error(`no checkpoint of level 1 within 60 s; workers said:\n${workers.map((w) => w.out()).join("\n---\n")}`);
      })(),
      61_000,
      "a checkpoint of level 1",
    );
    const survivor = workers.find((w) => w !== killed)!;
    t.is((await killed.done).signal, "SIGKILL");
    const end = await within(survivor.done, 90_000, "the surviving worker emptying the queue");
    t.log(`queue with two workers (one killed): ${((Date.now() - t1) / 1000).toFixed(1)} s`);
    t.is(end.code, 0, survivor.out());
    t.regex(
      survivor.out(),
      /trial 0 level 1: resuming at iteration [1-9]\d* from its checkpoint/,
      "resumed from the killed worker's checkpoint, not from scratch",
    );

    const status = (await cli(["status", "--queue", url, "--json"]))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    t.is(status.length, 1);
    t.deepEqual(status[0].counts, { done: 4, running: 0, queued: 0, waiting: 0, blocked: 0, failed: 1 });
    const failed = status[0].runs.find((r: { state: string }) => r.state === "failed");
    t.like(failed, { run: { trial: 0, kind: "iterative", level: 1, branch: "reinit" }, attempts: 3 });
    t.regex(failed.error, /mask\.lt/);
    const text = await cli(["status", "--queue", url]);
    t.regex(text, /5 runs: 4 done, 0 running, 0 queued, 0 waiting for the run they start from, 0 blocked, 1 failed/);
    t.regex(text, /failed {3}trial 0 level 1 \(reinit control\) after 3 attempts: .*mask\.lt/);

    const without = (r: Record<string, string>) => Object.fromEntries(Object.entries(r).filter(([k]) => !k.startsWith(`${FAILING}/`)));
    const mine = without(experimentResults(dir)),
      theirs = without(experimentResults(onlyExperiment(local)));
    t.true(Object.keys(theirs).length >= 16);
    t.deepEqual(differences(mine, theirs), [], "every stored file of the other runs equals the local one-thread run's");
  });
});

test("--masks-from through the queue: the imported levels start at once, the worker reads the source under the shared root, and the results equal a local run's", async (t) => {
  await withQueue("lottery-queue-masks-", async (q) => {
    const { url, local, queued, data } = q;
    await cli(["run", ...ARGS, ...data, "--threads", "1", "--out", local, "--no-report"]);
    const source = basename(onlyExperiment(local));
    cpSync(local, queued, { recursive: true }); // both roots hold the same source experiment
    const imported = ["--masks-from", source, "--mask-levels", "2,0", "--iterations", "90", "--eval-every", "30", "--controls", "reinit", "--val-size", "200"];
    await cli(["run", ...imported, ...data, "--threads", "1", "--out", local, "--no-report"]);

    const added = await enqueue(["run", ...imported, ...data, "--out", queued, "--queue", url]);
    t.like(added, { runs: 3, added: 3, waiting: 0 }, "level 0, level 2's ticket and its reinit control: none waits for another");
    await drain(t, q);

    const mine = experimentResults(onlyExperiment(queued, source)),
      theirs = experimentResults(onlyExperiment(local, source));
    t.true(Object.keys(theirs).length >= 9);
    t.deepEqual(differences(mine, theirs), [], "every stored file equals the local one-thread run's");
  });
});

test("lottery resume --queue: an experiment started here puts its unfinished runs on the queue, and the workers end it as a local run would", async (t) => {
  await withQueue("lottery-queue-resume-", async (q) => {
    const { url, local, queued, data } = q;
    const two = [...ARGS, "--trials", "2"];
    await cli(["run", ...two, ...data, "--threads", "1", "--out", local, "--no-report"]);
    await cli(["run", ...two, "--trial", "0", ...data, "--threads", "1", "--out", queued, "--no-report"]);
    const dir = onlyExperiment(queued);

    const added = await enqueue(["resume", dir, "--queue", url]);
    t.like(added, { runs: 10, finished: 5, added: 1, waiting: 4 }, "trial 1's dense level now; its pruned levels wait for it");
    await drain(t, q);
    t.deepEqual(differences(experimentResults(dir), experimentResults(onlyExperiment(local))), [], "every stored file equals the local one-thread run's");
  });
});
