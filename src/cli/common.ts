import type { Command } from "commander";
import { availableParallelism } from "node:os";
import type { KernelMode } from "../nn/network.js";

export interface RuntimeOptions {
  dataDir?: string;
  kernels?: KernelMode;
  threads: number;
}

/** Options that change where data comes from or how fast it runs, never the results' meaning. */
export function addRuntimeOptions(cmd: Command): void {
  cmd
    .option("--data-dir <dir>", "directory holding mnist/ and cifar10/ (default: $LOTTERY_DATA_DIR, else the user cache, downloading on first use)")
    .option("--kernels <mode>", "pruned layers run on: auto (sparse below the measured crossover density), dense or sparse", parseKernelMode, "auto")
    .option("--threads <n>", "training threads (data parallel over shared memory; 1 = bitwise reproducible across thread counts' reruns too)", parseThreads, availableParallelism());
}

function parseThreads(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new Error(`invalid --threads ${JSON.stringify(v)}: must be an integer in [1, 256]`);
  return n;
}

function parseKernelMode(v: string): KernelMode {
  if (v === "auto" || v === "dense" || v === "sparse") return v;
  throw new Error(`invalid --kernels ${JSON.stringify(v)}: must be one of auto, dense, sparse`);
}

export function pct(x: number): string {
  return Number.isFinite(x) ? `${(100 * x).toFixed(2)}%` : "-";
}
