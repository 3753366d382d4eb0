// `lottery status DIR`: where a local experiment stands, read from its store while another process
// may be training it: finished runs counted, a run whose lock is held by a live process is running
// (with its checkpoint's iteration, read from the file's header alone), a checkpoint without a live
// lock is an interrupted run that `lottery resume` resumes, and the rest are not started.
import test from "ava";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultsFor, resolveHparams } from "../../src/hparams/resolve.js";
import { getModel } from "../../src/models/registry.js";
import { ExperimentStore } from "../../src/store/experiment.js";
import { runCli } from "../helpers/cli.js";
import { dataDir } from "../helpers/data.js";

const ARGS = ["--levels", "2", "--iterations", "60", "--eval-every", "30", "--controls", "reinit", "--val-size", "200"];

test("a finished experiment, then one with a running and an interrupted run, as text and JSON; bad invocations are refused", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "lottery-status-"));
  try {
    const run = await runCli(["run", ...ARGS, "--levels", "1", "--threads", "1", "--data-dir", dataDir(), "--out", root, "--no-report"]);
    t.is(run.code, 0, run.stderr);
    const dir = /^experiment: (.*)$/m.exec(run.stdout + run.stderr)![1]!;
    const done = await runCli(["status", dir]);
    t.is(done.code, 0, done.stderr);
    const [head, timeLine] = done.stdout.trim().split("\n");
    t.is(head, `${dir}: 3 runs: 3 done, 0 running, 0 interrupted, 0 not started`);
    t.regex(timeLine!, /^ {2}time {9}\d+ s of training \(wall time of its 3 runs\); nothing left$/);

    // Level 2 asked for: its ticket interrupted at a checkpoint, its reinit control held by a live process (this one).
    const defaults = defaultsFor(getModel("lenet_300_100"));
    const hp = resolveHparams(defaults, {
      training: { iterations: 60, evalEvery: 30 },
      pruning: { levels: 2, controls: ["reinit"] },
      dataset: { valSize: 200 },
    });
    const store = ExperimentStore.open(root, hp, defaults);
    t.is(store.dir, dir, "the same experiment, widened to level 2");
    const ticket = { trial: 0, kind: "iterative", level: 2, branch: "ticket" } as const;
    store.saveCheckpoint(ticket, { iteration: 30, seconds: 1, optimizer: new Map(), history: [] }, new Map([["fc1.weight", new Float32Array(4)]]));
    const lock = store.tryLock({ ...ticket, branch: "reinit" });
    t.truthy(lock && "release" in lock);
    const text = await runCli(["status", dir]);
    t.is(text.code, 0, text.stderr);
    const lines = text.stdout.trim().split("\n");
    t.is(lines[0], `${dir}: 5 runs: 3 done, 1 running, 1 interrupted, 0 not started`);
    t.true(
      text.stdout.includes(`interrupted  trial 0 level 2: checkpoint at iteration 30/60 (50.00%); \`lottery resume ${dir}\` resumes it there`),
      text.stdout,
    );
    t.regex(text.stdout, new RegExp(`running {6}trial 0 level 2 \\(reinit control\\): no checkpoint yet, by process ${process.pid} on `));
    const json = JSON.parse((await runCli(["status", dir, "--json"])).stdout.trim());
    t.deepEqual(json.counts, { done: 3, running: 1, interrupted: 1, notStarted: 0 });
    // Time: the finished runs' seconds and the checkpoint's 1 s; left, the checkpointed run at its pace
    // (1 s for 30 of 60 iterations: 1 s more), the running one without a checkpoint at the finished runs' median.
    const seconds = (json.runs as { state: string; summary?: { seconds: number } }[])
      .flatMap((r) => (r.summary ? [r.summary.seconds] : []))
      .sort((a, b) => a - b);
    t.is(json.time.spentSeconds, seconds[0]! + seconds[1]! + seconds[2]! + 1);
    t.is(json.time.leftSeconds, 1 + seconds[1]!);
    t.regex(
      text.stdout,
      /\n {2}time {9}\d+ s of training so far \(wall time, unfinished runs to their last checkpoint\); about \d+ s left at the median \d+ s of the finished runs for the one not started\n/,
    );
    t.like(json.runs[3], { run: ticket, state: "interrupted", iteration: 30 });
    if (lock && "release" in lock) lock.release();
    const after = await runCli(["status", dir]);
    t.regex(after.stdout, /3 done, 0 running, 1 interrupted, 1 not started/);
    t.regex(after.stdout, /not started {2}1 run: trial 0 level 2 \(reinit control\)/);

    // Several experiments: each, then what they have cost and need in all.
    const other = await runCli(["run", ...ARGS, "--levels", "0", "--lr", "0.002", "--threads", "1", "--data-dir", dataDir(), "--out", root, "--no-report"]);
    t.is(other.code, 0, other.stderr);
    const otherDir = /^experiment: (.*)$/m.exec(other.stdout + other.stderr)![1]!;
    const two = await runCli(["status", dir, otherDir]);
    t.is(two.code, 0, two.stderr);
    t.true(two.stdout.includes(`${otherDir}: 1 run: 1 done`), two.stdout);
    t.regex(
      two.stdout.trim().split("\n").at(-1)!,
      /^all 2 experiments: \d+ s of training so far; about \d+ s left\. These add up runs' own wall times: experiments trained side by side take less wall time than the sum\.$/,
    );

    const both = await runCli(["status", dir, "--queue", "redis://127.0.0.1:1"]);
    t.not(both.code, 0);
    t.regex(both.stderr, /give experiment directories or --queue URL, not both/);
    const neither = await runCli(["status"]);
    t.not(neither.code, 0);
    t.regex(neither.stderr, /give experiment directories \(lottery status results\/NAME\) or --queue URL/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
