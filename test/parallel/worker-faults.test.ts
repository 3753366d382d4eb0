// Worker threads that fail (issue 17; issue 20 item 14): a worker that throws during a training
// step or an evaluation surfaces its own message (an evaluation used to say only "another thread
// failed"), and a worker that dies without throwing (process.exit in the worker, an uncaught error
// from a timer) fails the run within a second or two (it used to wait 120 s at the barrier).
// The faults come from the test-only LOTTERY_TEST_FAIL_AT / LOTTERY_TEST_FAIL_HOW hook of
// src/parallel/worker.ts; worker threads copy the environment when they start, hence serial tests.
import test from "ava";
import { defaultsFor, resolveHparams } from "../../src/hparams/resolve.js";
import { getModel } from "../../src/models/registry.js";
import { makeSplit } from "../../src/data/split.js";
import type { Dataset } from "../../src/data/types.js";
import { Session } from "../../src/session.js";
import { realDataset } from "../helpers/data.js";

const defaults = defaultsFor(getModel("lenet_300_100"));
const hp = resolveHparams(defaults, { training: { iterations: 40, evalEvery: 20 }, dataset: { valSize: 200 } });

/** MNIST with 500 test images, so that the evaluation before the fault is short. */
async function smallMnist(): Promise<Dataset> {
  const d = await realDataset("mnist", 200);
  const n = 500,
    f = 28 * 28;
  return Object.freeze({ ...d, test: makeSplit(d.test.images.subarray(0, n * f), d.test.labels.subarray(0, n), f) });
}

/** Trains on two threads with the fault; returns the error and how long train() took to reject. */
async function failing(at: string, how: string): Promise<{ error: Error; seconds: number; threads: number }> {
  process.env.LOTTERY_TEST_FAIL_AT = at;
  process.env.LOTTERY_TEST_FAIL_HOW = how;
  let session: Session;
  try {
    session = await Session.open(hp, { dataset: await smallMnist(), threads: 2 });
  } finally {
    delete process.env.LOTTERY_TEST_FAIL_AT;
    delete process.env.LOTTERY_TEST_FAIL_HOW;
  }
  try {
    session.initialize();
    const started = performance.now();
    let threads = 0;
    const error = await session.train({ onExecution: (_e, n) => (threads = n) }).then(
      () => new Error("training did not fail"),
      (e: Error) => e,
    );
    return { error, seconds: (performance.now() - started) / 1000, threads };
  } finally {
    await session.close();
  }
}

const CASES = [
  { at: "eval", how: "throw", message: /^worker thread failed: injected failure at evaluation/ },
  { at: "7", how: "exit", message: /^worker thread failed: worker exited with code: 3 without reporting an error/ },
  { at: "eval", how: "exit", message: /^worker thread failed: worker exited with code: 3 without reporting an error/ },
  { at: "7", how: "uncaught", message: /^worker thread failed: injected uncaught failure at iteration 7/ },
];

for (const c of CASES) {
  test.serial(
    `a worker that fails at ${c.at === "eval" ? "an evaluation" : "a training step"} (${c.how}) fails the run with its own message within seconds`,
    async (t) => {
      const { error, seconds, threads } = await failing(c.at, c.how);
      t.is(threads, 2, "the steps were split between the threads");
      t.regex(error.message, c.message);
      t.notRegex(error.message, /another thread failed/);
      // The fault comes within the first second (an evaluation of 700 images, 7 steps) and is noticed
      // within another (300 ms of synchronous waiting, then the exit event); 120 s before the fix.
      // The bound leaves room for a loaded machine.
      t.log(`train() rejected after ${seconds.toFixed(2)} s`);
      t.true(seconds < 10, `train() rejected after ${seconds.toFixed(1)} s`);
    },
  );
}
