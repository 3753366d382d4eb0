// The lottery experiment of src/lottery/experiment.ts, held in memory for the browser (that runner
// persists every run to a file store, and Session pulls in Node's data loader). The pieces are the
// library's own — model registry, InputPipeline, the trainer (with its early-stop tracking),
// magnitude pruning, the reset strategy, the reinit branch — called in the same order with the
// same seeds and stream names, so a level here trains exactly what `lottery run` trains with the
// same settings (one trial, no one-shot).
import type { Dataset } from "../../src/data/types.js";
import type { Hparams, TrainingHparams } from "../../src/hparams/schema.js";
import type { Kernels } from "../../src/kernels/index.js";
import { getBranch } from "../../src/lottery/branches/index.js";
import { pruneTarget } from "../../src/lottery/settings.js";
import { parseStrategy, type Strategy } from "../../src/lottery/strategies/index.js";
import type { Weights } from "../../src/lottery/weights.js";
import { getModel } from "../../src/models/registry.js";
import type { Network } from "../../src/nn/network.js";
import { pruneByMagnitude } from "../../src/prune/magnitude.js";
import { applyMasks, cloneWeights, fullMasks, maskWeights, type Masks } from "../../src/prune/masks.js";
import type { PruneTarget } from "../../src/prune/plan.js";
import { sparsity } from "../../src/prune/report.js";
import type { Branch, RunRecord } from "../../src/report/types.js";
import { type EvalSet, evalChunkSize, prepareEvalSet } from "../../src/train/evaluate.js";
import { type DeviceImages, deviceImages, InputPipeline } from "../../src/train/input.js";
import { type EvalRecord, train, type TrainResult } from "../../src/train/trainer.js";
import { Rng } from "../../src/util/rng.js";
import type { RunKey, TicketWeights } from "./protocol.js";

export interface LotteryEvents {
  onRunStart?(run: RunKey): void;
  onProgress?(run: RunKey, done: number, total: number, last: EvalRecord | null): void;
  onRunDone?(run: RunKey, record: RunRecord, result: TrainResult): void;
  /** A ticket level finished: its trained weights and mask (copies, free to transfer). */
  onTicket?(ticket: TicketWeights): void;
}


interface Trained {
  final: Map<string, Float32Array>;
  masks: Masks;
}

export class InMemoryLottery {
  private readonly strategy: Strategy;
  private readonly target: PruneTarget;

  private constructor(
    readonly hp: Hparams,
    private readonly data: Dataset,
    private readonly network: Network,
    private readonly val: EvalSet,
    private readonly test: EvalSet,
    private readonly device: DeviceImages,
  ) {
    this.strategy = parseStrategy(hp.pruning.strategy, hp.training.iterations);
    this.target = pruneTarget(hp);
    for (const c of hp.pruning.controls) getBranch(c);
  }

  /**
   * Builds the network and puts the evaluation sets and training images into wasm memory (what
   * Session.open does). `test` may be a head of the official test set, to keep evaluation quick.
   */
  static open(k: Kernels, hp: Hparams, data: Dataset, test = data.test): InMemoryLottery {
    const model = getModel(hp.model.model);
    if (data.name !== model.dataset) throw new Error(`${model.name} trains on ${model.dataset}, but the dataset given is ${data.name}`);
    const network = model.build(k, hp.model);
    const evalInput = new InputPipeline(data, { normalize: hp.dataset.normalize, augment: false, dataSeed: 0, batchSize: 1 });
    const chunk = evalChunkSize(network);
    const val = prepareEvalSet(k, evalInput, data.val, "val", chunk);
    const testSet = prepareEvalSet(k, evalInput, test, "test", chunk);
    return new InMemoryLottery(hp, data, network, val, testSet, deviceImages(k, data, hp.dataset.normalize));
  }

  get testCount(): number {
    return this.test.count;
  }

  /** Trial 0: the dense level from θ0, then each pruned level (reset to θ0) and its controls. */
  async run(events: LotteryEvents = {}): Promise<void> {
    const { network, hp } = this;
    const training = hp.training; // trial 0: seed + 0, dataSeed + 0
    network.init(hp.model.init, new Rng(training.seed, "init"));
    const theta0 = network.snapshot();

    let masks = fullMasks(network);
    let previous = await this.trainRun(events, 0, "ticket", masks, theta0, training);
    for (let level = 1; level <= hp.pruning.levels; level++) {
      masks = pruneByMagnitude(network, this.target, previous.final, masks, level);
      const start = this.strategy.start({ theta0, previousFinal: previous.final, rewind: null });
      const ticket = await this.trainRun(events, level, "ticket", masks, start, training);
      for (const name of hp.pruning.controls) {
        const branch = getBranch(name);
        const prepared = branch.prepare({ network, init: hp.model.init, trialSeed: training.seed, tag: `level-${level}`, masks, start });
        await this.trainRun(events, level, branch.name, prepared.masks, prepared.start, training);
      }
      previous = ticket;
    }
  }

  private async trainRun(events: LotteryEvents, level: number, branch: Branch, masks: Masks, start: Weights, training: TrainingHparams): Promise<Trained> {
    const { network } = this;
    applyMasks(network, masks);
    const pm = sparsity(network, masks).pm;
    const weights = cloneWeights(start);
    maskWeights(weights, masks);
    network.load(weights);
    const run: RunKey = { level, branch, pm };
    events.onRunStart?.(run);
    const input = new InputPipeline(
      this.data,
      { normalize: this.hp.dataset.normalize, augment: this.hp.dataset.augment, dataSeed: training.dataSeed, batchSize: training.batchSize },
      this.device,
    );
    const result = await train(
      { network, input, val: this.val, test: this.test, training, kernelMode: "auto" },
      { onProgress: (done, total, last) => events.onProgress?.(run, done, total, last) },
    );
    const final = network.snapshot();
    events.onRunDone?.(run, runRecord(run, result), result);
    if (branch === "ticket") events.onTicket?.({ level, pm, weights: cloneWeights(final), masks: new Map([...masks].map(([k, m]) => [k, Uint8Array.from(m)])) });
    return { final, masks };
  }
}

/** The report's record of a run (src/report/types.ts), which the accuracy-vs-Pm figure draws. */
export function runRecord(run: RunKey, result: TrainResult): RunRecord {
  return {
    trial: 0,
    level: run.level,
    kind: "iterative",
    branch: run.branch,
    pm: run.pm,
    iterations: result.iterations,
    earlyStopIteration: result.earlyStop.iteration,
    earlyStopValLoss: result.earlyStop.val.loss,
    earlyStopValAccuracy: result.earlyStop.val.accuracy,
    earlyStopTestAccuracy: result.earlyStop.test.accuracy,
    finalValAccuracy: result.final.val.accuracy,
    finalTestAccuracy: result.final.test.accuracy,
    seconds: result.seconds,
  };
}
