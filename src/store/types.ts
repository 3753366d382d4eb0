// The store's record types, shared by the file store (experiment.ts) and the RunStore interface
// (run-store.ts) without the two importing each other.
import type { SimdLevel } from "../kernels/index.js";
import type { KernelMode } from "../nn/network.js";
import type { ArithmeticSpan } from "../train/arithmetic.js";
// Branch is declared with the report's records (which must not import the file store) and is the same type here.
import type { Branch } from "../report/types.js";

export type { Branch };

/** Names one run of an experiment: a trial's iterative level or one-shot target, on a branch. */
export interface RunId {
  /** Trial number, from 0. */
  trial: number;
  kind: "iterative" | "oneshot";
  /** Level for iterative runs; for one-shot runs, the target Pm. */
  level: number;
  branch: Branch;
}

/**
 * A finished run's results, as summary.json holds them (snake_case, stable across versions): its
 * sparsity, early-stop and final accuracies, timing, and the arithmetic it trained on. Accuracies
 * are fractions in [0, 1].
 */
export interface RunSummary {
  trial: number;
  kind: "iterative" | "oneshot";
  level: number;
  branch: Branch;
  /** Fraction of the prunable weights kept, in (0, 1]. */
  pm: number;
  /** Kept and total weights per prunable parameter. */
  sparsity: { name: string; kind: string; kept: number; total: number }[];
  iterations: number;
  early_stop_iteration: number;
  early_stop_val_loss: number;
  early_stop_val_accuracy: number;
  early_stop_test_accuracy: number;
  final_val_loss: number;
  final_val_accuracy: number;
  final_test_accuracy: number;
  /** Wall time of the run's training, in seconds. */
  seconds: number;
  /** Median wall time of a training step, in ms. */
  step_ms: number;
  /** The kernel each pruned parameter ran with, at its density. */
  kernels: { param: string; density: number; kernel: string }[];
  /** With kernel_mode (--kernels) and simd: what fixes the run's exact arithmetic (absent from older summaries). */
  threads: number;
  kernel_mode?: KernelMode;
  simd?: SimdLevel;
  /**
   * Set when the run was resumed on other threads, kernels or SIMD than it started on: each part and
   * its arithmetic (a first part from an iteration above 0: trained before checkpoints recorded it).
   * Its numbers then differ from an uninterrupted run's on either setting.
   */
  mixed_arithmetic?: ArithmeticSpan[];
  /** Set when training diverged: the run has no final weights and nothing that depends on it ran. */
  diverged?: { iteration: number; reason: string };
}

/** Who trains a run now: the content of its lock file. */
export interface LockOwner {
  pid: number;
  host: string;
  started: string;
}
