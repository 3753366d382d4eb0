// The training loop of one level (train) and what it takes and returns.
import type { TrainingHparams } from "../hparams/schema.js";
import type { LayerExecution, KernelMode, Network } from "../nn/network.js";
import type { ExecutionPlan } from "../nn/plan.js";
import { type Arithmetic, type ArithmeticSpan, continueSpans } from "./arithmetic.js";
import { localStepper, type Stepper } from "./step.js";
import type { EvalSet, SplitMetrics } from "./evaluate.js";
import type { InputPipeline } from "./input.js";

/** One evaluation: loss and accuracy on the whole validation and test splits at an iteration. */
export interface EvalRecord {
  /** Iterations completed when it was measured (0: before training). */
  iteration: number;
  /** Mean training loss over the iterations since the previous evaluation (NaN at iteration 0). */
  trainLoss: number;
  val: SplitMetrics;
  /**
   * Null where the test split was not evaluated (--eval-test improved: only evaluations that reach
   * a new minimum of the validation loss, the first and the last have it; --eval-test best: only
   * the early-stop evaluation and the last, both measured when training ends).
   */
  test: SplitMetrics | null;
}

/** An evaluation that measured the test split: every early-stop and final record has one. */
export type TestedEvalRecord = EvalRecord & { test: SplitMetrics };

/** Where a level's training stands mid-way: what a checkpoint saves besides the weights. */
export interface TrainState {
  /** Iterations completed. */
  iteration: number;
  /** Wall time spent so far (across interruptions), so a resumed run reports its whole time. */
  seconds: number;
  /** Optimizer state at that point (the weights are the network's). */
  optimizer: Map<string, Float32Array>;
  /** The evaluations so far. */
  history: EvalRecord[];
  /** The threads, kernels and SIMD level each part of the run trained on (absent in checkpoints of older versions). */
  arithmetic?: ArithmeticSpan[];
  /**
   * --eval-test best: the weights at the lowest validation loss so far (by parameter name), whose
   * test accuracy is measured when training ends; absent otherwise.
   */
  best?: Map<string, Float32Array>;
}

/** What {@link train} trains: usually made by {@link Session.train}, which fills it from the session. */
export interface TrainSetup {
  /** The network, holding the level's starting weights and masks. */
  network: Network;
  /** The training batches (order and conversion). */
  input: InputPipeline;
  /** Validation set, prepared in wasm memory; early stopping follows its loss. */
  val: EvalSet;
  /** Test set, prepared in wasm memory. */
  test: EvalSet;
  /** Iterations, batch size, optimizer, learning rate schedule and evaluation interval. */
  training: TrainingHparams;
  /** Dense or sparse kernels per pruned layer. */
  kernelMode: KernelMode;
  /**
   * Makes the level's stepper (default: single thread); the parallel pool plugs in here.
   *
   * @internal Session sets it for multi-threaded training; Stepper is not part of the library API.
   */
  stepper?: (network: Network, plan: ExecutionPlan, input: InputPipeline, training: TrainingHparams, sets: readonly EvalSet[]) => Stepper | Promise<Stepper>;
}

/** Optional callbacks and resume state of one {@link train} call. */
export interface TrainHooks {
  /** Called after each evaluation (every `evalEvery` iterations, and at 0 and at the end). */
  onEval?(record: EvalRecord): void;
  /** Called often (at most every ~100 ms) with iterations done. */
  onProgress?(done: number, total: number, last: EvalRecord | null): void;
  /** Iterations (completed-step counts) at which to hand out a copy of the weights (rewind points). */
  snapshotAt?: ReadonlySet<number>;
  /** Receives a copy of the weights (by parameter name) at each `snapshotAt` iteration; training waits for it. */
  onSnapshot?(iteration: number, weights: Map<string, Float32Array>): void | Promise<void>;
  /**
   * Mid-level checkpoints, for resuming: asked at every evaluation point (where the state is
   * simplest: the loss accumulators were just reset) whether one is due.
   */
  checkpoint?: {
    /** Whether to save a checkpoint at this iteration. */
    due(iteration: number): boolean;
    /** Stores the state and a copy of the weights (by parameter name), durably; training waits for it. */
    save(state: TrainState, weights: Map<string, Float32Array>): void | Promise<void>;
  };
  /** Continue from a checkpoint (the network must already hold the checkpoint's weights). */
  resume?: TrainState;
  /** Called with the level's dense/sparse choice per pruned layer and its thread count once fixed. */
  onExecution?(execution: LayerExecution[], threads: number): void;
  /**
   * A resumed run continues on other threads, kernels or SIMD than its checkpoint was written on
   * (`before` null: the checkpoint did not record them), so its numbers will differ from an
   * uninterrupted run's.
   */
  onArithmeticChange?(change: { iteration: number; before: Arithmetic | null; now: Arithmetic }): void;
}

/** The outcome of one level's training. */
export interface TrainResult {
  /** Iterations trained (the level's whole count, including any done before a resume). */
  iterations: number;
  /** Every evaluation, in iteration order. */
  history: EvalRecord[];
  /** The evaluation with the lowest validation loss (the paper's early-stop criterion). */
  earlyStop: TestedEvalRecord;
  /** The evaluation at the last iteration. */
  final: TestedEvalRecord;
  /** Wall time of the level in seconds, across interruptions. */
  seconds: number;
  /** Median wall time of a training step (batch load, forward, backward, update), in ms. */
  stepMs: number;
  /** The dense/sparse choice of each pruned layer this level. */
  execution: LayerExecution[];
  /** Training threads used. */
  threads: number;
  /** The arithmetic of each part of the run: one span from iteration 0 unless it was resumed on other settings. */
  arithmetic: ArithmeticSpan[];
}

/**
 * Training diverged: a non-finite loss or weight, or a loss far above the first evaluation's.
 * Carries the iteration and what was seen, so the caller can name the run and record it.
 */
export class DivergenceError extends Error {
  constructor(
    readonly iteration: number,
    readonly reason: string,
    readonly history: EvalRecord[],
  ) {
    super(`training diverged at iteration ${iteration}: ${reason}; lower the learning rate (--lr) or add a warmup (--warmup)`);
    this.name = "DivergenceError";
  }
}

/** A loss this many times the first evaluation's validation loss counts as diverged. */
export const DIVERGENCE_FACTOR = 100;

/** One line of a metrics.jsonl: a split's loss (and accuracy) at an evaluation. */
export interface MetricRow {
  iteration: number;
  split: "train" | "val" | "test";
  loss: number;
  accuracy?: number;
}

/**
 * The evaluations as metrics.jsonl rows, a split each (train: the mean loss since the previous
 * evaluation, absent at iteration 0; test: where it was measured), with `extra` (e.g. the run's
 * Pm) after the measured fields.
 */
export function metricRows<E extends object>(history: readonly EvalRecord[], extra: E = {} as E): (MetricRow & E)[] {
  const rows: (MetricRow & E)[] = [];
  for (const r of history) {
    if (!Number.isNaN(r.trainLoss)) rows.push({ iteration: r.iteration, split: "train", loss: r.trainLoss, ...extra });
    rows.push({ iteration: r.iteration, split: "val", loss: r.val.loss, accuracy: r.val.accuracy, ...extra });
    if (r.test) rows.push({ iteration: r.iteration, split: "test", loss: r.test.loss, accuracy: r.test.accuracy, ...extra });
  }
  return rows;
}

/** The first evaluation with the lowest validation loss (the paper's early-stop point). */
export function earlyStopRecord(history: readonly EvalRecord[]): EvalRecord {
  let best = history[0]!;
  for (const r of history) if (r.val.loss < best.val.loss) best = r;
  return best;
}

/** Whether an evaluation's validation loss is below every earlier one: the records earlyStopRecord can pick. */
function newMinimum(history: readonly EvalRecord[], valLoss: number): boolean {
  return history.every((r) => valLoss < r.val.loss);
}

function tested(r: EvalRecord): TestedEvalRecord {
  if (!r.test) throw new Error(`internal error: the evaluation at iteration ${r.iteration} has no test metrics`);
  return r as TestedEvalRecord;
}

/** Lets timers and messages run (setImmediate in Node; a MessageChannel turn in browsers and workers). */
const yieldToEventLoop: () => Promise<void> =
  typeof setImmediate === "function"
    ? () => new Promise<void>((resolve) => setImmediate(resolve))
    : () =>
        new Promise<void>((resolve) => {
          const channel = new MessageChannel();
          channel.port1.onmessage = () => resolve();
          channel.port2.postMessage(null);
        });

/**
 * Trains a network for one level: `training.iterations` steps from its current weights and masks.
 * Every `evalEvery` iterations (and at 0 and at the end) it measures loss and accuracy on the whole
 * validation and test splits without touching training state, and tracks the early-stop iteration:
 * the evaluation with the lowest validation loss (paper, App. C). Everything a level allocates (CSR
 * forms, replicas, optimizer state) lives in one arena region released at the end.
 *
 * @throws DivergenceError on a non-finite loss or weight, or a loss far above the first evaluation's.
 */
export async function train(setup: TrainSetup, hooks: TrainHooks = {}): Promise<TrainResult> {
  const { network, input, training: t } = setup;
  const k = network.k;
  const started = performance.now();
  const mark = k.arena.mark();
  let stepper: Stepper | null = null;
  try {
    const plan = network.prepare(setup.kernelMode);
    const execution = plan.execution;
    stepper = await (setup.stepper ?? localStepper)(network, plan, input, t, [setup.val, setup.test]);
    hooks.onExecution?.(execution, stepper.threads);
    const optimizer = stepper.optimizer;
    const history: EvalRecord[] = hooks.resume ? [...hooks.resume.history] : [];
    const now: Arithmetic = { threads: stepper.threads, kernel_mode: setup.kernelMode, simd: k.simd };
    let arithmetic: ArithmeticSpan[] = [{ from_iteration: 0, ...now }];
    let start = 0;
    if (hooks.resume) {
      start = hooks.resume.iteration;
      optimizer.loadState(hooks.resume.optimizer);
      const resumed = continueSpans(hooks.resume.arithmetic, now, start);
      arithmetic = resumed.spans;
      if (resumed.changed) hooks.onArithmeticChange?.({ iteration: start, before: resumed.before, now });
    }
    // --eval-test improved: the test split only where the early-stop point can land, and at the end.
    // --eval-test best: only at the end, on the final weights and on a copy kept at each new
    // validation minimum (the early-stop point's weights: the same bits the test split would have
    // seen there).
    const keepBest = t.evalTest === "best";
    let best: Map<string, Float32Array> | undefined = hooks.resume?.best;
    const evaluateAt = async (iteration: number, trainLoss: number): Promise<EvalRecord> => {
      const val = await stepper!.evaluate(setup.val);
      const improved = newMinimum(history, val.loss);
      const last = iteration === t.iterations;
      const wanted = t.evalTest === "every" || last || (improved && t.evalTest === "improved");
      const record = { iteration, trainLoss, val, test: wanted ? await stepper!.evaluate(setup.test) : null };
      if (keepBest && improved && !wanted) best = plan.snapshot(network.params);
      history.push(record);
      hooks.onEval?.(record);
      return record;
    };
    if (start === 0) await evaluateAt(0, NaN);
    const firstLoss = history[0]?.val.loss ?? NaN;
    const diverged = (iteration: number, reason: string) => new DivergenceError(iteration, reason, [...history]);
    // Checked at every evaluation: the losses, and the weights (a non-finite gradient shows there).
    const checkEvaluation = (record: EvalRecord) => {
      for (const [what, v] of [
        ["training loss", record.trainLoss],
        ["validation loss", record.val.loss],
      ] as const) {
        if (what === "training loss" && record.iteration === 0) continue;
        if (!Number.isFinite(v)) throw diverged(record.iteration, `${what} is ${v}`);
        if (Number.isFinite(firstLoss) && v > DIVERGENCE_FACTOR * firstLoss) {
          throw diverged(record.iteration, `${what} ${v.toPrecision(4)} is above ${DIVERGENCE_FACTOR}x the first evaluation's ${firstLoss.toPrecision(4)}`);
        }
      }
      for (const [name, w] of plan.snapshot(network.params)) {
        for (let i = 0; i < w.length; i++)
          if (!Number.isFinite(w[i]!)) throw diverged(record.iteration, `weight ${name}[${i}] is ${w[i]} (a non-finite gradient)`);
      }
    };

    const stepTimes: number[] = [];
    let lossSum = 0,
      lossCount = 0;
    let lastYield = performance.now();
    for (let it = start; it < t.iterations; it++) {
      const s0 = performance.now();
      const loss = stepper.step(it);
      const value = typeof loss === "number" ? loss : await loss;
      if (!Number.isFinite(value)) throw diverged(it + 1, `training loss is ${value}`);
      lossSum += value;
      lossCount++;
      stepTimes.push(performance.now() - s0);
      const done = it + 1;
      if (hooks.snapshotAt?.has(done)) await hooks.onSnapshot?.(done, plan.snapshot(network.params));
      if (done % t.evalEvery === 0 || done === t.iterations) {
        checkEvaluation(await evaluateAt(done, lossSum / lossCount));
        lossSum = 0;
        lossCount = 0;
        if (hooks.checkpoint && done < t.iterations && hooks.checkpoint.due(done)) {
          const seconds = (hooks.resume?.seconds ?? 0) + (performance.now() - started) / 1000;
          await hooks.checkpoint.save(
            { iteration: done, seconds, optimizer: optimizer.state(), history: [...history], arithmetic, ...(best ? { best } : {}) },
            plan.snapshot(network.params),
          );
        }
      }
      const now = performance.now();
      if (now - lastYield > 100) {
        hooks.onProgress?.(done, t.iterations, history[history.length - 1] ?? null);
        await yieldToEventLoop();
        lastYield = performance.now();
      }
    }
    hooks.onProgress?.(t.iterations, t.iterations, history[history.length - 1] ?? null);
    const stop = earlyStopRecord(history);
    if (!stop.test) {
      // --eval-test best: the early-stop weights back for one test pass, then the final ones.
      if (!best) throw new Error(`internal error: no weights kept for the early-stop evaluation at iteration ${stop.iteration}`);
      const final = plan.snapshot(network.params);
      plan.load(network.params, best);
      // A new record in its place: the old one may be shared with a checkpoint's history.
      history[history.indexOf(stop)] = { ...stop, test: await stepper.evaluate(setup.test) };
      plan.load(network.params, final);
    }
    plan.commit();
    stepTimes.sort((a, b) => a - b);
    return {
      iterations: t.iterations,
      history,
      earlyStop: tested(earlyStopRecord(history)),
      final: tested(history[history.length - 1]!),
      seconds: (hooks.resume?.seconds ?? 0) + (performance.now() - started) / 1000,
      stepMs: stepTimes.length ? stepTimes[Math.floor(stepTimes.length / 2)]! : NaN,
      execution,
      threads: stepper.threads,
      arithmetic,
    };
  } finally {
    await stepper?.close();
    // On success the plan was committed; on error its CSR forms go with the region.
    k.arena.release(mark);
  }
}
