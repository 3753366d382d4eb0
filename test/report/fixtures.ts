// Synthetic ReportData for the report tests: deterministic, small, and shaped like a real
// experiment (geometric Pm levels, trials that disagree a little, controls that degrade faster
// than the ticket), plus builders for the degenerate cases the renderer must survive.
import type { Branch, CurveRecord, MagnitudeRecord, ReportData, RunRecord, SparsityRecord } from "../../src/report/types.js";

/** Small deterministic generator (mulberry32), so fixtures are identical on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const LAYERS = [
  { name: "fc1", kind: "fc", total: 235200, rate: 0.2 },
  { name: "fc2", kind: "fc", total: 30000, rate: 0.2 },
  { name: "fc3", kind: "output", total: 1000, rate: 0.1 },
] as const;

export interface FixtureOptions {
  levels?: number;
  trials?: number;
  branches?: readonly Branch[];
  oneShot?: boolean;
  magnitudes?: boolean;
  model?: string;
  iterations?: number;
}

/** Accuracy of a run: tickets hold up as Pm falls, controls lose accuracy with every level. */
function accuracyAt(branch: Branch, level: number, trial: number, progress: number): number {
  const decline = branch === "reinit" ? 0.03 : 0.05;
  // Bounded forms, so accuracies stay in (0, 1) however many levels a test asks for.
  const peak = branch === "ticket" ? 0.975 + 0.002 * Math.min(level, 4) - 0.001 * Math.max(0, level - 4) : 0.975 - 0.6 * (1 - Math.exp(-decline * level));
  const speed = branch === "ticket" ? 1 + 0.15 * Math.min(level, 4) : 1 / (1 + 2 * decline * level);
  return peak * (1 - Math.exp(-6 * speed * progress)) + 0.001 * trial;
}

export function makeReportData(options: FixtureOptions = {}): ReportData {
  const levels = options.levels ?? 6;
  const trials = options.trials ?? 2;
  const branches = options.branches ?? ["ticket", "reinit", "random-mask"];
  const iterations = options.iterations ?? 5000;
  const runs: RunRecord[] = [];
  const curves: CurveRecord[] = [];
  const sparsity: SparsityRecord[] = [];

  const addRun = (trial: number, level: number, kind: RunRecord["kind"], branch: Branch, pm: number): void => {
    // Controls at level 0 would be the dense network again, so (like the experiment) they start at level 1.
    if (branch !== "ticket" && level === 0) return;
    const points = Array.from({ length: 20 }, (_, i) => {
      const iteration = ((i + 1) * iterations) / 20;
      const acc = accuracyAt(branch, level, trial, (i + 1) / 20);
      return { iteration, testAccuracy: acc, valAccuracy: acc + 0.002, valLoss: 1 - acc };
    });
    const best = points.reduce((a, b) => (b.valLoss < a.valLoss ? b : a));
    runs.push({
      trial,
      level,
      kind,
      branch,
      pm,
      iterations,
      earlyStopIteration:
        Math.round(iterations * (branch === "ticket" ? 0.6 - 0.05 * Math.min(level, 4) : 0.6 + (branch === "reinit" ? 0.03 : 0.04) * level)) - 100 * trial,
      earlyStopValLoss: best.valLoss,
      earlyStopValAccuracy: best.valAccuracy,
      earlyStopTestAccuracy: best.testAccuracy,
      finalValAccuracy: points[points.length - 1]!.valAccuracy,
      finalTestAccuracy: points[points.length - 1]!.testAccuracy - 0.001,
      seconds: 12.5 + level + trial,
      stepMs: 1.5 * pm + 0.1,
      threads: 1,
      kernelMode: "auto",
      simd: "relaxed",
      sparseLayers: pm < 0.3 ? ["fc1.weight", "fc2.weight"] : [],
    });
    curves.push({ trial, level, kind, branch, pm, points });
  };

  for (let trial = 0; trial < trials; trial++) {
    for (let level = 0; level < levels; level++) {
      const pm = 0.8 ** level;
      for (const branch of branches) addRun(trial, level, "iterative", branch, pm);
      sparsity.push({
        trial,
        level,
        kind: "iterative",
        pm,
        layers: LAYERS.map((l) => ({ name: l.name, kind: l.kind, total: l.total, kept: Math.round(l.total * (1 - l.rate) ** level) })),
      });
    }
    if (options.oneShot) for (const [i, pm] of [0.5, 0.2, 0.05].entries()) addRun(trial, i + 1, "oneshot", "ticket", pm);
  }

  return {
    title: "LeNet-300-100 on MNIST — lottery ticket report",
    model: options.model ?? "lenet-300-100",
    dataset: "mnist",
    hparams: { model: "lenet-300-100", optimizer: { name: "adam", lr: 0.0012 }, batchSize: 60, iterations, rates: [0.2, 0.1] },
    runs,
    curves,
    sparsity,
    magnitudes: options.magnitudes === false ? [] : [makeMagnitudes(500)],
  };
}

/**
 * Weights whose fate follows the paper's finding: the pruning keeps the largest final magnitudes,
 * and weights that started large (and moved far) tend to end large.
 */
export function makeMagnitudes(count: number, layer = "fc1"): MagnitudeRecord {
  const random = rng(42);
  const initial = new Float32Array(count);
  const final = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    initial[i] = (random() * 2 - 1) * 0.1;
    final[i] = initial[i]! * (1 + random()) + (random() * 2 - 1) * 0.03;
  }
  const threshold = [...final].map(Math.abs).sort((a, b) => a - b)[Math.floor(count * 0.2)]!;
  const kept = Uint8Array.from(final, (f) => (Math.abs(f) >= threshold ? 1 : 0));
  return { trial: 0, level: 2, layer, pm: 0.64, initial, final, kept };
}
