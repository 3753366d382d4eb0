// The lottery experiment (paper §2, "identifying winning tickets"): per trial, initialize θ0,
// train the dense network (level 0), then repeatedly prune p% of the surviving weights by
// magnitude, reset the survivors by the chosen strategy and train again. At each pruned level the
// control branches train the same budget from a random reinitialization or a random mask. One-shot
// runs prune the dense level's weights straight to each target Pm.
//
// Which run starts from which is the run graph (./run-graph.ts): this driver walks it in order in
// one process; a queue worker (src/queue/worker.ts) trains single runs of it through openRunTrainer,
// with the same code. Each run's inputs are derived from its dependency's stored results.
//
// Everything is resumable: finished runs (a summary.json in the store) are skipped and their mask
// and weights reloaded; an unfinished run continues from its last checkpoint. All randomness is
// derived from the seeds, the trial and the level, so a resumed experiment ends with exactly the
// results of an uninterrupted one, as long as it resumes on the same threads, kernels and SIMD
// level: on others it goes on, says so loudly and records it (src/train/arithmetic.ts).
import type { Hparams, TrainingHparams } from "../hparams/schema.js";
import type { KernelMode } from "../nn/network.js";
import { getCriterion, type Criterion, type CriterionData } from "../prune/criteria/index.js";
import { applyMasks, cloneWeights, fullMasks, maskWeights, type Masks } from "../prune/masks.js";
import { levelForPm, type PruneTarget } from "../prune/plan.js";
import { sparsity } from "../prune/report.js";
import type { ExperimentStore, RunId, RunSummary } from "../store/experiment.js";
import { runKey, type RunStore } from "../store/run-store.js";
import { CorruptFileError } from "../store/errors.js";
import { type Arithmetic, describeArithmetic, sameArithmetic, settingsFor, uniform } from "../train/arithmetic.js";
import { Session } from "../session.js";
import { DivergenceError, type EvalRecord } from "../train/trainer.js";
import type { Dataset } from "../data/types.js";
import type { Kernels } from "../kernels/index.js";
import { getBranch } from "./branches/index.js";
import { parseStrategy, type Strategy } from "./strategies/index.js";
import type { Weights } from "./weights.js";
import { checkPruningSettings, pruneTarget, trialTraining } from "./settings.js";
import type { MaskSource } from "./mask-source.js";
import { findRun, runGraph, type RunNode } from "./run-graph.js";

/** Optional callbacks of {@link runExperiment}, for progress displays; all are called on the main thread. */
export interface ExperimentEvents {
  /** Before a run trains (not called for runs already finished). */
  onRunStart?(id: RunId, pm: number, resumedAt: number | null): void;
  /** After a run trains, or when a finished run is found in the store (skipped = true). */
  onRunDone?(id: RunId, summary: RunSummary, skipped: boolean): void;
  /** Often (at most every ~100 ms) while a run trains: iterations done of total, and the latest evaluation. */
  onProgress?(id: RunId, done: number, total: number, last: EvalRecord | null): void;
  /** Once a run's dense/sparse kernel per pruned parameter (at its density) and its thread count are fixed. */
  onExecution?(id: RunId, execution: { param: string; density: number; kernel: string }[], threads: number): void;
}

/** Settings of {@link runExperiment}: the hyperparameters, where runs are stored, and how to train them. */
export interface ExperimentOptions {
  /** The experiment's full hyperparameters (from {@link resolveHparams}). */
  hp: Hparams;
  /** The model's defaults (the experiment is named by what differs from them). */
  defaults: Hparams;
  /** Root directory of experiments (the file store), unless `store` is given. */
  root?: string;
  /** Where runs are kept instead of files under `root` (e.g. a MemoryStore in a browser). */
  store?: RunStore;
  /** Directory holding the datasets (as `--data-dir`). */
  dataDir?: string;
  /** Download the dataset into the cache if it is found nowhere (default false). */
  fetchIfMissing?: boolean;
  /** An already loaded dataset (tests, the browser). */
  dataset?: Dataset;
  /** The model to train (e.g. one from `fileModel`) instead of looking up hp.model.model in the registry. */
  model?: import("../models/define.js").ModelEntry;
  /** Kernels to allocate in (default: a fresh instance). */
  kernels?: Kernels;
  /** Dense or sparse kernels per pruned layer (default "auto": by density). */
  kernelMode?: KernelMode;
  /** Training threads (default 1). */
  threads?: number;
  /** Run only this trial (so trials can run in parallel processes on one experiment). */
  onlyTrial?: number;
  /** Notices (resumes, waits for other processes, divergences, arithmetic changes); default: none. */
  log?: (message: string) => void;
  /** Progress callbacks. */
  events?: ExperimentEvents;
  /** Seconds between mid-run checkpoints (default 60; 0 = at every evaluation). */
  checkpointSeconds?: number;
  /**
   * What a diverged run does to the experiment: "continue" (default) records it and goes on with
   * the runs that do not depend on it; "stop" ends the experiment with the divergence error.
   */
  onDivergence?: "continue" | "stop";
  /** How often to look again at runs another process is training (ms, default 1000). */
  lockPollMs?: number;
}

/** A run that another process is training now: this process does something else meanwhile. */
export class RunBusy extends Error {
  constructor(readonly what: string) {
    super(what);
  }
}

/** What {@link runExperiment} returns: the store the runs are in and the summary of every run it finished or found. */
export interface ExperimentResult<S extends RunStore = RunStore> {
  /** The store holding the runs (an {@link ExperimentStore} under `root`, or the store given). */
  store: S;
  /** One per run of the experiment (or of `onlyTrial`), in trial order. */
  summaries: RunSummary[];
}

export { pruneTarget, trialTraining } from "./settings.js";

/**
 * Runs a lottery experiment (paper §2, "identifying winning tickets"): per trial, initialize θ0,
 * train the dense network (level 0), then repeatedly prune p% of the surviving weights by
 * magnitude, reset the survivors by the chosen strategy and train again. At each pruned level the
 * control branches train the same budget from a random reinitialization or a random mask. One-shot
 * runs prune the dense level's weights straight to each target Pm.
 *
 * Everything is resumable: finished runs (a summary.json in the store) are skipped and their mask
 * and weights reloaded; an unfinished run continues from its last checkpoint. All randomness is
 * derived from the seeds, the trial and the level, so a resumed experiment ends with exactly the
 * results of an uninterrupted one, as long as it resumes on the same threads, kernels and SIMD
 * level: on others it goes on, says so loudly and records it (see {@link ArithmeticSpan}).
 *
 * With `root` (and no `store`), runs are files under the experiment's directory.
 *
 * @throws Error for an unknown strategy or control, DataError when the dataset cannot be loaded,
 * DivergenceError when a run diverges and `onDivergence` is "stop".
 */
export async function runExperiment(options: ExperimentOptions & { store?: undefined; root: string }): Promise<ExperimentResult<ExperimentStore>>;
export async function runExperiment<S extends RunStore>(options: ExperimentOptions & { store: S }): Promise<ExperimentResult<S>>;
export async function runExperiment(options: ExperimentOptions): Promise<ExperimentResult> {
  const { hp } = options;
  const { session, store, runner } = await openParts(options);
  try {
    const summaries: RunSummary[] = [];
    const only = options.onlyTrial;
    if (only !== undefined && !(Number.isInteger(only) && only >= 0 && only < hp.pruning.trials)) {
      throw new Error(`invalid --trial ${only}: must be an integer in [0, ${hp.pruning.trials - 1}] (--trials is ${hp.pruning.trials})`);
    }
    // Trials are independent: one whose next run is being trained by another process waits while
    // this process does the other trials, then is taken up again (finished runs are only read back).
    const byTrial = new Map<number, RunSummary[]>();
    let pending = Array.from({ length: hp.pruning.trials }, (_, t) => t).filter((t) => only === undefined || t === only);
    let waitingSaid = "";
    while (pending.length) {
      const busy: { trial: number; what: string }[] = [];
      for (const trial of pending) {
        const r = await runner.trial(trial);
        byTrial.set(trial, r.summaries);
        if (r.busy) busy.push({ trial, what: r.busy });
      }
      pending = busy.map((b) => b.trial);
      if (pending.length && busy.length === pending.length) {
        const said = busy.map((b) => b.what).join("; ");
        if (said !== waitingSaid) options.log?.(`waiting: ${said}`);
        waitingSaid = said;
        await new Promise((r) => setTimeout(r, options.lockPollMs ?? 1000));
      }
    }
    for (const [, s] of [...byTrial].sort((a, b) => a[0] - b[0])) summaries.push(...s);
    return { store, summaries };
  } finally {
    await session.close();
  }
}

/** The session (data, kernels, threads), the store and the runner of one experiment. */
async function openParts(options: ExperimentOptions): Promise<{ session: Session; store: RunStore; runner: Runner }> {
  const { hp } = options;
  const strategy = parseStrategy(hp.pruning.strategy, hp.training.iterations);
  for (const c of hp.pruning.controls) getBranch(c);
  checkPruningSettings(hp.pruning);
  if (!options.store && options.root === undefined) throw new Error("runExperiment: give `root` (a directory) or a `store`");
  if (hp.pruning.masksFrom !== undefined && options.root === undefined)
    throw new Error("--masks-from reads another experiment's files: give `root` (the directory both experiments are under), not a `store`");
  // Checked before the session opens (data, threads): a wrong name or an unfinished level fails at once.
  const source =
    hp.pruning.masksFrom === undefined
      ? null
      : (await import("./mask-source.js")).openMaskSource(
          options.root!,
          hp,
          options.defaults,
          options.onlyTrial === undefined ? undefined : [options.onlyTrial],
        );
  const session = await Session.open(hp, {
    dataDir: options.dataDir,
    fetchIfMissing: options.fetchIfMissing,
    dataset: options.dataset,
    model: options.model,
    kernels: options.kernels,
    kernelMode: options.kernelMode,
    threads: options.threads,
    log: options.log,
  });
  try {
    const target = pruneTarget(hp);
    for (const name of target.exclude) session.network.param(name);
    // The file store is Node-only: imported only when no store is given (browsers pass one).
    const store = options.store ?? (await import("../store/experiment.js")).ExperimentStore.open(options.root!, hp, options.defaults, options.log);
    // The file store records the dataset's shape and class names beside hparams.json (for the report).
    if (!options.store) (store as import("../store/experiment.js").ExperimentStore).writeDatasetInfo(session.data);
    return { session, store, runner: new Runner(session, store, strategy, target, options, source) };
  } catch (err) {
    await session.close();
    throw err;
  }
}

/** One experiment opened to train single runs of it on request (a queue worker's job), each through the local driver's code. */
export interface RunTrainer<S extends RunStore = RunStore> {
  readonly store: S;
  /**
   * Trains the run (or reads it back when it is finished). Its dependency in the run graph must be
   * finished and not diverged; a RunBusy error means another process is training it now.
   */
  train(id: RunId): Promise<RunSummary>;
  /** Ends the session (its worker threads). */
  close(): Promise<void>;
}

/**
 * Opens an experiment to train single runs of its run graph on request (what `lottery worker`
 * does per job), through the same code as runExperiment.
 */
export async function openRunTrainer(options: ExperimentOptions & { store?: undefined; root: string }): Promise<RunTrainer<ExperimentStore>>;
export async function openRunTrainer(options: ExperimentOptions): Promise<RunTrainer> {
  const { session, store, runner } = await openParts(options);
  const graph = runGraph(options.hp.pruning);
  return {
    store,
    async train(id) {
      const node = findRun(graph, id);
      if (!node)
        throw new Error(
          `${describeRun(id)} is not a run of the experiment in ${store.location} (its levels, trials, controls and one-shot targets do not include it)`,
        );
      return runner.runNode(node);
    },
    close: () => session.close(),
  };
}

class Runner {
  /** Per trial, a finished run found trained on other arithmetic than this process's (warned about once). */
  private readonly foreign = new Map<number, { id: RunId; arithmetic: Arithmetic } | "warned">();
  /**
   * Runs already reported (onRunDone). A process waiting for another's run reads the trial's
   * finished runs again at every poll; each is reported once, not once a second.
   */
  private readonly reported = new Set<string>();
  private readonly criterion: Criterion;

  constructor(
    private readonly session: Session,
    private readonly store: RunStore,
    private readonly strategy: Strategy,
    private readonly target: PruneTarget,
    private readonly options: ExperimentOptions,
    /** The experiment whose masks and θ0 the levels train (--masks-from); null when they are found by pruning here. */
    private readonly source: MaskSource | null = null,
  ) {
    this.criterion = getCriterion(session.hp.pruning.criterion ?? "magnitude");
  }

  private get hp(): Hparams {
    return this.session.hp;
  }

  /** What this process trains on. */
  private get arithmetic(): Arithmetic {
    return { threads: this.session.threads, kernel_mode: this.session.kernelMode, simd: this.session.k.simd };
  }

  /**
   * Does what it can of one trial. `busy` says which run another process is training when the
   * trial could not be finished for that (call again later); a diverged run (final weights null) ends what depends on it.
   */
  async trial(trial: number): Promise<{ summaries: RunSummary[]; busy: string | null }> {
    const out: RunSummary[] = [];
    const busy: string[] = [];
    try {
      await this.trialRuns(trial, out, busy);
    } catch (err) {
      if (err instanceof RunBusy) busy.unshift(err.what);
      else throw err;
    }
    return { summaries: out, busy: busy[0] ?? null };
  }

  private async trialRuns(trial: number, out: RunSummary[], busy: string[]): Promise<void> {
    this.theta0For(trial); // first, as before any run: it depends only on the seed
    const usable = new Set<string>(); // runs finished with final weights, this pass
    for (const node of runGraph(this.hp.pruning, [trial])) {
      if (node.after && !usable.has(runKey(node.after))) continue;
      try {
        const summary = await this.runNode(node);
        out.push(summary);
        if (!summary.diverged) usable.add(runKey(node.id));
      } catch (err) {
        if (err instanceof RunBusy) busy.push(err.what);
        else throw err;
      }
    }
  }

  /**
   * Trains one run of the graph, or reads it back when it is finished. Its dependency must be
   * finished and not diverged: its mask and start weights are derived from the stored results.
   */
  async runNode(node: RunNode): Promise<RunSummary> {
    const { id } = node;
    const done = this.finished(id);
    if (done) return done;
    const { masks, start, tag } = this.inputs(node);
    const training = trialTraining(this.hp, id.trial);
    if (id.branch === "ticket") {
      const rewindName = id.kind === "iterative" && id.level === 0 ? this.rewindName : null;
      return (await this.run(id, masks, start, training, rewindName)).summary;
    }
    const branch = getBranch(id.branch);
    const prepared = branch.prepare({ network: this.session.network, init: this.hp.model.init, trialSeed: training.seed, tag, masks, start });
    return (await this.run(id, prepared.masks, prepared.start, training)).summary;
  }

  private get rewindName(): string | null {
    return this.strategy.rewindIteration === null ? null : `rewind_${this.strategy.rewindIteration}`;
  }

  /** The ticket's mask and start weights for a run (a control prepares its own from them), from its dependency's stored results. */
  private inputs(node: RunNode): { masks: Masks; start: Weights; tag: string } {
    const { network } = this.session;
    const { id } = node;
    const theta0 = this.theta0For(id.trial);
    const key = runKey({ ...id, branch: "ticket" });
    if (this.lastInputs?.key === key) return this.lastInputs.value;
    if (this.source && id.level > 0) {
      // The source's ticket of this level; the tag is the level's, so its controls draw what the source's did.
      const value = { masks: this.source.mask(id.trial, id.level), start: theta0, tag: `level-${id.level}` };
      this.lastInputs = { key, value };
      return value;
    }
    if (!node.after) return { masks: fullMasks(network), start: theta0, tag: "level-0" };
    const dep = this.store.summary(node.after);
    if (!dep || dep.diverged) throw new Error(`${describeRun(id)} cannot start: ${describeRun(node.after)} is ${dep ? "diverged" : "not finished"}`);
    const previous = this.store.loadFinal(node.after);
    const rewindName = this.rewindName;
    const rewind = rewindName ? this.store.loadTrialWeights(id.trial, rewindName) : null;
    if (rewindName && !rewind) {
      throw new Error(
        `the weights of ${rewindName} of trial ${id.trial} are missing from ${this.store.location} although level 0 is finished; delete that level (trial_${id.trial}/level_0) and rerun to retrain it`,
      );
    }
    const start = this.strategy.start({ theta0, previousFinal: previous, rewind });
    const tag = id.kind === "iterative" ? `level-${id.level}` : `oneshot-${id.level}`;
    const previousMasks = id.kind === "iterative" && node.after.level !== 0 ? this.store.loadMask(node.after) : fullMasks(network);
    const masks = this.prune({ ...id, branch: "ticket" }, previousMasks, previous, start, trialTraining(this.hp, id.trial), tag);
    const value = { masks, start, tag };
    // A level's ticket and its controls start from the same inputs: computed once.
    this.lastInputs = { key, value };
    return value;
  }

  /**
   * The masks of run `id` (a ticket): the stored ones when it is finished (criteria are not rerun,
   * some cost many passes), else the criterion's choice from `masks`, scoring the previous level's
   * trained weights or the weights the run starts from, as the criterion says.
   */
  private prune(id: RunId, masks: Masks, trained: Weights, start: Weights, training: TrainingHparams, tag: string): Masks {
    if (this.store.summary(id)) return this.store.loadMask(id);
    const { network } = this.session;
    const level = id.kind === "iterative" ? id.level : levelForPm(network, this.target, id.level);
    return this.criterion.prune({
      network,
      target: this.target,
      masks,
      level,
      trained,
      start,
      trialSeed: training.seed,
      tag,
      data: this.criterion.name === "snip" || this.criterion.name === "grasp" ? this.criterionData(training) : null,
    });
  }

  /** The trial's training examples in its data order, for data-dependent criteria. */
  private criterionData(training: TrainingHparams): CriterionData {
    const data = this.session.data;
    const input = this.session.input(training);
    const one = new Uint32Array(1);
    return {
      split: data.train,
      classes: data.classes,
      indexAt: (position) => input.batchIndices(position, one)[0]!,
      fill: (indices, x, labels) => input.fill(data.train, indices, x, labels),
    };
  }

  private lastInputs: { key: string; value: { masks: Masks; start: Weights; tag: string } } | null = null;
  /** The last trial's θ0 only: a long-lived queue worker meets many trials, and VGG-19's θ0 is 80 MB. */
  private lastTheta0: { trial: number; weights: Weights } | null = null;

  /** The trial's θ0, from the store or made from its seed (or copied from the --masks-from experiment), and stored. */
  private theta0For(trial: number): Weights {
    let theta0 = this.lastTheta0?.trial === trial ? this.lastTheta0.weights : this.theta0(trial);
    if (!theta0) {
      const { seed } = trialTraining(this.hp, trial);
      theta0 = this.source ? this.source.theta0(trial) : this.session.initialize(seed);
      this.store.saveTrialWeights(trial, "theta0", theta0, this.source ? { seed, copied_from: this.source.name } : { seed });
    }
    this.lastTheta0 = { trial, weights: theta0 };
    return theta0;
  }

  /** The stored θ0; null when absent or damaged: it depends only on the seed, so it is simply rebuilt. */
  private theta0(trial: number): Weights | null {
    try {
      return this.store.loadTrialWeights(trial, "theta0");
    } catch (err) {
      if (!(err instanceof CorruptFileError)) throw err;
      const from = this.source ? `${this.source.name}'s θ0` : `trial ${trial}'s seed`;
      this.options.log?.(`${err.path} was damaged (${err.problem}): rebuilding θ0 from ${from} (the same weights)`);
      return null;
    }
  }

  /** onRunDone, once per run and process. */
  private reportDone(id: RunId, summary: RunSummary, skipped: boolean): void {
    const key = runKey(id);
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.options.events?.onRunDone?.(id, summary, skipped);
  }

  private finished(id: RunId): RunSummary | null {
    const summary = this.store.summary(id);
    if (summary) {
      this.noteArithmetic(id, summary);
      this.reportDone(id, summary, true);
    }
    return summary;
  }

  /** Remembers a finished run of the trial trained on other arithmetic: the runs trained from it here mix the two. */
  private noteArithmetic(id: RunId, s: RunSummary): void {
    const now = this.arithmetic;
    // Older summaries lack kernel_mode and simd: what is not recorded cannot be told apart.
    const theirs: Arithmetic = { threads: s.threads ?? now.threads, kernel_mode: s.kernel_mode ?? now.kernel_mode, simd: s.simd ?? now.simd };
    if (!sameArithmetic(theirs, now) && !this.foreign.has(id.trial)) this.foreign.set(id.trial, { id, arithmetic: theirs });
  }

  /** Says (once per trial) that a run about to train derives from a finished run on other arithmetic. */
  private warnForeign(trial: number): void {
    const f = this.foreign.get(trial);
    if (!f || f === "warned") return;
    this.foreign.set(trial, "warned");
    const now = this.arithmetic;
    this.options.log?.(
      `warning: ${describeRun(f.id)} was trained on ${describeArithmetic(f.arithmetic)}, and this process trains on ${describeArithmetic(now)}: ` +
        `the runs of trial ${trial} trained from here derive from it on different arithmetic, so they will differ from an experiment run on one setting throughout. ` +
        `To keep trial ${trial} reproducible, stop and rerun with ${settingsFor(f.arithmetic, now)}.`,
    );
  }

  /** Says that a resumed run continues on other arithmetic than its checkpoint's. */
  private warnResumed(id: RunId, change: { iteration: number; before: Arithmetic | null; now: Arithmetic }): void {
    const now = describeArithmetic(change.now);
    this.options.log?.(
      change.before
        ? `warning: ${describeRun(id)} was checkpointed at iteration ${change.iteration} on ${describeArithmetic(change.before)} and continues on ${now}: ` +
            "from here it runs on different arithmetic, so its results will differ from an uninterrupted run's (recorded as mixed_arithmetic in its summary). " +
            `To keep it reproducible, stop it before its next checkpoint and rerun with ${settingsFor(change.before, change.now)}.`
        : `warning: the checkpoint of ${describeRun(id)} (iteration ${change.iteration}) does not record the threads, kernels and SIMD it was written on ` +
            `(an older lottery-wasm wrote it); the run continues on ${now}, and its results differ from an uninterrupted run's if it started on others ` +
            "(recorded as mixed_arithmetic in its summary).",
    );
  }

  /**
   * Trains one run, or finds it finished in the store and reads back its mask and final weights
   * (checksummed: a corrupt file stops the experiment with an error naming it).
   */
  private async run(
    id: RunId,
    masks: Masks,
    start: Weights,
    training: TrainingHparams,
    rewindName: string | null = null,
  ): Promise<{ summary: RunSummary; final: Weights | null; masks: Masks }> {
    const done = this.finished(id);
    if (done) return { summary: done, final: done.diverged ? null : this.store.loadFinal(id), masks: this.store.loadMask(id) };
    const lock = this.store.tryLock?.(id);
    if (lock && "heldBy" in lock) {
      throw new RunBusy(`${describeRun(id)} is being trained by pid ${lock.heldBy.pid} on ${lock.heldBy.host} (since ${lock.heldBy.started})`);
    }
    try {
      // Another process may have finished it between the look above and the lock.
      const now = this.finished(id);
      if (now) return { summary: now, final: now.diverged ? null : this.store.loadFinal(id), masks: this.store.loadMask(id) };
      return await this.train(id, masks, start, training, rewindName, () => lock?.touch());
    } finally {
      lock?.release();
    }
  }

  private async train(
    id: RunId,
    masks: Masks,
    start: Weights,
    training: TrainingHparams,
    rewindName: string | null,
    touch: () => void,
  ): Promise<{ summary: RunSummary; final: Weights | null; masks: Masks }> {
    const { network } = this.session;
    this.warnForeign(id.trial);
    applyMasks(network, masks);
    const report = sparsity(network, masks);
    const checkpoint = this.store.loadCheckpoint(id, this.options.log);
    if (checkpoint) {
      network.load(checkpoint.weights);
    } else {
      const weights = cloneWeights(start);
      maskWeights(weights, masks);
      network.load(weights);
    }
    this.options.events?.onRunStart?.(id, report.pm, checkpoint ? checkpoint.state.iteration : null);

    const every = (this.options.checkpointSeconds ?? 60) * 1000;
    let lastCheckpoint = performance.now();
    const rewindIteration = this.strategy.rewindIteration;
    let result: Awaited<ReturnType<Session["train"]>>;
    try {
      result = await this.session.train(
        {
          resume: checkpoint?.state,
          snapshotAt: rewindName && rewindIteration !== null && rewindIteration > 0 ? new Set([rewindIteration]) : undefined,
          onSnapshot: (iteration, weights) => this.store.saveTrialWeights(id.trial, rewindName!, weights, { iteration }),
          checkpoint: {
            due: () => performance.now() - lastCheckpoint >= every,
            save: (state, weights) => {
              this.store.saveCheckpoint(id, state, weights);
              lastCheckpoint = performance.now();
            },
          },
          onProgress: (doneIts, total, last) => {
            touch();
            this.options.events?.onProgress?.(id, doneIts, total, last);
          },
          onExecution: (execution, threads) => this.options.events?.onExecution?.(id, execution, threads),
          onArithmeticChange: (change) => this.warnResumed(id, change),
        },
        training,
      );
    } catch (err) {
      if (!(err instanceof DivergenceError)) throw err;
      return { summary: this.diverged(id, masks, report, err), final: null, masks };
    }
    // rewind:0 is θ0 itself.
    if (rewindName && rewindIteration === 0 && !this.store.loadTrialWeights(id.trial, rewindName)) {
      this.store.saveTrialWeights(id.trial, rewindName, start, { iteration: 0 });
    }
    const final = network.snapshot();
    const summary: RunSummary = {
      trial: id.trial,
      kind: id.kind,
      level: id.level,
      branch: id.branch,
      pm: report.pm,
      sparsity: report.layers,
      iterations: result.iterations,
      early_stop_iteration: result.earlyStop.iteration,
      early_stop_val_loss: result.earlyStop.val.loss,
      early_stop_val_accuracy: result.earlyStop.val.accuracy,
      early_stop_test_accuracy: result.earlyStop.test.accuracy,
      final_val_loss: result.final.val.loss,
      final_val_accuracy: result.final.val.accuracy,
      final_test_accuracy: result.final.test.accuracy,
      seconds: +result.seconds.toFixed(3),
      step_ms: +result.stepMs.toFixed(4),
      kernels: result.execution,
      threads: result.threads,
      kernel_mode: this.session.kernelMode,
      simd: this.session.k.simd,
      ...(uniform(result.arithmetic) ? {} : { mixed_arithmetic: result.arithmetic }),
    };
    this.store.saveRun(id, masks, final, result.history, summary);
    this.reportDone(id, summary, false);
    return { summary, final, masks };
  }

  /** Records a diverged run (so reports and reruns see it) and stops what depends on it, or the experiment. */
  private diverged(id: RunId, masks: Masks, report: ReturnType<typeof sparsity>, err: DivergenceError): RunSummary {
    const message = `run ${describeRun(id)} diverged at iteration ${err.iteration}: ${err.reason}; lower the learning rate (--lr) or add a warmup (--warmup)`;
    const last = err.history[err.history.length - 1];
    const earlyStop = err.history.length ? err.history.reduce((b, r) => (r.val.loss < b.val.loss ? r : b)) : undefined;
    const summary: RunSummary = {
      trial: id.trial,
      kind: id.kind,
      level: id.level,
      branch: id.branch,
      pm: report.pm,
      sparsity: report.layers,
      iterations: err.iteration,
      early_stop_iteration: earlyStop?.iteration ?? NaN,
      early_stop_val_loss: earlyStop?.val.loss ?? NaN,
      early_stop_val_accuracy: earlyStop?.val.accuracy ?? NaN,
      early_stop_test_accuracy: earlyStop?.test?.accuracy ?? NaN,
      final_val_loss: last?.val.loss ?? NaN,
      final_val_accuracy: last?.val.accuracy ?? NaN,
      final_test_accuracy: last?.test?.accuracy ?? NaN,
      seconds: 0,
      step_ms: NaN,
      kernels: [],
      threads: this.session.threads ?? 1,
      kernel_mode: this.session.kernelMode,
      simd: this.session.k.simd,
      diverged: { iteration: err.iteration, reason: err.reason },
    };
    if ((this.options.onDivergence ?? "continue") === "stop") throw new Error(message, { cause: err });
    this.options.log?.(`${message}; recorded it, and going on with the runs that do not depend on it (--on-divergence stop ends the experiment instead)`);
    this.store.saveRun(id, masks, null, err.history, summary);
    this.reportDone(id, summary, false);
    return summary;
  }
}

/** A run in words, as messages name it: "trial 0 level 3", "trial 1 one-shot Pm 0.2 (reinit control)". */
export function describeRun(id: RunId): string {
  const where = id.kind === "iterative" ? `level ${id.level}` : `one-shot Pm ${id.level}`;
  return `trial ${id.trial} ${where}${id.branch === "ticket" ? "" : ` (${id.branch} control)`}`;
}
