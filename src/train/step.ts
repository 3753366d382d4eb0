// One training iteration: load the batch, forward, loss, backward, optimizer update. A Stepper
// owns what that needs for one level (a replica, the optimizer); the trainer and the step
// benchmark both drive it. The single-thread stepper is synchronous; a parallel one may return
// a promise.
import type { StepContext } from "../nn/layer.js";
import type { Network } from "../nn/network.js";
import type { ExecutionPlan } from "../nn/plan.js";
import type { TrainingHparams } from "../hparams/schema.js";
import { createOptimizer, learningRate, type Optimizer, slotsOf } from "../optim/index.js";
import type { InputPipeline } from "./input.js";
import { type EvalSet, Evaluator, type SplitMetrics } from "./evaluate.js";

export interface Stepper {
  readonly optimizer: Optimizer;
  /** Threads that train each step (1 when the step is too small to pay for splitting). */
  readonly threads: number;
  /** Trains iteration `iteration` (0-based); returns the batch's mean loss. */
  step(iteration: number): number | Promise<number>;
  /** Loss and accuracy on a prepared evaluation set (one of those the stepper was made with); a parallel one may return a promise. */
  evaluate(set: EvalSet): SplitMetrics | Promise<SplitMetrics>;
  close(): Promise<void>;
}

/** A single-thread stepper; allocates in the caller's current arena region. */
export function localStepper(network: Network, plan: ExecutionPlan, input: InputPipeline, t: TrainingHparams, sets: readonly EvalSet[] = []): Stepper {
  const replica = network.replica(t.batchSize, true, plan);
  const evaluator = new Evaluator(network, plan, sets);
  const optimizer = createOptimizer(network.k, slotsOf(network.params, replica.grads, plan), t);
  const schedule = { lr: t.lr, warmupIterations: t.warmupIterations, milestones: t.milestones, gamma: t.gamma };
  const indices = new Uint32Array(t.batchSize);
  const ctx: StepContext = { training: true, step: 0, colOffset: 0, totalCols: t.batchSize, seed: t.seed };
  return {
    optimizer,
    threads: 1,
    step(iteration: number): number {
      input.fillBatch(iteration, indices, replica.input, replica.labels);
      ctx.step = iteration;
      const loss = replica.trainStep(ctx) / t.batchSize;
      optimizer.update(iteration + 1, learningRate(schedule, iteration));
      return loss;
    },
    evaluate: (set) => evaluator.evaluate(set),
    close: async () => {},
  };
}
