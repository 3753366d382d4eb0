// Instability analysis (Frankle, Dziugaite, Roy & Carbin, "Linear Mode Connectivity and the
// Lottery Ticket Hypothesis", ICML 2020): the subnetwork of level L (its mask), started from the
// weights of iteration K of the dense training (θ_K ⊙ mask), is trained twice with different data
// orders; the test error is measured along the straight line between the two results
// (w(α) = w0 + α·(w1 − w0), α in [0, 1], at least 30 points), and the instability is the largest
// error on the path minus the mean of the two endpoints' errors. A network is stable (linearly
// mode connected) when it is about 0.
//
// θ_K is the experiment's stored rewind point when it has one (rewind:K), θ0 for K = 0, and
// otherwise the dense network from θ0 trained K iterations on the trial's data order (what level 0
// trained on), saved next to the results. Each copy trains the level's remaining iterations
// (--iterations − K) with a fresh optimizer state, the learning-rate schedule counted from the
// copy's first iteration. Copy c's data order is its own seeded stream of the trial's data seed
// (both copies take the trial's own order with `sameOrder`, which must give exactly 0).
//
// Stored under DIR/instability/level_<L>/rewind_<K>/trial_<T>[_same-order]/: copy_0.lt and
// copy_1.lt (trained weights, written atomically as each copy finishes), copy_<c>.checkpoint.lt
// while a copy trains (taken as a run's are: at an evaluation, every checkpointSeconds) and
// result.json (written last). A rerun skips what is there: a finished analysis is read back, a
// finished copy is not retrained, a killed copy resumes from its checkpoint.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { TrainingHparams } from "../hparams/schema.js";
import type { KernelMode } from "../nn/network.js";
import { applyMasks, cloneWeights, fullMasks, maskWeights, type Masks } from "../prune/masks.js";
import { writeJsonAtomic } from "../store/atomic.js";
import { ExperimentStore, readCheckpointFile, writeCheckpointFile } from "../store/experiment.js";
import { sealJson, unsealJson } from "../store/sealed-json.js";
import { floatArrays, readTensors, writeTensors } from "../store/tensors.js";
import { Evaluator } from "../train/evaluate.js";
import { Session } from "../session.js";
import { hash32 } from "../util/rng.js";
import { trialTraining } from "./settings.js";
import type { Weights } from "./weights.js";

export const MIN_PATH_POINTS = 30;

/** What `runInstability` analyses: an experiment's level, the rewind iteration K, the trial and the path's points. */
export interface InstabilityOptions {
  dir: string;
  level: number;
  rewind: number;
  trial?: number;
  /** Points on the path, both endpoints included (default 31: α = 0, 1/30, ..., 1). */
  points?: number;
  /** Both copies on the trial's own data order (a check: the instability must be exactly 0). */
  sameOrder?: boolean;
  dataDir?: string;
  fetchIfMissing?: boolean;
  threads?: number;
  kernelMode?: KernelMode;
  /** Seconds between mid-copy checkpoints (default 60; 0 = at every evaluation). */
  checkpointSeconds?: number;
  /** Progress and recovery messages (default: none). */
  log?: (message: string) => void;
}

/** The linear path between two trained copies: test error at each point, the endpoints' errors and the instability (largest increase over their mean). */
export interface InstabilityResult {
  level: number;
  rewind: number;
  trial: number;
  same_order: boolean;
  pm: number;
  iterations_per_copy: number;
  data_seeds: [number, number];
  /** Test error along the path, α from 0 (copy 0) to 1 (copy 1). */
  path: { alpha: number; test_error: number }[];
  /** Test accuracy of the two trained copies (the endpoints): the ticket's accuracy when rewound to K. */
  endpoint_test_accuracy: [number, number];
  instability: number;
  copy_seconds: [number, number];
  seconds: number;
}

/** Where the analysis of (level, rewind, trial, data order) is stored inside the experiment directory. */
export function instabilityDir(dir: string, level: number, rewind: number, trial: number, sameOrder: boolean): string {
  return join(dir, "instability", `level_${level}`, `rewind_${rewind}`, `trial_${trial}${sameOrder ? "_same-order" : ""}`);
}

/** The data-order seed of copy c: its own stream of the trial's data seed. */
export function copyDataSeed(trialDataSeed: number, copy: number): number {
  return hash32(`instability/copy-${copy}`, trialDataSeed) & 0x7fffffff;
}

/** Linear mode connectivity (Frankle et al. 2020): trains two copies of the level's subnetwork from its weights at iteration K on different data orders and measures the test error along the line between them. Stored atomically; resumes; `stored` is true when the result was already there. */
export async function runInstability(o: InstabilityOptions): Promise<{ result: InstabilityResult; stored: boolean }> {
  const trial = o.trial ?? 0,
    points = o.points ?? 31,
    sameOrder = o.sameOrder ?? false;
  if (!Number.isInteger(points) || points < MIN_PATH_POINTS)
    throw new Error(`invalid --points ${points}: use an integer of at least ${MIN_PATH_POINTS} (the path's resolution)`);
  const store = ExperimentStore.read(o.dir);
  const hp = store.hp;
  const training = trialTraining(hp, trial);
  if (!Number.isInteger(o.rewind) || o.rewind < 0 || o.rewind >= training.iterations) {
    throw new Error(
      `invalid --rewind ${o.rewind}: use an iteration in [0, ${training.iterations - 1}] (the experiment trains ${training.iterations} iterations per level)`,
    );
  }
  const id = { trial, kind: "iterative" as const, level: o.level, branch: "ticket" as const };
  const summary = store.summary(id);
  if (!summary)
    throw new Error(
      `${o.dir} has no finished trial ${trial} level ${o.level}: rerun its \`lottery run\` command until that level is trained, or pick a finished level`,
    );
  const out = instabilityDir(o.dir, o.level, o.rewind, trial, sameOrder);
  const resultFile = join(out, "result.json");
  if (existsSync(resultFile)) return { result: unsealJson(readFileSync(resultFile, "utf8")) as unknown as InstabilityResult, stored: true };
  mkdirSync(out, { recursive: true });
  const started = performance.now();
  const mask = store.loadMask(id);
  const session = await Session.open(hp, { dataDir: o.dataDir, fetchIfMissing: o.fetchIfMissing, threads: o.threads, kernelMode: o.kernelMode, log: o.log });
  try {
    const start = await rewindPoint(session, store, o.dir, trial, o.rewind, training, o.log);
    const seeds: [number, number] = sameOrder
      ? [training.dataSeed, training.dataSeed]
      : [copyDataSeed(training.dataSeed, 0), copyDataSeed(training.dataSeed, 1)];
    // Evaluations (the trainer's checkpoint points) as often as the experiment's runs have them.
    const copyTraining = (c: number): TrainingHparams => ({ ...training, iterations: training.iterations - o.rewind, dataSeed: seeds[c]! });
    const copies: Weights[] = [];
    const copySeconds: number[] = [];
    for (const c of [0, 1]) {
      const file = join(out, `copy_${c}.lt`);
      if (existsSync(file)) {
        const f = readTensors(file, `delete ${file} and rerun the same command to retrain that copy`);
        copies.push(floatArrays(f, file));
        copySeconds.push(Number((f.meta as { seconds?: number }).seconds ?? NaN));
        continue;
      }
      // Mid-copy checkpoints, as `lottery run` takes them: a killed copy resumes where it was.
      const checkpointFile = join(out, `copy_${c}.checkpoint.lt`);
      const checkpoint = readCheckpointFile(checkpointFile, "the copy", o.log);
      o.log?.(
        `trial ${trial} level ${o.level} (Pm ${(summary.pm * 100).toFixed(2)}%), rewound to iteration ${o.rewind}: training copy ${c} (${copyTraining(c).iterations} iterations, data seed ${seeds[c]})` +
          (checkpoint ? `, resuming at iteration ${checkpoint.state.iteration}` : ""),
      );
      if (checkpoint) {
        applyMasks(session.network, mask);
        session.network.load(checkpoint.weights);
      } else {
        load(session, start, mask);
      }
      const every = (o.checkpointSeconds ?? 60) * 1000;
      let lastCheckpoint = performance.now();
      const trained = await session.train(
        {
          resume: checkpoint?.state,
          checkpoint: {
            due: () => performance.now() - lastCheckpoint >= every,
            save: (state, weights) => {
              writeCheckpointFile(checkpointFile, state, weights);
              lastCheckpoint = performance.now();
            },
          },
        },
        copyTraining(c),
      );
      const final = session.network.snapshot();
      writeTensors(file, final, { copy: c, data_seed: seeds[c], iterations: copyTraining(c).iterations, seconds: trained.seconds });
      rmSync(checkpointFile, { force: true });
      copies.push(final);
      copySeconds.push(trained.seconds);
    }
    const path = linearPath(session, copies[0]!, copies[1]!, mask, points);
    const e0 = path[0]!.test_error,
      e1 = path[path.length - 1]!.test_error;
    const result: InstabilityResult = {
      level: o.level,
      rewind: o.rewind,
      trial,
      same_order: sameOrder,
      pm: summary.pm,
      iterations_per_copy: training.iterations - o.rewind,
      data_seeds: seeds,
      path,
      endpoint_test_accuracy: [1 - e0, 1 - e1],
      instability: Math.max(...path.map((p) => p.test_error)) - (e0 + e1) / 2,
      copy_seconds: [copySeconds[0]!, copySeconds[1]!],
      seconds: +((performance.now() - started) / 1000).toFixed(3),
    };
    writeJsonAtomic(resultFile, sealJson(result));
    return { result, stored: false };
  } finally {
    await session.close();
  }
}

/** Loads weights ⊙ mask and the mask into the session's network. */
function load(session: Session, weights: Weights, mask: Masks): void {
  applyMasks(session.network, mask);
  const w = cloneWeights(weights);
  maskWeights(w, mask);
  session.network.load(w);
}

/** θ_K: the experiment's rewind point, θ0 for K = 0, else trained here from θ0 (and saved for reruns). */
async function rewindPoint(
  session: Session,
  store: ExperimentStore,
  dir: string,
  trial: number,
  k: number,
  training: TrainingHparams,
  log?: (m: string) => void,
): Promise<Weights> {
  const theta0 = store.loadTrialWeights(trial, "theta0");
  if (!theta0) throw new Error(`${dir} has no θ0 for trial ${trial}: rerun its \`lottery run\` command`);
  if (k === 0) return theta0;
  const stored = store.loadTrialWeights(trial, `rewind_${k}`);
  if (stored) return stored;
  const file = join(dir, "instability", `trial_${trial}`, `rewind_${k}.lt`);
  if (existsSync(file)) return floatArrays(readTensors(file, `delete ${file} and rerun the same command`), file);
  log?.(`trial ${trial}: the experiment has no rewind point at iteration ${k}; training the dense network ${k} iterations from θ0 on the trial's data order`);
  load(session, theta0, fullMasks(session.network));
  await session.train({}, { ...training, iterations: k, evalEvery: k });
  const weights = session.network.snapshot();
  writeTensors(file, weights, { iteration: k });
  return weights;
}

/** Test error at `points` evenly spaced α on w0 + α·(w1 − w0) (exactly w0 at α = 0 and w1 at α = 1 when w0 = w1). */
function linearPath(session: Session, w0: Weights, w1: Weights, mask: Masks, points: number): { alpha: number; test_error: number }[] {
  const { network } = session;
  const out: { alpha: number; test_error: number }[] = [];
  for (let i = 0; i < points; i++) {
    const alpha = i / (points - 1);
    const w = new Map<string, Float32Array>();
    for (const [name, a] of w0) {
      const b = w1.get(name)!,
        v = new Float32Array(a.length);
      for (let j = 0; j < v.length; j++) v[j] = a[j]! + alpha * (b[j]! - a[j]!);
      w.set(name, v);
    }
    load(session, w, mask);
    const k = network.k,
      mark = k.arena.mark();
    const plan = network.prepare(session.kernelMode);
    try {
      const m = new Evaluator(network, plan, [session.test]).evaluate(session.test);
      out.push({ alpha, test_error: 1 - m.accuracy });
    } finally {
      plan.commit();
      k.arena.release(mark);
    }
  }
  return out;
}

/** Every finished instability result of an experiment. */
export function storedInstability(dir: string): InstabilityResult[] {
  const root = join(dir, "instability");
  const out: InstabilityResult[] = [];
  if (!existsSync(root)) return out;
  for (const l of readdirSync(root).filter((d) => d.startsWith("level_"))) {
    for (const r of readdirSync(join(root, l)).filter((d) => d.startsWith("rewind_"))) {
      for (const t of readdirSync(join(root, l, r))) {
        const f = join(root, l, r, t, "result.json");
        if (existsSync(f)) out.push(unsealJson(readFileSync(f, "utf8")) as unknown as InstabilityResult);
      }
    }
  }
  return out.sort((a, b) => a.level - b.level || a.rewind - b.rewind || a.trial - b.trial);
}
