// Reductions over trials that both the tables and the figures need: per-level summaries of run
// metrics, the set of levels present, a spread of levels to draw curves for, trial-mean curves
// and the appendix F.5 magnitude statistics. Non-finite values (a run that never evaluated, a
// diverged loss) are skipped everywhere rather than poisoning a mean.
import type { Branch, CurveRecord, MagnitudeRecord, RunRecord } from "./types.js";
import { RUN_BRANCHES } from "../lottery/branches/index.js";

export type Kind = RunRecord["kind"];

/** Display order of branches: the ticket first, then the controls, as in the paper's legends. */
export const BRANCHES: readonly Branch[] = RUN_BRANCHES;
export const KINDS: readonly Kind[] = ["iterative", "oneshot"];

/** Mean and range over trials of one metric; `n` counts only the finite values. */
export interface Summary {
  mean: number;
  min: number;
  max: number;
  n: number;
}

export function summarize(values: Iterable<number>): Summary {
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  let n = 0;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    sum += v;
    min = Math.min(min, v);
    max = Math.max(max, v);
    n++;
  }
  return n === 0 ? { mean: NaN, min: NaN, max: NaN, n: 0 } : { mean: sum / n, min, max, n };
}

/** Two Pm values that agree within 0.5% (a one-shot target and the iterative level it was set from): one point of comparison. */
export function samePm(a: number, b: number): boolean {
  return Math.abs(Math.log(a / b)) <= 0.005;
}

/** Legend name of a series: one-shot runs are told apart from the iterative ones by a prefix. */
export function seriesName(kind: Kind, branch: Branch): string {
  return kind === "oneshot" ? `one-shot ${branch}` : branch;
}

/** Every series name in legend order, so colors stay the same across figures and reports. */
export const SERIES_ORDER: readonly string[] = KINDS.flatMap((k) => BRANCHES.map((b) => seriesName(k, b)));

export type RunMetric = "earlyStopIteration" | "earlyStopValAccuracy" | "earlyStopTestAccuracy" | "finalValAccuracy" | "finalTestAccuracy" | "seconds";

/** The runs of one kind, branch and level, one per trial. */
export interface LevelGroup {
  kind: Kind;
  branch: Branch;
  level: number;
  /** Mean Pm over the group's runs (identical across trials unless the store is inconsistent). */
  pm: number;
  runs: RunRecord[];
}

export function groupRuns(runs: readonly RunRecord[]): LevelGroup[] {
  const groups = new Map<string, LevelGroup>();
  for (const run of runs) {
    const key = `${run.kind}/${run.branch}/${run.level}`;
    let group = groups.get(key);
    if (!group) {
      group = { kind: run.kind, branch: run.branch, level: run.level, pm: NaN, runs: [] };
      groups.set(key, group);
    }
    group.runs.push(run);
  }
  const out = [...groups.values()];
  for (const g of out) g.pm = summarize(g.runs.map((r) => r.pm)).mean;
  return out.sort((a, b) => KINDS.indexOf(a.kind) - KINDS.indexOf(b.kind) || BRANCHES.indexOf(a.branch) - BRANCHES.indexOf(b.branch) || a.level - b.level);
}

export function summarizeMetric(group: LevelGroup, metric: RunMetric): Summary {
  return summarize(group.runs.map((r) => r[metric]));
}

export function trialCount(records: readonly { trial: number }[]): number {
  return new Set(records.map((r) => r.trial)).size;
}

export interface Level {
  level: number;
  pm: number;
}

/** The levels of one kind present in `records`, with their mean Pm, densest first. */
export function levelsOf(records: readonly { kind: Kind; level: number; pm: number }[], kind: Kind): Level[] {
  const pms = new Map<number, number[]>();
  for (const r of records) {
    if (r.kind !== kind) continue;
    const list = pms.get(r.level) ?? [];
    list.push(r.pm);
    pms.set(r.level, list);
  }
  return [...pms.entries()]
    .map(([level, list]) => ({ level, pm: summarize(list).mean }))
    .sort((a, b) => (Number.isFinite(b.pm) ? b.pm : -1) - (Number.isFinite(a.pm) ? a.pm : -1) || a.level - b.level);
}

/**
 * Up to `count` levels spread evenly in log Pm between the densest and the sparsest, like the
 * paper's Figure 4 (100%, 51%, 21%, 7%, 3.6%, 1.9%): targets are log-spaced and each takes the
 * nearest level not already taken, so any level schedule (not only a geometric one) gets an even
 * spread. Levels without a positive finite Pm cannot sit on a log axis and are left out.
 */
export function pickSpread(levels: readonly Level[], count: number): Level[] {
  const usable = levels.filter((l) => Number.isFinite(l.pm) && l.pm > 0).sort((a, b) => b.pm - a.pm);
  if (usable.length <= count) return usable;
  const hi = Math.log(usable[0]!.pm);
  const lo = Math.log(usable[usable.length - 1]!.pm);
  const taken = new Set<Level>();
  for (let i = 0; i < count; i++) {
    const target = count === 1 ? hi : hi + ((lo - hi) * i) / (count - 1);
    let best: Level | undefined;
    for (const l of usable) {
      if (taken.has(l)) continue;
      if (!best || Math.abs(Math.log(l.pm) - target) < Math.abs(Math.log(best.pm) - target)) best = l;
    }
    if (best) taken.add(best);
  }
  return usable.filter((l) => taken.has(l));
}

export interface CurvePoint {
  iteration: number;
  accuracy: number;
}

/**
 * Test (or validation) accuracy over training averaged over the given curves (one per trial).
 * Only iterations evaluated in every curve are averaged, so a trial with a different evaluation
 * grid does not make the mean jagged; if the grids share no iteration, the lowest trial's curve
 * stands alone.
 */
export function meanCurve(curves: readonly CurveRecord[], split: "test" | "val" = "test"): CurvePoint[] {
  if (curves.length === 0) return [];
  const of = (p: CurveRecord["points"][number]) => (split === "test" ? p.testAccuracy : p.valAccuracy);
  const byIteration = new Map<number, number[]>();
  for (const curve of curves) {
    for (const p of curve.points) {
      if (!Number.isFinite(p.iteration)) continue;
      const list = byIteration.get(p.iteration) ?? [];
      list.push(of(p));
      byIteration.set(p.iteration, list);
    }
  }
  const shared = [...byIteration.entries()].filter(([, list]) => list.length === curves.length);
  const rows: CurvePoint[] =
    shared.length > 0
      ? shared.map(([iteration, list]) => ({ iteration, accuracy: summarize(list).mean }))
      : [...curves].sort((a, b) => a.trial - b.trial)[0]!.points.map((p) => ({ iteration: p.iteration, accuracy: of(p) }));
  return rows.filter((p) => Number.isFinite(p.iteration) && Number.isFinite(p.accuracy)).sort((a, b) => a.iteration - b.iteration);
}

/** Appendix F.5 statistics of one side (kept or pruned) of a magnitude sample. */
export interface MagnitudeSide {
  n: number;
  meanAbsInitial: number;
  meanAbsFinal: number;
  /** Mean of |final − initial|: how far training moved the weights. */
  meanAbsChange: number;
}

export interface MagnitudeStats {
  kept: MagnitudeSide;
  pruned: MagnitudeSide;
}

/** One sampled weight, with non-finite samples already dropped. */
export interface MagnitudeSample {
  initial: number;
  final: number;
  kept: boolean;
}

export function magnitudeSamples(record: MagnitudeRecord): MagnitudeSample[] {
  const n = Math.min(record.initial.length, record.final.length, record.kept.length);
  const out: MagnitudeSample[] = [];
  for (let i = 0; i < n; i++) {
    const initial = record.initial[i]!;
    const final = record.final[i]!;
    if (Number.isFinite(initial) && Number.isFinite(final)) out.push({ initial, final, kept: record.kept[i] !== 0 });
  }
  return out;
}

export function magnitudeStats(samples: readonly MagnitudeSample[]): MagnitudeStats {
  const side = (kept: boolean): MagnitudeSide => {
    const s = samples.filter((x) => x.kept === kept);
    return {
      n: s.length,
      meanAbsInitial: summarize(s.map((x) => Math.abs(x.initial))).mean,
      meanAbsFinal: summarize(s.map((x) => Math.abs(x.final))).mean,
      meanAbsChange: summarize(s.map((x) => Math.abs(x.final - x.initial))).mean,
    };
  };
  return { kept: side(true), pruned: side(false) };
}
