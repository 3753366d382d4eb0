// Hyperparameters, declared once (as open_lth does), in four groups. Each field has one line of
// description; the CLI's flags and --help, validation messages, per-model defaults and the
// experiment store's name (a hash of the values that differ from the model's defaults) all come
// from these declarations.
import { z } from "zod";
import { CONTROL_NAMES, CONTROLS } from "../lottery/branches/index.js";
import { STRATEGY_CHOICES, STRATEGY_DESCRIPTIONS, STRATEGY_PATTERN } from "../lottery/strategies/index.js";
import { CRITERIA, CRITERION_NAMES } from "../prune/criteria/index.js";

export const DatasetHparams = z.object({
  dataset: z
    .string()
    .min(1)
    .optional()
    .describe(
      "dataset: mnist, cifar10, fashion-mnist, kmnist, cifar100, cifar100-coarse, or a directory as idx:DIR, cifar:DIR or folder:DIR; default: the model's own",
    ),
  imageSize: z
    .int()
    .min(4)
    .max(1024)
    .optional()
    .describe("folder:DIR datasets: resize every image to NxN (default: the images' own size, which must then be the same for all)"),
  valSize: z
    .int()
    .min(1)
    .max(10000)
    .describe(
      "training examples held out for validation (early stopping needs at least 1); the last ones of the official training set (default 5000, a tenth of a smaller local dataset)",
    ),
  normalize: z.boolean().describe("normalize pixels with the dataset's own per-channel mean and std (after scaling to [0,1])"),
  augment: z.boolean().describe("random horizontal flip and pad-4 random crop of training images (CIFAR-10)"),
});

export const ModelHparams = z.object({
  model: z.string().min(1).describe("network: a model of the registry (`lottery models` lists them), or a JSON network with --model-file"),
  init: z.enum(["glorot_normal", "kaiming_normal"]).describe("weight initialization (the paper: Gaussian Glorot)"),
  dropout: z.number().min(0).lt(1).describe("dropout probability after each hidden fully connected layer (0 = none)"),
  network: z
    .string()
    .regex(/^[0-9a-f]{16}$/)
    .optional()
    .describe("a --model-file network: hash of its layer list (so two files with one name make two experiments)"),
});

export const TrainingHparams = z.object({
  optimizer: z.enum(["adam", "sgd"]).describe("optimizer"),
  lr: z.number().gt(0).max(10).describe("learning rate (after warmup, before decay)"),
  momentum: z.number().min(0).lt(1).describe("SGD momentum"),
  nesterov: z.boolean().describe("Nesterov momentum (SGD)"),
  weightDecay: z.number().min(0).max(1).describe("L2 weight decay, added to the gradient"),
  beta1: z.number().min(0).lt(1).describe("Adam β1"),
  beta2: z.number().min(0).lt(1).describe("Adam β2"),
  eps: z.number().gt(0).max(1).describe("Adam ε"),
  batchSize: z.int().min(1).max(4096).describe("examples per training iteration"),
  iterations: z
    .int()
    .min(1)
    .max(100_000_000)
    .describe("training iterations (per level); a count other than the model's scales its warmup and milestones to match, unless they are given"),
  evalEvery: z.int().min(1).max(100_000_000).describe("evaluate validation and test loss/accuracy every this many iterations"),
  evalTest: z
    .enum(["every", "improved", "best"])
    .describe(
      "when the test split is evaluated: every = at every evaluation (test curves in the report); improved = only where the validation loss reaches a new minimum, and at the end; best = only when training ends, on the final weights and on a copy of the weights kept at the lowest validation loss (at most two test passes a run; checkpoints hold the copy). improved and best give the same early-stop and final test accuracies as every, for less evaluation time (the report plots validation accuracy instead)",
    ),
  warmupIterations: z.int().min(0).max(100_000_000).describe("linear learning-rate warmup iterations (0 = none)"),
  milestones: z.array(z.int().min(1)).describe("iterations at which the learning rate is multiplied by gamma (comma-separated)"),
  gamma: z.number().gt(0).max(1).describe("learning-rate decay factor at each milestone"),
  seed: z
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .describe("seed of the initialization θ0 (and of everything not data order)"),
  dataSeed: z
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .describe("seed of the training data order (shuffled each epoch) and augmentation"),
});

export const PruningHparams = z.object({
  levels: z.int().min(0).max(100).describe("pruning levels after the dense level 0 (level L keeps (1−rate)^L of each layer)"),
  strategy: z.string().regex(STRATEGY_PATTERN, `must be ${STRATEGY_CHOICES}`).describe(`what the kept weights start each level from: ${STRATEGY_DESCRIPTIONS}`),
  criterion: z
    .enum(CRITERION_NAMES)
    .describe(`what decides which weights are pruned (src/prune/criteria/): ${CRITERIA.map((c) => `${c.name}: ${c.description}`).join("; ")}`),
  scope: z.enum(["layerwise", "global"]).describe("layerwise: each layer loses its own rate; global: one magnitude threshold over all pruned layers"),
  rateConv: z.number().gt(0).lt(1).describe("fraction of the remaining conv weights pruned per level"),
  rateFc: z.number().gt(0).lt(1).describe("fraction of the remaining hidden fc weights pruned per level"),
  rateOutput: z.number().gt(0).lt(1).describe("fraction of the remaining output-layer weights pruned per level"),
  exclude: z.array(z.string().min(1)).describe("parameters never pruned, by name (comma-separated, e.g. fc.weight)"),
  oneShot: z
    .array(z.number().gt(0).lt(1))
    .describe("one-shot pruning: after the dense level, prune once straight to each of these fractions of weights remaining (Pm), e.g. 0.5,0.2"),
  controls: z.array(z.enum(CONTROL_NAMES)).describe(`control branches per level: ${CONTROLS.map((c) => `${c.name} (${c.description})`).join(", ")}`),
  controlLevels: z
    .array(z.int().min(1).max(100))
    .describe(
      "the iterative levels whose controls are trained, e.g. 3,7,11 (the other levels train only the ticket, which saves time on long schedules); empty: every level",
    ),
  trials: z.int().min(1).max(100).describe("independent trials (different seeds)"),
  masksFrom: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "must be an experiment's name (its directory under --out)")
    .optional()
    .describe(
      "train another experiment's tickets instead of pruning: the name of an experiment under the same --out (the last part of the path `lottery run` printed, e.g. conv2_270bf18a6a9943af); each level of --mask-levels is that experiment's mask on its θ0, trained with this command's settings (e.g. more --iterations)",
    ),
  maskLevels: z
    .array(z.int().min(0).max(100))
    .describe("with --masks-from: the iterative levels of that experiment whose masks are trained (e.g. 0,11,13; 0 is its dense network)"),
});

/**
 * The zod schema of a full set of hyperparameters, in four groups (dataset, model, training, pruning).
 * Parsing with it validates ranges and fills nothing: use {@link resolveHparams} for defaults.
 */
export const Hparams = z.object({
  dataset: DatasetHparams,
  model: ModelHparams,
  training: TrainingHparams,
  pruning: PruningHparams,
});

export type DatasetHparams = z.infer<typeof DatasetHparams>;
/** The model group of the hyperparameters: which model, its initialization, dropout, JSON network. */
export type ModelHparams = z.infer<typeof ModelHparams>;
export type TrainingHparams = z.infer<typeof TrainingHparams>;
export type PruningHparams = z.infer<typeof PruningHparams>;
/** A full, validated set of hyperparameters (the type {@link Hparams} parses to). */
export type Hparams = z.infer<typeof Hparams>;

/** The zod schema of each hyperparameter group, by group name: what flags, help texts and validation are derived from. */
export const GROUPS = { dataset: DatasetHparams, model: ModelHparams, training: TrainingHparams, pruning: PruningHparams } as const;
/** The four hyperparameter groups: "dataset", "model", "training", "pruning". */
export type GroupName = keyof Hparams;

/** Defaults shared by every model; each model overrides what the paper sets for it. */
export const BASE_DEFAULTS: Hparams = {
  dataset: { valSize: 5000, normalize: false, augment: false },
  model: { model: "lenet_300_100", init: "glorot_normal", dropout: 0 },
  training: {
    optimizer: "adam",
    lr: 1.2e-3,
    momentum: 0,
    nesterov: false,
    weightDecay: 0,
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    batchSize: 60,
    iterations: 50_000,
    evalEvery: 100,
    evalTest: "every",
    warmupIterations: 0,
    milestones: [],
    gamma: 0.1,
    seed: 0,
    dataSeed: 0,
  },
  pruning: {
    levels: 0,
    strategy: "reset",
    criterion: "magnitude",
    scope: "layerwise",
    rateConv: 0.1,
    rateFc: 0.2,
    rateOutput: 0.1,
    exclude: [],
    oneShot: [],
    controls: [],
    controlLevels: [],
    trials: 1,
    maskLevels: [],
  },
};

/** A model's own defaults: per group, the fields that differ from {@link BASE_DEFAULTS}. */
export interface ModelDefaults {
  dataset?: Partial<DatasetHparams>;
  model?: Partial<ModelHparams>;
  training?: Partial<TrainingHparams>;
  pruning?: Partial<PruningHparams>;
}
