import { type Command, InvalidArgumentError } from "commander";
import { availableParallelism } from "node:os";
import type { KernelMode } from "../node.js";

export interface RuntimeOptions {
  dataDir?: string;
  kernels?: KernelMode;
  threads: number;
}

/** Options that change where data comes from or how fast it runs, never the results' meaning. */
export function addRuntimeOptions(cmd: Command, threads: { default: number; help?: string } = { default: availableParallelism() }): void {
  cmd
    .option(
      "--data-dir <dir>",
      "directory holding one subdirectory per registered dataset (mnist/, cifar10/, fashion-mnist/, ...; default: $LOTTERY_DATA_DIR, else the user cache, downloading on first use)",
    )
    .option("--kernels <mode>", "pruned layers run on: auto (sparse below the measured crossover density), dense or sparse", parseKernelMode, "auto")
    .option(
      "--threads <n>",
      threads.help ?? "training threads (data parallel over shared memory; 1 = bitwise reproducible across thread counts' reruns too)",
      parseThreads,
      threads.default,
    );
}

/**
 * A flag's own validator rejected what was typed: a usage error (exit 2), like an unknown flag.
 * Commander prints "error: option '--threads <n>' argument 'abc' is invalid." before `fix`, so the
 * message says only what to type instead.
 */
export function invalidValue(fix: string): InvalidArgumentError {
  return new InvalidArgumentError(fix);
}

/** A parser for integer flags in [lo, hi]. */
export function integerFlag(lo: number, hi = Number.MAX_SAFE_INTEGER, what = ""): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === "" || !Number.isSafeInteger(n) || n < lo || n > hi) {
      const range = hi === Number.MAX_SAFE_INTEGER ? (lo === 0 ? "a non-negative integer" : `an integer >= ${lo}`) : `an integer in [${lo}, ${hi}]`;
      throw invalidValue(`Use ${range}${what ? ` (${what})` : ""}.`);
    }
    return n;
  };
}

const parseThreads = integerFlag(1, 256, "the number of training threads");

function parseKernelMode(v: string): KernelMode {
  if (v === "auto" || v === "dense" || v === "sparse") return v;
  throw invalidValue("Use one of auto, dense, sparse.");
}

export function pct(x: number): string {
  return Number.isFinite(x) ? `${(100 * x).toFixed(2)}%` : "-";
}

/** A wall time for people: "42 s", "14 min", "6.2 h". */
export function formatDuration(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
