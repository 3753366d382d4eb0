// Gathers an experiment's stored results into ReportData (plain records) and writes the report.
import { experimentPaperComparison, type PaperComparison } from "./paper.js";
import { ExperimentStore, type Branch, type RunId, type RunSummary } from "../store/experiment.js";
import { getModel } from "../models/registry.js";
import { Rng } from "../util/rng.js";
import type { CurveRecord, FirstLayerMap, MagnitudeRecord, MaskOverlap, ReportData, SparsityRecord } from "./types.js";
import { firstLayerMap, jaccard, randomJaccard } from "./masks.js";
import type { Masks } from "../prune/masks.js";
import { runRecord } from "./records.js";
import { writeReport } from "./render.js";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { writeFileAtomic } from "../store/atomic.js";
import { RUN_BRANCHES } from "../lottery/branches/index.js";

const BRANCHES: readonly Branch[] = RUN_BRANCHES;
const MAGNITUDE_SAMPLE = 1000;

function curve(store: ExperimentStore, id: RunId, pm: number): CurveRecord {
  const byIteration = new Map<number, { iteration: number; testAccuracy: number; valAccuracy: number; valLoss: number }>();
  for (const m of store.metrics(id)) {
    const p = byIteration.get(m.iteration) ?? { iteration: m.iteration, testAccuracy: NaN, valAccuracy: NaN, valLoss: NaN };
    if (m.split === "test") p.testAccuracy = m.accuracy ?? NaN;
    if (m.split === "val") {
      p.valAccuracy = m.accuracy ?? NaN;
      p.valLoss = m.loss;
    }
    byIteration.set(m.iteration, p);
  }
  return {
    trial: id.trial,
    level: id.level,
    kind: id.kind,
    branch: id.branch,
    pm,
    points: [...byIteration.values()].sort((a, b) => a.iteration - b.iteration),
  };
}

/**
 * The paper's appendix F.5 for one level: θ0 and trained magnitudes of the largest pruned layer's
 * weights that were alive at that level, and whether the next level kept them. The level is the
 * one nearest Pm 21% that has a next level (level 0 → 1 if that is all there is).
 */
function magnitudes(store: ExperimentStore, levels: RunSummary[]): MagnitudeRecord[] {
  const trial0 = levels.filter((s) => s.trial === 0 && s.kind === "iterative" && s.branch === "ticket").sort((a, b) => a.level - b.level);
  const candidates = trial0.filter((s) => trial0.some((n) => n.level === s.level + 1));
  if (candidates.length === 0) return [];
  const at = candidates.reduce((best, s) => (Math.abs(Math.log(s.pm / 0.21)) < Math.abs(Math.log(best.pm / 0.21)) ? s : best));
  const theta0 = store.loadTrialWeights(0, "theta0");
  if (!theta0) return [];
  const id: RunId = { trial: 0, kind: "iterative", level: at.level, branch: "ticket" };
  const mask = store.loadMask(id),
    nextMask = store.loadMask({ ...id, level: at.level + 1 }),
    final = store.loadFinal(id);
  const layer = [...mask.keys()].reduce((a, b) => (mask.get(b)!.length > mask.get(a)!.length ? b : a));
  const alive: number[] = [];
  const m = mask.get(layer)!;
  for (let i = 0; i < m.length; i++) if (m[i]) alive.push(i);
  const rng = new Rng(0, "report/magnitudes");
  rng.shuffle(alive);
  const sample = alive.slice(0, MAGNITUDE_SAMPLE).sort((a, b) => a - b);
  const init = theta0.get(layer)!,
    fin = final.get(layer)!,
    next = nextMask.get(layer)!;
  return [
    {
      trial: 0,
      level: at.level,
      layer,
      pm: at.pm,
      initial: Float32Array.from(sample, (i) => init[i]!),
      final: Float32Array.from(sample, (i) => fin[i]!),
      kept: Uint8Array.from(sample, (i) => next[i]!),
    },
  ];
}

const pctText = (pm: number) => `${(pm * 100).toFixed(1)}%`;

/**
 * Mask overlaps: within trial 0, each pruned level (or one-shot target) against the next one; and
 * for every level or target that several trials reached, each trial against trial 0. Plus, for
 * MNIST, first-layer maps of up to three of trial 0's tickets (highest, middle and lowest Pm).
 */
function maskAnalysis(
  store: ExperimentStore,
  summaries: RunSummary[],
  dataset: string,
): { maskOverlap: { levels: MaskOverlap[]; trials: MaskOverlap[] }; firstLayer: FirstLayerMap[] } {
  const tickets = summaries.filter((s) => s.branch === "ticket" && !(s.kind === "iterative" && s.level === 0));
  const cache = new Map<string, Masks>();
  const mask = (s: RunSummary): Masks => {
    const key = `${s.trial}/${s.kind}/${s.level}`;
    let m = cache.get(key);
    if (!m) {
      m = store.loadMask({ trial: s.trial, kind: s.kind, level: s.level, branch: "ticket" });
      cache.set(key, m);
    }
    return m;
  };
  const name = (s: RunSummary) => (s.kind === "iterative" ? `level ${s.level}` : `one-shot ${pctText(s.pm)}`);
  const levels: MaskOverlap[] = [];
  for (const kind of ["iterative", "oneshot"] as const) {
    const t0 = tickets.filter((s) => s.trial === 0 && s.kind === kind).sort((a, b) => b.pm - a.pm);
    for (let i = 0; i + 1 < t0.length; i++) {
      const a = t0[i]!,
        b = t0[i + 1]!;
      levels.push({
        what: `trial 0: ${name(a)} vs ${name(b)}`,
        pm: `${pctText(a.pm)} vs ${pctText(b.pm)}`,
        jaccard: jaccard(mask(a), mask(b)),
        random: randomJaccard(mask(a), mask(b)),
      });
    }
  }
  const trials: MaskOverlap[] = [];
  for (const s of tickets.filter((x) => x.trial > 0)) {
    const first = tickets.find((x) => x.trial === 0 && x.kind === s.kind && x.level === s.level);
    if (!first) continue;
    trials.push({
      what: `${name(s)}: trial 0 vs trial ${s.trial}`,
      pm: pctText(s.pm),
      jaccard: jaccard(mask(first), mask(s)),
      random: randomJaccard(mask(first), mask(s)),
    });
  }
  const firstLayer: FirstLayerMap[] = [];
  if (dataset === "mnist") {
    const t0 = tickets.filter((s) => s.trial === 0).sort((a, b) => b.pm - a.pm);
    const chosen = [...new Set([t0[0], t0[Math.floor((t0.length - 1) / 2)], t0[t0.length - 1]])].filter((x): x is RunSummary => x !== undefined);
    for (const s of chosen) {
      const layer = s.sparsity[0];
      if (!layer || layer.total % 784 !== 0) continue;
      const m = mask(s).get(layer.name)!;
      firstLayer.push(firstLayerMap(m, layer.total / 784, [1, 28, 28], s.level, s.pm, 0, s.kind));
    }
  }
  return { maskOverlap: { levels, trials }, firstLayer };
}

/**
 * Reads an experiment directory (as `lottery run` printed it) into {@link ReportData}: every finished
 * run, its training curve, the tickets' sparsity and a sample of weight magnitudes.
 *
 * @throws Error when `dir` is not an experiment directory, or a stored file is damaged.
 */
export function collectReport(dir: string): ReportData {
  const store = ExperimentStore.read(dir);
  const hp = store.hp;
  const summaries: RunSummary[] = [];
  const diverged: RunSummary[] = [];
  const curves: CurveRecord[] = [];
  const sparsity: SparsityRecord[] = [];
  for (const trial of store.trials()) {
    for (const { kind, level } of store.finishedRuns(trial)) {
      for (const branch of BRANCHES) {
        const id: RunId = { trial, kind, level, branch };
        const s = store.summary(id);
        if (!s) continue;
        if (s.diverged) {
          diverged.push(s);
          continue;
        }
        summaries.push(s);
        curves.push(curve(store, id, s.pm));
        if (branch === "ticket") sparsity.push({ trial, level, kind, pm: s.pm, layers: s.sparsity });
      }
    }
  }
  let dataset = hp.dataset.dataset ?? "";
  if (!dataset) {
    try {
      dataset = getModel(hp.model.model).dataset;
    } catch {
      dataset = "?";
    }
  }
  const info = readDatasetInfo(store.dir);
  return {
    title: `Lottery tickets: ${hp.model.model}`,
    model: hp.model.model,
    dataset,
    ...(info ? { classNames: info.class_names, datasetShape: info.shape } : {}),
    hparams: hp as unknown as Record<string, unknown>,
    runs: summaries.map((s) => runRecord(s, hp.pruning.exclude)),
    diverged: diverged.map((s) => runRecord(s, hp.pruning.exclude)),
    curves,
    sparsity,
    magnitudes: magnitudes(store, summaries),
    ...maskAnalysis(store, summaries, dataset),
  };
}

/** One row per trained network, for spreadsheets and other tools. */
export function runsCsv(data: ReportData): string {
  const header = [
    "trial",
    "kind",
    "level",
    "branch",
    "pm",
    "pm_pruned",
    "iterations",
    "early_stop_iteration",
    "early_stop_val_loss",
    "early_stop_val_accuracy",
    "early_stop_test_accuracy",
    "final_val_accuracy",
    "final_test_accuracy",
    "seconds",
    "step_ms",
    "threads",
    "kernel_mode",
    "simd",
    "mixed_arithmetic",
    "sparse_layers",
    "diverged",
  ];
  const quoted = (text: string | undefined) => (text ? `"${text.replaceAll('"', '""')}"` : "");
  const rows = [...data.runs, ...(data.diverged ?? [])]
    .sort((a, b) => a.trial - b.trial || a.kind.localeCompare(b.kind) || a.level - b.level || a.branch.localeCompare(b.branch))
    .map((r) =>
      [
        r.trial,
        r.kind,
        r.level,
        r.branch,
        r.pm.toFixed(6),
        (r.pmPruned ?? r.pm).toFixed(6),
        r.iterations,
        r.earlyStopIteration,
        r.earlyStopValLoss.toFixed(6),
        r.earlyStopValAccuracy,
        r.earlyStopTestAccuracy,
        r.finalValAccuracy,
        r.finalTestAccuracy,
        r.seconds,
        Number.isFinite(r.stepMs) ? r.stepMs.toFixed(4) : "",
        Number.isFinite(r.threads) ? r.threads : "",
        r.kernelMode,
        r.simd,
        quoted(r.mixedArithmetic),
        r.sparseLayers.join(";"),
        quoted(r.diverged),
      ].join(","),
    );
  return `${[header.join(","), ...rows].join("\n")}\n`;
}

/** Writes DIR/report.html, one SVG per figure and DIR/runs.csv; returns their paths and the report's "Against the paper" table (null when the paper does not cover the experiment). */
export async function writeExperimentReport(dir: string): Promise<{ html: string; svgs: string[]; csv: string; paper: PaperComparison | null }> {
  const data = collectReport(dir);
  const written = await writeReport(data, dir);
  const csv = join(dir, "runs.csv");
  writeFileAtomic(csv, runsCsv(data));
  return { ...written, csv, paper: experimentPaperComparison(data.hparams, data.runs) };
}

/** dataset.json (written when the experiment's runs start): the dataset's shape and class names, or null for older experiments. */
function readDatasetInfo(dir: string): { shape: number[]; class_names: string[] } | null {
  try {
    const o = JSON.parse(readFileSync(join(dir, "dataset.json"), "utf8")) as { shape?: unknown; class_names?: unknown };
    if (Array.isArray(o.shape) && Array.isArray(o.class_names)) return { shape: o.shape as number[], class_names: o.class_names as string[] };
  } catch {
    // absent or unreadable: the report goes on without the class names
  }
  return null;
}
