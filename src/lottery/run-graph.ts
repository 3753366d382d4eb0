// Which run of an experiment starts from which: the one statement of the experiment's dependencies,
// used by the local driver (src/lottery/experiment.ts, which walks it in order) and by the job queue
// (src/queue/, which releases a run's dependents when it finishes).
//
// Every run starts from exactly one earlier run, or from nothing (level 0):
//   - level L (L >= 1) prunes level L-1's final weights, so it comes after level L-1;
//   - a control of level L uses level L's mask, which is level L-1's pruning: it too comes after
//     level L-1 (so it can train alongside level L);
//   - a one-shot run (and its controls) prunes the dense level's weights: after level 0;
//   - with --control-levels, only those iterative levels have controls (one-shot targets keep theirs);
//   - with masks imported from another experiment (--masks-from, --mask-levels), every level and
//     its controls take their mask from that experiment: they start from nothing here.
// A run whose dependency diverged or failed does not run.
import type { Hparams } from "../hparams/schema.js";
import type { RunId } from "../store/experiment.js";
import { runKey } from "../store/run-store.js";
import { getBranch } from "./branches/index.js";

/** One run of an experiment and the run it starts from (`after`; none for a trial's dense level). */
export interface RunNode {
  id: RunId;
  /** The run whose results this one starts from; null for level 0. */
  after: RunId | null;
}

/**
 * What of the settings decides the graph: the experiment's extent (settings written before mask
 * imports lack maskLevels, and those before --control-levels lack controlLevels).
 */
export type Extent = Pick<Hparams["pruning"], "trials" | "levels" | "controls" | "oneShot"> & Partial<Pick<Hparams["pruning"], "maskLevels" | "controlLevels">>;

/**
 * The experiment's runs in the order a single process trains them (each after its dependency):
 * per trial, level 0, then each level followed by its controls, then each one-shot target
 * followed by its controls; with imported masks, each listed level followed by its controls.
 * Iterative levels outside a non-empty `controlLevels` have no controls.
 * `trials` limits it to some trials (default: all).
 */
export function runGraph(extent: Extent, trials?: readonly number[]): RunNode[] {
  const allControls = extent.controls.map((c) => getBranch(c).name);
  const controlled = extent.controlLevels?.length ? new Set(extent.controlLevels) : null;
  const controlsOf = (l: number) => (l > 0 && (!controlled || controlled.has(l)) ? allControls : []);
  const out: RunNode[] = [];
  for (let trial = 0; trial < extent.trials; trial++) {
    if (trials && !trials.includes(trial)) continue;
    const level = (l: number): RunId => ({ trial, kind: "iterative", level: l, branch: "ticket" });
    if (extent.maskLevels?.length) {
      for (const l of [...new Set(extent.maskLevels)].sort((a, b) => a - b)) {
        out.push({ id: level(l), after: null });
        for (const branch of controlsOf(l)) out.push({ id: { ...level(l), branch }, after: null });
      }
      continue;
    }
    out.push({ id: level(0), after: null });
    for (let l = 1; l <= extent.levels; l++) {
      out.push({ id: level(l), after: level(l - 1) });
      for (const branch of controlsOf(l)) out.push({ id: { ...level(l), branch }, after: level(l - 1) });
    }
    for (const pm of extent.oneShot) {
      const id: RunId = { trial, kind: "oneshot", level: pm, branch: "ticket" };
      out.push({ id, after: level(0) });
      for (const branch of allControls) out.push({ id: { ...id, branch }, after: level(0) });
    }
  }
  return out;
}

/** The node of `id` in the graph, or null when the experiment has no such run. */
export function findRun(graph: readonly RunNode[], id: RunId): RunNode | null {
  const key = runKey(id);
  return graph.find((n) => runKey(n.id) === key) ?? null;
}

/** The runs that start from `id`'s results. */
export function dependentsOf(graph: readonly RunNode[], id: RunId): RunNode[] {
  const key = runKey(id);
  return graph.filter((n) => n.after !== null && runKey(n.after) === key);
}
