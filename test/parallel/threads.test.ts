// Data-parallel training over worker threads, and sparse vs dense execution: both must give the
// single-thread dense results within f32 rounding; worker failures must surface, and the pool
// must always shut down.
import test from "ava";
import { defaultsFor, resolveHparams } from "../../src/hparams/resolve.js";
import { getModel } from "../../src/models/registry.js";
import type { KernelMode } from "../../src/nn/network.js";
import { applyMasks, fullMasks, levelForPm, pruneByMagnitude } from "../../src/prune/index.js";
import { pruneTarget } from "../../src/lottery/experiment.js";
import { Session } from "../../src/session.js";
import { splitBatch } from "../../src/parallel/team.js";
import { runCli } from "../helpers/cli.js";
import { dataDir, realDataset } from "../helpers/data.js";

const MODEL = "lenet_300_100";
const defaults = defaultsFor(getModel(MODEL));

/** Trains `iterations` steps of plain SGD (lr 0.1) from θ0 (optionally pruned to pm) and returns the weights and losses. */
async function trainFew(threads: number, kernels: KernelMode, pm: number, iterations: number, optimizer: "sgd" | "adam" = "sgd") {
  const hp = resolveHparams(defaults, {
    training: { iterations, evalEvery: iterations, optimizer, lr: optimizer === "sgd" ? 0.1 : 1.2e-3 },
    dataset: { valSize: 500 },
    model: { dropout: 0.1 },
  });
  const session = await Session.open(hp, { dataset: await realDataset("mnist", 500), threads, kernelMode: kernels });
  try {
    const theta0 = session.initialize();
    if (pm < 1) {
      const target = pruneTarget(hp);
      applyMasks(session.network, pruneByMagnitude(session.network, target, theta0, fullMasks(session.network), levelForPm(session.network, target, pm)));
    }
    const losses: number[] = [];
    const result = await session.train({ onEval: (r) => losses.push(r.val.loss) });
    return { weights: session.network.snapshot(), losses, result };
  } finally {
    await session.close();
  }
}

/** Largest |a − b| relative to the tensor's largest |a|, over all parameters. */
function maxRelDiff(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  let worst = 0;
  for (const [name, x] of a) {
    const y = b.get(name)!;
    let scale = 1e-6,
      diff = 0;
    for (let i = 0; i < x.length; i++) {
      scale = Math.max(scale, Math.abs(x[i]!));
      diff = Math.max(diff, Math.abs(x[i]! - y[i]!));
    }
    worst = Math.max(worst, diff / scale);
  }
  return worst;
}

test("the batch is split into multiples of 4 columns where possible", (t) => {
  t.deepEqual(splitBatch(60, 2), [32, 28]);
  t.deepEqual(splitBatch(60, 3), [20, 20, 20]);
  t.deepEqual(splitBatch(64, 2), [32, 32]);
  t.deepEqual(splitBatch(6, 4), [6]);
  t.deepEqual(splitBatch(10, 2), [4, 6]);
  t.deepEqual(splitBatch(3, 2), [3]);
});

test("two threads give the single-thread results within f32 rounding (dense and sparse levels, with dropout)", async (t) => {
  for (const pm of [1, 0.05]) {
    const one = await trainFew(1, "auto", pm, 20);
    const two = await trainFew(2, "auto", pm, 20);
    t.is(two.result.threads, 2, `pm ${pm}: the step was split`);
    t.is(one.result.threads, 1);
    // Evaluation is shared among the threads chunk by chunk and summed in chunk order: the
    // evaluation of the same weights (θ0, before training) is bit for bit the same.
    t.deepEqual(two.result.history[0], one.result.history[0]);
    t.true(maxRelDiff(one.weights, two.weights) < 1e-4, `pm ${pm}: weights differ by ${maxRelDiff(one.weights, two.weights)}`);
    t.true(Math.abs(one.losses[1]! - two.losses[1]!) < 1e-5 * one.losses[1]!, `pm ${pm}: losses ${one.losses[1]} vs ${two.losses[1]}`);
  }
});

test("sparse kernels give the dense kernels' results within f32 rounding (plain SGD and Adam)", async (t) => {
  for (const optimizer of ["sgd", "adam"] as const) {
    const dense = await trainFew(1, "dense", 0.1, 20, optimizer);
    const sparse = await trainFew(1, "sparse", 0.1, 20, optimizer);
    t.true(sparse.result.execution.every((e) => e.kernel === "sparse"));
    t.true(dense.result.execution.every((e) => e.kernel === "dense"));
    t.true(maxRelDiff(dense.weights, sparse.weights) < 1e-4, `${optimizer}: weights differ by ${maxRelDiff(dense.weights, sparse.weights)}`);
    t.true(Math.abs(dense.losses[1]! - sparse.losses[1]!) < 1e-5 * dense.losses[1]!, `${optimizer}: losses ${dense.losses[1]} vs ${sparse.losses[1]}`);
  }
});

test("two threads with the same seeds are themselves bitwise reproducible", async (t) => {
  const a = await trainFew(2, "auto", 1, 15),
    b = await trainFew(2, "auto", 1, 15);
  for (const [name, w] of a.weights) t.deepEqual(Buffer.from(w.buffer), Buffer.from(b.weights.get(name)!.buffer), name);
});

test("a worker that throws surfaces as an error naming its message, and the process still exits", async (t) => {
  const started = Date.now();
  const r = await runCli(
    ["train", "--threads", "2", "--iterations", "50", "--eval-every", "25", "--data-dir", dataDir()],
    { LOTTERY_TEST_FAIL_AT: "7" },
    120_000,
  );
  t.not(r.code, 0);
  t.regex(r.stderr, /worker thread failed: injected failure at iteration 7/);
  t.true(Date.now() - started < 60_000, "the failed run did not hang");
  // and a successful threaded run exits on its own (the pool is shut down)
  const ok = await runCli(["train", "--threads", "2", "--iterations", "30", "--eval-every", "15", "--data-dir", dataDir(), "--json"], {}, 120_000);
  t.is(ok.code, 0, ok.stderr);
  t.regex(ok.stderr, /2 threads/);
});
