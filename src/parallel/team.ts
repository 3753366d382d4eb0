// Data-parallel training on several threads over one shared WebAssembly.Memory. Each step, the
// batch is split by columns into one replica per thread (the main thread runs replica 0, each
// worker one task per level, stepped through the sync block); every thread fills its own share of
// the batch and runs forward and backward on it (replica-work.ts, the same code on every thread);
// the replicas meet at a barrier once their gradients are ready; then
// every thread sums the replicas' gradients and applies the optimizer to its own share of the
// parameters; the main thread waits for all before the next step. Dropout masks and augmentation
// depend on an example's position in the whole batch, so T threads train on exactly the same
// data as one; only the order of the gradient sums differs (results match within f32 rounding).
import type { Kernels, Tensor } from "../kernels/index.js";
import type { TrainingHparams } from "../hparams/schema.js";
import type { StepContext } from "../nn/layer.js";
import type { Network, Replica } from "../nn/network.js";
import type { ExecutionPlan } from "../nn/plan.js";
import { learningRate, Optimizer, runUpdate, slotsOf } from "../optim/index.js";
import type { InputPipeline } from "../train/input.js";
import { localStepper, type Stepper } from "../train/step.js";
import { createThreadPool, type ThreadPool } from "./pool.js";
import { evaluateShare, type TrainShare, trainShare } from "./replica-work.js";
import { SharedCollective } from "./collective.js";
import { EVAL_MODE, exchangeBytes, type JoinTask, type LevelTask, STEP_MODE, STOP, SYNC, syncBytes, type Task } from "./protocol.js";
import { combineChunks, type EvalSet, Evaluator, type SplitMetrics } from "../train/evaluate.js";
import { abort, abortedError, AbortedError, arrive, GIVE_UP_MS, gaveUpError, waitAtLeastFor } from "./sync.js";

export interface TeamOptions {
  threads: number;
  network: Network;
  /** The arena mark taken just before the network was built (workers replay from there). */
  networkBase: number;
  /** The network's description: workers build exactly this (a registry name would not reach them). */
  spec: JoinTask["spec"];
}

let nextLevelId = 1;

/**
 * Steps estimated below this (single thread) run on one thread: handing a step to a worker and
 * meeting it at two barriers costs ~50-80 µs, so on LeNet 2 threads gained 1.06x at Pm 3.6%
 * (≈115 µs estimated) and lost (0.83x) at Pm 1.8% (≈60 µs).
 */
export const PARALLEL_MIN_STEP_MICROS = 100;

/**
 * The main thread waits for the workers synchronously (a futex wake, the fast path) for this long
 * without any arrival, then with its event loop running: only there does it hear that a worker
 * died without a word (its exit or error event, on which Piscina rejects the worker's task).
 */
const STALL_MS = 300;

/**
 * Column counts of the replicas: multiples of 4 where possible (a share of 30 columns leaves two
 * columns to scalar tails in every GEMM and ran 45% slower than 32), balanced to within 4, the
 * remainder of B mod 4 on the last one. Fewer replicas than threads when the batch is small.
 */
export function splitBatch(B: number, threads: number): number[] {
  const blocks = Math.floor(B / 4);
  const T = Math.max(1, Math.min(threads, blocks));
  const sizes = Array.from({ length: T }, (_, r) => 4 * (Math.floor(blocks / T) + (r < blocks % T ? 1 : 0)));
  sizes[T - 1]! += B - 4 * blocks;
  return sizes;
}

export class ThreadTeam {
  private readonly ints: Int32Array;
  private readonly losses: Float64Array;
  private readonly lr: Float64Array;

  private constructor(
    readonly threads: number,
    private readonly k: Kernels,
    readonly pool: ThreadPool,
    private readonly sync: Tensor<"i32">,
  ) {
    this.ints = new Int32Array(k.memory.buffer, sync.ptr, SYNC.INTS);
    this.losses = new Float64Array(k.memory.buffer, sync.ptr + SYNC.LOSSES_OFFSET, threads);
    this.lr = new Float64Array(k.memory.buffer, sync.ptr + SYNC.LR_OFFSET, 1);
  }

  /** Starts threads − 1 workers and has each join the memory (allocates their workspaces now). */
  static async create(k: Kernels, o: TeamOptions): Promise<ThreadTeam> {
    if (!k.shared) throw new Error("threads need a shared WebAssembly.Memory (in browsers: a cross-origin isolated page)");
    const workers = o.threads - 1;
    const workspaces = Array.from({ length: workers }, (_, i) => k.alloc([k.workspaceBytes / 4], "f32", `worker ${i + 1} gemm workspace`).ptr);
    const sync = k.zeros([syncBytes(o.threads) / 4], "i32", "thread sync");
    const pool = await createThreadPool(workers);
    const team = new ThreadTeam(o.threads, k, pool, sync);
    try {
      await team.broadcast({
        kind: "join",
        workers,
        module: k.module,
        memory: k.memory,
        simd: k.simd,
        limitBytes: k.limitBytes,
        workspaces,
        networkBase: o.networkBase,
        spec: o.spec,
        sync: sync.ptr,
      });
    } catch (err) {
      await pool.destroy();
      throw err;
    }
    return team;
  }

  /** Runs a copy of `task` on every worker (each copy waits until every worker has one). */
  private async broadcast(task: Task): Promise<void> {
    Atomics.store(this.ints, SYNC.BROADCAST, 0);
    Atomics.store(this.ints, SYNC.ABORT, 0);
    await Promise.all(Array.from({ length: this.pool.size }, () => this.pool.run(task)));
  }

  /**
   * A stepper for one level; allocates replicas and optimizer state in the caller's arena region.
   * Each worker gets one task for the whole level and is driven step by step through the sync
   * block; close() ends the level and waits for the tasks.
   */
  async stepper(network: Network, plan: ExecutionPlan, input: InputPipeline, t: TrainingHparams, sets: readonly EvalSet[]): Promise<Stepper> {
    const k = this.k;
    const sizes = splitBatch(t.batchSize, this.threads);
    const T = sizes.length;
    if (T === 1 || plan.stepCostMicros(t.batchSize) < PARALLEL_MIN_STEP_MICROS) return localStepper(network, plan, input, t, sets);
    const offsets = sizes.map((_, r) => sizes.slice(0, r).reduce((a, b) => a + b, 0));
    const specs: LevelTask["replicas"] = [];
    const replicas: Replica[] = sizes.map((N, r) => {
      specs.push({ base: k.arena.mark(), N, colOffset: offsets[r]! });
      return network.replica(N, true, plan);
    });
    const optimizer = new Optimizer(k, slotsOf(network.params, replicas[0]!.grads, plan), t);
    const updatePlan = optimizer.plan(replicas.slice(1).map((rep) => optimizer.slots.map((s) => rep.grads.get(s.param)!)));
    const ints = this.ints,
      losses = this.losses,
      lrSlot = this.lr;
    Atomics.store(ints, SYNC.GEN, 0);
    Atomics.store(ints, SYNC.BROADCAST, 0);
    Atomics.store(ints, SYNC.ABORT, 0);
    const exchange = k.alloc([exchangeBytes(t.batchSize) / 4], "f32", "collective exchange");
    // Evaluation replicas: the main thread's in its Evaluator, each worker's replayed at a base.
    const evaluator = new Evaluator(network, plan, sets);
    const chunkSizes = [...new Set(sets.flatMap((s) => s.chunks.map((c) => c.labels.size)))];
    const evalReplicas: LevelTask["evalReplicas"] = [[]];
    for (let r = 1; r < T; r++) {
      evalReplicas.push(
        chunkSizes.map((N) => {
          const base = k.arena.mark();
          network.replica(N, false, plan);
          return { base, N };
        }),
      );
    }
    const chunkCount = sets.reduce((n, s) => n + s.chunks.length, 0);
    const resultsTensor = k.alloc([Math.max(1, 2 * chunkCount) * 2], "f32", "evaluation results");
    const results = new Float64Array(k.memory.buffer, resultsTensor.ptr, Math.max(1, 2 * chunkCount));
    // Each worker fills its own share of the batch from the images in shared memory; it needs a
    // buffer for the batch indices, allocated here (a worker's arena only replays these offsets).
    const layout = input.layout();
    const inputTask: LevelTask["input"] = layout
      ? { layout, indices: sizes.map((_, r) => (r === 0 ? 0 : k.alloc([t.batchSize], "u32", `replica ${r} batch indices`).ptr)) }
      : null;
    const level: LevelTask = {
      kind: "level",
      workers: this.pool.size,
      levelId: nextLevelId++,
      sync: this.sync.ptr,
      csr: plan.layout(),
      replicas: specs,
      batchSize: t.batchSize,
      seed: t.seed,
      plan: updatePlan,
      exchange: exchange.ptr,
      evalSets: sets.map((s) => ({ chunks: s.chunks.map((c) => ({ x: c.x.ptr, labels: c.labels.ptr, n: c.labels.size })) })),
      evalReplicas,
      inputFeatures: network.inputShape.reduce((a, b) => a * b, 1),
      results: resultsTensor.ptr,
      input: inputTask,
    };
    const collective = new SharedCollective(k.memory, exchange.ptr, ints, T, t.batchSize, 0);
    const tasks = Array.from({ length: this.pool.size }, () => this.pool.run(level));
    const settled = Promise.allSettled(tasks);
    /** The first worker task to fail: a thrown error, or the worker's death (exit or uncaught error). */
    const firstFailure = new Promise<Error>((resolve) => tasks.forEach((task) => task.catch(resolve)));

    const schedule = { lr: t.lr, warmupIterations: t.warmupIterations, milestones: t.milestones, gamma: t.gamma };
    const indices = new Uint32Array(t.batchSize);
    const ctx: StepContext = { training: true, step: 0, colOffset: 0, totalCols: t.batchSize, seed: t.seed, collective };
    const mine: TrainShare = { replica: replicas[0]!, input: layout ? input : null, indices, offset: 0, size: sizes[0]!, ctx };
    /** The failing worker's own message, rather than "another thread failed". */
    const workerError = async (err: unknown): Promise<never> => {
      abort(ints, 0);
      const failed = (await settled).find((s): s is PromiseRejectedResult => s.status === "rejected");
      throw failed && err instanceof AbortedError ? failed.reason : err;
    };

    /** Waits until ints[slot] >= target: null when that happened without yielding, else a promise. */
    const wait = (slot: number, target: number, what: string): Promise<void> | null =>
      waitAtLeastFor(ints, slot, target, what, STALL_MS) ? null : waitWithEvents(slot, target, what);
    const waitWithEvents = async (slot: number, target: number, what: string): Promise<void> => {
      let last = Atomics.load(ints, slot),
        since = performance.now();
      while (last < target) {
        if (Atomics.load(ints, SYNC.ABORT)) throw abortedError(ints, what);
        const failure = await Promise.race([firstFailure, new Promise<null>((r) => setTimeout(() => r(null), 20))]);
        if (failure) throw failure;
        const now = Atomics.load(ints, slot);
        if (now !== last) since = performance.now();
        else if (performance.now() - since > GIVE_UP_MS) throw gaveUpError(what, now, target);
        last = now;
      }
    };

    let midStep = false;
    const step = (iteration: number): number | Promise<number> => {
      try {
        midStep = true;
        Atomics.store(ints, SYNC.ARRIVED, 0);
        Atomics.store(ints, SYNC.DONE, 0);
        Atomics.store(ints, SYNC.COLL, 0);
        collective.reset();
        if (!layout) {
          // The images are not in shared memory: the main thread fills every share.
          input.batchIndices(iteration, indices);
          replicas.forEach((rep, r) => input.fillPart(iteration, indices, offsets[r]!, sizes[r]!, rep.input, rep.labels));
        }
        const lr = learningRate(schedule, iteration);
        lrSlot[0] = lr;
        Atomics.store(ints, SYNC.MODE, STEP_MODE);
        Atomics.store(ints, SYNC.ITER, iteration);
        Atomics.add(ints, SYNC.GEN, 1);
        Atomics.notify(ints, SYNC.GEN);
        let loss = trainShare(mine, iteration);
        arrive(ints, SYNC.ARRIVED);
        const finish = () => {
          for (let r = 1; r < T; r++) loss += losses[r]!;
          midStep = false;
          return loss / t.batchSize;
        };
        const update = () => {
          runUpdate(k, updatePlan, 0, T, iteration + 1, lr);
          const done = wait(SYNC.DONE, T - 1, `step ${iteration}`);
          return done ? done.then(finish) : finish();
        };
        const arrived = wait(SYNC.ARRIVED, T, `step ${iteration}`);
        const mean = arrived ? arrived.then(update) : update();
        return typeof mean === "number" ? mean : mean.catch(workerError);
      } catch (err) {
        return workerError(err);
      }
    };
    /** Each thread evaluates the chunks c ≡ r (mod T); the sums are taken in chunk order. */
    const evaluate = (set: EvalSet): SplitMetrics | Promise<SplitMetrics> => {
      const index = sets.indexOf(set);
      if (index < 0) throw new Error(`evaluate: set ${set.name} was not given to this stepper`);
      const first = sets.slice(0, index).reduce((n, s) => n + s.chunks.length, 0);
      try {
        midStep = true;
        Atomics.store(ints, SYNC.DONE, 0);
        Atomics.store(ints, SYNC.MODE, EVAL_MODE);
        Atomics.store(ints, SYNC.EVAL_SET, index);
        Atomics.add(ints, SYNC.GEN, 1);
        Atomics.notify(ints, SYNC.GEN);
        evaluateShare(set.chunks.length, 0, T, (c) => evaluator.evaluateChunk(set, c), results, first);
        const finish = () => {
          midStep = false;
          return combineChunks(
            set,
            set.chunks.map((_, c) => ({ loss: results[2 * (first + c)]!, correct: results[2 * (first + c) + 1]! })),
          );
        };
        const done = wait(SYNC.DONE, T - 1, `evaluating ${set.name}`);
        return done ? done.then(finish).catch(workerError) : finish();
      } catch (err) {
        return workerError(err);
      }
    };
    const close = async () => {
      // A step that did not finish (an error on this thread) may have workers waiting at a barrier.
      if (midStep) abort(ints, 0);
      Atomics.store(ints, SYNC.GEN, STOP);
      Atomics.notify(ints, SYNC.GEN);
      const failed = (await settled).find((s): s is PromiseRejectedResult => s.status === "rejected");
      if (failed && !Atomics.load(ints, SYNC.ABORT)) throw failed.reason;
    };
    return { optimizer, threads: T, step, evaluate, close };
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
