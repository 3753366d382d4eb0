// The experiment store (ExperimentStore): runs as files, one directory per experiment.
import { existsSync, linkSync, readFileSync, readdirSync, rmSync, statSync, utimesSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { hparamHash, nonDefaults } from "../hparams/resolve.js";
import { BASE_DEFAULTS, type Hparams } from "../hparams/schema.js";
import type { Masks } from "../prune/masks.js";
import { type ArithmeticSpan, isArithmeticSpans } from "../train/arithmetic.js";
import { type EvalRecord, metricRows, type TrainState } from "../train/trainer.js";
import { aliveSince, removeStaleTempFiles, writeFileAtomic, writeJsonAtomic } from "./atomic.js";
import { CorruptFileError } from "./errors.js";
import { sealJson, textDigest, unsealJson } from "./sealed-json.js";
import { byteArrays, floatArrays, readTensors, readTensorsMeta, writeTensors } from "./tensors.js";
import type { RunStore } from "./run-store.js";

/** Settings that only say how much of an experiment to run. */
export const EXTENT_FIELDS = [
  "pruning.levels",
  "pruning.trials",
  "pruning.controls",
  "pruning.controlLevels",
  "pruning.oneShot",
  "pruning.maskLevels",
] as const;

import type { LockOwner, RunId, RunSummary } from "./types.js";
export type { Branch, LockOwner, RunId, RunSummary } from "./types.js";

/** Where a run stands in an experiment's store ({@link ExperimentStore.runState}). */
export type RunState =
  | { state: "done"; summary: RunSummary }
  | { state: "running"; owner: LockOwner; iteration: number | null; seconds: number | null }
  | { state: "interrupted"; iteration: number; seconds: number | null }
  | { state: "not started" };

/**
 * A lock from another host cannot be checked for a live process; it is taken over once its file
 * has not been touched for this long (the owner touches it at every progress report).
 */
export const FOREIGN_LOCK_TIMEOUT_SECONDS = 600;

/** The settings that name an experiment, with sorted keys (so a field added to an old file compares equal). */
function configOf(h: Hparams): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(h)) as Record<string, Record<string, unknown>>;
  for (const field of EXTENT_FIELDS) {
    const [g, f] = field.split(".") as [string, string];
    delete copy[g]![f];
  }
  const sorted: Record<string, Record<string, unknown>> = {};
  for (const g of Object.keys(copy).sort())
    sorted[g] = Object.fromEntries(
      Object.keys(copy[g]!)
        .sort()
        .map((f) => [f, copy[g]![f]]),
    );
  return sorted;
}

export function oneShotTag(pm: number): string {
  return pm.toFixed(6).replace(/0+$/, "").replace(/\.$/, "");
}

/** Where a run lives inside its experiment, e.g. trial_0/level_1/branch_reinit: also its name in the job queue. */
export function runPath(id: RunId): string {
  const base = `trial_${id.trial}/${id.kind === "iterative" ? `level_${id.level}` : `oneshot_${oneShotTag(id.level)}`}`;
  return id.branch === "ticket" ? base : `${base}/branch_${id.branch}`;
}

/**
 * The file store: one directory per experiment, named from the model and a hash of its
 * non-default hyperparameters (DESIGN.md §5):
 *
 * ```text
 * <root>/<model>_<hash>/hparams.json
 *   trial_<t>/theta0.lt                      θ0 of the trial (and rewind_<K>.lt when rewinding)
 *   trial_<t>/level_<L>/                     iterative level L (level 0 = dense)
 *   trial_<t>/oneshot_<pm>/                  one-shot pruning straight to Pm
 *     mask.lt  final.lt  metrics.jsonl  summary.json  [checkpoint.lt while running]
 *     branch_<control>/ (same files, for the reinit and random-mask controls)
 * ```
 *
 * `summary.json` is written last: a run with a summary is finished and is skipped on rerun. Every
 * file is written atomically. Extent settings (levels, trials, controls and their levels, one-shot targets) are not
 * part of the name, so rerunning with more of them extends the same experiment.
 *
 * Every stored file can tell that it was damaged: tensor files checksum their header and data,
 * hparams.json and summary.json carry a checksum of their own JSON, and summary.json records the
 * checksum of metrics.jsonl. What can be rebuilt is rebuilt with a message (hparams.json from the
 * command's settings, θ0 from the trial's seed, a checkpoint by restarting its run); anything else
 * is an error naming the file and the run directory to delete so that the run is retrained.
 */
export class ExperimentStore implements RunStore {
  private constructor(
    readonly dir: string,
    readonly hp: Hparams,
  ) {}

  get location(): string {
    return this.dir;
  }

  /** <model>_<hash>, with a criterion other than the default magnitude also in words: <model>_<criterion>_<hash>. */
  static experimentName(hp: Hparams, defaults: Hparams): string {
    const criterion = hp.pruning.criterion === defaults.pruning.criterion ? "" : `${hp.pruning.criterion}_`;
    return `${hp.model.model}_${criterion}${hparamHash(hp, defaults, EXTENT_FIELDS)}`;
  }

  /**
   * Opens (creating if needed) the experiment for `hp` under `root`. An existing directory must
   * have been written by the same configuration; otherwise nothing is touched and the error names
   * the settings that differ.
   */
  static open(root: string, hp: Hparams, defaults: Hparams, log?: (message: string) => void): ExperimentStore {
    const dir = join(root, ExperimentStore.experimentName(hp, defaults));
    // The directory is named from these very settings, so a damaged hparams.json can be rewritten.
    return ExperimentStore.openDir(dir, hp, { rebuild: true, log, defaults });
  }

  /**
   * Opens `dir` for `hp`. With `rebuild` (the directory's name was derived from `hp`), a damaged
   * hparams.json is rewritten from `hp` with a message; otherwise it is an error.
   */
  static openDir(dir: string, hp: Hparams, options: { rebuild?: boolean; log?: (message: string) => void; defaults?: Hparams } = {}): ExperimentStore {
    const file = join(dir, "hparams.json");
    let stored: Hparams | null = null;
    if (existsSync(file)) {
      try {
        stored = readHparams(file, "delete it and rerun the same command (it is rewritten from the command's settings), or use another --out directory");
      } catch (err) {
        if (!(err instanceof CorruptFileError && options.rebuild)) throw err;
        options.log?.(
          `${file} was damaged (${err.problem}): rewrote it from this command's settings, which the experiment is named after (the extent it records is this command's)`,
        );
      }
    }
    if (stored) {
      // A field the stored file lacks was added to the project after the experiment was written:
      // it ran with that field's default, so compare as if the file said so.
      stored = withMissingDefaults(stored, options.defaults ?? BASE_DEFAULTS);
      // hparams.json written before datasets were a setting has no dataset field: the directory's
      // name (a hash of the non-default settings) then says it is the model's own, as in `hp`.
      if (stored.dataset && stored.dataset.dataset === undefined && hp.dataset.dataset !== undefined)
        stored = { ...stored, dataset: { dataset: hp.dataset.dataset, ...stored.dataset } }; // first, as the schema orders it
      const mine = configOf(hp),
        theirs = configOf(stored);
      hp = widestExtent(hp, stored);
      if (JSON.stringify(mine) !== JSON.stringify(theirs)) {
        const diff = nonDefaults(mine as unknown as Hparams, theirs as unknown as Hparams);
        throw new Error(
          `${dir} holds an experiment with a different configuration (${Object.entries(diff)
            .map(([k, v]) => `${k}: stored ${JSON.stringify(lookup(theirs, k))}, now ${JSON.stringify(v)}`)
            .join("; ")}); nothing was changed: use another --out directory`,
        );
      }
    }
    // Record the widest extent asked for so far, and drop what processes killed mid-write left.
    writeJsonAtomic(file, sealJson(hp));
    removeStaleTempFiles(dir);
    const store = new ExperimentStore(dir, hp);
    store.removeLeftovers();
    return store;
  }

  /**
   * Opens an existing experiment directory as it is (for reports, export and resume). Fields its
   * hparams.json lacks (added to the project after it was written) take `defaults`' values.
   */
  static read(dir: string, defaults: Hparams = BASE_DEFAULTS): ExperimentStore {
    const file = join(dir, "hparams.json");
    if (!existsSync(file)) throw new Error(`${dir} is not an experiment directory (no hparams.json); give the directory \`lottery run\` printed`);
    return new ExperimentStore(
      dir,
      withMissingDefaults(
        readHparams(file, "rerun the `lottery run` command that made this experiment (it rewrites hparams.json from its settings), then this command"),
        defaults,
      ),
    );
  }

  /** dataset.json: the dataset's name, shape, class names and split sizes, for the report and for people. */
  writeDatasetInfo(data: {
    name: string;
    shape: readonly number[];
    classes: number;
    classNames: readonly string[];
    train: { count: number };
    val: { count: number };
    test: { count: number };
  }): void {
    writeJsonAtomic(join(this.dir, "dataset.json"), {
      name: data.name,
      shape: [...data.shape],
      classes: data.classes,
      class_names: [...data.classNames],
      train: data.train.count,
      val: data.val.count,
      test: data.test.count,
    });
  }

  /** The directory of a trial: `<experiment>/trial_<t>`. */
  trialDir(trial: number): string {
    return join(this.dir, `trial_${trial}`);
  }

  /** The directory of a run (see the layout above). */
  runDir(id: RunId): string {
    return join(this.dir, ...runPath(id).split("/"));
  }

  /** The trials that have a directory, in ascending order. */
  trials(): number[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .map((d) => /^trial_(\d+)$/.exec(d))
      .filter((m) => m)
      .map((m) => Number(m![1]))
      .sort((a, b) => a - b);
  }

  /** Iterative levels and one-shot targets with a finished ticket run, for one trial. */
  finishedRuns(trial: number): { kind: "iterative" | "oneshot"; level: number }[] {
    const dir = this.trialDir(trial);
    if (!existsSync(dir)) return [];
    const out: { kind: "iterative" | "oneshot"; level: number }[] = [];
    for (const d of readdirSync(dir)) {
      const it = /^level_(\d+)$/.exec(d),
        os = /^oneshot_([\d.]+)$/.exec(d);
      if (it && existsSync(join(dir, d, "summary.json"))) out.push({ kind: "iterative", level: Number(it[1]) });
      if (os && existsSync(join(dir, d, "summary.json"))) out.push({ kind: "oneshot", level: Number(os[1]) });
    }
    return out.sort((a, b) => (a.kind === b.kind ? a.level - b.level : a.kind === "iterative" ? -1 : 1));
  }

  // ---- weights ---------------------------------------------------------------------------------

  private weightsPath(trial: number, name: string): string {
    return join(this.trialDir(trial), `${name}.lt`);
  }

  saveTrialWeights(trial: number, name: string, weights: ReadonlyMap<string, Float32Array>, meta: Record<string, unknown> = {}): void {
    writeTensors(this.weightsPath(trial, name), weights, meta);
  }

  /** A trial's θ0 or rewind point; a damaged one is a CorruptFileError (the runner rebuilds θ0 from its seed). */
  loadTrialWeights(trial: number, name: string): Map<string, Float32Array> | null {
    const path = this.weightsPath(trial, name);
    if (!existsSync(path)) return null;
    const fix =
      name === "theta0"
        ? "rerun the `lottery run` command: it rebuilds θ0 from the trial's seed"
        : `delete it and the run directory ${join(this.trialDir(trial), "level_0")}, then rerun the same command (level 0 is retrained and saves it again)`;
    return floatArrays(readTensors(path, fix), path);
  }

  // ---- runs ------------------------------------------------------------------------------------

  /**
   * The run's summary, or null while it is not finished. A finished run whose mask or final
   * weights were deleted (the fix a corrupt-file error gives) counts as not finished, so the same
   * command retrains it; training is deterministic, so it gets the same files back.
   */
  summary(id: RunId): RunSummary | null {
    const read = this.readSummary(id);
    if (!read) return null;
    const needed = read.summary.diverged ? ["mask.lt"] : ["mask.lt", "final.lt"];
    if (!needed.every((f) => existsSync(join(this.runDir(id), f)))) return null;
    return read.summary;
  }

  /** summary.json checked against its own checksum, and the checksum it records for metrics.jsonl. */
  private readSummary(id: RunId): { summary: RunSummary; metricsDigest: string | null } | null {
    const path = join(this.runDir(id), "summary.json");
    if (!existsSync(path)) return null;
    let o: Record<string, unknown>;
    try {
      o = unsealJson(readFileSync(path, "utf8"));
    } catch (err) {
      throw new CorruptFileError(path, (err as Error).message, this.runFileFix(id));
    }
    if (typeof o.pm !== "number" || typeof o.trial !== "number" || typeof o.level !== "number")
      throw new CorruptFileError(path, "not a run summary", this.runFileFix(id));
    const metricsDigest = typeof o.metrics_sha256 === "string" ? o.metrics_sha256 : null;
    delete o.metrics_sha256;
    return { summary: o as unknown as RunSummary, metricsDigest };
  }

  private runFileFix(id: RunId): string {
    return `delete it (or the run directory ${this.runDir(id)}) and rerun the same command to retrain this run`;
  }

  loadMask(id: RunId): Masks {
    const path = join(this.runDir(id), "mask.lt");
    if (!existsSync(path)) throw new Error(`${path} is missing although the run is finished; delete ${this.runDir(id)} and rerun to recompute it`);
    return byteArrays(readTensors(path, this.runFileFix(id)), path);
  }

  loadFinal(id: RunId): Map<string, Float32Array> {
    const path = join(this.runDir(id), "final.lt");
    if (!existsSync(path)) throw new Error(`${path} is missing although the run is finished; delete ${this.runDir(id)} and rerun to recompute it`);
    return floatArrays(readTensors(path, this.runFileFix(id)), path);
  }

  /** A finished run's evaluations, checked against the checksum its summary recorded (a dropped line is valid JSON lines). */
  metrics(id: RunId): { iteration: number; split: string; loss: number; accuracy?: number }[] {
    const path = join(this.runDir(id), "metrics.jsonl");
    const fix = `delete the run directory ${this.runDir(id)} and rerun the same command to retrain this run`;
    const expected = this.readSummary(id)?.metricsDigest ?? null;
    if (!existsSync(path)) {
      if (expected) throw new CorruptFileError(path, "missing although the run's summary records it", fix);
      return [];
    }
    const text = readFileSync(path, "utf8");
    if (expected && textDigest(text) !== expected) throw new CorruptFileError(path, "checksum mismatch (truncated or changed after the run finished)", fix);
    return text
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((l, i) => {
        try {
          const r = JSON.parse(l);
          if (typeof r?.iteration !== "number" || typeof r?.split !== "string") throw new Error("not a metrics record");
          return r;
        } catch {
          throw new CorruptFileError(path, `line ${i + 1} is not a metrics record`, fix);
        }
      });
  }

  /** Saves a finished run: mask, final weights and metrics first, the summary last. A diverged run has no final weights. */
  saveRun(id: RunId, masks: Masks, final: ReadonlyMap<string, Float32Array> | null, history: readonly EvalRecord[], summary: RunSummary): void {
    const dir = this.runDir(id);
    writeTensors(join(dir, "mask.lt"), masks, { pm: summary.pm });
    if (final) writeTensors(join(dir, "final.lt"), final, { iterations: summary.iterations });
    else rmSync(join(dir, "final.lt"), { force: true });
    const lines = metricRows(history, { pm: summary.pm });
    const metrics = lines.map((r) => JSON.stringify(r)).join("\n") + (lines.length ? "\n" : "");
    writeFileAtomic(join(dir, "metrics.jsonl"), metrics);
    writeJsonAtomic(join(dir, "summary.json"), sealJson({ ...summary, metrics_sha256: textDigest(metrics) }));
    rmSync(join(dir, "checkpoint.lt"), { force: true });
  }

  // ---- locks: one process trains a run at a time ---------------------------------------------

  /**
   * Takes the run's lock, or says who holds it. The lock file (lock.json in the run directory) is
   * published with link(2), which fails when the file exists, so it is created atomically with its
   * whole content. A lock whose process is dead (same host), or untouched for
   * FOREIGN_LOCK_TIMEOUT_SECONDS (another host), is stale and taken over.
   */
  tryLock(id: RunId):
    | {
        /** Removes the lock, if this process still holds it. */
        release(): void;
        /** Marks the lock alive (its file's time), so other hosts do not take it over. */
        touch(): void;
      }
    | { heldBy: LockOwner } {
    const dir = this.runDir(id),
      path = join(dir, "lock.json");
    const me: LockOwner = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
    const tmp = join(dir, `.lock.json.${process.pid}.candidate`);
    writeFileAtomic(tmp, JSON.stringify(me));
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          linkSync(tmp, path);
          return {
            release: () => {
              if (this.lockOwner(path)?.pid === me.pid) rmSync(path, { force: true });
            },
            touch: () => {
              const now = new Date();
              try {
                utimesSync(path, now, now);
              } catch {
                // The lock was removed by hand; training goes on.
              }
            },
          };
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
        }
        const owner = this.lockOwner(path);
        // A leftover lock of this very process (same pid on this host) is stale too.
        const stale = owner === null || !this.lockIsLive(owner, path) || (owner.host === me.host && owner.pid === me.pid);
        if (!stale) return { heldBy: owner! };
        rmSync(path, { force: true });
      }
      throw new Error(`cannot take the lock ${path}: it keeps reappearing; check which process writes it`);
    } finally {
      rmSync(tmp, { force: true });
    }
  }

  /** Removes the run's lock if this process holds it (a worker stopped mid-run, whose training will not reach its own release). */
  releaseLockIfMine(id: RunId): void {
    const path = join(this.runDir(id), "lock.json");
    if (this.lockOwner(path)?.pid === process.pid) rmSync(path, { force: true });
  }

  /**
   * Removes what processes killed at the wrong moment leave in finished runs, where nothing would
   * ever take it over: locks and lock candidates of dead processes of this host, and checkpoints
   * (saveRun removes the checkpoint after the summary; conv checkpoints are hundreds of MB).
   */
  private removeLeftovers(): void {
    const host = hostname();
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name === "checkpoint.lt") {
          // Not when the mask was deleted to retrain the run (a corrupt-file fix): that checkpoint may be the retraining's.
          if (existsSync(join(d, "summary.json")) && existsSync(join(d, "mask.lt"))) rmSync(p, { force: true });
        } else if (e.name === "lock.json") {
          const owner = this.lockOwner(p);
          if (owner && owner.host === host && owner.pid !== process.pid && !this.lockIsLive(owner, p)) rmSync(p, { force: true });
        } else {
          const m = /^\.lock\.json\.(\d+)\.candidate$/.exec(e.name);
          if (m && Number(m[1]) !== process.pid && !aliveSince(Number(m[1]), statSync(p).mtimeMs)) rmSync(p, { force: true });
        }
      }
    };
    walk(this.dir);
  }

  /**
   * Whether a lock's owner still holds it: a process of this host that is still running, or
   * another host's lock touched within FOREIGN_LOCK_TIMEOUT_SECONDS (its process cannot be checked).
   */
  private lockIsLive(owner: LockOwner, path: string): boolean {
    if (owner.host === hostname()) return aliveSince(owner.pid, Date.parse(owner.started));
    try {
      return Date.now() - statSync(path).mtimeMs <= FOREIGN_LOCK_TIMEOUT_SECONDS * 1000;
    } catch {
      return false; // removed meanwhile
    }
  }

  private lockOwner(path: string): LockOwner | null {
    try {
      const o = JSON.parse(readFileSync(path, "utf8")) as LockOwner;
      return typeof o?.pid === "number" && typeof o?.host === "string" ? o : null;
    } catch {
      return null;
    }
  }

  /**
   * Where a run stands, for `lottery status DIR`: finished (its summary), being trained (a live
   * lock, as tryLock judges it; the iteration of its last checkpoint),
   * interrupted (a checkpoint and no live lock: a rerun resumes there), or not started.
   */
  runState(id: RunId): RunState {
    const summary = this.summary(id);
    if (summary) return { state: "done", summary };
    const dir = this.runDir(id);
    // The last checkpoint's iteration and the run's training seconds up to it, from the header alone.
    let iteration: number | null = null;
    let seconds: number | null = null;
    try {
      if (existsSync(join(dir, "checkpoint.lt"))) {
        const meta = readTensorsMeta(join(dir, "checkpoint.lt"));
        iteration = typeof meta.iteration === "number" ? meta.iteration : null;
        seconds = typeof meta.seconds === "number" ? meta.seconds : null;
      }
    } catch {
      iteration = null; // being replaced, or damaged (the run itself says so when it resumes)
    }
    const lock = join(dir, "lock.json");
    const owner = this.lockOwner(lock);
    if (owner && this.lockIsLive(owner, lock)) return { state: "running", owner, iteration, seconds: iteration === null ? null : seconds };
    return iteration === null ? { state: "not started" } : { state: "interrupted", iteration, seconds };
  }

  // ---- mid-run checkpoints ---------------------------------------------------------------------

  saveCheckpoint(id: RunId, state: TrainState, weights: ReadonlyMap<string, Float32Array>): void {
    writeCheckpointFile(join(this.runDir(id), "checkpoint.lt"), state, weights);
  }

  /**
   * The run's last checkpoint. A damaged one is removed and the run restarts from its beginning:
   * training is deterministic, so that costs time but changes no result.
   */
  loadCheckpoint(id: RunId, log?: (message: string) => void): { state: TrainState; weights: Map<string, Float32Array> } | null {
    return readCheckpointFile(join(this.runDir(id), "checkpoint.lt"), "the run", log);
  }
}

/** A training checkpoint file: weights, optimizer state and the trainer's state (runs and the instability analysis's copies). */
export function writeCheckpointFile(path: string, state: TrainState, weights: ReadonlyMap<string, Float32Array>): void {
  const arrays = new Map<string, Float32Array>();
  for (const [k, v] of weights) arrays.set(`weights/${k}`, v);
  for (const [k, v] of state.optimizer) arrays.set(`optimizer/${k}`, v);
  for (const [k, v] of state.best ?? []) arrays.set(`best/${k}`, v);
  writeTensors(path, arrays, { iteration: state.iteration, seconds: state.seconds, history: state.history, arithmetic: state.arithmetic });
}

/**
 * A checkpoint written by writeCheckpointFile, or null when there is none. A damaged one is removed
 * and `what` restarts from its beginning: training is deterministic, so that costs time but
 * changes no result.
 */
export function readCheckpointFile(
  path: string,
  what: string,
  log?: (message: string) => void,
): { state: TrainState; weights: Map<string, Float32Array> } | null {
  if (!existsSync(path)) return null;
  let file: ReturnType<typeof readTensors>;
  try {
    file = readTensors(path);
    if (!Number.isSafeInteger(file.meta.iteration) || !Array.isArray(file.meta.history)) throw new Error(`corrupt file ${path}: no iteration or history`);
    // Older checkpoints lack it (the run then says it cannot check); a damaged one is a damaged checkpoint.
    if (file.meta.arithmetic !== undefined && !isArithmeticSpans(file.meta.arithmetic)) throw new Error(`corrupt file ${path}: bad arithmetic record`);
  } catch (err) {
    rmSync(path, { force: true });
    log?.(`${(err as Error).message.split(";")[0]}: removed it; ${what} restarts from its first iteration (same results, more time)`);
    return null;
  }
  const weights = new Map<string, Float32Array>(),
    optimizer = new Map<string, Float32Array>(),
    best = new Map<string, Float32Array>();
  for (const [k, v] of floatArrays(file, path)) {
    if (k.startsWith("weights/")) weights.set(k.slice(8), v);
    else if (k.startsWith("optimizer/")) optimizer.set(k.slice(10), v);
    else if (k.startsWith("best/")) best.set(k.slice(5), v);
  }
  const history = (file.meta.history as EvalRecord[]).map(restoreNaN);
  const arithmetic = file.meta.arithmetic as ArithmeticSpan[] | undefined;
  return {
    state: {
      iteration: file.meta.iteration as number,
      seconds: (file.meta.seconds as number | undefined) ?? 0,
      optimizer,
      history,
      ...(arithmetic ? { arithmetic } : {}),
      ...(best.size ? { best } : {}),
    },
    weights,
  };
}

/** hparams.json checked against its checksum; damage is a CorruptFileError with `fix`. */
function readHparams(file: string, fix: string): Hparams {
  let o: Record<string, unknown>;
  try {
    o = unsealJson(readFileSync(file, "utf8"));
  } catch (err) {
    throw new CorruptFileError(file, (err as Error).message, fix);
  }
  const groups = ["model", "dataset", "training", "pruning"];
  if (!groups.every((g) => o[g] && typeof o[g] === "object"))
    throw new CorruptFileError(file, `not the settings of an experiment (${groups.join(", ")} expected)`, fix);
  return o as unknown as Hparams;
}

/**
 * `stored` with every field it lacks taken from `defaults`. Experiment names hash only
 * non-default values, so an experiment written before a field existed is the same experiment as
 * one that states the field's default; this keeps such experiments opening after an upgrade.
 */
export function withMissingDefaults(stored: Hparams, defaults: Hparams): Hparams {
  const out = JSON.parse(JSON.stringify(stored)) as Record<string, Record<string, unknown>>;
  for (const [group, fields] of Object.entries(defaults as unknown as Record<string, Record<string, unknown>>)) {
    const target = (out[group] ??= {});
    for (const [field, value] of Object.entries(fields)) if (!(field in target)) target[field] = JSON.parse(JSON.stringify(value));
  }
  return out as unknown as Hparams;
}

/** JSON turns NaN into null; the first evaluation's train loss is NaN by definition. */
function restoreNaN(r: EvalRecord): EvalRecord {
  return { ...r, trainLoss: r.trainLoss === null ? NaN : r.trainLoss };
}

/** The stored extent widened by the current command's: more levels or trials, any new controls or targets. */
function widestExtent(hp: Hparams, stored: Hparams): Hparams {
  const union = <T>(a: readonly T[], b: readonly T[] | undefined) => [...a, ...(b ?? []).filter((x) => !a.includes(x))];
  const p = stored.pruning ?? ({} as Hparams["pruning"]);
  return {
    ...hp,
    pruning: {
      ...hp.pruning,
      levels: Math.max(hp.pruning.levels, p.levels ?? 0),
      trials: Math.max(hp.pruning.trials, p.trials ?? 0),
      controls: union(hp.pruning.controls, p.controls),
      oneShot: union(hp.pruning.oneShot, p.oneShot),
      maskLevels: union(hp.pruning.maskLevels, p.maskLevels),
      controlLevels: widestControlLevels(hp.pruning, p),
    },
  };
}

/**
 * The iterative levels with controls in either extent, as the settings write them (empty: every
 * level). An extent without controls adds none; one with controls and no list has them at every level.
 */
function widestControlLevels(current: Hparams["pruning"], stored: Partial<Hparams["pruning"]>): number[] {
  const levelsOf = (p: Partial<Hparams["pruning"]>): number[] | "none" | "all" =>
    !p.controls?.length ? "none" : !p.controlLevels?.length ? "all" : p.controlLevels;
  const a = levelsOf(current);
  const b = levelsOf(stored);
  if (a === "all" || b === "all") return [];
  return [...new Set([...(a === "none" ? [] : a), ...(b === "none" ? [] : b)])].sort((x, y) => x - y);
}

function lookup(obj: Record<string, unknown>, dotted: string): unknown {
  const [g, f] = dotted.split(".") as [string, string];
  return (obj[g] as Record<string, unknown> | undefined)?.[f];
}
