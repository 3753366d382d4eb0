// The plain records a report is drawn from (ReportData).

/** Which network a run trains: the ticket itself, or one of its control branches. */
export type Branch = "ticket" | import("../lottery/branches/index.js").ControlName;

/** One trained network: a level (or one-shot target) of a trial, on one branch. */
export interface RunRecord {
  /** "iteration N: reason" when the run diverged. */
  diverged?: string;
  trial: number;
  /** Iterative level (0 = dense), or for one-shot runs the level index of the one-shot table. */
  level: number;
  kind: "iterative" | "oneshot";
  branch: Branch;
  /** Fraction of prunable weights remaining. */
  pm: number;
  /**
   * Fraction kept of the weights pruning acts on: the prunable layers less the excluded ones
   * (`--exclude`; VGG-19's output layer, ResNet-20's shortcuts and output layer by default). Set
   * only when some layer is excluded. This is the paper's Pm for VGG-19 and ResNet (its 8.6% is
   * 0.8^11 of the conv weights), while `pm` also counts the excluded layers as kept.
   */
  pmPruned?: number;
  iterations: number;
  earlyStopIteration: number;
  earlyStopValLoss: number;
  earlyStopValAccuracy: number;
  earlyStopTestAccuracy: number;
  finalValAccuracy: number;
  finalTestAccuracy: number;
  seconds: number;
  /** Median training step (milliseconds) and the threads it ran on. */
  stepMs: number;
  threads: number;
  /** --kernels and the SIMD level ("" when the summary predates them). */
  kernelMode: string;
  simd: string;
  /** "from iteration N: arithmetic; ..." when the run was resumed on other threads, kernels or SIMD. */
  mixedArithmetic?: string;
  /** Prunable layers that trained on the sparse kernels (the rest ran dense). */
  sparseLayers: string[];
}

/** Test accuracy (and validation loss) over training for one run. */
export interface CurveRecord {
  trial: number;
  level: number;
  kind: "iterative" | "oneshot";
  branch: Branch;
  pm: number;
  points: { iteration: number; testAccuracy: number; valAccuracy: number; valLoss: number }[];
}

/** Kept and total weights per prunable layer at one level (or one-shot target) of a trial. */
export interface SparsityRecord {
  trial: number;
  level: number;
  kind: "iterative" | "oneshot";
  pm: number;
  layers: { name: string; kind: string; kept: number; total: number }[];
}

/**
 * The paper's appendix F.5 analysis for one level and layer: each weight's magnitude at
 * initialization and after training, and whether the next pruning step kept it. Arrays are a
 * (seeded, uniform) sample of at most a few thousand weights.
 */
export interface MagnitudeRecord {
  trial: number;
  level: number;
  layer: string;
  pm: number;
  initial: Float32Array;
  final: Float32Array;
  kept: Uint8Array;
}

/** Jaccard overlap of two masks' kept weights, and what independent random masks of the same per-layer densities would share. */
export interface MaskOverlap {
  /** e.g. "trial 0: level 5 vs level 10", "level 5: trial 0 vs trial 1". */
  what: string;
  /** Pm of the two masks, in words ("21.1% vs 10.8%"). */
  pm: string;
  jaccard: number;
  random: number;
}

/** Per input pixel (row-major H x W), how many first-layer units keep their weight from it. */
export interface FirstLayerMap {
  trial: number;
  kind: "iterative" | "oneshot";
  level: number;
  pm: number;
  height: number;
  width: number;
  units: number;
  counts: number[];
}

/**
 * What a report is drawn from: plain records gathered from an experiment's store by
 * `collectReport` (`lottery-wasm/node`), so the renderers know nothing about files (the browser builds one too).
 */
export interface ReportData {
  title: string;
  /** Model name, e.g. "lenet300100". */
  model: string;
  /** Dataset name, e.g. "mnist". */
  dataset: string;
  /** The dataset's class names in label order and its image shape [C, H, W] (absent for experiments older than dataset.json). */
  classNames?: string[];
  datasetShape?: number[];
  /** Every run that finished without diverging. */
  /** Hyperparameters as stored (hparams.json), shown in the report. */
  hparams: Record<string, unknown>;
  runs: RunRecord[];
  /** Runs that diverged (kept out of the figures and tables, listed on their own and in runs.csv). */
  diverged?: RunRecord[];
  /** Accuracy over training, per run. */
  curves: CurveRecord[];
  /** Per-layer sparsity of each ticket run (levels and one-shot targets). */
  sparsity: SparsityRecord[];
  /** Weight magnitude samples before and after training (appendix F.5). */
  magnitudes: MagnitudeRecord[];
  /** Mask overlaps between levels and between trials (absent in reports of older callers). */
  maskOverlap?: { levels: MaskOverlap[]; trials: MaskOverlap[] };
  /** First-layer maps of MNIST tickets, for a few levels of trial 0. */
  firstLayer?: FirstLayerMap[];
}

/**
 * A vega-lite figure specification. Built as vega-lite's TopLevelSpec inside the report code, but
 * opaque in the library's types so that they need no vega-lite (an optional dependency).
 */
export type FigureSpec = object;
