// The worker thread (a Piscina worker in Node; see web-worker.ts for browsers). It joins the main
// thread's shared memory and rebuilds views of the network there. A level task then runs this
// worker's replica for every step the main thread starts: it fills its share of the batch and
// runs forward and backward on it (replica-work.ts, as the main thread does for replica 0), meets
// the other threads at a barrier, then sums the gradients and updates its share of the parameters.
import { Kernels } from "../kernels/index.js";
import { buildNetwork } from "../models/spec.js";
import type { StepContext } from "../nn/layer.js";
import type { Network } from "../nn/network.js";
import { runUpdate } from "../optim/update.js";
import { EVAL_MODE, type JoinTask, type LevelTask, STOP, SYNC, type Task } from "./protocol.js";
import { abort, AbortedError, arrive, waitAtLeast } from "./sync.js";
import { SharedCollective } from "./collective.js";
import { pipelineFromLayout } from "../train/input.js";
import { evaluateShare, type TrainShare, trainShare } from "./replica-work.js";

let k: Kernels | null = null;
let network: Network | null = null;
/** Which worker this is (0-based); it runs replica index + 1. */
let index = -1;

function ints(memory: WebAssembly.Memory, sync: number): Int32Array {
  return new Int32Array(memory.buffer, sync, SYNC.INTS);
}

/** Every worker gets exactly one copy of a broadcast task: each waits until all have one. */
function meet(sync: Int32Array, workers: number): void {
  arrive(sync, SYNC.BROADCAST);
  waitAtLeast(sync, SYNC.BROADCAST, workers, "worker setup");
}

async function join(task: JoinTask): Promise<void> {
  const sync = ints(task.memory, task.sync);
  meet(sync, task.workers);
  index = Atomics.add(sync, SYNC.CLAIM, 1);
  const workspace = task.workspaces[index];
  if (workspace === undefined) throw new Error(`worker: no workspace for slot ${index}`);
  k = await Kernels.join(task.module, task.memory, task.simd, task.limitBytes, { arenaBase: task.networkBase, workspace });
  network = buildNetwork(k, task.spec, { fill: false });
}

/** Blocks until the main thread starts a step (returns its generation) or ends the level (STOP). */
function nextStep(sync: Int32Array, seen: number): number {
  for (;;) {
    const gen = Atomics.load(sync, SYNC.GEN);
    if (gen !== seen) return gen;
    if (Atomics.load(sync, SYNC.ABORT)) throw new AbortedError("worker: another thread failed");
    Atomics.wait(sync, SYNC.GEN, seen, 200);
  }
}

function runLevel(task: LevelTask): void {
  if (!k || !network) throw new Error("worker: level task before join");
  const sync = ints(k.memory, task.sync);
  const lr = new Float64Array(k.memory.buffer, task.sync + SYNC.LR_OFFSET, 1);
  const losses = new Float64Array(k.memory.buffer, task.sync + SYNC.LOSSES_OFFSET, task.replicas.length);
  meet(sync, task.workers);
  const r = index + 1;
  const T = task.replicas.length;
  if (r >= T) return; // a small batch needs fewer replicas than there are threads
  const plan = network.adoptPlan(task.csr);
  const spec = task.replicas[r]!;
  k.arena.seek(spec.base);
  const replica = network.replica(spec.N, true, plan);
  // The replay must land exactly where the main thread allocated this replica: check the gradients.
  const trainable = network.params.filter((p) => p.trainable);
  trainable.forEach((p, i) => {
    const mine = replica.grads.get(p)!.ptr,
      planned = task.plan.slots[i]?.grads[r];
    if (mine !== planned) throw new Error(`worker: replica ${r} of ${p.name} has its gradient at ${mine}, the main thread planned ${planned}`);
  });
  const collective = new SharedCollective(k.memory, task.exchange, sync, T, task.batchSize, spec.colOffset);
  // This worker's evaluation replicas (one per chunk size) and the chunks as views.
  const evalReplicas = new Map(
    task.evalReplicas[r]!.map(({ base, N }) => {
      k!.arena.seek(base);
      return [N, network!.replica(N, false, plan)] as const;
    }),
  );
  const evalSets = task.evalSets.map((s) => s.chunks.map((c) => ({ x: k!.view(c.x, [task.inputFeatures, c.n]), labels: k!.view(c.labels, [c.n], "i32") })));
  const results = new Float64Array(k.memory.buffer, task.results, 2 * evalSets.reduce((n, s) => n + s.length, 0));
  const evaluate = (index: number) => {
    injectFault("eval", r);
    const first = evalSets.slice(0, index).reduce((n, s) => n + s.length, 0);
    const chunks = evalSets[index]!;
    evaluateShare(
      chunks.length,
      r,
      T,
      (c) => {
        const { x, labels } = chunks[c]!;
        return evalReplicas.get(labels.size)!.evaluate({ training: false, step: 0, colOffset: 0, totalCols: labels.size, seed: 0 }, x, labels);
      },
      results,
      first,
    );
    arrive(sync, SYNC.DONE);
  };
  const ctx: StepContext = { training: true, step: 0, colOffset: spec.colOffset, totalCols: task.batchSize, seed: task.seed, collective };
  const input = task.input ? pipelineFromLayout(k, task.input.layout, task.input.indices[r]!) : null;
  const mine: TrainShare = { replica, input, indices: new Uint32Array(task.batchSize), offset: spec.colOffset, size: spec.N, ctx };
  let seen = 0;
  for (;;) {
    seen = nextStep(sync, seen);
    if (seen === STOP) return;
    if (Atomics.load(sync, SYNC.MODE) === EVAL_MODE) {
      evaluate(Atomics.load(sync, SYNC.EVAL_SET));
      continue;
    }
    const iteration = Atomics.load(sync, SYNC.ITER);
    injectFault(iteration, r);
    collective.reset();
    losses[r] = trainShare(mine, iteration);
    arrive(sync, SYNC.ARRIVED);
    waitAtLeast(sync, SYNC.ARRIVED, T, `step ${iteration}`);
    runUpdate(k, task.plan, r, T, iteration + 1, lr[0]!);
    arrive(sync, SYNC.DONE);
  }
}

/**
 * Test-only fault injection (test/parallel/*.test.ts): the worker of replica 1 fails at training
 * step LOTTERY_TEST_FAIL_AT (an iteration) or at its first evaluation ("eval"), as
 * LOTTERY_TEST_FAIL_HOW says: "throw" (the default) an error; "exit" calls process.exit(3), dying
 * without a word; "uncaught" throws from a timer, outside any task. The last two tell the main
 * thread nothing through the shared memory: only the worker's exit or error event does.
 */
function injectFault(at: number | "eval", replica: number): void {
  const env = typeof process !== "undefined" ? process.env : undefined;
  if (replica !== 1 || env?.LOTTERY_TEST_FAIL_AT === undefined || env.LOTTERY_TEST_FAIL_AT !== String(at)) return;
  const where = at === "eval" ? "evaluation" : `iteration ${at}`;
  if (env.LOTTERY_TEST_FAIL_HOW === "exit") process.exit(3);
  if (env.LOTTERY_TEST_FAIL_HOW === "uncaught") throw new InjectedUncaught(`injected uncaught failure at ${where} (LOTTERY_TEST_FAIL_AT)`);
  throw new Error(`injected failure at ${where} (LOTTERY_TEST_FAIL_AT)`);
}

class InjectedUncaught extends Error {}

export default async function handle(task: Task): Promise<null> {
  try {
    if (task.kind === "join") await join(task);
    else runLevel(task);
    return null;
  } catch (err) {
    // The task never settles and the error escapes from a timer, as an uncaught failure would.
    if (err instanceof InjectedUncaught) {
      return new Promise(() =>
        setTimeout(() => {
          throw new Error(err.message);
        }),
      );
    }
    if (k) abort(ints(k.memory, task.sync), index + 1);
    throw err;
  }
}
