// How long an experiment would take on this machine, measured rather than guessed: a few training
// steps of the dense network and of the sparsest network the experiment will train (random masks
// with that level's per-layer counts, so the kernels it will choose run), and the evaluations,
// timed in the session that would train it; then counted over every run of the experiment. For
// planning (`lottery run --estimate`): a multi-day experiment on a laptop is better known before.
import type { Hparams } from "../hparams/schema.js";
import { applyMasks, fullMasks } from "../prune/masks.js";
import { pmAt } from "../prune/plan.js";
import { randomMasksAtPm } from "../prune/random.js";
import type { Session } from "../session.js";
import { Rng } from "../util/rng.js";
import { runGraph } from "./run-graph.js";
import { pruneTarget } from "./settings.js";

/** What `estimateExperiment` measured and what it makes of it. */
export interface ExperimentEstimate {
  /** Runs in the experiment (all trials, levels, one-shot targets and controls). */
  runs: number;
  iterations: number;
  /** Evaluations per run (at 0, every evalEvery, and at the end). */
  evaluations: number;
  /** Median training step of the dense network and of the sparsest one the experiment trains, in ms. */
  denseStepMs: number;
  sparsestStepMs: number;
  sparsestPm: number;
  /** One evaluation of the validation split, and of the test split, in seconds. */
  valSeconds: number;
  testSeconds: number;
  threads: number;
  /**
   * Wall seconds of all runs: `low` with each run's step interpolated (by Pm) between the dense and
   * the sparsest measurement and, with `--eval-test improved` or `best`, the test split at two
   * evaluations a run; `high` with every run at the dense step and the test split at every
   * evaluation (with `best`: two, all it ever takes).
   */
  seconds: { low: number; high: number };
}

/** Training steps timed per measurement (their median is taken; the first absorb warm-up). */
export const ESTIMATE_STEPS = 12;

/**
 * Measures steps and evaluations in `session` (opened for `hp`) and estimates the experiment's wall
 * time. Leaves the network initialized and unmasked; writes nothing.
 */
export async function estimateExperiment(session: Session, hp: Hparams, steps = ESTIMATE_STEPS): Promise<ExperimentEstimate> {
  const { network } = session;
  const target = pruneTarget(hp);
  const pmOf = (kind: string, level: number) => (kind === "oneshot" ? level : pmAt(network, target, level));
  const graph = runGraph(hp.pruning);
  const pms = graph.map((n) => pmOf(n.id.kind, n.id.level));
  const sparsestPm = Math.min(...pms);

  // A probe trains `steps` iterations with an evaluation at its start and end (as every run has).
  const probe = async (pm: number) => {
    session.initialize();
    // Random masks with the per-layer counts of the layer-wise schedule at that Pm: global pruning's
    // counts depend on trained magnitudes, and its ranking of equal scores would empty whole layers.
    applyMasks(network, pm >= 1 ? fullMasks(network) : randomMasksAtPm(network, { ...target, scope: "layerwise" }, pm, new Rng(0, "estimate")));
    // The experiment's own schedule: its first steps (in the warmup, if it has one) are what a probe can afford.
    const result = await session.train({}, { ...hp.training, iterations: steps, evalEvery: steps, evalTest: "every" });
    return { stepMs: result.stepMs, evalPairSeconds: Math.max(0, (result.seconds - (steps * result.stepMs) / 1000) / 2) };
  };
  const dense = await probe(1);
  const sparsest = sparsestPm < 1 ? await probe(sparsestPm) : dense;
  applyMasks(network, fullMasks(network));
  session.initialize();

  // The two splits' evaluation times split the measured pair by their sizes.
  const nVal = session.data.val.count,
    nTest = session.data.test.count;
  const valSeconds = (dense.evalPairSeconds * nVal) / (nVal + nTest),
    testSeconds = (dense.evalPairSeconds * nTest) / (nVal + nTest);
  const t = hp.training;
  const evaluations = Math.floor(t.iterations / t.evalEvery) + 1 + (t.iterations % t.evalEvery === 0 ? 0 : 1);
  // improved: from two test passes (the first and last evaluations improve) to all; best: at most two.
  const testLow = t.evalTest === "every" ? evaluations : Math.min(2, evaluations);
  const testHigh = t.evalTest === "best" ? Math.min(2, evaluations) : evaluations;
  // A sparse network measured slower than the dense one (timing noise where both run dense kernels) counts as dense.
  const floor = Math.min(sparsest.stepMs, dense.stepMs);
  const stepAt = (pm: number) => (sparsestPm >= 1 ? dense.stepMs : floor + ((dense.stepMs - floor) * (pm - sparsestPm)) / (1 - sparsestPm));
  const evalLow = evaluations * valSeconds + testLow * testSeconds,
    evalHigh = evaluations * valSeconds + testHigh * testSeconds;
  const high = pms.length * ((t.iterations * dense.stepMs) / 1000 + evalHigh);
  // Where every run takes the dense step (the sparse probe measured no faster), the sum of the runs
  // and the product above are the same number rounded differently: keep the range ordered.
  const low = Math.min(
    high,
    pms.reduce((s, pm) => s + (t.iterations * stepAt(pm)) / 1000 + evalLow, 0),
  );
  return {
    runs: graph.length,
    iterations: t.iterations,
    evaluations,
    denseStepMs: dense.stepMs,
    sparsestStepMs: sparsest.stepMs,
    sparsestPm,
    valSeconds,
    testSeconds,
    threads: session.threads,
    seconds: { low, high },
  };
}
