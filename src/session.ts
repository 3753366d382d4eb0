// A training session: the composition root of one network's training. It loads the data, builds
// the network, converts the evaluation sets once, copies the training images into wasm memory and
// starts the worker threads; then trains levels on them. It sits above train/ (the single-thread
// loop) and parallel/ (the threads), which never import it, so imports run one way.
import { Kernels } from "./kernels/index.js";
import type { Dataset } from "./data/types.js";
import type { Hparams } from "./hparams/schema.js";
import type { ModelEntry } from "./models/define.js";
import { getModel } from "./models/registry.js";
import { buildNetwork } from "./models/spec.js";
import type { KernelMode, Network } from "./nn/network.js";
import { Rng } from "./util/rng.js";
import { ThreadTeam } from "./parallel/team.js";
import { type EvalSet, evalChunkSize, prepareEvalSet } from "./train/evaluate.js";
import { type DeviceImages, deviceImages, InputPipeline } from "./train/input.js";
import { train, type TrainHooks, type TrainResult } from "./train/trainer.js";

/** Settings of {@link Session.open}; every field is optional. */
export interface SessionOptions {
  /** Directory holding the datasets (as `--data-dir`; default LOTTERY_DATA_DIR, else the user cache). */
  dataDir?: string;
  /** Download the dataset into the cache if it is found nowhere (the CLI's behaviour). */
  fetchIfMissing?: boolean;
  /** Dense or sparse kernels per pruned layer: "auto" (default) picks by density. */
  kernelMode?: KernelMode;
  /** Progress and notices of the dataset load (default: standard error). */
  log?: (message: string) => void;
  /** An already loaded dataset (tests, the browser). */
  dataset?: Dataset;
  /** Kernels to allocate in (default: a new instance). */
  kernels?: Kernels;
  /** Training threads (data parallel over a shared memory); default 1. */
  threads?: number;
  /** The model to train (e.g. one from `fileModel`) instead of looking up hp.model.model in the registry. */
  model?: ModelEntry;
}

/**
 * Everything an experiment sets up once: the kernels, the dataset, the network (parameters
 * allocated in wasm memory), the input pipeline and the prepared evaluation sets. Levels and
 * trials then reuse it: each `train` call allocates and frees only its own level's memory.
 * Call {@link Session.close} when done, to stop the worker threads.
 */
export class Session {
  private constructor(
    readonly hp: Hparams,
    readonly model: ModelEntry,
    readonly k: Kernels,
    readonly data: Dataset,
    readonly network: Network,
    readonly val: EvalSet,
    readonly test: EvalSet,
    readonly kernelMode: KernelMode,
    private readonly device: DeviceImages,
    private readonly team: ThreadTeam | null,
  ) {}

  /** Training threads: 1, or the size of the worker team. */
  get threads(): number {
    return this.team?.threads ?? 1;
  }

  /** Stops the worker threads (if any); the session must not train afterwards. */
  async close(): Promise<void> {
    await this.team?.close();
  }

  /**
   * Loads the dataset, builds the model's network and prepares the evaluation sets and threads.
   *
   * @throws Error when `options.model` is not the model `hp` names, or `threads` is not in [1, 256];
   * DataError when the dataset cannot be found or read.
   */
  static async open(hp: Hparams, options: SessionOptions = {}): Promise<Session> {
    const model = options.model ?? getModel(hp.model.model);
    if (model.name !== hp.model.model) throw new Error(`the hyperparameters name model ${hp.model.model}, but the model given is ${model.name}`);
    // The file loader is Node-only: import it only when no dataset is given (browsers pass one).
    const datasetName = hp.dataset.dataset ?? model.dataset;
    const data =
      options.dataset ??
      (await (
        await import("./data/index.js")
      ).loadDataset(datasetName, {
        dataDir: options.dataDir,
        valSize: hp.dataset.valSize,
        imageSize: hp.dataset.imageSize,
        fetchIfMissing: options.fetchIfMissing ?? false,
        log: options.log,
      }));
    const threads = options.threads ?? 1;
    if (!Number.isInteger(threads) || threads < 1 || threads > 256) throw new Error(`invalid --threads ${threads}: must be an integer in [1, 256]`);
    const k = options.kernels ?? (await Kernels.create({ checks: "once" }));
    const networkBase = k.arena.mark();
    // The spec follows the dataset's shape and classes (or refuses it, naming both shapes).
    const spec = model.resolve(hp.model, data);
    const network = buildNetwork(k, spec);
    // Evaluation images are converted once (normalized, never augmented) and kept in wasm memory.
    const evalInput = new InputPipeline(data, { normalize: hp.dataset.normalize, augment: false, dataSeed: 0, batchSize: 1 });
    const chunk = evalChunkSize(network);
    const val = prepareEvalSet(k, evalInput, data.val, "val", chunk);
    const test = prepareEvalSet(k, evalInput, data.test, "test", chunk);
    const device = deviceImages(k, data, hp.dataset.normalize);
    const team = threads > 1 ? await ThreadTeam.create(k, { threads, network, networkBase, spec }) : null;
    return new Session(hp, model, k, data, network, val, test, options.kernelMode ?? "auto", device, team);
  }

  /** Initializes the network from its seed (θ0 of trial `trial`: seed + trial). */
  initialize(seed = this.hp.training.seed): Map<string, Float32Array> {
    this.network.init(this.hp.model.init, new Rng(seed, "init"));
    return this.network.snapshot();
  }

  /** The training input pipeline for a data-order seed (each trial has its own). */
  input(training = this.hp.training): InputPipeline {
    const d = this.hp.dataset;
    return new InputPipeline(
      this.data,
      { normalize: d.normalize, augment: d.augment, dataSeed: training.dataSeed, batchSize: training.batchSize },
      this.device,
    );
  }

  /** Trains the network as it is now (weights and masks) for one level. */
  train(hooks: TrainHooks = {}, training = this.hp.training): Promise<TrainResult> {
    const team = this.team;
    return train(
      {
        network: this.network,
        input: this.input(training),
        val: this.val,
        test: this.test,
        training,
        kernelMode: this.kernelMode,
        stepper: team ? (network, plan, input, t, sets) => team.stepper(network, plan, input, t, sets) : undefined,
      },
      hooks,
    );
  }
}
