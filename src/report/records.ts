// A stored run summary as the report's record (no file access, so browsers can use it too).
import type { RunSummary } from "../store/experiment.js";
import { describeArithmetic } from "../train/arithmetic.js";
import type { RunRecord } from "./types.js";

/**
 * The runs with the paper's Pm: `pmPruned` where layers are excluded from pruning (the paper's Pm
 * for VGG-19 and ResNet counts only the layers it prunes: its 8.6% is 0.8^11 of the conv weights).
 */
export function withPaperPm(runs: readonly RunRecord[]): RunRecord[] {
  return runs.map((r) => (r.pmPruned === undefined ? r : { ...r, pm: r.pmPruned }));
}

/** Whether some run excludes layers from pruning, so that its Pm and the paper's differ (`pmPruned` is set). */
export function excludesLayers(runs: readonly RunRecord[]): boolean {
  return runs.some((r) => r.pmPruned !== undefined);
}

/**
 * A stored run summary as the report's record of it (one row of runs.csv). `exclude` names the
 * parameters the experiment never prunes (its `pruning.exclude`): when the summary has any of
 * them, the record also gets `pmPruned`, the kept fraction of the other prunable weights.
 */
export function runRecord(s: RunSummary, exclude: readonly string[] = []): RunRecord {
  const pruned = s.sparsity.filter((l) => !exclude.includes(l.name));
  const total = pruned.reduce((n, l) => n + l.total, 0);
  const pmPruned = pruned.length < s.sparsity.length && total > 0 ? pruned.reduce((n, l) => n + l.kept, 0) / total : undefined;
  return {
    trial: s.trial,
    level: s.level,
    kind: s.kind,
    branch: s.branch,
    pm: s.pm,
    ...(pmPruned === undefined ? {} : { pmPruned }),
    iterations: s.iterations,
    earlyStopIteration: s.early_stop_iteration,
    earlyStopValLoss: s.early_stop_val_loss,
    earlyStopValAccuracy: s.early_stop_val_accuracy,
    earlyStopTestAccuracy: s.early_stop_test_accuracy,
    finalValAccuracy: s.final_val_accuracy,
    finalTestAccuracy: s.final_test_accuracy,
    seconds: s.seconds,
    // Summaries written before these were recorded lack them.
    stepMs: s.step_ms ?? NaN,
    threads: s.threads ?? NaN,
    kernelMode: s.kernel_mode ?? "",
    simd: s.simd ?? "",
    ...(s.mixed_arithmetic
      ? { mixedArithmetic: s.mixed_arithmetic.map((a) => `from iteration ${a.from_iteration}: ${describeArithmetic(a)}`).join("; ") }
      : {}),
    sparseLayers: (s.kernels ?? []).filter((k) => k.kernel === "sparse").map((k) => k.param),
    ...(s.diverged ? { diverged: `iteration ${s.diverged.iteration}: ${s.diverged.reason}` } : {}),
  };
}
